"""docs/service.md documents every setting, error code and metric (datasette-style docs test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import ERROR_CODES
from service.metrics import METRIC_NAMES
from service.settings import SettingDoc, describe_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "service.md"


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", describe_settings(), ids=lambda s: s.name)
def test_docs_document_setting(doc: str, setting: SettingDoc) -> None:
    prefix = f"| `{setting.name}` |"
    row = next((line for line in doc.splitlines() if line.startswith(prefix)), None)
    assert row is not None, f"docs/service.md has no settings row for {setting.name}"
    assert f"`{setting.env}`" in row
    assert f"`{setting.default}`" in row


@pytest.mark.parametrize("code", list(ERROR_CODES))
def test_docs_document_error_code(doc: str, code: str) -> None:
    rows = [line for line in doc.splitlines() if line.startswith(f"| `{code}` |")]
    assert rows, f"docs/service.md has no row for error code {code}"
    status = ERROR_CODES[code].status
    if status is not None:
        assert any(f"| {status} |" in row for row in rows), (
            f"{code} should be documented as {status}"
        )


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_docs_document_metric(doc: str, metric: str) -> None:
    assert f"| `{metric}` |" in doc


def test_docs_document_config_file_variable(doc: str) -> None:
    assert "TRIAGE_CONFIG_FILE" in doc


def test_service_exports_resolve() -> None:
    import service

    for name in service.__all__:
        assert getattr(service, name) is not None
    with pytest.raises(AttributeError):
        service.nothing_here  # noqa: B018

"""Shared fixtures: settings, a fake model (injected or as a bundle), and app clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import Settings, load_settings
from tests.service.fake_model import FakeTriageModel, register

API_KEY = "desk-one-key-0123456789"
OTHER_KEY = "desk-two-key-9876543210"
ADMIN_KEY = "admin-key-abcdefghijklmnop"
AUTH = {"X-API-Key": API_KEY}
ADMIN = {"X-API-Key": ADMIN_KEY}
SECRET_TEXT = "报警人张三丰身份证号码110101199001011234住幸福里小区七号楼"
"""A distinctive record text that must never appear in a log line or an error body."""


@pytest.fixture(autouse=True, scope="session")
def _fake_architecture() -> None:
    register()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A SQLite feedback database of this test only."""
    return f"sqlite:///{tmp_path / 'feedback' / 'feedback.sqlite3'}"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    # Settings read TRIAGE_* variables; tests start from none but the feedback database, which
    # goes to tmp_path so that no test writes the project's artifacts/feedback.sqlite3.
    import os

    for name in list(os.environ):
        if name.startswith("TRIAGE_") or name == "PROMETHEUS_MULTIPROC_DIR":
            monkeypatch.delenv(name)
    monkeypatch.setenv("TRIAGE_FEEDBACK__DATABASE_URL", database_url)


SettingsFactory = Callable[..., Settings]


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@pytest.fixture
def make_settings(database_url: str) -> SettingsFactory:
    """Settings with two operator keys and a feedback database in ``tmp_path``; keyword
    arguments override (nested dicts merge)."""

    def build(**overrides: Any) -> Settings:
        base: dict[str, Any] = {
            "auth": {"api_keys": {"desk-1": API_KEY, "desk-2": OTHER_KEY}},
            "feedback": {"database_url": database_url},
        }
        return load_settings(overrides=_merge(base, overrides))

    return build


@pytest.fixture
def fake_model() -> FakeTriageModel:
    return FakeTriageModel("fake-injected")


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def make_app(make_settings: SettingsFactory, fake_model: FakeTriageModel) -> AppFactory:
    """An app serving ``fake_model`` (or ``model=``), with settings overrides as keywords."""

    def build(*, model: Any = None, **overrides: Any) -> FastAPI:
        return create_app(make_settings(**overrides), model=model or fake_model)

    return build


@pytest.fixture
def client(make_app: AppFactory) -> Iterator[TestClient]:
    with TestClient(make_app()) as test_client:
        yield test_client


@pytest.fixture
def bundle_root(tmp_path: Path) -> Path:
    """A directory holding fake bundles ``a`` (version fake-A) and ``b`` (version fake-B)."""
    root = tmp_path / "models"
    FakeTriageModel("fake-A").save(root / "a")
    FakeTriageModel("fake-B").save(root / "b")
    return root

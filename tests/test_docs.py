"""Every error code and review reason written in the source is documented (datasette-style)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from models.review import REVIEW_REASONS

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    p
    for package in ("nlp", "models", "training", "service")
    for p in (ROOT / package).rglob("*.py")
]
CODE_PATTERN = re.compile(
    r'\bcode\s*[=:]\s*(?:Final\s*=\s*)?"([A-Z][A-Z0-9_]+)"|_ERROR_CODE: Final = "([A-Z_]+)"'
)


def _codes_in_source() -> list[str]:
    found: set[str] = set()
    for path in SOURCES:
        for match in CODE_PATTERN.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1) or match.group(2))
    return sorted(found)


DOCS = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))


def test_docs_source_scan_finds_the_known_codes():
    codes = _codes_in_source()
    assert {
        "BUNDLE_HASH_MISMATCH",
        "EMPTY_TEXT",
        "INVALID_TRAINING_ROW",
        "CUE_LEXICON_INVALID",
    } <= set(codes)


@pytest.mark.parametrize("code", _codes_in_source())
def test_docs_document_error_code(code):
    assert f"`{code}`" in DOCS, (
        f"error code {code} is raised in the source but not documented in docs/"
    )


@pytest.mark.parametrize("reason", sorted(REVIEW_REASONS))
def test_docs_document_review_reason(reason):
    assert f"| `{reason}` |" in (ROOT / "docs" / "models.md").read_text(encoding="utf-8")

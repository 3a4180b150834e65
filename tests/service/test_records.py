from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from starlette.requests import Request

from nlp.validate import is_blank, is_clean_text
from service.auth import match_key, presented_key
from service.records import prepare_records, triage_records
from tests.service.fake_model import FakeTriageModel

values = st.one_of(st.text(max_size=30), st.none(), st.integers(), st.lists(st.text(), max_size=2))


@given(st.lists(values, max_size=20))
def test_triage_records_one_entry_per_record_in_order(texts: list[object]) -> None:
    records = [(i, value) for i, value in enumerate(texts)]
    entries = triage_records(FakeTriageModel(), records, max_chars=20)
    assert [e["id"] for e in entries] == list(range(len(texts)))
    for entry, value in zip(entries, texts, strict=True):
        ok = (
            isinstance(value, str)
            and is_clean_text(value)
            and not is_blank(value)
            and len(value) <= 20
        )
        assert ("error" in entry) is not ok


def test_prepare_records_rejects_mismatched_prediction_count() -> None:
    prepared = prepare_records([("a", "占地"), ("b", "欠薪")], max_chars=100)
    with pytest.raises(ValueError):
        prepared.entries(FakeTriageModel().predict(["占地"]))


def test_triage_records_error_entry_has_code_and_message_only() -> None:
    entries = triage_records(FakeTriageModel(), [("x", "  ")], max_chars=10)
    assert entries == [
        {"id": "x", "error": {"code": "EMPTY_TEXT", "message": entries[0]["error"]["message"]}}
    ]


def test_triage_records_skips_model_when_all_invalid() -> None:
    model = FakeTriageModel()
    triage_records(model, [(1, ""), (2, None)], max_chars=10)
    assert model.calls == []


def _request(headers: dict[str, str]) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "headers": raw})


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-API-Key": "abc"}, "abc"),
        ({"Authorization": "Bearer abc"}, "abc"),
        ({"Authorization": "bearer  abc "}, "abc"),
        ({"Authorization": "Basic abc"}, None),
        ({"Authorization": "Bearer "}, None),
        ({}, None),
    ],
)
def test_presented_key_reads_both_headers(headers: dict[str, str], expected: str | None) -> None:
    assert presented_key(_request(headers)) == expected


def test_match_key_finds_operator_of_any_position() -> None:
    keys = {f"desk-{i}": SecretStr(f"key-number-{i:02d}-padding") for i in range(5)}
    assert match_key("key-number-03-padding", keys) == "desk-3"
    assert match_key("key-number-03-paddin", keys) is None
    assert match_key("", keys) is None

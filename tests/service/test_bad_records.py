"""Bad records fail alone: text or ids that are not UTF-8 text, boolean ids, unbounded numbers,
non-canonical labels and invisible-only text, on the single, batch and feedback routes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlp.validate import is_clean_text
from tests.service.conftest import ADMIN, ADMIN_KEY, AUTH, OTHER_KEY, AppFactory
from tests.service.fake_model import FakeTriageModel

TEXT = "邻居吵架，对方扬言要打人"
JSON = {**AUTH, "Content-Type": "application/json"}


def _post_raw(client: TestClient, path: str, body: str) -> Any:
    # Written by hand: a JSON "\ud800" escape decodes to a lone surrogate, which a client
    # library's encoder would refuse to send.
    return client.post(path, content=body.encode("utf-8"), headers=JSON)


def _assert_error_shape(response: Any, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["code"] == code
    assert "\\ud800" not in response.text and "a\ufffd" not in response.text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"id": "a\\ud800", "text": "邻居吵架"}', "INVALID_ID"),
        ('{"id": "a\\u0000", "text": "邻居吵架"}', "INVALID_ID"),
        ('{"id": false, "text": "邻居吵架"}', "INVALID_ID"),
        ('{"id": true, "text": "邻居吵架"}', "INVALID_ID"),
        ('{"id": 1.5, "text": "邻居吵架"}', "INVALID_ID"),
        ('{"id": 9223372036854775808, "text": "邻居吵架"}', "INVALID_ID"),
        ('{"id": [1], "text": "邻居吵架"}', "INVALID_ID"),
        ('{"id": 1, "text": "邻居吵架\\udfff"}', "INVALID_CHARACTERS"),
        ('{"id": 1, "text": "邻居\\u0000吵架"}', "INVALID_CHARACTERS"),
        ('{"id": 1, "text": "\\u200b"}', "EMPTY_TEXT"),
        ('{"id": 1, "text": "\\u200b\\ufeff \\u3000"}', "EMPTY_TEXT"),
    ],
)
def test_triage_bad_field_is_a_clean_422(client: TestClient, body: str, code: str) -> None:
    response = _post_raw(client, "/v1/triage", body)
    _assert_error_shape(response, 422, code)


def test_triage_keeps_large_integer_and_string_ids(client: TestClient) -> None:
    for record_id in (2**63 - 1, -(2**63 - 1), "JQ-1", 0):
        response = client.post("/v1/triage", json={"id": record_id, "text": TEXT}, headers=AUTH)
        assert response.status_code == 200
        assert response.json()["id"] == record_id


def test_batch_bad_records_fail_alone(client: TestClient) -> None:
    records = [
        '{"id": "a\\ud800", "text": "邻居吵架"}',
        '{"id": 2, "text": "邻居吵架"}',
        '{"id": false, "text": "邻居吵架"}',
        '{"id": 4, "text": "a\\ud800"}',
        '{"id": 5, "text": "\\u0000"}',
        '{"id": 6, "text": "\\u200b"}',
        '{"id": 9223372036854775808, "text": "邻居吵架"}',
        '{"id": "\\udfff", "text": "\\udfff"}',
        '{"id": "x", "text": "邻居吵架"}',
    ]
    response = _post_raw(client, "/v1/triage/batch", '{"records": [' + ",".join(records) + "]}")
    assert response.status_code == 200
    results = response.json()["results"]
    codes = [r["error"]["code"] if "error" in r else None for r in results]
    assert codes == [
        "INVALID_ID",
        None,
        "INVALID_ID",
        "INVALID_CHARACTERS",
        "INVALID_CHARACTERS",
        "EMPTY_TEXT",
        "INVALID_ID",
        "INVALID_ID",
        None,
    ]
    assert [r["id"] for r in results] == [None, 2, None, 4, 5, 6, None, None, "x"]
    expected = FakeTriageModel("fake-injected").predict(["邻居吵架"])[0]
    assert results[1]["dispute_type"] == expected.model_dump(mode="json")["dispute_type"]


def _triage(client: TestClient, text: str = TEXT) -> str:
    response = client.post("/v1/triage", json={"text": text}, headers=AUTH)
    assert response.status_code == 200
    return str(response.headers["x-request-id"])


def _correction(request_id: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": request_id,
        "text": TEXT,
        "dispute_type": "neighbour",
        "risk_grade": "complex",
        "escalation": False,
    }
    body.update(fields)
    return body


@pytest.mark.parametrize(
    "labels",
    [
        {"dispute_type": "LAND"},
        {"dispute_type": " land"},
        {"dispute_type": "Neighbour"},
        {"dispute_type": "邻里 "},
        {"dispute_type": 1},
        {"risk_grade": "DIFFICULT"},
        {"risk_grade": "红"},
        {"escalation": "yes"},
        {"escalation": "真"},
        {"escalation": 1},
        {"escalation": "1"},
        {"escalation": "true"},
    ],
)
def test_feedback_refuses_non_canonical_labels(client: TestClient, labels: dict[str, Any]) -> None:
    request_id = _triage(client)
    response = client.post("/v1/feedback", json=_correction(request_id, **labels), headers=AUTH)
    _assert_error_shape(response, 422, "UNKNOWN_LABEL")


@pytest.mark.parametrize(
    "labels",
    [
        {"dispute_type": "neighbour", "risk_grade": "difficult", "escalation": True},
        {"dispute_type": "邻里", "risk_grade": "疑难", "escalation": "是"},
        {"dispute_type": "land", "risk_grade": "一般", "escalation": "否"},
    ],
)
def test_feedback_accepts_ids_and_chinese_names(client: TestClient, labels: dict[str, Any]) -> None:
    request_id = _triage(client)
    response = client.post("/v1/feedback", json=_correction(request_id, **labels), headers=AUTH)
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"text": "\u200b"}, "EMPTY_TEXT"),
        ({"text": " \u200b\u3000"}, "EMPTY_TEXT"),
        ({"record_index": 2**63}, "VALIDATION_ERROR"),
        ({"record_index": 2**64 + 1}, "VALIDATION_ERROR"),
        ({"record_index": 256}, "VALIDATION_ERROR"),
        ({"record_index": -1}, "VALIDATION_ERROR"),
        ({"record_index": True}, "VALIDATION_ERROR"),
        ({"record_index": "1"}, "VALIDATION_ERROR"),
    ],
)
def test_feedback_refuses_empty_text_and_unbounded_index(
    client: TestClient, fields: dict[str, Any], code: str
) -> None:
    request_id = _triage(client)
    response = client.post("/v1/feedback", json=_correction(request_id, **fields), headers=AUTH)
    _assert_error_shape(response, 422, code)


@pytest.mark.parametrize(
    "field",
    ["request_id", "text", "dispute_type", "risk_grade", "escalation"],
)
def test_feedback_lone_surrogate_in_any_field_is_a_clean_4xx(
    client: TestClient, field: str
) -> None:
    request_id = _triage(client)
    fields = _correction(request_id)
    fields[field] = "邻里\ud800"
    body = json.dumps(fields)
    response = _post_raw(client, "/v1/feedback", body)
    assert 400 <= response.status_code < 500
    assert set(response.json()["error"]) == {"code", "message", "request_id"}
    assert "\\ud800" not in response.text


def test_feedback_database_files_are_owner_only(make_app: AppFactory, database_url: str) -> None:
    old = os.umask(0o022)
    try:
        with TestClient(make_app()) as client:
            request_id = _triage(client)
            assert (
                client.post("/v1/feedback", json=_correction(request_id), headers=AUTH).status_code
                == 201
            )
            database = Path(database_url.removeprefix("sqlite:///"))
            files = [
                p
                for p in (
                    database,
                    *(database.with_name(database.name + s) for s in ("-wal", "-shm")),
                )
                if p.exists()
            ]
            assert database in files and len(files) >= 2
            for path in files:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    finally:
        os.umask(old)


def test_feedback_on_another_operators_prediction_is_refused(client: TestClient) -> None:
    request_id = _triage(client)
    other = {"X-API-Key": OTHER_KEY}
    response = client.post("/v1/feedback", json=_correction(request_id), headers=other)
    _assert_error_shape(response, 403, "FEEDBACK_NOT_ALLOWED")
    # Checked before the text: another operator learns nothing about the text either way.
    wrong_text = client.post(
        "/v1/feedback", json=_correction(request_id, text="别的文字"), headers=other
    )
    _assert_error_shape(wrong_text, 403, "FEEDBACK_NOT_ALLOWED")
    store = client.app.state.service.store  # type: ignore[attr-defined]
    assert list(store.iter_feedback()) == []
    own = client.post("/v1/feedback", json=_correction(request_id), headers=AUTH)
    assert own.status_code == 201
    assert own.json()["operator_id"] == "desk-1"


def test_feedback_admin_key_may_correct_any_prediction(make_app: AppFactory) -> None:
    with TestClient(make_app(admin={"api_key": ADMIN_KEY})) as client:
        request_id = _triage(client)
        response = client.post("/v1/feedback", json=_correction(request_id), headers=ADMIN)
    assert response.status_code == 201
    assert response.json()["operator_id"] == "admin-key"


def test_feedback_admin_key_is_no_key_when_not_configured(client: TestClient) -> None:
    request_id = _triage(client)
    response = client.post("/v1/feedback", json=_correction(request_id), headers=ADMIN)
    _assert_error_shape(response, 401, "API_KEY_INVALID")


@pytest.mark.parametrize("model_dir", ["/tmp/a\\ud800", "/tmp/a\\u0000"])
def test_reload_path_that_is_not_utf8_text_is_a_clean_422(
    make_app: AppFactory, model_dir: str
) -> None:
    with TestClient(make_app(admin={"enabled": True, "api_key": ADMIN_KEY})) as client:
        response = client.post(
            "/v1/admin/reload",
            content=('{"model_dir": "' + model_dir + '"}').encode(),
            headers={**ADMIN, "Content-Type": "application/json"},
        )
    _assert_error_shape(response, 422, "VALIDATION_ERROR")


_bad_strings = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["\ud800", "a\udfff", "\x00", "\u200b", "邻居\udc80吵架", "", " "]),
)
_any_ids = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _bad_strings,
    st.lists(st.integers(), max_size=2),
)
_any_texts = st.one_of(_bad_strings, st.just(TEXT), st.integers(), st.none())


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=st.lists(st.tuples(_any_ids, _any_texts), max_size=6))
def test_batch_any_ids_and_texts_fail_alone(
    client: TestClient, records: list[tuple[object, object]]
) -> None:
    body = json.dumps({"records": [{"id": i, "text": t} for i, t in records]})
    response = _post_raw(client, "/v1/triage/batch", body)
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == len(records)
    for result, (record_id, text) in zip(results, records, strict=True):
        valid_id = record_id is None or (
            type(record_id) in (str, int)
            and (not isinstance(record_id, int) or abs(record_id) < 2**63)
            and (not isinstance(record_id, str) or is_clean_text(record_id))
        )
        if not valid_id:
            assert result == {"id": None, "error": result["error"]}
            assert result["error"]["code"] == "INVALID_ID"
        elif text == TEXT:
            assert "error" not in result and result["id"] == record_id
    for record_id, _ in records:
        if isinstance(record_id, str) and record_id and not is_clean_text(record_id):
            assert json.dumps(record_id) not in response.text

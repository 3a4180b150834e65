"""POST /v1/feedback and the audit log of predictions, on a SQLite database in tmp_path."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text as sql

from service.feedback import FeedbackStore
from tests.service.conftest import AUTH, OTHER_KEY, SECRET_TEXT, AppFactory
from tests.service.fake_model import expected_labels

PHONE = "13912345678"
RECORD = f"报警人王某（电话{PHONE}）称邻居在楼道堆放杂物，双方发生口角。"


def _store(client: TestClient) -> FeedbackStore:
    store = client.app.state.service.store  # type: ignore[attr-defined]
    assert isinstance(store, FeedbackStore)
    return store


def _triage(client: TestClient, text: str, headers: dict[str, str] | None = None) -> str:
    response = client.post("/v1/triage", json={"text": text}, headers=headers or AUTH)
    assert response.status_code == 200
    return response.headers["x-request-id"]


def _correction(request_id: str, text: object = RECORD, **labels: Any) -> dict[str, Any]:
    body = {
        "request_id": request_id,
        "text": text,
        "dispute_type": "neighbour",
        "risk_grade": "complex",
        "escalation": False,
    }
    body.update(labels)
    return body


def test_feedback_stores_masked_text_without_phone_digits(client: TestClient) -> None:
    request_id = _triage(client, RECORD)
    response = client.post("/v1/feedback", json=_correction(request_id), headers=AUTH)
    assert response.status_code == 201
    [row] = list(_store(client).iter_feedback())
    assert PHONE not in row.masked_text
    assert not re.search(r"\d{7,}", row.masked_text)
    assert "楼道堆放杂物" in row.masked_text
    assert PHONE not in response.text and "楼道" not in response.text


def test_feedback_operator_comes_from_the_api_key(client: TestClient) -> None:
    other = {"X-API-Key": OTHER_KEY}
    request_id = _triage(client, RECORD, headers=other)
    response = client.post("/v1/feedback", json=_correction(request_id), headers=other)
    assert response.status_code == 201
    assert response.json()["operator_id"] == "desk-2"
    [row] = list(_store(client).iter_feedback())
    assert row.operator_id == "desk-2"


def test_feedback_predicted_labels_come_from_the_audit_log(client: TestClient) -> None:
    request_id = _triage(client, RECORD)
    dispute_type, risk_grade, escalation = expected_labels(RECORD)
    body = client.post("/v1/feedback", json=_correction(request_id), headers=AUTH).json()
    assert body["predicted"] == {
        "dispute_type": dispute_type,
        "risk_grade": risk_grade,
        "escalation": escalation,
    }
    assert body["corrected"] == {
        "dispute_type": "neighbour",
        "risk_grade": "complex",
        "escalation": False,
    }
    assert body["model_version"] == "fake-injected"
    expected_changed = [
        head
        for head, before, after in (
            ("dispute_type", dispute_type, "neighbour"),
            ("risk_grade", risk_grade, "complex"),
            ("escalation", escalation, False),
        )
        if before != after
    ]
    assert body["changed"] == expected_changed


def test_feedback_accepts_chinese_label_names(client: TestClient) -> None:
    request_id = _triage(client, RECORD)
    body = _correction(request_id, dispute_type="债务", risk_grade="疑难", escalation="是")
    response = client.post("/v1/feedback", json=body, headers=AUTH)
    assert response.status_code == 201
    assert response.json()["corrected"] == {
        "dispute_type": "debt",
        "risk_grade": "difficult",
        "escalation": True,
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dispute_type", "火灾"),
        ("risk_grade", "urgent"),
        ("escalation", "maybe"),
        ("escalation", 7),
    ],
)
def test_feedback_bad_label_is_422_in_the_one_shape(
    client: TestClient, field: str, value: object
) -> None:
    request_id = _triage(client, RECORD)
    response = client.post(
        "/v1/feedback", json=_correction(request_id, **{field: value}), headers=AUTH
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "UNKNOWN_LABEL"
    assert body["error"]["request_id"] == response.headers["x-request-id"]
    assert field in body["error"]["message"]
    assert str(value) not in body["error"]["message"]
    assert list(_store(client).iter_feedback()) == []


def test_feedback_unknown_request_id_is_refused(client: TestClient) -> None:
    response = client.post("/v1/feedback", json=_correction("never-served-0001"), headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "UNKNOWN_REQUEST_ID"
    assert list(_store(client).iter_feedback()) == []


def test_feedback_with_another_text_is_a_409_and_stores_nothing(client: TestClient) -> None:
    request_id = _triage(client, RECORD)
    response = client.post(
        "/v1/feedback", json=_correction(request_id, text=SECRET_TEXT), headers=AUTH
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "FEEDBACK_TEXT_MISMATCH"
    assert error["request_id"] == response.headers["x-request-id"]
    assert "110101199001011234" not in response.text and "张三丰" not in response.text
    assert list(_store(client).iter_feedback()) == []


@pytest.mark.parametrize(
    "edited", [RECORD + "。", RECORD.replace("邻居", "鄰居"), " " + RECORD, RECORD[:-1]]
)
def test_feedback_text_must_be_exactly_the_text_triaged(client: TestClient, edited: str) -> None:
    request_id = _triage(client, RECORD)
    refused = client.post("/v1/feedback", json=_correction(request_id, text=edited), headers=AUTH)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "FEEDBACK_TEXT_MISMATCH"
    ok = client.post("/v1/feedback", json=_correction(request_id), headers=AUTH)
    assert ok.status_code == 201
    assert len(list(_store(client).iter_feedback())) == 1


def test_feedback_error_never_echoes_the_text(client: TestClient) -> None:
    response = client.post(
        "/v1/feedback", json=_correction("never-served-0002", text=SECRET_TEXT), headers=AUTH
    )
    assert response.status_code == 422
    assert "110101199001011234" not in response.text and "张三丰" not in response.text


@pytest.mark.parametrize(("text", "code"), [("  ", "EMPTY_TEXT"), (12, "NOT_TEXT")])
def test_feedback_invalid_text_is_refused(client: TestClient, text: object, code: str) -> None:
    request_id = _triage(client, RECORD)
    response = client.post("/v1/feedback", json=_correction(request_id, text=text), headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


def test_feedback_needs_an_api_key(client: TestClient) -> None:
    request_id = _triage(client, RECORD)
    response = client.post("/v1/feedback", json=_correction(request_id))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "API_KEY_MISSING"


def test_feedback_batch_record_index_names_the_record(client: TestClient) -> None:
    texts = ["张某反映老板拖欠工资三个月。", "", "刘某称借给赵某五万元未还。"]
    response = client.post(
        "/v1/triage/batch", json={"records": [{"text": t} for t in texts]}, headers=AUTH
    )
    request_id = response.headers["x-request-id"]
    ok = client.post(
        "/v1/feedback", json=_correction(request_id, text=texts[2], record_index=2), headers=AUTH
    )
    assert ok.status_code == 201
    assert ok.json()["predicted"]["dispute_type"] == expected_labels(texts[2])[0]
    refused = client.post(
        "/v1/feedback", json=_correction(request_id, text=texts[0], record_index=1), headers=AUTH
    )
    assert refused.json()["error"]["code"] == "UNKNOWN_REQUEST_ID"
    # Each record of a batch is bound to its own text: record 0's text under index 2 is refused.
    swapped = client.post(
        "/v1/feedback", json=_correction(request_id, text=texts[0], record_index=2), headers=AUTH
    )
    assert swapped.status_code == 409
    assert swapped.json()["error"]["code"] == "FEEDBACK_TEXT_MISMATCH"
    assert len(list(_store(client).iter_feedback())) == 1


def test_audit_log_records_each_prediction_without_text(client: TestClient) -> None:
    single = _triage(client, RECORD, headers={**AUTH, "X-Request-ID": "audit-single-1"})
    client.post(
        "/v1/triage/batch",
        json={"records": [{"text": "老板拖欠工资"}, {"text": ""}, {"text": SECRET_TEXT}]},
        headers={"X-API-Key": OTHER_KEY, "X-Request-ID": "audit-batch-1"},
    )
    rows = _store(client).audit_rows()
    assert [(r["request_id"], r["record_index"], r["endpoint"]) for r in rows] == [
        (single, 0, "triage"),
        ("audit-batch-1", 0, "batch"),
        ("audit-batch-1", 2, "batch"),
    ]
    assert [r["operator_id"] for r in rows] == ["desk-1", "desk-2", "desk-2"]
    first = rows[0]
    assert (first["dispute_type"], first["risk_grade"], first["escalation"]) == expected_labels(
        RECORD
    )
    assert all(r["model_version"] == "fake-injected" and r["latency_ms"] >= 0 for r in rows)
    stored = " ".join(str(value) for row in rows for value in row.values())
    assert "张三丰" not in stored and "楼道" not in stored and PHONE not in stored
    assert all(len(r["text_sha256"]) == 64 and len(r["text_salt"]) == 32 for r in rows)


def test_audit_log_refuses_update_and_delete(client: TestClient) -> None:
    _triage(client, RECORD)
    engine = _store(client).engine
    for statement in (
        "UPDATE prediction_audit SET risk_grade = 'general'",
        "DELETE FROM prediction_audit",
    ):
        with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
            connection.execute(sql(statement))
    assert len(_store(client).audit_rows()) == 1


def test_feedback_disabled_answers_404_and_opens_no_database(make_app: AppFactory) -> None:
    with TestClient(make_app(feedback={"enabled": False})) as client:
        request_id = _triage(client, RECORD)
        response = client.post("/v1/feedback", json=_correction(request_id), headers=AUTH)
        assert client.app.state.service.store is None  # type: ignore[attr-defined]
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_feedback_beyond_the_per_operator_limit_is_refused_with_retry_after(
    make_app: AppFactory,
) -> None:
    with TestClient(make_app(feedback={"max_per_minute": 2})) as client:
        request_id = _triage(client, RECORD)
        for _ in range(2):
            ok = client.post("/v1/feedback", json=_correction(request_id), headers=AUTH)
            assert ok.status_code == 201
        refused = client.post("/v1/feedback", json=_correction(request_id), headers=AUTH)
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "RATE_LIMITED"
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "楼道" not in refused.text and PHONE not in refused.text
        assert len(list(_store(client).iter_feedback())) == 2
        other_key = {"X-API-Key": OTHER_KEY}
        other_request_id = _triage(client, RECORD, headers=other_key)
        other = client.post("/v1/feedback", json=_correction(other_request_id), headers=other_key)
        assert other.status_code == 201

"""Every error path answers ``{"error": {"code", "message", "request_id"}}`` with a request id."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.errors import ERROR_CODES
from tests.service.conftest import ADMIN, AUTH, OTHER_KEY, SECRET_TEXT, AppFactory, SettingsFactory
from tests.service.fake_model import FakeTriageModel

JSON = {"content-type": "application/json"}


def assert_error_shape(response: httpx2.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["error"]["request_id"] == response.headers["x-request-id"]
    known = ERROR_CODES[code]
    assert known.status == status


Call = Callable[[TestClient], httpx2.Response]

CASES: list[tuple[str, Call, int, str]] = [
    (
        "malformed json",
        lambda c: c.post("/v1/triage", content=b'{"text": ', headers={**AUTH, **JSON}),
        400,
        "INVALID_JSON",
    ),
    ("no key", lambda c: c.post("/v1/triage", json={"text": "占地"}), 401, "API_KEY_MISSING"),
    (
        "wrong key",
        lambda c: c.post("/v1/triage", json={"text": "占地"}, headers={"X-API-Key": "w" * 20}),
        401,
        "API_KEY_INVALID",
    ),
    (
        "operator key on admin",
        lambda c: c.post("/v1/admin/reload", headers=AUTH),
        403,
        "ADMIN_KEY_REQUIRED",
    ),
    ("unknown path", lambda c: c.get("/v2/nothing"), 404, "NOT_FOUND"),
    ("wrong method", lambda c: c.delete("/v1/triage", headers=AUTH), 405, "METHOD_NOT_ALLOWED"),
    (
        "body too large",
        lambda c: c.post("/v1/triage", content=b"x" * 5000, headers={**AUTH, **JSON}),
        413,
        "BODY_TOO_LARGE",
    ),
    (
        "not json",
        lambda c: c.post(
            "/v1/triage", content="text=占地", headers={**AUTH, "content-type": "text/plain"}
        ),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    (
        "schema mismatch",
        lambda c: c.post("/v1/triage", json={"txt": "占地"}, headers=AUTH),
        422,
        "VALIDATION_ERROR",
    ),
    (
        "records not a list",
        lambda c: c.post("/v1/triage/batch", json={"records": "占地"}, headers=AUTH),
        422,
        "VALIDATION_ERROR",
    ),
    (
        "empty text",
        lambda c: c.post("/v1/triage", json={"text": ""}, headers=AUTH),
        422,
        "EMPTY_TEXT",
    ),
    (
        "too many records",
        lambda c: c.post(
            "/v1/triage/batch", json={"records": [{"text": "占地"}] * 4}, headers=AUTH
        ),
        422,
        "TOO_MANY_RECORDS",
    ),
    (
        "reload outside allowed places",
        lambda c: c.post("/v1/admin/reload", json={"model_dir": "/etc"}, headers=ADMIN),
        403,
        "MODEL_DIR_NOT_ALLOWED",
    ),
]


@pytest.fixture
def error_client(make_app: AppFactory) -> Any:
    app = make_app(
        limits={"max_body_bytes": 2048, "max_batch_records": 3},
        admin={"enabled": True, "api_key": ADMIN["X-API-Key"]},
    )
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(("name", "call", "status", "code"), CASES, ids=[c[0] for c in CASES])
def test_error_shape_on_every_client_error(
    error_client: TestClient, name: str, call: Call, status: int, code: str
) -> None:
    assert_error_shape(call(error_client), status, code)


def test_error_shape_on_405_keeps_allow_header(error_client: TestClient) -> None:
    response = error_client.put("/healthz")
    assert_error_shape(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in response.headers["allow"]


def test_error_shape_on_401_sends_challenge(error_client: TestClient) -> None:
    response = error_client.get("/v1/model")
    assert_error_shape(response, 401, "API_KEY_MISSING")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_error_shape_on_admin_disabled_is_404(client: TestClient) -> None:
    assert_error_shape(client.post("/v1/admin/reload", headers=ADMIN), 404, "NOT_FOUND")


def test_error_shape_on_503_before_model_loaded(make_app: AppFactory) -> None:
    client = TestClient(make_app())  # no `with`: the lifespan has not loaded the model
    assert_error_shape(client.get("/readyz"), 503, "MODEL_NOT_READY")
    assert_error_shape(
        client.post("/v1/triage", json={"text": "占地"}, headers=AUTH), 503, "MODEL_NOT_READY"
    )
    assert client.get("/healthz").status_code == 200


def test_error_shape_on_504_when_prediction_is_slow(make_app: AppFactory) -> None:
    slow = FakeTriageModel("slow", delay_s=0.3)
    with TestClient(make_app(model=slow, limits={"request_timeout_s": 0.05})) as client:
        response = client.post("/v1/triage", json={"text": "占地"}, headers=AUTH)
    assert_error_shape(response, 504, "REQUEST_TIMEOUT")


def test_error_shape_on_500_when_model_breaks(make_app: AppFactory) -> None:
    app = make_app()
    with TestClient(app) as client:
        app.state.service.slot.current.model.fail_with = KeyError("unexpected")
        response = client.post("/v1/triage", json={"text": "占地"}, headers=AUTH)
    assert_error_shape(response, 500, "INTERNAL_ERROR")


def test_error_shape_on_409_when_reload_running(
    make_settings: SettingsFactory, bundle_root: Path
) -> None:
    settings = make_settings(
        model_dir=str(bundle_root / "a"), admin={"enabled": True, "api_key": ADMIN["X-API-Key"]}
    )
    app = create_app(settings)
    with TestClient(app) as client:
        lock = app.state.service.slot._reloading
        lock.acquire()
        try:
            response = client.post("/v1/admin/reload", headers=ADMIN)
        finally:
            lock.release()
    assert_error_shape(response, 409, "RELOAD_IN_PROGRESS")


def test_error_shape_on_409_when_a_correction_names_another_text(client: TestClient) -> None:
    reply = client.post("/v1/triage", json={"text": "邻居家漏水到我家"}, headers=AUTH)
    body = {
        "request_id": reply.headers["x-request-id"],
        "text": SECRET_TEXT,
        "dispute_type": "neighbour",
        "risk_grade": "general",
        "escalation": False,
    }
    response = client.post("/v1/feedback", json=body, headers=AUTH)
    assert_error_shape(response, 409, "FEEDBACK_TEXT_MISMATCH")
    assert "张三丰" not in response.text


def test_request_id_is_echoed_when_sane_and_replaced_when_not(client: TestClient) -> None:
    sane = client.get("/healthz", headers={"X-Request-ID": "abc-123.x:y"})
    assert sane.headers["x-request-id"] == "abc-123.x:y"
    odd = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces" + "x" * 200})
    assert odd.headers["x-request-id"] != "bad id with spaces" + "x" * 200
    assert len(odd.headers["x-request-id"]) == 32


def test_request_id_differs_per_request(client: TestClient) -> None:
    first = client.get("/healthz").headers["x-request-id"]
    second = client.get("/healthz").headers["x-request-id"]
    assert first != second


def test_operator_keys_each_authenticate(client: TestClient) -> None:
    for key in (AUTH["X-API-Key"], OTHER_KEY):
        response = client.post("/v1/triage", json={"text": "占地"}, headers={"X-API-Key": key})
        assert response.status_code == 200


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 413, 415, 422, 500, 503, 504])
def test_error_shape_for_plain_framework_http_errors(make_app: AppFactory, status: int) -> None:
    from fastapi import HTTPException

    app = make_app()

    @app.get("/raise")
    async def raise_plain() -> None:
        raise HTTPException(status_code=status, detail=f"framework detail {SECRET_TEXT}")

    with TestClient(app) as client:
        response = client.get("/raise")
    body = response.json()
    assert response.status_code == status
    assert ERROR_CODES[body["error"]["code"]].status == status
    assert SECRET_TEXT not in response.text

"""Record text never reaches a log line or an error body."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from tests.service.conftest import AUTH, SECRET_TEXT, AppFactory


def test_record_text_never_logged_nor_echoed_in_errors(
    make_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = make_app(limits={"max_text_chars": 40, "max_body_bytes": 4096})
    error_bodies = []
    with TestClient(app) as client:
        ok = client.post("/v1/triage", json={"text": SECRET_TEXT}, headers=AUTH)
        assert ok.status_code == 200
        batch = client.post(
            "/v1/triage/batch",
            json={"records": [{"text": SECRET_TEXT}, {"text": SECRET_TEXT * 2}]},
            headers=AUTH,
        )
        assert batch.status_code == 200
        error_bodies.append(json.dumps(batch.json()["results"][1]))
        attempts = [
            client.post("/v1/triage", json={"text": SECRET_TEXT * 2}, headers=AUTH),
            client.post("/v1/triage", json={"text": SECRET_TEXT}),
            client.post(
                "/v1/triage",
                content=('{"text": "' + SECRET_TEXT).encode(),
                headers={**AUTH, "content-type": "application/json"},
            ),
            client.post("/v1/triage", json={SECRET_TEXT: SECRET_TEXT}, headers=AUTH),
            client.post("/v1/triage", json={"text": [SECRET_TEXT]}, headers=AUTH),
            client.post("/v1/triage/batch", json={"records": SECRET_TEXT}, headers=AUTH),
            client.post("/v1/triage/batch", json={"records": [{"text": "x"}] * 2000}, headers=AUTH),
            client.post(
                "/v1/triage",
                content=SECRET_TEXT.encode(),
                headers={**AUTH, "content-type": "text/plain"},
            ),
            client.get(f"/v1/{SECRET_TEXT}", headers=AUTH),
        ]
        app.state.service.slot.current.model.fail_with = ValueError(f"bad input {SECRET_TEXT}")
        attempts.append(client.post("/v1/triage", json={"text": SECRET_TEXT}, headers=AUTH))
    for response in attempts:
        assert response.status_code >= 400
        error_bodies.append(response.text)
    assert len(error_bodies) == 11
    fragments = [SECRET_TEXT, SECRET_TEXT[:6], "110101199001011234"]
    for body in error_bodies:
        for fragment in fragments:
            assert fragment not in body
    # The test's own HTTP client logs the URLs it requests; everything else is the server side.
    server_lines = [r.getMessage() for r in caplog.records if not r.name.startswith("httpx")]
    assert any("status=500" in line for line in server_lines)
    for line in server_lines:
        for fragment in fragments:
            assert fragment not in line


def test_access_log_has_route_status_and_record_count(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.access")
    response = client.post(
        "/v1/triage/batch", json={"records": [{"text": "占地"}, {"text": "欠薪"}]}, headers=AUTH
    )
    line = next(r.getMessage() for r in caplog.records if r.name == "service.access")
    assert "route=/v1/triage/batch" in line
    assert "status=200" in line
    assert "records=2" in line
    assert "operator=desk-1" in line
    assert response.headers["x-request-id"] in line

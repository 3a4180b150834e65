from __future__ import annotations

import re

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from service.metrics import METRIC_NAMES, ServiceMetrics
from tests.service.conftest import AUTH, SECRET_TEXT, AppFactory
from tests.service.fake_model import FakeTriageModel, expected_labels

TEXTS = ["占地纠纷", "工资拖欠了三个月", "邻居吵架", SECRET_TEXT]


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][\w:]*)(\{.*\})? ([^ ]+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if found == labels:
            return float(match.group(3))
    return 0.0


def test_metrics_count_requests_predictions_and_review(make_app: AppFactory) -> None:
    with TestClient(make_app(auth={"label_metrics": True})) as client:
        for text in TEXTS:
            client.post("/v1/triage", json={"text": text}, headers=AUTH)
        client.post("/v1/triage/batch", json={"records": [{"text": ""}, {"text": 3}]}, headers=AUTH)
        client.get("/nowhere")
        body = client.get("/metrics", headers=AUTH).text
    route = {"method": "POST", "route": "/v1/triage", "status": "200"}
    assert sample(body, "triage_http_requests_total", **route) == len(TEXTS)
    assert sample(body, "triage_http_request_duration_seconds_count", **route) == len(TEXTS)
    assert (
        sample(body, "triage_http_requests_total", method="GET", route="unmatched", status="404")
        == 1
    )
    assert sample(body, "triage_records_total") == len(TEXTS) + 2
    assert sample(body, "triage_record_errors_total", code="EMPTY_TEXT") == 1
    assert sample(body, "triage_record_errors_total", code="NOT_TEXT") == 1
    for head, position in (("dispute_type", 0), ("risk_grade", 1)):
        expected: dict[str, int] = {}
        for text in TEXTS:
            label = str(expected_labels(text)[position])
            expected[label] = expected.get(label, 0) + 1
        for label, count in expected.items():
            assert sample(body, "triage_predictions_total", head=head, label=label) == count
    flagged = sum(expected_labels(text)[2] for text in TEXTS)
    assert sample(body, "triage_predictions_total", head="escalation", label="true") == flagged
    reviewed = sum(r.needs_review for r in FakeTriageModel().predict(TEXTS))
    assert sample(body, "triage_needs_review_total") == reviewed
    assert (
        sample(body, "triage_model_info", version="fake-injected", architecture="test-fake.v1") == 1
    )
    assert SECRET_TEXT not in body
    assert SECRET_TEXT[:4] not in body


def test_metrics_export_every_documented_name(make_app: AppFactory) -> None:
    with TestClient(make_app(auth={"label_metrics": True})) as client:
        client.post("/v1/triage", json={"text": "占地"}, headers=AUTH)
        body = client.get("/metrics", headers=AUTH).text
    for name in METRIC_NAMES:
        assert f"# TYPE {name.removesuffix('_total')}" in body


def test_metrics_use_app_owned_registry(make_app: AppFactory) -> None:
    with TestClient(make_app()) as first, TestClient(make_app()) as second:
        first.post("/v1/triage", json={"text": "占地"}, headers=AUTH)
        other = second.get("/metrics").text
    assert sample(other, "triage_records_total") == 0
    assert REGISTRY.get_sample_value("triage_records_total") is None


def test_metrics_protected_when_configured(make_app: AppFactory) -> None:
    with TestClient(make_app(auth={"protect_metrics": True})) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=AUTH).status_code == 200


def test_serve_model_replaces_version_label() -> None:
    metrics = ServiceMetrics()
    metrics.serve_model("v1", "arch")
    metrics.serve_model("v2", "arch")
    body = metrics.render()[0].decode()
    assert sample(body, "triage_model_info", version="v2", architecture="arch") == 1
    assert 'version="v1"' not in body


def _label_lines(body: str) -> list[str]:
    return [line for line in body.splitlines() if "triage_predictions" in line]


def test_metrics_leave_out_label_counts_by_default(client: TestClient) -> None:
    client.post("/v1/triage", json={"text": "占地纠纷"}, headers=AUTH)
    for headers in ({}, AUTH):
        body = client.get("/metrics", headers=headers).text
        assert _label_lines(body) == []
        assert sample(body, "triage_records_total") == 1


def test_metrics_label_counts_only_with_a_valid_key(make_app: AppFactory) -> None:
    with TestClient(make_app(auth={"label_metrics": True})) as client:
        client.post("/v1/triage", json={"text": "占地纠纷"}, headers=AUTH)
        anonymous = client.get("/metrics")
        wrong = client.get("/metrics", headers={"X-API-Key": "not-a-key-0123456789"})
        keyed = client.get("/metrics", headers=AUTH)
    assert anonymous.status_code == wrong.status_code == keyed.status_code == 200
    assert _label_lines(anonymous.text) == [] and _label_lines(wrong.text) == []
    label = expected_labels("占地纠纷")[0]
    assert sample(keyed.text, "triage_predictions_total", head="dispute_type", label=label) == 1


def test_metrics_label_counts_behind_protected_metrics(make_app: AppFactory) -> None:
    settings = {"protect_metrics": True, "label_metrics": True}
    with TestClient(make_app(auth=settings)) as client:
        client.post("/v1/triage", json={"text": "占地纠纷"}, headers=AUTH)
        assert client.get("/metrics").status_code == 401
        assert _label_lines(client.get("/metrics", headers=AUTH).text)


def test_metrics_no_label_counts_when_auth_is_off(make_app: AppFactory) -> None:
    with TestClient(make_app(auth={"enabled": False, "label_metrics": True})) as client:
        client.post("/v1/triage", json={"text": "占地纠纷"})
        assert _label_lines(client.get("/metrics", headers=AUTH).text) == []

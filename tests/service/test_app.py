from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nlp.errors import ModelBundleError
from nlp.labels import DISPUTE_TYPES, RISK_GRADES
from service.app import create_app, create_app_from_environment
from service.records import result_entry
from tests.service.conftest import AUTH, AppFactory, SettingsFactory
from tests.service.fake_model import FakeTriageModel, expected_labels

TEXTS = ["邻居砌墙占了我家宅基地", "老板拖欠工资三个月不给", "他借我五万元一直不还，还说要打我"]


def test_healthz_answers_without_key(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_model_version_once_loaded(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "model_version": "fake-injected"}


def test_triage_returns_predict_line_for_record(client: TestClient) -> None:
    text = TEXTS[0]
    response = client.post("/v1/triage", json={"id": "JQ-1", "text": text}, headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    expected = result_entry("JQ-1", FakeTriageModel("fake-injected").predict([text])[0])
    assert body == expected
    assert next(iter(body)) == "id"
    dispute_type, grade, escalation = expected_labels(text)
    assert body["dispute_type"]["name"] == DISPUTE_TYPES[dispute_type]
    assert body["risk_grade"]["name"] == RISK_GRADES[grade]
    assert body["escalation"]["flag"] is escalation


def test_triage_without_id_returns_null_id(client: TestClient) -> None:
    response = client.post("/v1/triage", json={"text": TEXTS[1]}, headers=AUTH)
    assert response.json()["id"] is None


def test_triage_accepts_bearer_token(client: TestClient) -> None:
    response = client.post(
        "/v1/triage",
        json={"text": TEXTS[1]},
        headers={"Authorization": "Bearer " + AUTH["X-API-Key"]},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "EMPTY_TEXT"), ("   \n", "EMPTY_TEXT"), (42, "NOT_TEXT"), (None, "NOT_TEXT")],
)
def test_triage_invalid_record_is_422_with_record_code(
    client: TestClient, text: object, code: str
) -> None:
    response = client.post("/v1/triage", json={"text": text}, headers=AUTH)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


def test_triage_text_over_limit_is_text_too_long(make_app: AppFactory) -> None:
    with TestClient(make_app(limits={"max_text_chars": 10})) as client:
        ok = client.post("/v1/triage", json={"text": "邻" * 10}, headers=AUTH)
        too_long = client.post("/v1/triage", json={"text": "邻" * 11}, headers=AUTH)
    assert ok.status_code == 200
    assert too_long.status_code == 422
    assert too_long.json()["error"]["code"] == "TEXT_TOO_LONG"


def test_batch_returns_results_in_order_with_per_record_errors(client: TestClient) -> None:
    records: list[dict[str, object]] = [
        {"id": 1, "text": TEXTS[0]},
        {"id": 2, "text": ""},
        {"id": 3, "text": 7},
        {"text": TEXTS[2]},
        {"id": "x", "text": TEXTS[1]},
    ]
    response = client.post("/v1/triage/batch", json={"records": records}, headers=AUTH)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [1, 2, 3, None, "x"]
    assert results[1]["error"]["code"] == "EMPTY_TEXT"
    assert results[2]["error"]["code"] == "NOT_TEXT"
    model = FakeTriageModel("fake-injected")
    for index, text in ((0, TEXTS[0]), (3, TEXTS[2]), (4, TEXTS[1])):
        record_id = records[index].get("id")
        assert isinstance(record_id, int | str | None)
        assert results[index] == result_entry(record_id, model.predict([text])[0])


def test_batch_predicts_valid_records_in_one_model_call(
    make_app: AppFactory, fake_model: FakeTriageModel
) -> None:
    with TestClient(make_app()) as client:
        calls_before = len(fake_model.calls)
        records = [{"text": t} for t in TEXTS] + [{"text": ""}]
        client.post("/v1/triage/batch", json={"records": records}, headers=AUTH)
    assert fake_model.calls[calls_before:] == [len(TEXTS)]


def test_batch_over_record_limit_is_too_many_records(make_app: AppFactory) -> None:
    with TestClient(make_app(limits={"max_batch_records": 2})) as client:
        response = client.post(
            "/v1/triage/batch", json={"records": [{"text": t} for t in TEXTS]}, headers=AUTH
        )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "TOO_MANY_RECORDS"


def test_batch_empty_list_returns_no_results(client: TestClient) -> None:
    response = client.post("/v1/triage/batch", json={"records": []}, headers=AUTH)
    assert response.json() == {"results": []}


def test_settings_colours_and_thresholds_apply_to_predictions(make_app: AppFactory) -> None:
    colours = {"general": "蓝", "complex": "橙", "difficult": "紫"}
    strict = {"min_type_confidence": 0.95}
    with TestClient(make_app(grade_colours=colours, review=strict)) as client:
        body = client.post("/v1/triage", json={"text": TEXTS[0]}, headers=AUTH).json()
    assert body["risk_grade"]["colour"] == colours[body["risk_grade"]["label"]]
    assert "LOW_CONFIDENCE_TYPE" in body["review_reasons"]
    assert body["needs_review"] is True


def test_model_info_lists_labels_with_chinese_names(client: TestClient) -> None:
    response = client.get("/v1/model", headers=AUTH)
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "fake-injected"
    assert body["architecture"] == "test-fake.v1"
    assert {item["id"]: item["name"] for item in body["labels"]["dispute_type"]} == dict(
        DISPUTE_TYPES
    )
    assert body["limits"]["max_batch_records"] == 256


def test_model_info_from_bundle_has_manifest_metrics(
    make_settings: SettingsFactory, bundle_root: Path
) -> None:
    app = create_app(make_settings(model_dir=str(bundle_root / "a")))
    with TestClient(app) as client:
        body = client.get("/v1/model", headers=AUTH).json()
    assert body["version"] == "fake-A"
    assert body["metrics"] == {"dispute_type_macro_f1": 0.5}
    assert body["training"]["note"] == "test fake"
    assert body["created_at"]


def test_app_warms_model_before_serving(make_app: AppFactory, fake_model: FakeTriageModel) -> None:
    with TestClient(make_app()):
        assert fake_model.calls, "the lifespan should have run warm-up predictions"


def test_app_start_fails_on_missing_bundle(make_settings: SettingsFactory, tmp_path: Path) -> None:
    app = create_app(make_settings(model_dir=str(tmp_path / "nothing-here")))
    with pytest.raises(ModelBundleError) as caught, TestClient(app):
        pass
    assert caught.value.code == "BUNDLE_NOT_FOUND"


def test_app_start_fails_on_tampered_bundle(
    make_settings: SettingsFactory, bundle_root: Path
) -> None:
    arrays = bundle_root / "a" / "arrays.safetensors"
    arrays.write_bytes(arrays.read_bytes() + b"\0")
    app = create_app(make_settings(model_dir=str(bundle_root / "a")))
    with pytest.raises(ModelBundleError) as caught, TestClient(app):
        pass
    assert caught.value.code == "BUNDLE_HASH_MISMATCH"


def test_app_start_fails_when_warmup_fails(make_app: AppFactory) -> None:
    broken = FakeTriageModel("broken")
    broken.fail_with = RuntimeError("model exploded")
    with pytest.raises(ModelBundleError) as caught, TestClient(make_app(model=broken)):
        pass
    assert caught.value.code == "WARMUP_FAILED"


def test_create_app_from_environment_uses_environment(
    monkeypatch: pytest.MonkeyPatch, bundle_root: Path
) -> None:
    monkeypatch.setenv("TRIAGE_MODEL_DIR", str(bundle_root / "b"))
    monkeypatch.setenv("TRIAGE_AUTH__ENABLED", "false")
    with TestClient(create_app_from_environment()) as client:
        response = client.post("/v1/triage", json={"text": TEXTS[0]})
    assert response.json()["model_version"] == "fake-B"


def test_openapi_has_chinese_request_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    examples = schema["components"]["schemas"]["TriageRequest"]["examples"]
    assert any("宅基地" in example["text"] for example in examples)
    assert "/v1/admin/reload" not in schema["paths"]


def test_docs_ui_is_off_by_default_and_can_be_enabled(make_app: AppFactory) -> None:
    with TestClient(make_app()) as client:
        assert client.get("/docs").status_code == 404
    with TestClient(make_app(server={"docs_ui": True})) as client:
        assert client.get("/docs").status_code == 200


def test_auth_disabled_serves_anonymous(make_app: AppFactory) -> None:
    with TestClient(make_app(auth={"enabled": False, "api_keys": {}})) as client:
        response = client.post("/v1/triage", json={"text": TEXTS[0]})
    assert response.status_code == 200

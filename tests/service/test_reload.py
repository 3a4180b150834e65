from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.app import create_app
from service.model_holder import ModelSlot, ReloadInProgressError, load_holder
from service.settings import load_settings
from tests.service.conftest import ADMIN, AUTH, SettingsFactory
from tests.service.fake_model import FakeTriageModel
from tests.service.test_metrics import sample


@pytest.fixture
def admin_app(make_settings: SettingsFactory, bundle_root: Path) -> FastAPI:
    settings = make_settings(
        model_dir=str(bundle_root / "a"),
        admin={"enabled": True, "api_key": ADMIN["X-API-Key"], "reload_root": str(bundle_root)},
    )
    return create_app(settings)


@pytest.fixture
def admin_client(admin_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(admin_app) as client:
        yield client


def version(client: TestClient) -> str:
    result: str = client.get("/readyz").json()["model_version"]
    return result


def test_reload_without_body_rereads_current_directory(
    admin_client: TestClient, bundle_root: Path
) -> None:
    FakeTriageModel("fake-A2").save(bundle_root / "a")
    response = admin_client.post("/v1/admin/reload", headers=ADMIN)
    assert response.status_code == 200
    assert response.json()["previous_version"] == "fake-A"
    assert response.json()["model_version"] == "fake-A2"
    assert version(admin_client) == "fake-A2"


def test_reload_switches_to_directory_under_root(
    admin_client: TestClient, bundle_root: Path
) -> None:
    response = admin_client.post(
        "/v1/admin/reload", json={"model_dir": str(bundle_root / "b")}, headers=ADMIN
    )
    assert response.status_code == 200
    assert response.json()["model_dir"] == str((bundle_root / "b").resolve())
    triaged = admin_client.post("/v1/triage", json={"text": "占地"}, headers=AUTH).json()
    assert triaged["model_version"] == "fake-B"
    metrics = admin_client.get("/metrics").text
    assert sample(metrics, "triage_model_info", version="fake-B", architecture="test-fake.v1") == 1
    assert sample(metrics, "triage_model_reloads_total", outcome="ok") == 1


@pytest.mark.parametrize("where", ["/etc", "relative/dir", "{root}/../outside", "{root}"])
def test_reload_refuses_directories_outside_allowed_places(
    admin_client: TestClient, bundle_root: Path, where: str
) -> None:
    outside = bundle_root.parent / "outside"
    FakeTriageModel("fake-out").save(outside)
    response = admin_client.post(
        "/v1/admin/reload", json={"model_dir": where.format(root=bundle_root)}, headers=ADMIN
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "MODEL_DIR_NOT_ALLOWED"
    assert version(admin_client) == "fake-A"


def test_reload_refuses_symlink_escaping_root(admin_client: TestClient, bundle_root: Path) -> None:
    outside = bundle_root.parent / "elsewhere"
    FakeTriageModel("fake-out").save(outside)
    (bundle_root / "link").symlink_to(outside, target_is_directory=True)
    response = admin_client.post(
        "/v1/admin/reload", json={"model_dir": str(bundle_root / "link")}, headers=ADMIN
    )
    assert response.status_code == 403


def test_reload_failure_keeps_old_model_serving(
    admin_client: TestClient, bundle_root: Path
) -> None:
    arrays = bundle_root / "b" / "arrays.safetensors"
    arrays.write_bytes(b"tampered")
    response = admin_client.post(
        "/v1/admin/reload", json={"model_dir": str(bundle_root / "b")}, headers=ADMIN
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "BUNDLE_HASH_MISMATCH"
    assert "previous model keeps serving" in response.json()["error"]["message"]
    assert version(admin_client) == "fake-A"
    ok = admin_client.post("/v1/triage", json={"text": "占地"}, headers=AUTH)
    assert ok.json()["model_version"] == "fake-A"
    metrics = admin_client.get("/metrics").text
    assert sample(metrics, "triage_model_reloads_total", outcome="BUNDLE_HASH_MISMATCH") == 1


def test_reload_of_missing_bundle_reports_code(admin_client: TestClient, bundle_root: Path) -> None:
    (bundle_root / "empty").mkdir()
    response = admin_client.post(
        "/v1/admin/reload", json={"model_dir": str(bundle_root / "empty")}, headers=ADMIN
    )
    assert response.json()["error"]["code"] == "BUNDLE_NOT_FOUND"


def test_reload_request_in_flight_finishes_on_old_model(
    make_settings: SettingsFactory, bundle_root: Path
) -> None:
    FakeTriageModel("fake-slow", delay_s=0.4).save(bundle_root / "slow")
    settings = make_settings(
        model_dir=str(bundle_root / "slow"),
        admin={"enabled": True, "api_key": ADMIN["X-API-Key"], "reload_root": str(bundle_root)},
    )
    results: dict[str, str] = {}
    app = create_app(settings)
    with TestClient(app) as client:
        calls = app.state.service.slot.current.model.calls
        started = len(calls)

        def slow_request() -> None:
            response = client.post("/v1/triage", json={"text": "占地"}, headers=AUTH)
            results["slow"] = response.json()["model_version"]

        worker = threading.Thread(target=slow_request)
        worker.start()
        deadline = time.monotonic() + 5
        while len(calls) == started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(calls) > started, "the slow request should be predicting by now"
        reload = client.post(
            "/v1/admin/reload", json={"model_dir": str(bundle_root / "b")}, headers=ADMIN
        )
        worker.join()
        results["after"] = version(client)
    assert reload.status_code == 200
    assert results == {"slow": "fake-slow", "after": "fake-B"}


def test_model_slot_refuses_concurrent_reload(bundle_root: Path) -> None:
    settings = load_settings(overrides={"auth": {"enabled": False}})
    slot = ModelSlot()
    slot._reloading.acquire()
    try:
        with pytest.raises(ReloadInProgressError):
            slot.reload(bundle_root / "a", settings)
    finally:
        slot._reloading.release()
    holder, previous = slot.reload(bundle_root / "a", settings)
    assert previous is None
    assert slot.current is holder


def test_load_holder_applies_settings(bundle_root: Path) -> None:
    settings = load_settings(
        overrides={
            "auth": {"enabled": False},
            "grade_colours": {"general": "蓝", "complex": "橙", "difficult": "紫"},
        }
    )
    holder = load_holder(bundle_root / "a", settings)
    result = holder.model.predict(["占地"])[0]
    assert result.risk_grade.colour in {"蓝", "橙", "紫"}
    assert holder.info.version == "fake-A"
    assert holder.info.directory == (bundle_root / "a").resolve()


def test_load_holder_gives_torch_the_configured_threads(bundle_root: Path) -> None:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        settings = load_settings(
            overrides={"auth": {"enabled": False}, "server": {"torch_threads": 1}}
        )
        load_holder(bundle_root / "a", settings)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)

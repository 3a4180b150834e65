"""The service, ``triage predict`` and ``triage score`` with a tiny real ``LinearTriageModel``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.app import create_app
from service.batch import ScoreJob, ScoringConfig, run_scoring
from service.cli import app as cli
from tests.service.conftest import API_KEY, AUTH, SettingsFactory
from tests.service.test_cmd_serve import REPO, START_TIMEOUT_S, free_port
from tests.service.test_metrics import sample

WAGES_THREAT = "报警人称老板拖欠工资三个月，扬言要拿刀砍人。"
NEIGHBOUR_CALM = "报警人称楼上天天噪音扰民，双方情绪平稳。"


def test_api_with_linear_model_triages_clear_records(
    make_settings: SettingsFactory, tiny_linear_bundle: Path
) -> None:
    app = create_app(make_settings(model_dir=str(tiny_linear_bundle)))
    with TestClient(app) as client:
        info = client.get("/v1/model", headers=AUTH).json()
        threat = client.post("/v1/triage", json={"text": WAGES_THREAT}, headers=AUTH).json()
        batch = client.post(
            "/v1/triage/batch",
            json={"records": [{"text": NEIGHBOUR_CALM}, {"text": ""}]},
            headers=AUTH,
        ).json()["results"]
    assert info["architecture"] == "linear.v1"
    assert info["training"] == {"records": 300}
    assert threat["dispute_type"]["label"] == "wages"
    assert threat["risk_grade"]["label"] == "difficult"
    assert threat["risk_grade"]["colour"] == "红"
    assert threat["escalation"]["flag"] is True
    assert {cue["kind"] for cue in threat["cues"]} >= {"weapon"}
    assert threat["model_version"] == info["version"]
    assert batch[0]["dispute_type"]["label"] == "neighbour"
    assert batch[0]["risk_grade"]["label"] == "general"
    assert batch[1]["error"]["code"] == "EMPTY_TEXT"


def test_predict_command_with_linear_model(tiny_linear_bundle: Path, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    rows = [{"id": 1, "text": WAGES_THREAT}, {"id": 2, "text": NEIGHBOUR_CALM}, {"id": 3}]
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        cli,
        [
            "predict",
            "--input",
            str(source),
            "--output",
            str(out),
            "--model",
            str(tiny_linear_bundle),
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [line["id"] for line in lines] == [1, 2, 3]
    assert lines[0]["dispute_type"]["label"] == "wages"
    assert lines[1]["dispute_type"]["label"] == "neighbour"
    assert lines[2]["error"]["code"] == "NOT_TEXT"


def test_score_with_linear_model_two_jobs_matches_one(
    tiny_linear_bundle: Path, tmp_path: Path
) -> None:
    source = tmp_path / "in.csv"
    lines = ["id,text"] + [f"{i},{(WAGES_THREAT, NEIGHBOUR_CALM, '')[i % 3]}" for i in range(90)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = ScoringConfig(model_dir=tiny_linear_bundle)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    run_scoring(ScoreJob(source, one, chunk_size=16), config)
    summary = run_scoring(ScoreJob(source, two, chunk_size=16, jobs=2), config)
    assert two.read_bytes() == one.read_bytes()
    assert summary.errors == {"EMPTY_TEXT": 30}
    assert summary.dispute_types["wages"] == 30


def test_serve_command_with_linear_model_and_two_workers(
    tiny_linear_bundle: Path, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env |= {"TRIAGE_AUTH__API_KEYS": json.dumps({"desk-1": API_KEY}), "PYTHONPATH": str(REPO)}
    log_path = tmp_path / "serve.log"
    command = [
        sys.executable,
        "-c",
        "from service.cli import app; app(prog_name='triage')",
        "serve",
        "--model",
        str(tiny_linear_bundle),
        "--port",
        str(port),
        "--workers",
        "2",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            workers = 0.0
            while time.monotonic() < deadline and workers < 2:
                assert process.poll() is None, log_path.read_text("utf-8")
                try:
                    metrics = httpx.get(base + "/metrics", timeout=2).text
                    workers = sum(
                        float(line.rsplit(" ", 1)[1])
                        for line in metrics.splitlines()
                        if line.startswith("triage_model_info{")
                    )
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            assert workers == 2, log_path.read_text("utf-8")
            response = httpx.post(base + "/v1/triage", json={"text": WAGES_THREAT}, headers=AUTH)
            assert response.status_code == 200
            assert response.json()["dispute_type"]["label"] == "wages"
            metrics = httpx.get(base + "/metrics").text
            route = {"method": "POST", "route": "/v1/triage", "status": "200"}
            assert sample(metrics, "triage_http_requests_total", **route) == 1
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    assert WAGES_THREAT not in log_path.read_text("utf-8")

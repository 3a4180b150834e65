"""``triage serve`` as a real process on 127.0.0.1, and its start-up refusals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest
from typer.testing import CliRunner

from service.cli import app
from tests.service.conftest import API_KEY, AUTH, SECRET_TEXT
from tests.service.fake_model import FakeTriageModel

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """A ``triage serve`` child process and its log."""

    def __init__(self, args: list[str], log_path: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.service.fake_model",
                "serve",
                "--port",
                str(self.port),
                *args,
            ],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> dict[str, str]:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                response = httpx.get(self.base + "/readyz", timeout=1)
                if response.status_code == 200:
                    body: dict[str, str] = response.json()
                    return body
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"server not ready in {START_TIMEOUT_S} s:\n{self.log()}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self._log.closed:
            self._log.close()
        return self.process.returncode

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text("utf-8", errors="replace")


@pytest.fixture
def server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env["TRIAGE_AUTH__API_KEYS"] = json.dumps({"desk-1": API_KEY})
    env["PYTHONPATH"] = str(REPO)
    return env


@pytest.fixture
def start_server(
    tmp_path: Path, server_env: dict[str, str]
) -> Iterator[Callable[[list[str]], Server]]:
    started: list[Server] = []

    def start(args: list[str]) -> Server:
        server = Server(args, tmp_path / f"server-{len(started)}.log", server_env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def test_serve_process_answers_reloads_on_sighup_and_stops(
    start_server: Callable[[list[str]], Server], tmp_path: Path
) -> None:
    bundle = tmp_path / "model"
    FakeTriageModel("fake-v1").save(bundle)
    server = start_server(["--model", str(bundle)])
    assert server.wait_ready()["model_version"] == "fake-v1"

    ok = httpx.post(server.base + "/v1/triage", json={"text": SECRET_TEXT, "id": 7}, headers=AUTH)
    assert ok.status_code == 200
    assert ok.json()["id"] == 7
    assert ok.headers["x-request-id"]
    refused = httpx.post(
        server.base + "/v1/triage",
        content=('{"text": "' + SECRET_TEXT).encode(),
        headers={**AUTH, "content-type": "application/json"},
    )
    assert refused.status_code == 400
    assert SECRET_TEXT not in refused.text

    FakeTriageModel("fake-v2").save(bundle)
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if httpx.get(server.base + "/readyz").json()["model_version"] == "fake-v2":
            break
        time.sleep(0.1)
    assert httpx.get(server.base + "/readyz").json()["model_version"] == "fake-v2"

    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells why.
    assert server.stop() in (0, -signal.SIGTERM)
    log = server.log()
    assert "Application shutdown complete" in log
    assert "route=/v1/triage status=200" in log
    assert "model reloaded version=fake-v2" in log
    assert SECRET_TEXT not in log
    assert SECRET_TEXT[:6] not in log


def test_serve_refuses_missing_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_AUTH__API_KEYS", json.dumps({"desk-1": API_KEY}))
    result = CliRunner().invoke(app, ["serve", "--model", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "error [BUNDLE_NOT_FOUND]" in result.stderr


def test_serve_refuses_auth_without_keys(tmp_path: Path) -> None:
    bundle = tmp_path / "model"
    FakeTriageModel("fake").save(bundle)
    result = CliRunner().invoke(app, ["serve", "--model", str(bundle)])
    assert result.exit_code == 2
    assert "error [AUTH_NO_KEYS]" in result.stderr


def test_serve_refuses_weak_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_AUTH__API_KEYS", json.dumps({"desk-1": "weak"}))
    result = CliRunner().invoke(app, ["serve", "--model", str(tmp_path)])
    assert result.exit_code == 2
    assert "error [SETTINGS_INVALID]" in result.stderr
    assert "weak" not in result.stderr.replace("weak keys", "")

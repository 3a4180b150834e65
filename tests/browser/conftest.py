"""Browser tests: a real ``triage serve`` (tiny model, SQLite in tmp) driven by Debian's Chromium.

``scripts/ci_browser.sh`` installs Chromium and a CJK font. Without ``/usr/bin/chromium`` or the
``playwright`` package the tests are skipped with the reason. ``playwright install`` is never
run: it would download a browser.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
API_KEY = "browser-test-key-0123456789"
OPERATOR = "desk-browser"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
START_TIMEOUT_S = 90.0
MAX_TEXT_CHARS = 300
"""The test server's limits.max_text_chars, low so that a real TEXT_TOO_LONG is easy to cause."""


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return (
            f"{CHROMIUM} is missing; run `bash scripts/ci_browser.sh` (installs Debian's chromium)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed in .venv"
    return None


@dataclass(frozen=True)
class Server:
    """A running ``triage serve``."""

    base_url: str
    database_url: str


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiny_linear_bundle: Path) -> Iterator[Server]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    directory = tmp_path_factory.mktemp("browser-serve")
    database_url = f"sqlite:///{directory / 'feedback.sqlite3'}"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env["TRIAGE_AUTH__API_KEYS"] = json.dumps({OPERATOR: API_KEY})
    env["TRIAGE_FEEDBACK__DATABASE_URL"] = database_url
    # The tiny model is sure of itself (mostly probability 1.0); at 0.95 an unfamiliar text asks
    # for review, so the page's review marker is shown by a real reply.
    env["TRIAGE_REVIEW__MIN_TYPE_CONFIDENCE"] = "0.95"
    env["TRIAGE_LIMITS__MAX_TEXT_CHARS"] = str(MAX_TEXT_CHARS)
    triage = Path(sys.executable).with_name("triage")
    command = [str(triage), "serve", "--model", str(tiny_linear_bundle)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "WARNING"]
    log = (directory / "serve.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"triage serve exited with {process.returncode}; see {log.name}")
            try:
                if httpx.get(f"{base_url}/readyz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"triage serve was not ready in {START_TIMEOUT_S} s")
            time.sleep(0.2)
        yield Server(base_url, database_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    """A fresh page at 1366x768 that records every URL it requests."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    opened = context.new_page()
    opened.requested = []
    opened.on("request", lambda request: opened.requested.append(request.url))
    try:
        yield opened
    finally:
        context.close()


def enter_key(page: Any, server: Server, path: str = "/") -> None:
    """Open ``path`` and give the API key; returns once the work area is shown."""
    page.goto(server.base_url + path)
    page.get_by_role("textbox", name="API 密钥").fill(API_KEY)
    page.get_by_role("textbox", name="API 密钥").press("Enter")
    page.locator("#work").wait_for(state="visible")


def feedback_rows(server: Server) -> list[Any]:
    """Every correction stored by the test server, oldest first."""
    from service.feedback import FeedbackStore

    store = FeedbackStore.open(server.database_url)
    try:
        return list(store.iter_feedback())
    finally:
        store.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artefact (``artifacts/screenshots``, gitignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

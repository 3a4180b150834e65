"""The call-taker page: served at /, strict CSP, no inline script, nothing from other origins."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from service.api_page import PAGE_FILES, STATIC_DIR


def test_page_index_is_html_with_strict_headers(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert '<textarea id="record"' in response.text


@pytest.mark.parametrize(
    ("path", "media_type"),
    [("/static/app.js", "text/javascript"), ("/static/app.css", "text/css")],
)
def test_page_assets_are_served_with_their_types(
    client: TestClient, path: str, media_type: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_page_serves_no_other_static_file(client: TestClient) -> None:
    assert (STATIC_DIR / "warmup.json").is_file()
    response = client.get("/static/warmup.json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_page_api_replies_are_nosniff(client: TestClient) -> None:
    assert client.get("/healthz").headers["x-content-type-options"] == "nosniff"


def test_page_has_no_inline_script_or_handler() -> None:
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
    assert scripts and all(body.strip() == "" for body in scripts)
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert "style=" not in html


@pytest.mark.parametrize("name", sorted({name for name, _ in PAGE_FILES.values()}))
def test_page_files_load_nothing_from_other_origins(name: str) -> None:
    content = (STATIC_DIR / name).read_text(encoding="utf-8")
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", content, flags=re.I)


def test_page_script_never_writes_html() -> None:
    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
    assert "sessionStorage" in script and "localStorage" not in script
    assert "AbortController" in script

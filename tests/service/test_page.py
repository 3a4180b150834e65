"""The call-taker page and the review queue: strict CSP, no inline script, nothing from other
origins, a Chinese message for every error code."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from service.api_page import PAGE_FILES, STATIC_DIR
from service.errors import ERROR_CODES

HTML_PAGES = ("index.html", "review.html")
SCRIPTS = ("common.js", "app.js", "review.js")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _error_messages() -> dict[str, str]:
    script = (STATIC_DIR / "common.js").read_text(encoding="utf-8")
    table = re.search(r"const ERROR_MESSAGES = \{(.*?)\n  \};", script, flags=re.S)
    assert table is not None, "common.js has no ERROR_MESSAGES table"
    return dict(re.findall(r'^\s+([A-Z][A-Z0-9_]+): "([^"]*)",$', table.group(1), flags=re.M))


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
    [
        ("/static/common.js", "text/javascript"),
        ("/static/app.js", "text/javascript"),
        ("/static/review.js", "text/javascript"),
        ("/static/app.css", "text/css"),
    ],
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


def test_page_review_queue_is_served_with_strict_headers(client: TestClient) -> None:
    response = client.get("/review")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert 'id="results-file"' in response.text and 'src="/static/review.js"' in response.text


@pytest.mark.parametrize("name", HTML_PAGES)
def test_page_has_no_inline_script_or_handler(name: str) -> None:
    html = (STATIC_DIR / name).read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
    assert scripts and all(body.strip() == "" for body in scripts)
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert "style=" not in html


@pytest.mark.parametrize("name", sorted({name for name, _ in PAGE_FILES.values()}))
def test_page_files_load_nothing_from_other_origins(name: str) -> None:
    content = (STATIC_DIR / name).read_text(encoding="utf-8")
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", content, flags=re.I)


@pytest.mark.parametrize("name", SCRIPTS)
def test_page_script_never_writes_html(name: str) -> None:
    script = (STATIC_DIR / name).read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
    assert "localStorage" not in script
    assert "AbortController" in script


def test_page_key_lives_in_session_storage_only() -> None:
    script = (STATIC_DIR / "common.js").read_text(encoding="utf-8")
    assert "sessionStorage.setItem" in script


@pytest.mark.parametrize("code", sorted(ERROR_CODES))
def test_page_has_a_chinese_message_for_every_error_code(code: str) -> None:
    messages = _error_messages()
    assert code in messages, f"common.js ERROR_MESSAGES has no message for {code}"
    assert CJK.search(messages[code]), f"the message for {code} is not Chinese"
    assert not re.search(r"\b(the|is|not|please|error)\b", messages[code], flags=re.I)


def test_page_error_table_parser_sees_the_whole_table() -> None:
    messages = _error_messages()
    # The page's own codes are in the table too, so the parser read past the service's codes.
    assert {"NETWORK_ERROR", "CLIENT_TIMEOUT", "HTTP_ERROR"} <= set(messages)
    assert len(messages) >= len(ERROR_CODES) + 3


@pytest.mark.parametrize("name", HTML_PAGES)
def test_page_has_every_element_the_shared_script_fills(name: str) -> None:
    html = (STATIC_DIR / name).read_text(encoding="utf-8")
    script = (STATIC_DIR / "common.js").read_text(encoding="utf-8")
    wanted = set(re.findall(r'\$\("([a-z-]+)"\)', script))
    wanted |= {f"choice-{head}" for head in ("dispute_type", "risk_grade", "escalation")}
    missing = sorted(i for i in wanted if f'id="{i}"' not in html)
    assert wanted and not missing, f"{name} lacks {missing}"


def test_page_shows_chinese_label_names_only() -> None:
    script = (STATIC_DIR / "common.js").read_text(encoding="utf-8")
    # The old page wrote "邻里（neighbour）": the name followed by the id.
    assert '"（" + type.label' not in script and "type.label + " not in script

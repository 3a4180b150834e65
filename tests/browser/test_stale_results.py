"""The call-taker page never shows a result that is not for the text on screen.

Each test drives the real page and server; replies are held back, delayed, replaced or failed
with Playwright routes to reach each stale-result case. Screenshots of every state go to
``artifacts/screenshots/stale-*.png``.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.browser.conftest import (
    API_KEY,
    MAX_TEXT_CHARS,
    Server,
    enter_key,
    feedback_rows,
    screenshot,
)

FIRST = "报警人称邻居家漏水到我家，对方扬言要拿刀砍人，现场双方情绪激动。"
SECOND = "张某反映某建筑公司拖欠其工资三万二千元已有半年，多次讨要无果。"
OLD_MARKER = "旧结果不应显示"


def _analyse(page: Any, text: str) -> None:
    page.locator("#record").fill(text)
    page.locator("#record").press("Control+Enter")


def _wait_for_result(page: Any, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#submit-correction")).to_be_enabled(timeout=10_000)
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#result")).not_to_have_class(re.compile(r"\bstale\b"))
    expect(page.locator("#mirror")).to_have_text(text)


def _hold(page: Any) -> list[Any]:
    """Hold every /v1/triage request until the test fulfils it; returns the held routes."""
    held: list[Any] = []
    page.route("**/v1/triage", lambda route: held.append(route))
    return held


def _wait_until(page: Any, condition: Any, what: str, timeout_ms: int = 5_000) -> None:
    for _ in range(timeout_ms // 50):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {what}")


def _assert_no_correction_possible(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#submit-correction")).to_be_disabled()
    radios = page.locator('#correction input[type="radio"]')
    assert radios.count() == 10
    assert all(radios.nth(i).is_disabled() for i in range(radios.count()))


def test_stale_text_change_greys_the_result_at_once_and_aborts_the_pending_request(
    page: Any, server: Server
) -> None:
    from playwright.sync_api import expect

    failed: list[Any] = []
    page.on("requestfailed", lambda request: failed.append(request))
    enter_key(page, server)
    _analyse(page, FIRST)
    _wait_for_result(page, FIRST)
    held = _hold(page)

    page.locator("#record").press("End")
    page.locator("#record").press_sequentially("又")
    # At once, before the debounce has even sent the new text: grey, marked, no corrections.
    expect(page.locator("#result")).to_have_class(re.compile(r"\bstale\b"), timeout=300)
    expect(page.locator("#stale-note")).to_be_visible()
    _assert_no_correction_possible(page)
    expect(page.locator("#mirror mark")).to_have_count(0)
    expect(page.locator("#mirror")).to_have_text(FIRST + "又")
    _wait_until(page, lambda: len(held) == 1, "the debounced request")
    screenshot(page, "stale-1-text-changed-reply-pending")

    page.locator("#record").press_sequentially("打")
    _wait_until(page, lambda: len(held) == 2, "the second request")
    _wait_until(page, lambda: bool(failed), "the first request to be aborted")
    assert failed[0].failure is not None and "ABORTED" in failed[0].failure.upper()
    _assert_no_correction_possible(page)

    held[1].fulfill(response=held[1].fetch())
    page.unroute("**/v1/triage")
    _wait_for_result(page, FIRST + "又打")
    expect(page.locator("#stale-note")).to_be_hidden()
    screenshot(page, "stale-2-new-reply-shown")


def test_stale_reply_that_arrives_after_the_text_changed_is_discarded(
    page: Any, server: Server
) -> None:
    from playwright.sync_api import expect

    # A fetch that ignores AbortController (as some proxies and older clients effectively do),
    # so the old reply really reaches the page and only the page's own check can drop it.
    page.add_init_script(
        "const realFetch = window.fetch;"
        "window.fetch = (url, options) => realFetch(url, Object.assign({}, options, "
        "{signal: undefined}));"
    )
    enter_key(page, server)
    held = _hold(page)
    _analyse(page, FIRST)
    _wait_until(page, lambda: len(held) == 1, "the first request")
    _analyse(page, SECOND)
    _wait_until(page, lambda: len(held) == 2, "the second request")

    old = held[0].fetch()
    body = old.json()
    body["suggestions"] = [OLD_MARKER]
    held[0].fulfill(response=old, json=body)
    page.wait_for_timeout(600)
    expect(page.locator("#result")).to_be_hidden()
    expect(page.get_by_text(OLD_MARKER)).to_have_count(0)
    _assert_no_correction_possible(page)
    screenshot(page, "stale-3-late-reply-discarded")

    held[1].fulfill(response=held[1].fetch())
    _wait_for_result(page, SECOND)
    expect(page.get_by_text(OLD_MARKER)).to_have_count(0)


def test_stale_client_timeout_clears_the_result_with_a_chinese_message(
    page: Any, server: Server
) -> None:
    from playwright.sync_api import expect

    page.clock.install()
    enter_key(page, server)
    _analyse(page, FIRST)
    _wait_for_result(page, FIRST)
    held = _hold(page)
    _analyse(page, SECOND)
    _wait_until(page, lambda: len(held) == 1, "the held request")
    page.clock.fast_forward(14_000)
    expect(page.locator("#error")).to_be_hidden()  # still waiting: the limit is 15 s
    page.clock.fast_forward(2_000)
    error = page.locator("#error")
    expect(error).to_be_visible(timeout=5_000)
    expect(error).to_contain_text("分析超时")
    assert not re.search(r"\b(the|timeout|request)\b", error.inner_text(), flags=re.I)
    expect(page.locator("#result")).to_be_hidden()
    _assert_no_correction_possible(page)
    expect(page.locator("#mirror")).to_have_text(SECOND)
    expect(page.locator("#mirror mark")).to_have_count(0)
    screenshot(page, "stale-4-client-timeout")


def test_stale_server_error_clears_the_result_and_disables_corrections(
    page: Any, server: Server
) -> None:
    from playwright.sync_api import expect

    enter_key(page, server)
    _analyse(page, FIRST)
    _wait_for_result(page, FIRST)

    def fail(route: Any) -> None:
        route.fulfill(
            status=500,
            json={
                "error": {
                    "code": "INTERNAL_ERROR",
                    "message": "an unexpected error; report the request id to the operators",
                    "request_id": "req-500-browser",
                }
            },
        )

    page.route("**/v1/triage", fail)
    _analyse(page, SECOND)
    error = page.locator("#error")
    expect(error).to_contain_text("服务内部出错", timeout=10_000)
    expect(error).to_contain_text("req-500-browser")
    assert "unexpected" not in error.inner_text()
    expect(page.locator("#result")).to_be_hidden()
    _assert_no_correction_possible(page)
    screenshot(page, "stale-5-server-error-500")

    page.unroute("**/v1/triage")
    _analyse(page, FIRST)
    _wait_for_result(page, FIRST)
    expect(error).to_be_hidden()
    long_text = "邻居" * (MAX_TEXT_CHARS // 2 + 1)
    _analyse(page, long_text)
    expect(error).to_contain_text(f"警情内容过长（超过 {MAX_TEXT_CHARS} 字）", timeout=10_000)
    expect(error).to_contain_text("TEXT_TOO_LONG")
    expect(page.locator("#result")).to_be_hidden()
    _assert_no_correction_possible(page)
    screenshot(page, "stale-6-text-too-long")


def test_page_number_keys_pick_corrections_and_enter_submits(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    labels = httpx.get(server.base_url + "/v1/model", headers={"X-API-Key": API_KEY}).json()
    types = [label["id"] for label in labels["labels"]["dispute_type"]]
    grades = [label["id"] for label in labels["labels"]["risk_grade"]]
    assert len(types) == 5 and len(grades) == 3  # keys 1-5 type, 6-8 grade, 9/0 escalation
    enter_key(page, server)
    text = FIRST + "（按键更正）"
    _analyse(page, text)
    _wait_for_result(page, text)
    predicted = page.locator('input[name="dispute_type"]:checked').get_attribute("value")
    pick = next(i for i, label in enumerate(types) if label != predicted)

    # Inside the text box a digit is just typed (and makes the result stale).
    page.locator("#record").press("End")
    page.locator("#record").press("2")
    expect(page.locator("#record")).to_have_value(text + "2")
    page.locator("#record").press("Backspace")
    _wait_for_result(page, text)
    assert page.locator('input[name="dispute_type"]:checked').get_attribute("value") == predicted

    page.locator("#record").press("Escape")
    page.keyboard.press(str(pick + 1))
    page.keyboard.press("8")
    page.keyboard.press("9")
    expect(page.locator(f'input[name="dispute_type"][value="{types[pick]}"]')).to_be_checked()
    expect(page.locator(f'input[name="risk_grade"][value="{grades[2]}"]')).to_be_checked()
    expect(page.locator('input[name="escalation"][value="true"]')).to_be_checked()
    screenshot(page, "page-number-keys")
    page.keyboard.press("Enter")
    expect(page.locator("#correction-status")).to_contain_text("已提交更正", timeout=10_000)
    row = feedback_rows(server)[-1]
    assert (row.corrected.dispute_type, row.corrected.risk_grade) == (types[pick], grades[2])
    assert row.corrected.escalation is True and row.predicted.dispute_type == predicted

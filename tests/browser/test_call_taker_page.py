"""The call-taker page in Chromium: key, live triage, badge, highlights, a correction stored."""

from __future__ import annotations

import re
from typing import Any

from service.feedback import FeedbackStore
from tests.browser.conftest import OPERATOR, Server, enter_key, screenshot

PHONE = "13912345678"
RECORD = f"报警人王某（电话{PHONE}）称邻居家漏水到我家，对方扬言要拿刀砍人，现场双方情绪激动。"
TRADITIONAL = "報警人稱鄰居家漏水到我家，對方揚言要拿刀砍人。"
UNFAMILIAR = "两家人为了一点小事争了起来"  # the tiny model's top type is only ~0.91 here


def _enter_key(page: Any, server: Server) -> None:
    enter_key(page, server)


def _marks(page: Any) -> list[str]:
    texts: list[str] = page.locator("#mirror mark").all_text_contents()
    return texts


def test_page_types_sees_badge_and_highlight_and_stores_a_correction(
    page: Any, server: Server
) -> None:
    from playwright.sync_api import expect

    _enter_key(page, server)
    assert page.evaluate("() => document.activeElement.id") == "record"
    page.locator("#record").press_sequentially(RECORD, delay=15)
    badge = page.locator("#grade-badge")
    expect(badge).to_have_class(re.compile(r"badge-(green|yellow|red)"), timeout=10_000)
    expect(page.locator("#mirror")).to_have_text(RECORD)
    marks = _marks(page)
    assert marks and all(mark in RECORD for mark in marks)
    type_name = page.locator("#dispute-type").inner_text().strip()
    assert type_name and not re.search(r"[A-Za-z]", type_name)  # 邻里, never 邻里（neighbour）
    assert "概率" in page.locator("#escalation-score").inner_text()
    assert page.locator("#type-bars .bar-row").count() == 3
    assert page.locator("#grade-bars .bar-row").count() == 3
    bar_names = page.locator("#type-bars .bar-name").all_text_contents()
    assert bar_names[0] == type_name and not re.search(r"[A-Za-z]", "".join(bar_names))
    cue_kinds = page.locator("#cues .cue-kind").all_text_contents()
    assert {"凶器工具", "威胁恐吓", "扬言杀人"} & set(cue_kinds)  # 扬言要拿刀砍人
    assert page.locator("#mirror mark.cue-span").count() >= 1
    assert page.locator(".legend mark").all_text_contents() == [
        "纠纷类型依据",
        "风险等级依据",
        "暴力升级依据",
        "规则线索",
    ]
    screenshot(page, "page-triaged")

    predicted = page.locator('input[name="dispute_type"]:checked').get_attribute("value")
    other = page.locator('input[name="dispute_type"]:not(:checked)').first
    chosen = other.get_attribute("value")
    assert chosen != predicted
    other.check()
    page.get_by_role("button", name="提交更正").click()
    expect(page.locator("#correction-status")).to_contain_text("已提交更正", timeout=10_000)
    screenshot(page, "page-corrected")

    store = FeedbackStore.open(server.database_url)
    try:
        rows = list(store.iter_feedback())
    finally:
        store.close()
    [row] = [r for r in rows if r.corrected.dispute_type == chosen]
    assert row.predicted.dispute_type == predicted
    assert row.operator_id == OPERATOR
    assert PHONE not in row.masked_text and "漏水" in row.masked_text
    assert all(url.startswith(server.base_url + "/") for url in page.requested)


def test_page_traditional_input_highlights_the_original_characters(
    page: Any, server: Server
) -> None:
    from playwright.sync_api import expect

    _enter_key(page, server)
    page.locator("#record").fill(TRADITIONAL)
    page.locator("#record").press("Control+Enter")
    expect(page.locator("#mirror")).to_have_text(TRADITIONAL, timeout=10_000)
    expect(page.locator("#mirror mark").first).to_be_visible()
    marks = _marks(page)
    assert marks and all(mark in TRADITIONAL for mark in marks)
    assert any(char in "".join(marks) for char in "鄰揚對報稱")
    screenshot(page, "page-traditional")


def test_page_unknown_colour_gets_a_neutral_badge_with_its_name(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    _enter_key(page, server)

    def answer_with_purple(route: Any) -> None:
        response = route.fetch()
        body = response.json()
        body["risk_grade"]["colour"] = "紫"
        route.fulfill(response=response, json=body)

    page.route("**/v1/triage", answer_with_purple)
    page.locator("#record").fill(RECORD)
    page.locator("#record").press("Control+Enter")
    badge = page.locator("#grade-badge")
    expect(badge).to_have_class("badge badge-neutral", timeout=10_000)
    expect(badge).to_contain_text("紫")


def test_page_asks_again_for_a_wrong_key(page: Any, server: Server) -> None:
    from playwright.sync_api import expect

    page.goto(server.base_url + "/")
    page.get_by_role("textbox", name="API 密钥").fill("not-the-right-key-000000")
    page.get_by_role("textbox", name="API 密钥").press("Enter")
    expect(page.locator("#status")).to_contain_text("密钥无效")
    expect(page.locator("#key-panel")).to_be_visible()
    assert page.evaluate("() => sessionStorage.length") == 0


def test_page_shows_the_review_marker_with_chinese_reasons_and_hides_it_again(
    page: Any, server: Server
) -> None:
    from playwright.sync_api import expect

    _enter_key(page, server)
    page.locator("#record").fill(UNFAMILIAR)
    page.locator("#record").press("Control+Enter")
    review = page.locator("#review")
    expect(review).to_be_visible(timeout=10_000)
    expect(review).to_contain_text("需要人工复核")
    expect(page.locator("#review-reasons li").first).to_have_text("纠纷类型把握不足")
    screenshot(page, "page-review")

    def answer_confidently(route: Any) -> None:
        response = route.fetch()
        body = response.json()
        body["needs_review"] = False
        body["review_reasons"] = []
        route.fulfill(response=response, json=body)

    page.route("**/v1/triage", answer_confidently)
    page.locator("#record").fill(UNFAMILIAR + "。")
    page.locator("#record").press("Control+Enter")
    expect(review).to_be_hidden(timeout=10_000)
    expect(page.locator("#review-reasons li")).to_have_count(0)

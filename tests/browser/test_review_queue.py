"""The review queue page: load a scored JSONL and its records, step with the keyboard, correct.

The scored file has the shape of a ``triage score`` / ``triage predict`` JSONL output (``id`` then
the ``Triage`` fields; no text); which lines need review is set in the test, so the queue does not
depend on the review rules in force.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from service.feedback import FeedbackStore, TextHash
from tests.browser.conftest import API_KEY, Server, enter_key, feedback_rows, screenshot

RECORDS = [
    ("JQ-001", "报警人称邻居家漏水到我家，对方扬言要拿刀砍人，现场双方情绪激动。"),
    ("JQ-002", "张某反映某建筑公司拖欠其工资三万二千元已有半年，多次讨要无果。"),
    ("JQ-003", "刘某称借给同村赵某五万元至今未还，今日上门讨债时发生口角，未动手。"),
    ("JQ-004", "村民因宅基地边界问题发生争执。"),
]
FLAGGED = {"JQ-001", "JQ-003", "JQ-004"}
NO_TEXT = "JQ-004"  # flagged, but left out of the records file


def _write_files(server: Server, directory: Path) -> tuple[Path, Path]:
    reply = httpx.post(
        server.base_url + "/v1/triage/batch",
        json={"records": [{"id": rid, "text": text} for rid, text in RECORDS]},
        headers={"X-API-Key": API_KEY},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    results = directory / "scored.jsonl"
    with results.open("w", encoding="utf-8") as handle:
        for entry in reply.json()["results"]:
            entry["needs_review"] = entry["id"] in FLAGGED
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        handle.write(
            json.dumps({"id": "JQ-005", "error": {"code": "EMPTY_TEXT", "message": "empty"}}) + "\n"
        )
    records = directory / "records.jsonl"
    records.write_text(
        "".join(
            json.dumps({"id": rid, "text": text}, ensure_ascii=False) + "\n"
            for rid, text in RECORDS
            if rid != NO_TEXT
        ),
        encoding="utf-8",
    )
    return results, records


def _wait_ready(page: Any, record_id: str) -> None:
    from playwright.sync_api import expect

    text = dict(RECORDS)[record_id]
    expect(page.locator("#record-id")).to_contain_text(record_id)
    expect(page.locator("#mirror")).to_have_text(text, timeout=10_000)
    expect(page.locator("#submit-correction")).to_be_enabled(timeout=10_000)
    expect(page.locator("#result")).to_be_visible()


def test_review_queue_steps_with_keys_and_stores_bound_corrections(
    page: Any, server: Server, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    results, records = _write_files(server, tmp_path)
    before = len(feedback_rows(server))
    enter_key(page, server, "/review")
    page.locator("#results-file").set_input_files(str(results))
    page.locator("#records-file").set_input_files(str(records))
    page.get_by_role("button", name="载入复核队列").click()
    summary = page.locator("#queue-summary")
    expect(summary).to_contain_text("需复核 3 条")
    expect(summary).to_contain_text("1 条在原始记录中找不到原文")
    expect(page.locator("#queue-list li")).to_have_count(2)
    _wait_ready(page, "JQ-001")
    expect(page.locator("#position")).to_have_text("第 1 / 2 条")
    expect(page.locator("#file-prediction")).to_contain_text("文件中的结果")
    screenshot(page, "review-1-first-record")

    # Stepping: while the next record's analysis is pending nothing can be corrected.
    held: list[Any] = []
    page.route("**/v1/triage", lambda route: held.append(route))
    page.locator("body").press("ArrowRight")
    expect(page.locator("#record-id")).to_contain_text("JQ-003")
    expect(page.locator("#result")).to_be_hidden()
    expect(page.locator("#submit-correction")).to_be_disabled()
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    screenshot(page, "review-2-next-record-pending")
    held[0].fulfill(response=held[0].fetch())
    page.unroute("**/v1/triage")
    _wait_ready(page, "JQ-003")
    page.locator("body").press("ArrowLeft")
    _wait_ready(page, "JQ-001")

    types = [
        label["id"]
        for label in httpx.get(
            server.base_url + "/v1/model", headers={"X-API-Key": API_KEY}
        ).json()["labels"]["dispute_type"]
    ]
    predicted = page.locator('input[name="dispute_type"]:checked').get_attribute("value")
    pick = next(i for i, label in enumerate(types) if label != predicted)
    page.locator("body").press(str(pick + 1))
    expect(page.locator(f'input[name="dispute_type"][value="{types[pick]}"]')).to_be_checked()
    screenshot(page, "review-3-corrected-by-key")
    page.keyboard.press("Enter")
    # Submitting moves on to the next record.
    _wait_ready(page, "JQ-003")
    expect(page.locator("#status")).to_contain_text("JQ-001 已提交更正")
    expect(page.locator("#queue-list li").first).to_have_class(re.compile("done-corrected"))
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("JQ-003 已确认模型结果", timeout=10_000)
    expect(page.locator("#queue-list li").nth(1)).to_have_class(re.compile("done-confirmed"))
    screenshot(page, "review-4-queue-done")

    rows = feedback_rows(server)[before:]
    assert len(rows) == 2 and rows[0].corrected.dispute_type == types[pick]
    assert rows[0].predicted.dispute_type == predicted and rows[0].changed
    assert rows[1].changed == ()
    assert "漏水" in rows[0].masked_text and "借给同村" in rows[1].masked_text
    store = FeedbackStore.open(server.database_url)
    try:
        audit = {(row["request_id"], row["record_index"]): row for row in store.audit_rows()}
    finally:
        store.close()
    for row, (_, text) in zip(rows, [RECORDS[0], RECORDS[2]], strict=True):
        served = audit[(row.request_id, row.record_index)]
        assert served["endpoint"] == "triage"
        assert TextHash(served["text_salt"], served["text_sha256"]).matches(text)

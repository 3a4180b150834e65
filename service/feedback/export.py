"""Corrections as training rows: the JSONL that ``triage train --feedback`` reads."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from service.feedback.store import FeedbackStore, StoredFeedback

SOURCE = "feedback"


def training_row(correction: StoredFeedback) -> dict[str, Any]:
    """One correction in the training format.

    Returns:
        ``id`` (``feedback-<row id>``), ``text`` (masked), ``dispute_type``, ``risk_grade``,
        ``escalation`` (the corrected labels), ``source`` (``"feedback"``), then
        ``request_id``, ``model_version`` and ``created_at`` for tracing.
    """
    return {
        "id": f"feedback-{correction.id}",
        "text": correction.masked_text,
        "dispute_type": correction.corrected.dispute_type,
        "risk_grade": correction.corrected.risk_grade,
        "escalation": correction.corrected.escalation,
        "source": SOURCE,
        "request_id": correction.request_id,
        "model_version": correction.model_version,
        "created_at": correction.created_at.isoformat(),
    }


def latest_per_record(corrections: Iterable[StoredFeedback]) -> list[StoredFeedback]:
    """Keep only the last correction of each (request id, record index), in row order.

    A person may correct the same prediction twice (e.g. after a slip); the later one stands.
    """
    latest: dict[tuple[str, int], StoredFeedback] = {}
    for correction in corrections:
        key = (correction.request_id, correction.record_index)
        latest.pop(key, None)
        latest[key] = correction
    return sorted(latest.values(), key=lambda item: item.id)


def export_feedback(store: FeedbackStore, output: Path, since: datetime | None = None) -> int:
    """Write the corrections to ``output`` as JSONL (replaced atomically).

    Args:
        store: the feedback database.
        output: the JSONL file to write; its directory is created when missing.
        since: only corrections made at or after this moment (UTC when naive).

    Returns:
        The number of rows written.

    Raises:
        DatabaseError: ``DATABASE_UNAVAILABLE``.
    """
    rows = [training_row(item) for item in latest_per_record(store.iter_feedback(since))]
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(partial, output)
    return len(rows)

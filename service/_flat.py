"""Flat output rows (CSV, Parquet) from nested record entries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREDICTION_COLUMNS = (
    "dispute_type",
    "dispute_type_name",
    "dispute_type_score",
    "risk_grade",
    "risk_grade_name",
    "risk_grade_colour",
    "risk_grade_score",
    "escalation",
    "escalation_probability",
    "needs_review",
    "review_reasons",
    "cues",
    "suggestion",
    "model_version",
    "error",
)
"""Columns added after the id column; lists are joined with ``;``."""

LIST_SEPARATOR = ";"


def flat_columns(id_column: str) -> list[str]:
    """Every column of a flat output, in order."""
    return [id_column, *PREDICTION_COLUMNS]


def flatten(entry: Mapping[str, Any], id_column: str, *, id_as_text: bool = True) -> dict[str, Any]:
    """One flat row from an entry of ``service.records``.

    The id is written as text (ids from CSV are text already; mixed types cannot share a Parquet
    column) unless ``id_as_text`` is off, for an input whose ids are integers by type: then an
    integer id stays an integer. A record that could not be triaged has empty prediction columns
    and its code in ``error``; a triaged one has ``error`` empty.
    """
    record_id = entry.get("id")
    row: dict[str, Any] = dict.fromkeys(PREDICTION_COLUMNS)
    if record_id is not None and (id_as_text or not isinstance(record_id, int)):
        record_id = str(record_id)
    row = {id_column: record_id, **row}
    error = entry.get("error")
    if error is not None:
        row["error"] = error["code"]
        return row
    dispute_type = entry["dispute_type"]
    grade = entry["risk_grade"]
    kinds = dict.fromkeys(cue["kind"] for cue in entry["cues"] if not cue["negated"])
    row.update(
        dispute_type=dispute_type["label"],
        dispute_type_name=dispute_type["name"],
        dispute_type_score=dispute_type["scores"][dispute_type["label"]],
        risk_grade=grade["label"],
        risk_grade_name=grade["name"],
        risk_grade_colour=grade["colour"],
        risk_grade_score=grade["scores"][grade["label"]],
        escalation=entry["escalation"]["flag"],
        escalation_probability=entry["escalation"]["probability"],
        needs_review=entry["needs_review"],
        review_reasons=LIST_SEPARATOR.join(entry["review_reasons"]),
        cues=LIST_SEPARATOR.join(kinds),
        suggestion=entry["suggestions"][0] if entry["suggestions"] else "",
        model_version=entry["model_version"],
        error="",
    )
    return row

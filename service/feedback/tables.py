"""The tables of the feedback database (SQLAlchemy Core), created and changed only by migrations.

``feedback`` holds staff corrections; ``prediction_audit`` is the append-only log of predictions
served. Neither holds a record's raw text: ``feedback.masked_text`` is normalised and PII-masked,
and the audit log holds no text at all, only a salted SHA-256 of it (``text_salt``,
``text_sha256``; migration 3) that a correction's text must match.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata: Final = MetaData()

schema_version: Final = Table(
    "triage_schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)
"""One row per applied migration: its number, what it did and when (UTC)."""

feedback: Final = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(128), nullable=False, index=True),
    Column("record_index", Integer, nullable=False),
    Column("model_version", String(200), nullable=False),
    Column("predicted_dispute_type", String(32), nullable=False),
    Column("predicted_risk_grade", String(32), nullable=False),
    Column("predicted_escalation", Boolean, nullable=False),
    Column("corrected_dispute_type", String(32), nullable=False),
    Column("corrected_risk_grade", String(32), nullable=False),
    Column("corrected_escalation", Boolean, nullable=False),
    Column("masked_text", Text, nullable=False),
    Column("operator_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)
"""One row per correction sent to ``POST /v1/feedback``."""

prediction_audit: Final = Table(
    "prediction_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(128), nullable=False, index=True),
    Column("record_index", Integer, nullable=False),
    Column("endpoint", String(32), nullable=False),
    Column("model_version", String(200), nullable=False),
    Column("dispute_type", String(32), nullable=False),
    Column("risk_grade", String(32), nullable=False),
    Column("escalation", Boolean, nullable=False),
    Column("escalation_probability", Float, nullable=False),
    Column("needs_review", Boolean, nullable=False),
    Column("review_reasons", String(400), nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("operator_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Migration 3; NULL in rows written before it (such predictions cannot be corrected).
    Column("text_salt", String(32), nullable=True),
    Column("text_sha256", String(64), nullable=True),
)
"""One row per record triaged by ``/v1/triage`` or ``/v1/triage/batch``; never updated."""

"""The feedback database on PostgreSQL; runs when ``TRIAGE_TEST_POSTGRES_URL`` names a server.

``scripts/ci_services.sh`` installs and starts Debian's PostgreSQL and prints such a URL. The
tests drop and recreate this project's tables in that database, so give them a test database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, text

from service.errors import DatabaseError, FeedbackTextMismatchError
from service.feedback import MIGRATIONS, SCHEMA_VERSION, FeedbackStore, Labels, migrate
from service.feedback._engine import build_engine
from service.feedback.tables import schema_version
from tests.service.conftest import AUTH, AppFactory

POSTGRES_URL = os.environ.get("TRIAGE_TEST_POSTGRES_URL", "")

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="no PostgreSQL server: set TRIAGE_TEST_POSTGRES_URL (e.g. the URL that "
    "`bash scripts/ci_services.sh` prints) to run these tests",
)

PHONE = "15012345678"


def _drop_everything(url: str) -> None:
    engine = build_engine(url)
    with engine.begin() as connection:
        for table in ("feedback", "prediction_audit", "triage_schema_version"):
            connection.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
        connection.execute(text("DROP FUNCTION IF EXISTS prediction_audit_append_only()"))
    engine.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    _drop_everything(POSTGRES_URL)
    yield POSTGRES_URL
    _drop_everything(POSTGRES_URL)


def test_postgres_migrations_are_idempotent_and_refuse_newer(pg_url: str) -> None:
    engine = build_engine(pg_url)
    try:
        assert migrate(engine) == [m.number for m in MIGRATIONS]
        assert migrate(engine) == []
        with engine.begin() as connection:
            connection.execute(
                insert(schema_version).values(
                    version=SCHEMA_VERSION + 1, description="newer", applied_at=datetime.now(UTC)
                )
            )
        with pytest.raises(DatabaseError) as caught:
            migrate(engine)
        assert caught.value.code == "DATABASE_TOO_NEW"
    finally:
        engine.dispose()


def test_postgres_feedback_round_trip_and_append_only_audit(
    make_app: AppFactory, pg_url: str
) -> None:
    record = f"报警人（电话{PHONE}）称邻居家漏水到我家，双方发生口角。"
    with TestClient(make_app(feedback={"database_url": pg_url})) as client:
        reply = client.post("/v1/triage", json={"text": record}, headers=AUTH)
        body = {
            "request_id": reply.headers["x-request-id"],
            "text": record,
            "dispute_type": "邻里",
            "risk_grade": "general",
            "escalation": False,
        }
        mismatch = client.post(
            "/v1/feedback", json={**body, "text": record.replace("漏水", "漏电")}, headers=AUTH
        )
        assert mismatch.status_code == 409, mismatch.text
        assert mismatch.json()["error"]["code"] == "FEEDBACK_TEXT_MISMATCH"
        stored = client.post("/v1/feedback", json=body, headers=AUTH)
        assert stored.status_code == 201, stored.text
    store = FeedbackStore.open(pg_url)
    try:
        [row] = list(store.iter_feedback())
        assert row.operator_id == "desk-1" and row.corrected.dispute_type == "neighbour"
        assert PHONE not in row.masked_text
        assert row.created_at.tzinfo is not None
        [audit] = store.audit_rows()
        assert len(audit["text_sha256"]) == 64 and "漏水" not in str(audit)
        with pytest.raises(Exception, match="append-only"), store.engine.begin() as connection:
            connection.execute(text("DELETE FROM prediction_audit"))
    finally:
        store.close()


def test_postgres_migration_3_adds_text_hashes_to_a_version_2_audit_log(pg_url: str) -> None:
    engine = build_engine(pg_url)
    try:
        assert migrate(engine, MIGRATIONS[:2]) == [1, 2]
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO prediction_audit (request_id, record_index, endpoint, "
                    "model_version, dispute_type, risk_grade, escalation, "
                    "escalation_probability, needs_review, review_reasons, latency_ms, "
                    "operator_id, created_at) VALUES ('old-1', 0, 'triage', 'v-old', 'debt', "
                    "'general', false, 0.1, false, '', 1.0, 'desk-1', now())"
                )
            )
        assert migrate(engine) == [3]
    finally:
        engine.dispose()
    store = FeedbackStore.open(pg_url)
    try:
        [old] = store.audit_rows()
        assert old["text_salt"] is None and old["text_sha256"] is None
        with pytest.raises(FeedbackTextMismatchError):
            store.add_feedback(
                "old-1", 0, "甲说借钱不还", Labels("debt", "general", False), "desk-1"
            )
        assert list(store.iter_feedback()) == []
    finally:
        store.close()

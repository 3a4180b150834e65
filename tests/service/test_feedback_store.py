"""The feedback database: migrations, version refusal, export; settings of the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy import text as sql

from models.protocol import Triage
from service.errors import (
    DatabaseError,
    FeedbackNotAllowedError,
    FeedbackTextMismatchError,
    ServiceConfigError,
)
from service.feedback import (
    MIGRATIONS,
    SCHEMA_VERSION,
    AuditEntry,
    FeedbackStore,
    Labels,
    TextHash,
    export_feedback,
    migrate,
)
from service.feedback._engine import build_engine
from service.feedback.tables import schema_version
from service.settings import load_settings
from tests.service.conftest import AppFactory
from tests.service.fake_model import FakeTriageModel


def _triage(text: str) -> Triage:
    return FakeTriageModel("fake-store").predict([text])[0]


def _served(store: FeedbackStore, request_id: str, text: str, index: int = 0) -> Triage:
    triage = _triage(text)
    store.record_predictions(
        [
            AuditEntry.of(
                triage,
                text=text,
                request_id=request_id,
                record_index=index,
                endpoint="triage",
                latency_ms=1.0,
                operator_id="desk-1",
            )
        ]
    )
    return triage


def _versions(url: str) -> list[int]:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(schema_version.c.version)))
    finally:
        engine.dispose()


def test_migrate_creates_parent_directory_and_records_each_version(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'feedback.sqlite3'}"
    engine = build_engine(url)
    assert migrate(engine) == [m.number for m in MIGRATIONS]
    engine.dispose()
    assert (tmp_path / "deep" / "er" / "feedback.sqlite3").is_file()
    assert _versions(url) == [m.number for m in MIGRATIONS]


def test_migrate_is_idempotent(database_url: str) -> None:
    engine = build_engine(database_url)
    try:
        migrate(engine)
        assert migrate(engine) == []
        FeedbackStore.open(database_url).close()
    finally:
        engine.dispose()
    assert _versions(database_url) == [m.number for m in MIGRATIONS]


def test_migrate_applies_only_the_missing_migrations(database_url: str) -> None:
    engine = build_engine(database_url)
    try:
        assert migrate(engine, MIGRATIONS[:1]) == [MIGRATIONS[0].number]
        assert migrate(engine) == [m.number for m in MIGRATIONS[1:]]
    finally:
        engine.dispose()


def test_migrate_refuses_a_newer_database(database_url: str) -> None:
    FeedbackStore.open(database_url).close()
    engine = build_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            insert(schema_version).values(
                version=SCHEMA_VERSION + 1,
                description="from the future",
                applied_at=datetime.now(UTC),
            )
        )
    with pytest.raises(DatabaseError) as caught:
        migrate(engine)
    engine.dispose()
    assert caught.value.code == "DATABASE_TOO_NEW"
    assert str(SCHEMA_VERSION + 1) in caught.value.message


def test_app_start_up_refuses_a_newer_database(make_app: AppFactory, database_url: str) -> None:
    FeedbackStore.open(database_url).close()
    engine = build_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            insert(schema_version).values(
                version=SCHEMA_VERSION + 5, description="newer", applied_at=datetime.now(UTC)
            )
        )
        count = connection.scalar(select(func.count()).select_from(schema_version))
    engine.dispose()
    with pytest.raises(DatabaseError, match="schema version"), TestClient(make_app()):
        pass
    assert _versions(database_url) and count == len(MIGRATIONS) + 1


def test_open_unreachable_database_is_database_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    with pytest.raises(DatabaseError) as caught:
        FeedbackStore.open(f"sqlite:///{blocker / 'sub' / 'db.sqlite3'}")
    assert caught.value.code == "DATABASE_UNAVAILABLE"


def test_add_feedback_masks_normalised_text(database_url: str) -> None:
    text = "电话１３９１２３４５６７８，身份证110101199001011234"
    store = FeedbackStore.open(database_url)
    try:
        _served(store, "r-1", text)
        # Full-width digits are normalised before masking, so they are masked too.
        stored = store.add_feedback("r-1", 0, text, Labels("debt", "general", False), "desk-1")
    finally:
        store.close()
    assert "13912345678" not in stored.masked_text
    assert "１３９" not in stored.masked_text
    assert "110101199001011234" not in stored.masked_text


def test_export_writes_training_rows_latest_per_prediction(
    database_url: str, tmp_path: Path
) -> None:
    store = FeedbackStore.open(database_url)
    try:
        _served(store, "r-1", "甲说借钱不还")
        _served(store, "r-2", "乙说工资没发")
        store.add_feedback("r-1", 0, "甲说借钱不还", Labels("debt", "general", False), "desk-1")
        store.add_feedback("r-2", 0, "乙说工资没发", Labels("wages", "complex", False), "desk-1")
        later = store.add_feedback(
            "r-1", 0, "甲说借钱不还", Labels("debt", "difficult", True), "desk-1"
        )
        output = tmp_path / "out" / "feedback.jsonl"
        assert export_feedback(store, output) == 2
        rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
        assert export_feedback(store, tmp_path / "none.jsonl", later.created_at + timedelta(1)) == 0
    finally:
        store.close()
    assert [row["id"] for row in rows] == ["feedback-2", f"feedback-{later.id}"]
    assert rows[1] == {
        "id": f"feedback-{later.id}",
        "text": "甲说借钱不还",
        "dispute_type": "debt",
        "risk_grade": "difficult",
        "escalation": True,
        "source": "feedback",
        "request_id": "r-1",
        "model_version": "fake-store",
        "created_at": later.created_at.isoformat(),
    }
    assert (tmp_path / "none.jsonl").read_text(encoding="utf-8") == ""


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///relative/feedback.sqlite3",
        "sqlite://",
        "mysql://u:secretpw@h/db",
        "postgresql://u:secretpw@h/db",
    ],
)
def test_settings_refuse_unsupported_database_urls(url: str) -> None:
    with pytest.raises(ServiceConfigError) as caught:
        load_settings(overrides={"feedback": {"database_url": url}})
    assert "feedback.database_url" in caught.value.message
    assert "secretpw" not in caught.value.message and "relative/" not in caught.value.message


def test_settings_default_database_is_the_project_artifacts_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRIAGE_FEEDBACK__DATABASE_URL")
    url = load_settings().feedback.url()
    root = Path(__file__).resolve().parents[2]
    assert url == f"sqlite:///{root / 'artifacts' / 'feedback.sqlite3'}"


def test_text_hash_matches_only_its_own_text() -> None:
    digest = TextHash.of("邻居家漏水到我家", salt=bytes(16))
    assert digest.salt == "00" * 16 and len(digest.sha256) == 64
    assert digest.matches("邻居家漏水到我家")
    for other in ("邻居家漏水到我家。", "鄰居家漏水到我家", " 邻居家漏水到我家", ""):
        assert not digest.matches(other)
    # A fresh salt per row: the same text twice gives two different digests.
    assert TextHash.of("同一段文字").sha256 != TextHash.of("同一段文字").sha256
    assert TextHash.of("\ud800 lone surrogate").matches("\ud800 lone surrogate")


def test_audit_rows_keep_a_salted_hash_never_the_text(database_url: str) -> None:
    store = FeedbackStore.open(database_url)
    try:
        _served(store, "r-1", "邻居家漏水到我家")
        _served(store, "r-2", "邻居家漏水到我家")
        rows = store.audit_rows()
    finally:
        store.close()
    salts = {row["text_salt"] for row in rows}
    digests = {row["text_sha256"] for row in rows}
    assert len(salts) == 2 and len(digests) == 2
    for row in rows:
        assert TextHash(row["text_salt"], row["text_sha256"]).matches("邻居家漏水到我家")
    assert "漏水" not in " ".join(str(value) for row in rows for value in row.values())


def test_add_feedback_refuses_another_text_and_stores_nothing(database_url: str) -> None:
    store = FeedbackStore.open(database_url)
    try:
        _served(store, "r-1", "甲说借钱不还")
        with pytest.raises(FeedbackTextMismatchError) as caught:
            store.add_feedback(
                "r-1", 0, "乙说工资没发", Labels("wages", "general", False), "desk-1"
            )
        stored = list(store.iter_feedback())
    finally:
        store.close()
    assert caught.value.code == "FEEDBACK_TEXT_MISMATCH"
    assert "工资" not in caught.value.message
    assert stored == []


def test_migration_3_adds_hashes_and_old_predictions_cannot_be_corrected(
    database_url: str,
) -> None:
    engine = build_engine(database_url)
    try:
        migrate(engine, MIGRATIONS[:2])
        with engine.begin() as connection:
            connection.execute(
                sql(
                    "INSERT INTO prediction_audit (request_id, record_index, endpoint, "
                    "model_version, dispute_type, risk_grade, escalation, "
                    "escalation_probability, needs_review, review_reasons, latency_ms, "
                    "operator_id, created_at) VALUES ('old-1', 0, 'triage', 'v-old', 'debt', "
                    "'general', 0, 0.1, 0, '', 1.0, 'desk-1', '2024-05-01 00:00:00')"
                )
            )
        assert migrate(engine) == [3]
    finally:
        engine.dispose()
    assert _versions(database_url) == [1, 2, 3]
    store = FeedbackStore.open(database_url)
    try:
        [old] = store.audit_rows()
        assert old["text_salt"] is None and old["text_sha256"] is None
        with pytest.raises(FeedbackTextMismatchError, match="before text hashes"):
            store.add_feedback(
                "old-1", 0, "甲说借钱不还", Labels("debt", "general", False), "desk-1"
            )
        _served(store, "new-1", "甲说借钱不还")
        stored = store.add_feedback(
            "new-1", 0, "甲说借钱不还", Labels("debt", "general", False), "desk-1"
        )
        assert [row.id for row in store.iter_feedback()] == [stored.id]
    finally:
        store.close()


def test_add_feedback_refuses_another_operators_prediction(database_url: str) -> None:
    store = FeedbackStore.open(database_url)
    try:
        _served(store, "r-1", "甲说借钱不还")
        with pytest.raises(FeedbackNotAllowedError):
            store.add_feedback("r-1", 0, "甲说借钱不还", Labels("debt", "general", False), "desk-2")
        assert list(store.iter_feedback()) == []
        stored = store.add_feedback(
            "r-1",
            0,
            "甲说借钱不还",
            Labels("debt", "general", False),
            "admin-key",
            any_operator=True,
        )
        assert stored.operator_id == "admin-key"
    finally:
        store.close()

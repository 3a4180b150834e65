"""The feedback store: staff corrections and the append-only audit log of predictions.

Only three things write: ``record_predictions`` (audit rows, insert only), ``add_feedback``
(one correction, insert only) and the migrations. No code path updates or deletes a row; for
``prediction_audit`` the database refuses it too (migration 2).

Each audit row keeps a salted SHA-256 of the text it was predicted on (``_text_hash.py``), never
the text; ``add_feedback`` refuses a correction whose text does not match it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Self

from sqlalchemy import Engine, RowMapping, insert, select
from sqlalchemy.exc import SQLAlchemyError

from models.protocol import Triage
from nlp.normalize import normalize
from nlp.pii import mask_pii
from service.errors import (
    DatabaseError,
    FeedbackNotAllowedError,
    FeedbackTextMismatchError,
    UnknownPredictionError,
)
from service.feedback._engine import build_engine
from service.feedback._text_hash import TextHash
from service.feedback.migrations import migrate
from service.feedback.tables import feedback, prediction_audit

ENDPOINTS: Final = ("triage", "batch")


@dataclass(frozen=True, slots=True)
class Labels:
    """The three labels of one record, as stable ids (``nlp.labels``)."""

    dispute_type: str
    risk_grade: str
    escalation: bool


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One prediction served: what was predicted, for whom and how fast; never the text.

    ``text_hash`` is the salted SHA-256 of the text the prediction was made on.
    """

    request_id: str
    record_index: int
    endpoint: str
    model_version: str
    labels: Labels
    escalation_probability: float
    needs_review: bool
    review_reasons: tuple[str, ...]
    latency_ms: float
    operator_id: str
    text_hash: TextHash

    @classmethod
    def of(
        cls,
        triage: Triage,
        *,
        text: str,
        request_id: str,
        record_index: int,
        endpoint: str,
        latency_ms: float,
        operator_id: str,
    ) -> Self:
        """The audit entry of ``triage``, predicted on ``text`` for record ``record_index``.

        Only a salted hash of ``text`` is kept (``TextHash.of``), never the text.
        """
        return cls(
            request_id=request_id,
            record_index=record_index,
            endpoint=endpoint,
            model_version=triage.model_version,
            labels=Labels(
                triage.dispute_type.label, triage.risk_grade.label, triage.escalation.flag
            ),
            escalation_probability=triage.escalation.probability,
            needs_review=triage.needs_review,
            review_reasons=tuple(triage.review_reasons),
            latency_ms=latency_ms,
            operator_id=operator_id,
            text_hash=TextHash.of(text),
        )


@dataclass(frozen=True, slots=True)
class StoredPrediction:
    """An audit row read back: the prediction a correction refers to.

    ``text_hash`` is ``None`` for rows written before migration 3 kept hashes.
    """

    request_id: str
    record_index: int
    model_version: str
    labels: Labels
    created_at: datetime
    text_hash: TextHash | None
    operator_id: str = ""
    """The operator the prediction was served to."""


@dataclass(frozen=True, slots=True)
class StoredFeedback:
    """One correction as stored; ``masked_text`` is normalised and PII-masked."""

    id: int
    request_id: str
    record_index: int
    model_version: str
    predicted: Labels
    corrected: Labels
    masked_text: str
    operator_id: str
    created_at: datetime

    @property
    def changed(self) -> tuple[str, ...]:
        """The heads whose label the person changed (``dispute_type``, ``risk_grade``, ...)."""
        return tuple(
            head
            for head in ("dispute_type", "risk_grade", "escalation")
            if getattr(self.predicted, head) != getattr(self.corrected, head)
        )


def mask_record_text(text: str) -> str:
    """The form in which a record's text is stored: normalised, then PII-masked."""
    return mask_pii(normalize(text)).text


class FeedbackStore:
    """Reads and appends rows of the feedback database; safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        """Wrap an engine whose database is migrated already (see ``open``)."""
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Self:
        """Connect to ``url`` and bring its schema up to date.

        Raises:
            DatabaseError: ``DATABASE_TOO_NEW`` or ``DATABASE_UNAVAILABLE``.
        """
        engine = build_engine(url)
        try:
            migrate(engine)
        except DatabaseError:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def record_predictions(self, entries: Sequence[AuditEntry]) -> None:
        """Append one audit row per entry, all in one transaction.

        Raises:
            DatabaseError: ``DATABASE_UNAVAILABLE``.
        """
        if not entries:
            return
        now = datetime.now(UTC)
        rows = [
            {
                "request_id": entry.request_id,
                "record_index": entry.record_index,
                "endpoint": entry.endpoint,
                "model_version": entry.model_version,
                "dispute_type": entry.labels.dispute_type,
                "risk_grade": entry.labels.risk_grade,
                "escalation": entry.labels.escalation,
                "escalation_probability": entry.escalation_probability,
                "needs_review": entry.needs_review,
                "review_reasons": ";".join(entry.review_reasons),
                "latency_ms": entry.latency_ms,
                "operator_id": entry.operator_id,
                "created_at": now,
                "text_salt": entry.text_hash.salt,
                "text_sha256": entry.text_hash.sha256,
            }
            for entry in entries
        ]
        with self._transaction("write the audit log") as connection:
            connection.execute(insert(prediction_audit), rows)

    def find_prediction(self, request_id: str, record_index: int = 0) -> StoredPrediction | None:
        """The latest prediction served under ``request_id`` for record ``record_index``.

        Request ids come from the caller's ``X-Request-ID`` when it sent one, so they may repeat;
        the latest row wins.

        Raises:
            DatabaseError: ``DATABASE_UNAVAILABLE``.
        """
        with self._transaction("read the audit log") as connection:
            row = self._latest_prediction(connection, request_id, record_index)
        return row

    def add_feedback(
        self,
        request_id: str,
        record_index: int,
        text: str,
        corrected: Labels,
        operator_id: str,
        *,
        any_operator: bool = False,
    ) -> StoredFeedback:
        """Store a correction of the prediction served under ``request_id``.

        Args:
            request_id: the ``X-Request-ID`` of the triage reply being corrected.
            record_index: the record's position in that request (0 for ``/v1/triage``).
            text: the record's text exactly as sent for triage; it must match the hash kept with
                the prediction, and only its masked form is stored.
            corrected: the right labels (equal to the predicted ones where confirmed).
            operator_id: who sent the correction.
            any_operator: the sender may correct a prediction served to another operator (the
                admin key); otherwise only the operator who got the prediction may.

        Returns:
            The stored row, with the predicted labels and model version from the audit log.

        Raises:
            UnknownPredictionError: ``UNKNOWN_REQUEST_ID``: no prediction was served under that
                request id and record index.
            FeedbackNotAllowedError: ``FEEDBACK_NOT_ALLOWED``: the prediction was served to
                another operator and ``any_operator`` is off. Nothing is stored.
            FeedbackTextMismatchError: ``FEEDBACK_TEXT_MISMATCH``: ``text`` is not the text that
                prediction was made on (or the prediction predates text hashes). Nothing is
                stored.
            DatabaseError: ``DATABASE_UNAVAILABLE``.
        """
        masked = mask_record_text(text)
        with self._transaction("store the correction") as connection:
            prediction = self._latest_prediction(connection, request_id, record_index)
            if prediction is None:
                raise UnknownPredictionError(
                    "no prediction was served under this request_id and record_index; send the "
                    "X-Request-ID of the triage reply you are correcting"
                )
            # Before the text check, so that nobody can test guessed texts against another
            # operator's predictions.
            if not any_operator and prediction.operator_id != operator_id:
                raise FeedbackNotAllowedError(
                    "this prediction was served to another operator; only that operator (or the "
                    "admin key) may correct it"
                )
            if prediction.text_hash is None:
                raise FeedbackTextMismatchError(
                    "this prediction was recorded before text hashes were kept, so its text "
                    "cannot be checked; triage the text again and correct the new prediction"
                )
            if not prediction.text_hash.matches(text):
                raise FeedbackTextMismatchError(
                    "the text is not the text this prediction was made on; send the text exactly "
                    "as it was sent for triage, or triage the new text and correct that prediction"
                )
            values: dict[str, Any] = {
                "request_id": request_id,
                "record_index": record_index,
                "model_version": prediction.model_version,
                "predicted_dispute_type": prediction.labels.dispute_type,
                "predicted_risk_grade": prediction.labels.risk_grade,
                "predicted_escalation": prediction.labels.escalation,
                "corrected_dispute_type": corrected.dispute_type,
                "corrected_risk_grade": corrected.risk_grade,
                "corrected_escalation": corrected.escalation,
                "masked_text": masked,
                "operator_id": operator_id,
                "created_at": datetime.now(UTC),
            }
            new_id = connection.execute(
                insert(feedback).returning(feedback.c.id), values
            ).scalar_one()
        return _feedback_of({"id": new_id, **values})

    def iter_feedback(self, since: datetime | None = None) -> Iterator[StoredFeedback]:
        """Every correction, oldest first; only those created at or after ``since`` if given.

        Raises:
            DatabaseError: ``DATABASE_UNAVAILABLE``.
        """
        query = select(feedback).order_by(feedback.c.id)
        if since is not None:
            query = query.where(feedback.c.created_at >= as_utc(since))
        with self._transaction("read the corrections") as connection:
            rows = connection.execute(query).mappings().all()
        return iter([_feedback_of(row) for row in rows])

    def audit_rows(self) -> list[dict[str, Any]]:
        """The audit log as plain rows, oldest first (for inspection and tests).

        Raises:
            DatabaseError: ``DATABASE_UNAVAILABLE``.
        """
        with self._transaction("read the audit log") as connection:
            rows = connection.execute(select(prediction_audit).order_by(prediction_audit.c.id))
            return [dict(row) for row in rows.mappings()]

    @staticmethod
    def _latest_prediction(
        connection: Any, request_id: str, record_index: int
    ) -> StoredPrediction | None:
        row = (
            connection.execute(
                select(prediction_audit)
                .where(
                    prediction_audit.c.request_id == request_id,
                    prediction_audit.c.record_index == record_index,
                )
                .order_by(prediction_audit.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        return StoredPrediction(
            request_id=row["request_id"],
            record_index=row["record_index"],
            model_version=row["model_version"],
            labels=Labels(row["dispute_type"], row["risk_grade"], bool(row["escalation"])),
            created_at=as_utc(row["created_at"]),
            text_hash=(
                TextHash(row["text_salt"], row["text_sha256"])
                if row["text_salt"] is not None and row["text_sha256"] is not None
                else None
            ),
            operator_id=row["operator_id"],
        )

    @contextmanager
    def _transaction(self, action: str) -> Iterator[Any]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise DatabaseError(
                f"could not {action} in the feedback database ({type(error).__name__}); "
                "check that the database is reachable and writable (feedback.database_url)",
                code="DATABASE_UNAVAILABLE",
            ) from None


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive value is taken to be UTC already (SQLite drops the zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _feedback_of(row: RowMapping | dict[str, Any]) -> StoredFeedback:
    return StoredFeedback(
        id=int(row["id"]),
        request_id=row["request_id"],
        record_index=int(row["record_index"]),
        model_version=row["model_version"],
        predicted=Labels(
            row["predicted_dispute_type"],
            row["predicted_risk_grade"],
            bool(row["predicted_escalation"]),
        ),
        corrected=Labels(
            row["corrected_dispute_type"],
            row["corrected_risk_grade"],
            bool(row["corrected_escalation"]),
        ),
        masked_text=row["masked_text"],
        operator_id=row["operator_id"],
        created_at=as_utc(row["created_at"]),
    )

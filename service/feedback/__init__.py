"""The feedback database: staff corrections, the audit log of predictions, their migrations."""

from service.feedback._text_hash import TextHash
from service.feedback.export import export_feedback, training_row
from service.feedback.migrations import MIGRATIONS, SCHEMA_VERSION, Migration, migrate
from service.feedback.store import (
    AuditEntry,
    FeedbackStore,
    Labels,
    StoredFeedback,
    StoredPrediction,
    mask_record_text,
)

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AuditEntry",
    "FeedbackStore",
    "Labels",
    "Migration",
    "StoredFeedback",
    "StoredPrediction",
    "TextHash",
    "export_feedback",
    "mask_record_text",
    "migrate",
    "training_row",
]

"""Records in, one entry per record out: shared by the HTTP service, ``predict`` and ``score``.

An entry is ``{"id": ..., <Triage fields>}`` for a triaged record and ``{"id": ..., "error":
{"code", "message"}}`` for a record that cannot be triaged (empty, not text, too long, not UTF-8
text, a bad id), so bad
input never aborts a batch and never disappears.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from models.protocol import Triage, TriageModel
from nlp.errors import InvalidRecordError
from nlp.validate import validate_id, validate_text

RecordId = str | int | None
Entry = dict[str, Any]


def result_entry(record_id: RecordId, triage: Triage) -> Entry:
    """The entry of a triaged record: its id first, then the ``Triage`` fields as JSON values."""
    return {"id": record_id, **triage.model_dump(mode="json")}


def error_entry(record_id: RecordId, error: InvalidRecordError) -> Entry:
    """The entry of a record that could not be triaged."""
    return {"id": record_id, "error": {"code": error.code, "message": error.message}}


@dataclass(frozen=True)
class PreparedRecords:
    """Records split into the texts to predict and the entries already known to be errors.

    Attributes:
        ids: every record's id, in input order.
        texts: the valid texts, in input order.
        errors: input position -> the validation error of that record.
    """

    ids: tuple[RecordId, ...]
    texts: tuple[str, ...]
    errors: dict[int, InvalidRecordError]

    def entries(self, predictions: Sequence[Triage]) -> list[Entry]:
        """One entry per record, in input order, given one prediction per valid text.

        Raises:
            ValueError: the model returned a different number of results than texts.
        """
        if len(predictions) != len(self.texts):
            raise ValueError(
                f"the model returned {len(predictions)} results for {len(self.texts)} texts"
            )
        results = iter(predictions)
        return [
            error_entry(record_id, self.errors[i])
            if i in self.errors
            else result_entry(record_id, next(results))
            for i, record_id in enumerate(self.ids)
        ]


def prepare_records(records: Sequence[tuple[object, object]], *, max_chars: int) -> PreparedRecords:
    """Validate each record's text.

    Args:
        records: ``(id, text value)`` pairs as decoded from the input.
        max_chars: the longest text accepted.

    Returns:
        The split records; a record whose id is not valid (``INVALID_ID``) is an error entry
        with id ``None``.
    """
    ids: list[RecordId] = []
    texts: list[str] = []
    errors: dict[int, InvalidRecordError] = {}
    for position, (record_id, value) in enumerate(records):
        ids.append(safe_id(record_id))
        try:
            validate_id(record_id)
            texts.append(validate_text(value, max_chars=max_chars))
        except InvalidRecordError as error:
            errors[position] = error
    return PreparedRecords(tuple(ids), tuple(texts), errors)


def safe_id(record_id: object) -> RecordId:
    """The id to write back for a record: the id itself, or ``None`` when it is not a valid id
    (a boolean, a lone surrogate...), so that nothing unwritable is echoed."""
    try:
        return validate_id(record_id)
    except InvalidRecordError:
        return None


def triage_records(
    model: TriageModel, records: Sequence[tuple[object, object]], *, max_chars: int
) -> list[Entry]:
    """Validate and triage records in one model call; one entry per record, in order."""
    prepared = prepare_records(records, max_chars=max_chars)
    predictions = model.predict(list(prepared.texts)) if prepared.texts else []
    return prepared.entries(predictions)

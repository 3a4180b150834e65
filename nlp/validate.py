"""Validation of one input record's text, shared by the CLI, the batch scorer and the service."""

from __future__ import annotations

from nlp.errors import InvalidRecordError

DEFAULT_MAX_CHARS = 20_000


def validate_text(value: object, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Return ``value`` if it is a usable record text.

    Args:
        value: the record's text field as decoded from the input.
        max_chars: the longest text accepted, in characters.

    Returns:
        The text unchanged.

    Raises:
        InvalidRecordError: code ``NOT_TEXT`` (missing or not a string), ``EMPTY_TEXT`` (only
            whitespace) or ``TEXT_TOO_LONG``. The message never contains the text.
    """
    if not isinstance(value, str):
        kind = "missing" if value is None else f"of type {type(value).__name__}"
        raise InvalidRecordError(f"the text field is {kind}; send a string", code="NOT_TEXT")
    if not value.strip():
        raise InvalidRecordError("the text is empty; send the record's text", code="EMPTY_TEXT")
    if len(value) > max_chars:
        raise InvalidRecordError(
            f"the text has {len(value)} characters, more than the limit of {max_chars}; "
            "split the record or raise the limit",
            code="TEXT_TOO_LONG",
        )
    return value

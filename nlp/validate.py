"""Validation of one record's text and id, shared by the CLI, the batch scorer and the service."""

from __future__ import annotations

import unicodedata

from nlp.errors import InvalidRecordError

DEFAULT_MAX_CHARS = 20_000

MAX_ID_INT = 2**63 - 1
"""The largest integer id accepted (SQLite and Parquet hold signed 64-bit integers)."""

_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


def is_clean_text(value: str) -> bool:
    """Whether ``value`` encodes as UTF-8 (no lone surrogate) and holds no NUL character."""
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_blank(value: str) -> bool:
    """Whether ``value`` has no visible character (only spaces, controls, zero-width marks)."""
    return all(
        char.isspace() or unicodedata.category(char) in _INVISIBLE_CATEGORIES for char in value
    )


def validate_text(value: object, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Return ``value`` if it is a usable record text.

    Args:
        value: the record's text field as decoded from the input.
        max_chars: the longest text accepted, in characters.

    Returns:
        The text unchanged.

    Raises:
        InvalidRecordError: code ``NOT_TEXT`` (missing or not a string), ``INVALID_CHARACTERS``
            (a lone surrogate or NUL: not UTF-8 text), ``EMPTY_TEXT`` (only whitespace or
            invisible characters) or ``TEXT_TOO_LONG``. The message never contains the text.
    """
    if not isinstance(value, str):
        kind = "missing" if value is None else f"of type {type(value).__name__}"
        raise InvalidRecordError(f"the text field is {kind}; send a string", code="NOT_TEXT")
    if not is_clean_text(value):
        raise InvalidRecordError(
            "the text holds a lone surrogate or a NUL character, so it is not UTF-8 text; "
            "fix the record's encoding",
            code="INVALID_CHARACTERS",
        )
    if is_blank(value):
        raise InvalidRecordError("the text is empty; send the record's text", code="EMPTY_TEXT")
    if len(value) > max_chars:
        raise InvalidRecordError(
            f"the text has {len(value)} characters, more than the limit of {max_chars}; "
            "split the record or raise the limit",
            code="TEXT_TOO_LONG",
        )
    return value


def validate_id(value: object) -> str | int | None:
    """Return ``value`` if it is a usable record id: a string, an integer or ``None``.

    Raises:
        InvalidRecordError: code ``INVALID_ID``: a boolean, a number that is not an integer,
            an integer beyond signed 64 bits, a string with a lone surrogate or NUL, or
            another JSON type. The message never contains the id.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidRecordError(
            f"the id is of type {type(value).__name__}; send a string or an integer",
            code="INVALID_ID",
        )
    if isinstance(value, int):
        if abs(value) > MAX_ID_INT:
            raise InvalidRecordError(
                "the id is an integer beyond signed 64 bits; send it as a string",
                code="INVALID_ID",
            )
        return value
    if not is_clean_text(value):
        raise InvalidRecordError(
            "the id holds a lone surrogate or a NUL character; send UTF-8 text",
            code="INVALID_ID",
        )
    return value

"""Small helpers shared by the bench scripts: an argparse type and a JSONL text reader.

This module imports only the standard library: ``bench_model.py`` re-runs itself as a child
process to measure memory, and that child reads its texts through ``read_texts``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def positive_int(raw: str) -> int:
    """Parse a command-line value as an integer of at least 1 (an argparse ``type``).

    Args:
        raw: the value as typed.

    Returns:
        The integer.

    Raises:
        ValueError: ``raw`` is not an integer (argparse reports it as an invalid value).
        argparse.ArgumentTypeError: the integer is below 1.
    """
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def read_texts(path: Path, limit: int | None = None, *, strict: bool = False) -> list[str]:
    """The non-empty string ``text`` fields of a JSONL file, in file order.

    Blank lines are passed over. A record whose ``text`` is missing, not a string, or empty
    (with ``strict=False``: only whitespace) is skipped, or with ``strict=True`` is an error.

    Args:
        path: the JSONL file, one JSON object a line.
        limit: stop after this many texts; None reads the whole file.
        strict: raise on a record without a usable ``text`` and on a file with no texts,
            instead of skipping.

    Returns:
        The texts, at most ``limit`` of them.

    Raises:
        OSError: the file cannot be opened (e.g. ``FileNotFoundError``).
        ValueError: a non-blank line is not valid JSON; with ``strict=True`` also a record
            without a non-empty string ``text`` field, or a file with no texts at all.
    """
    texts: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            if limit is not None and len(texts) >= limit:
                break
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise ValueError(f"{path} line {lineno} is not valid JSON") from None
            text = record.get("text") if isinstance(record, dict) else None
            if isinstance(text, str) and (text if strict else text.strip()):
                texts.append(text)
            elif strict:
                raise ValueError(f"{path} line {lineno} has no non-empty string 'text' field")
    if strict and not texts:
        raise ValueError(f"{path} has no records")
    return texts

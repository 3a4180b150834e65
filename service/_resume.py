"""Resuming an interrupted ``triage score``: the complete rows of a previous ``.partial`` output.

The rows are copied into the new output (through ``AtomicWriter``, so the final file still
appears only when the run ends) and that many input rows are skipped. Any complete-row prefix
of an output is valid, so when both a ``.partial`` and an older ``.resume`` copy exist (a resume
that was itself interrupted), the longer one is used.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from nlp.errors import InputFileError


def partial_path(output: Path) -> Path:
    """Where ``AtomicWriter`` writes before the final rename."""
    return output.with_name(output.name + ".partial")


def resume_path(output: Path) -> Path:
    """Where the previous run's rows are kept while they are copied."""
    return output.with_name(output.name + ".resume")


def take_previous(output: Path, file_format: str, columns: Sequence[str]) -> Path | None:
    """Move the previous run's rows aside to ``<output>.resume`` and return that path.

    Returns:
        ``None`` when there is nothing to resume.

    Raises:
        InputFileError: ``RESUME_UNSUPPORTED`` for Parquet; ``RESUME_MISMATCH`` when the
            previous CSV output has other columns.
    """
    if file_format == "parquet":
        raise InputFileError(
            "--resume does not work for Parquet output: an interrupted Parquet file has no "
            "footer and cannot be read; write JSONL or CSV, or run without --resume",
            code="RESUME_UNSUPPORTED",
        )
    candidates = [p for p in (partial_path(output), resume_path(output)) if p.is_file()]
    if not candidates:
        return None
    best = max(candidates, key=lambda p: sum(1 for _ in complete_rows(p, file_format, columns)))
    for path in candidates:
        if path != best:
            path.unlink()
    target = resume_path(output)
    if best != target:
        os.replace(best, target)
    return target


def complete_rows(path: Path, file_format: str, columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The rows of an output file up to the first incomplete or damaged one.

    A last row without its line ending was cut off mid-write and is left out.
    """
    ends_cleanly = _ends_with_newline(path)
    rows = _jsonl_rows(path) if file_format == "jsonl" else _csv_rows(path, columns)
    previous: dict[str, Any] | None = None
    for row in rows:
        if previous is not None:
            yield previous
        previous = row
    if previous is not None and ends_cleanly:
        yield previous


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                return
            if not isinstance(row, dict):
                return
            yield row


def _csv_rows(path: Path, columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                return
            if header != list(columns):
                raise InputFileError(
                    f"{path} has other columns than this run writes; delete it or run "
                    "without --resume",
                    code="RESUME_MISMATCH",
                )
            for values in reader:
                if len(values) != len(header):
                    return
                yield dict(zip(header, values, strict=True))
        except csv.Error:
            return


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        if handle.tell() == 0:
            return True
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"

"""Resuming an interrupted ``triage score``: the complete rows of a previous ``.partial`` output.

The rows are copied into the new output (through ``AtomicWriter``, so the final file still
appears only when the run ends) and that many input rows are skipped. Any complete-row prefix
of an output is valid, so when both a ``.partial`` and an older ``.resume`` copy exist (a resume
that was itself interrupted), the longer one is used. A damaged tail (a last line cut mid-row or
mid-character by a kill) is dropped and scored again.

A run that finds such files without ``--resume`` or ``--restart`` stops
(``PARTIAL_OUTPUT_EXISTS``) rather than overwrite rows already scored.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

from nlp.errors import InputFileError


def partial_path(output: Path) -> Path:
    """Where ``AtomicWriter`` writes before the final rename."""
    return output.with_name(output.name + ".partial")


def resume_path(output: Path) -> Path:
    """Where the previous run's rows are kept while they are copied."""
    return output.with_name(output.name + ".resume")


def check_previous(output: Path, *, resume: bool, restart: bool) -> None:
    """Refuse to overwrite an interrupted run's rows unless told what to do with them.

    Args:
        output: the final output path.
        resume: ``--resume``: the rows will be kept and continued from.
        restart: ``--restart``: the rows are deleted here and the run starts afresh.

    Raises:
        InputFileError: ``RESUME_CONFLICT`` when both are asked for; ``PARTIAL_OUTPUT_EXISTS``
            when ``<output>.partial`` or ``<output>.resume`` exists and neither is asked for.
    """
    if resume and restart:
        raise InputFileError(
            "--resume and --restart exclude each other; pass --resume to continue the "
            "interrupted run or --restart to discard it",
            code="RESUME_CONFLICT",
        )
    found = [p for p in (partial_path(output), resume_path(output)) if p.exists()]
    if not found or resume:
        return
    if restart:
        for path in found:
            path.unlink()
        return
    raise InputFileError(
        f"{found[0]} holds the rows of an interrupted run; pass --resume to continue it, or "
        "--restart to discard those rows and score everything again",
        code="PARTIAL_OUTPUT_EXISTS",
    )


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

    A last row without its line ending was cut off mid-write and is left out, as is a line that
    is not UTF-8 (cut inside a character) and everything after it.
    """
    return _jsonl_rows(path) if file_format == "jsonl" else _csv_rows(path, columns)


def _decoded_lines(path: Path) -> Generator[str, None, None]:
    # Line by line in binary, so that a line cut inside a UTF-8 character ends the rows instead
    # of raising from the middle of a text stream. A last line without its line ending was cut
    # off mid-write and is left out.
    with path.open("rb") as handle:
        for number, raw in enumerate(handle):
            if not raw.endswith(b"\n"):
                return
            try:
                yield raw.decode("utf-8-sig" if number == 0 else "utf-8")
            except UnicodeDecodeError:
                return


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    for line in _decoded_lines(path):
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            return
        if not isinstance(row, dict):
            return
        yield row


def _csv_rows(path: Path, columns: Sequence[str]) -> Iterator[dict[str, Any]]:
    with contextlib.closing(_decoded_lines(path)) as lines:
        reader = csv.reader(lines, strict=True)
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

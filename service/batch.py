"""Scoring record files: stream rows in chunks, triage them, write results in input order.

Used by ``triage predict`` (JSONL in, JSONL out) and ``triage score`` (CSV, JSONL or Parquet).
Memory stays bounded by the chunk size times the chunks in flight, so files larger than memory
work. With ``jobs > 1`` chunks go to worker processes, each of which loads the model once (in the
pool initializer); results are taken back in submission order.
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from models.bundle import read_manifest
from models.io import AUTO_ENCODING, AtomicWriter, detect_format, iter_rows
from models.loading import load_model
from models.protocol import TriageModel
from models.threads import limit_torch_threads
from nlp.errors import InputFileError, ModelBundleError, TriageError
from service._flat import flat_columns, flatten
from service._resume import check_previous, complete_rows, resume_path, take_previous
from service._summary import ScoreSummary
from service.records import Entry, safe_id, triage_records

Record = tuple[object, object]
STDOUT = Path("-")


@dataclass(frozen=True)
class ScoringConfig:
    """What every scoring process needs to build the same model (picklable, small).

    Attributes:
        model_dir: the bundle directory.
        review_policy: review settings to apply to the bundle's policy
            (``ReviewPolicy.with_overrides`` arguments: thresholds, ``target_coverage``).
        grade_colours: colour per risk grade id.
        max_chars: the longest text accepted.
        torch_threads: CPU threads for torch in each scoring process (torch-backed models).
    """

    model_dir: Path
    review_policy: dict[str, float] = field(default_factory=dict)
    grade_colours: dict[str, str] = field(default_factory=dict)
    max_chars: int = 20_000
    torch_threads: int = 1

    def load(self) -> TriageModel:
        """Load the bundle and apply the thresholds and colours.

        Raises:
            ModelBundleError, UnknownComponentError: the bundle cannot be loaded.
        """
        model = load_model(self.model_dir)
        limit_torch_threads(self.torch_threads)
        return model.configured(
            review_policy=model.review_policy.with_overrides(**self.review_policy),
            grade_colours=self.grade_colours or None,
        )


Loader = Callable[[ScoringConfig], TriageModel]
"""Builds the model from a config; must be a module-level function (it is sent to workers)."""


def load_configured(config: ScoringConfig) -> TriageModel:
    """The default loader: ``config.load()``."""
    return config.load()


@dataclass(frozen=True)
class ScoreJob:
    """One scoring run.

    Attributes:
        input_path: the record file (``-``: JSONL on stdin).
        output_path: the result file (``-``: JSONL on stdout).
        input_format, output_format: ``jsonl``, ``csv`` or ``parquet``; ``None``: from the
            file extension.
        text_column, id_column: column names; rows without an id get their row number.
        chunk_size: records per model call.
        jobs: processes scoring at once (1: this process).
        resume: continue from a previous run's ``.partial`` output.
        restart: delete a previous run's ``.partial`` output and score everything again.
        encoding: text encoding of a CSV/JSONL input; ``auto`` tells UTF-8 from GB18030.
        bom: start a CSV output with a UTF-8 byte-order mark (for Excel and WPS).
    """

    input_path: Path
    output_path: Path
    input_format: str | None = None
    output_format: str | None = None
    text_column: str = "text"
    id_column: str = "id"
    chunk_size: int = 1000
    jobs: int = 1
    resume: bool = False
    restart: bool = False
    encoding: str = AUTO_ENCODING
    bom: bool = False


class _Sink(Protocol):
    def write(self, rows: Sequence[dict[str, Any]]) -> None: ...
    def commit(self) -> None: ...
    def abort(self) -> None: ...


class _StdoutJsonl:
    """JSONL on stdout: no partial file, nothing to commit."""

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def commit(self) -> None:
        return None

    def abort(self) -> None:
        return None


class _ParquetTypeGuard:
    """Hold back leading chunks that have only error rows, so the Parquet schema (taken from the
    first chunk written) gets real column types rather than all-null ones."""

    def __init__(self, writer: AtomicWriter) -> None:
        self.writer = writer
        self.held: list[dict[str, Any]] = []
        self.typed = False

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        if self.typed:
            self.writer.write(rows)
            return
        self.held.extend(rows)
        if any(row["error"] == "" for row in rows):
            self._flush()

    def _flush(self) -> None:
        self.writer.write(self.held)
        self.held = []
        self.typed = True

    def commit(self) -> None:
        if self.held:
            self._flush()
        self.writer.commit()

    def abort(self) -> None:
        self.writer.abort()


def output_format_of(job: ScoreJob) -> str:
    """The output format: ``jsonl`` on stdout, else explicit or from the extension."""
    if job.output_path == STDOUT:
        return "jsonl"
    return detect_format(job.output_path, job.output_format)


def run_scoring(
    job: ScoreJob,
    config: ScoringConfig,
    *,
    on_progress: Callable[[int], None] | None = None,
    loader: Loader = load_configured,
) -> ScoreSummary:
    """Score ``job.input_path`` into ``job.output_path``.

    Args:
        job: what to read and write.
        config: the model to use.
        on_progress: called with the number of records finished after each chunk.
        loader: builds the model in each scoring process.

    Returns:
        Counts over the records scored in this run.

    Raises:
        InputFileError: the input is unreadable or malformed (naming the line), a column is
            missing, ``--resume`` cannot continue (``RESUME_UNSUPPORTED``, ``RESUME_MISMATCH``),
            or an interrupted run's output exists and neither ``resume`` nor ``restart`` is set
            (``PARTIAL_OUTPUT_EXISTS``; both: ``RESUME_CONFLICT``).
        ModelBundleError: the model cannot be loaded.
    """
    began = time.perf_counter()
    out_format = output_format_of(job)
    nested = out_format == "jsonl"
    columns = None if nested else flat_columns(job.id_column)
    if job.output_path != STDOUT:
        check_previous(job.output_path, resume=job.resume, restart=job.restart)
    summary = ScoreSummary()
    records = read_records(job, summary)
    previous = (
        take_previous(job.output_path, out_format, columns or [])
        if job.resume and job.output_path != STDOUT
        else None
    )
    sink = _open_sink(job, out_format, columns)
    id_as_text = not integer_ids(job)
    try:
        if previous is not None:
            summary.kept_from_previous_run = _copy_previous(
                previous, out_format, columns or [], job, records, sink
            )
            if on_progress:
                on_progress(summary.kept_from_previous_run)
        with ChunkScorer(config, jobs=job.jobs, loader=loader) as scorer:
            for entries in scorer.map(_chunks(records, job.chunk_size)):
                summary.add(entries)
                sink.write(
                    entries
                    if nested
                    else [flatten(e, job.id_column, id_as_text=id_as_text) for e in entries]
                )
                if on_progress:
                    on_progress(len(entries))
    except BaseException:
        sink.abort()
        raise
    sink.commit()
    if previous is not None:
        previous.unlink(missing_ok=True)
    summary.seconds = time.perf_counter() - began
    return summary


def read_records(job: ScoreJob, summary: ScoreSummary | None = None) -> Iterator[Record]:
    """``(id, text value)`` per input row, streaming; the id falls back to the row number.

    Args:
        job: what to read.
        summary: where to count the blank lines of a JSONL input (skipped, not records).

    Raises:
        InputFileError: ``MISSING_COLUMN`` when a CSV or Parquet file has no text column.
    """
    in_format = (
        "jsonl" if job.input_path == STDOUT else detect_format(job.input_path, job.input_format)
    )
    first = True
    last_line = 0
    for number, row in iter_rows(job.input_path, in_format, encoding=job.encoding):
        if in_format == "jsonl" and summary is not None:
            summary.blank_lines += number - last_line - 1
            last_line = number
        if first and in_format != "jsonl" and job.text_column not in row:
            raise InputFileError(
                f"{job.input_path} has no column {job.text_column!r} (columns: "
                f"{', '.join(map(str, row))}); pass --text-column",
                code="MISSING_COLUMN",
            )
        first = False
        record_id = row.get(job.id_column)
        yield (
            (number if record_id is None or record_id == "" else record_id),
            row.get(job.text_column),
        )
    if in_format == "jsonl" and summary is not None and job.input_path != STDOUT:
        summary.blank_lines += _line_count(job.input_path) - last_line


def _line_count(path: Path) -> int:
    # Lines after the last record (blank ones; iter_rows skips them without a row number).
    lines, last = 0, b"\n"
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def integer_ids(job: ScoreJob) -> bool:
    """Whether the input's id column holds integers by type (a Parquet integer column).

    Then a flat output keeps them as integers (a Parquet int64 column stays int64); ids of other
    inputs are written as text, since one column cannot mix types.
    """
    if job.input_path == STDOUT or detect_format(job.input_path, job.input_format) != "parquet":
        return False
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(job.input_path)
    except Exception:  # an unreadable file: read_records reports it with its code
        return False
    index = schema.get_field_index(job.id_column)
    return index >= 0 and pa.types.is_integer(schema.field(index).type)


def estimate_rows(job: ScoreJob) -> int | None:
    """About how many records the input holds (exact for Parquet), for the progress bar."""
    if job.input_path == STDOUT:
        return None
    try:
        in_format = detect_format(job.input_path, job.input_format)
        if in_format == "parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(job.input_path).metadata.num_rows)
        lines = 0
        with job.input_path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                lines += block.count(b"\n")
        return max(lines - (1 if in_format == "csv" else 0), 0)
    except (OSError, InputFileError):
        return None
    except Exception:  # an unreadable Parquet footer: the scoring run reports it properly
        return None


class ChunkScorer:
    """Triage chunks of records in this process or in a pool, yielding results in order."""

    def __init__(
        self, config: ScoringConfig, *, jobs: int = 1, loader: Loader = load_configured
    ) -> None:
        self.config = config
        self.jobs = jobs
        self.loader = loader
        self._model: TriageModel | None = None
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ChunkScorer:
        if self.jobs <= 1:
            self._model = self.loader(self.config)
        else:
            # Check the bundle here so a bad one fails with its own code, not a broken pool.
            read_manifest(self.config.model_dir)
            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.config, self.loader, os.getpid()),
            )
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(self, chunks: Iterable[list[Record]]) -> Iterator[list[Entry]]:
        """One list of entries per chunk, in chunk order."""
        if self._pool is None:
            if self._model is None:
                raise RuntimeError("use ChunkScorer as a context manager")
            for chunk in chunks:
                yield triage_records(self._model, chunk, max_chars=self.config.max_chars)
            return
        window: deque[Future[list[Entry]]] = deque()
        try:
            for chunk in chunks:
                window.append(self._pool.submit(_score_in_worker, chunk))
                if len(window) >= 2 * self.jobs:
                    yield window.popleft().result()
            while window:
                yield window.popleft().result()
        except _WorkerLoadError as error:
            raise ModelBundleError(
                f"a scoring process could not load the model: {error.message}", code=error.code
            ) from None
        except BrokenProcessPool:
            raise ModelBundleError(
                "a scoring process died (out of memory?); retry with fewer --jobs",
                code="MODEL_BUNDLE_ERROR",
            ) from None


class _WorkerLoadError(Exception):
    """A worker's load failure, carried back to the parent with its code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


_worker_model: TriageModel | None = None
_worker_error: _WorkerLoadError | None = None
_worker_max_chars = 0


def _init_worker(config: ScoringConfig, loader: Loader, parent_pid: int) -> None:
    # A failing initializer breaks the whole pool without a reason; keep the error for the
    # first chunk to report instead.
    global _worker_model, _worker_error, _worker_max_chars
    die_with_parent(parent_pid)
    _worker_max_chars = config.max_chars
    try:
        _worker_model = loader(config)
    except TriageError as error:
        _worker_error = _WorkerLoadError(error.code, error.message)


_PR_SET_PDEATHSIG = 1
_PARENT_POLL_S = 1.0


def die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid`` ends, however it ends (SIGKILL included).

    On Linux the kernel sends SIGKILL on the parent's death (``prctl(PR_SET_PDEATHSIG)``);
    elsewhere, or if that call fails, a daemon thread polls the parent pid every second.
    Either way a killed ``triage score`` leaves no scoring process behind.
    """
    if sys.platform.startswith("linux") and _set_death_signal():
        if os.getppid() != parent_pid:  # the parent died before the signal was armed
            os._exit(1)
        return
    threading.Thread(
        target=_watch_parent, args=(parent_pid,), name="parent-watchdog", daemon=True
    ).start()


def _set_death_signal() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_PARENT_POLL_S)
    os._exit(1)


def _score_in_worker(chunk: list[Record]) -> list[Entry]:
    if _worker_error is not None:
        raise _worker_error
    if _worker_model is None:
        raise RuntimeError("worker not initialised")
    return triage_records(_worker_model, chunk, max_chars=_worker_max_chars)


def _chunks(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _id_text(record_id: object) -> str:
    return "" if record_id is None else str(record_id)


def _open_sink(job: ScoreJob, out_format: str, columns: list[str] | None) -> _Sink:
    if job.output_path == STDOUT:
        return _StdoutJsonl()
    writer = AtomicWriter(job.output_path, out_format, columns, bom=job.bom)
    return _ParquetTypeGuard(writer) if out_format == "parquet" else writer


def _copy_previous(
    previous: Path,
    out_format: str,
    columns: list[str],
    job: ScoreJob,
    records: Iterator[Record],
    sink: _Sink,
) -> int:
    """Copy the previous run's complete rows, skipping as many input rows; returns the count.

    Raises:
        InputFileError: ``RESUME_MISMATCH`` when a kept row's id differs from the input's.
    """
    id_key = "id" if out_format == "jsonl" else job.id_column
    kept = 0
    buffer: list[dict[str, Any]] = []
    for row in complete_rows(previous, out_format, columns):
        record = next(records, None)
        if record is None or _id_text(row.get(id_key)) != _id_text(safe_id(record[0])):
            raise InputFileError(
                f"row {kept + 1} of the interrupted output {resume_path(job.output_path)} does "
                "not match the input (different id or more rows); delete it or run without "
                "--resume",
                code="RESUME_MISMATCH",
            )
        buffer.append(row)
        kept += 1
        if len(buffer) >= job.chunk_size:
            sink.write(buffer)
            buffer = []
    sink.write(buffer)
    return kept

"""Throughput of the text layer: normalisation, segmentation backends and cue extraction.

Prints one table over a fixed set of records (the first N ``text`` fields of a JSONL file):
records/s and MB/s (UTF-8 bytes) per step, each also as a ratio against plain ``jieba.lcut`` (the
global jieba, default dictionary, HMM on) on the same texts in the same run. Segmentation rows also
show agreement: the share of records whose token lists equal those of ``segment.jieba.v1`` (or
``segment.jieba_nohmm.v1`` for HMM-off backends), i.e. jieba itself with the same dictionary.

Every step is loaded and warmed up first; then ``--repeats`` rounds time each step once over all
records (``time.perf_counter``), and each figure is the step's best pass. A missing module shows
as "not available"; a step that raises is reported as failed and the exit status is 1. Without
``--data`` the script reads ``datasets/corpus/train.jsonl`` and exits with status 2 if it is
absent. Run from anywhere::

    .venv/bin/python bench/bench_nlp.py --records 20000
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench._common import positive_int, read_texts  # noqa: E402  (needs REPO_ROOT on sys.path)

DEFAULT_DATA = REPO_ROOT / "datasets" / "corpus" / "train.jsonl"
WARM_UP_RECORDS = 200

Batch = Callable[[Sequence[str]], list[object]]


@dataclass
class Row:
    """One line of the table; ``seconds`` is None when the step could not run."""

    step: str
    seconds: float | None = None
    note: str = ""
    agreement: float | None = None
    outputs: list[object] | None = None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; returns the process exit status."""
    args = _parse_args(argv)
    data: Path = args.data
    if not data.is_file():
        print(
            f"error: no corpus at {data}. Generate the corpus first (datasets/corpus/train.jsonl) "
            "or pass --data PATH to a JSONL file with a 'text' field per line.",
            file=sys.stderr,
        )
        return 2
    try:
        texts = read_texts(data, args.records, strict=True)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if len(texts) < args.records:
        print(f"note: {data} holds only {len(texts)} records; using all of them")
    total_bytes = sum(len(text.encode("utf-8")) for text in texts)
    print(
        f"data: {data} | records: {len(texts)} | {total_bytes / 1e6:.2f} MB UTF-8 | "
        f"mean {sum(map(len, texts)) / len(texts):.0f} chars/record"
    )
    print(
        f"python {platform.python_version()} on {platform.machine()} | best of {args.repeats} "
        "passes after warm-up, passes interleaved across steps"
    )

    steps = [
        ("jieba.lcut (global, default dict)", _load_jieba_lcut),
        ("normalize", _per_record("nlp.normalize", "normalize")),
        ("normalize_with_offsets", _per_record("nlp.normalize", "normalize_with_offsets")),
        *_segmentation_steps(),
        ("extract_cues", _per_record("nlp.cues", "extract_cues")),
    ]
    rows = _run(steps, texts, args.repeats)
    _add_agreement(rows, len(texts))
    _print_table(rows, len(texts), total_bytes)
    _print_long_runs()
    return 1 if any(row.note.startswith("failed") for row in rows) else 0


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Throughput of normalisation, segmentation and cue extraction, against "
        "plain jieba.lcut on the same texts."
    )
    parser.add_argument(
        "--records",
        type=positive_int,
        default=20_000,
        help="number of records to time: the first N 'text' fields of the data (default 20000)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help=f"JSONL file with a 'text' field per line (default {DEFAULT_DATA})",
    )
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=3,
        help="timed passes per step; the best is reported (default 3)",
    )
    return parser.parse_args(argv)


def _load_jieba_lcut() -> Batch:
    import jieba

    # jieba sets its logger to DEBUG on import; quieten it after importing.
    jieba.setLogLevel(logging.WARNING)
    return lambda texts: [jieba.lcut(text) for text in texts]


def _per_record(module_name: str, function_name: str) -> Callable[[], Batch]:
    """A loader that imports ``module_name`` only when the step runs."""

    def load() -> Batch:
        function = getattr(importlib.import_module(module_name), function_name)
        return lambda texts: [function(text) for text in texts]

    return load


def _segmentation_steps() -> list[tuple[str, Callable[[], Batch]]]:
    try:
        from nlp.segment import SEGMENTERS, get_segmenter
    except ModuleNotFoundError as exc:
        error = exc

        def unavailable() -> Batch:
            raise error

        return [("segment", unavailable)]

    def loader(name: str) -> Callable[[], Batch]:
        def load() -> Batch:
            segmenter = get_segmenter(name)
            return lambda batch: list(segmenter.cut_many(batch))

        return load

    return [(name, loader(name)) for name in SEGMENTERS.names()]


def _run(
    steps: Sequence[tuple[str, Callable[[], Batch]]], texts: Sequence[str], repeats: int
) -> list[Row]:
    """Load and warm up every step, then time ``repeats`` rounds, each step once per round.

    Interleaving the rounds spreads drifts in machine load over all steps alike.
    """
    rows: list[Row] = []
    runs: dict[str, Batch] = {}
    for label, load in steps:
        row = Row(label)
        rows.append(row)
        try:
            run = load()
        except ModuleNotFoundError as exc:
            row.note = _missing(exc)
            continue
        except Exception as exc:
            row.note = f"not available ({type(exc).__name__}: {exc})"
            continue
        try:
            run(texts[:WARM_UP_RECORDS])
        except Exception as exc:
            # Only the type: an exception's message may quote the record it failed on.
            row.note = f"failed during warm-up ({type(exc).__name__})"
            continue
        runs[label] = run
    for _ in range(repeats):
        for row in rows:
            timed = runs.get(row.step)
            if timed is None or row.note:
                continue
            gc.collect()
            start = time.perf_counter()
            try:
                outputs = timed(texts)
            except Exception as exc:
                row.note, row.seconds = f"failed ({type(exc).__name__})", None
                continue
            elapsed = time.perf_counter() - start
            row.seconds = elapsed if row.seconds is None else min(row.seconds, elapsed)
            row.outputs = outputs
    return rows


def _add_agreement(rows: Sequence[Row], n_records: int) -> None:
    """Agreement of each segmenter with jieba itself, same dictionary and same HMM setting."""
    by_step = {row.step: row for row in rows}
    for row in rows:
        if not row.step.startswith("segment.") or row.outputs is None:
            continue
        reference = by_step.get(
            "segment.jieba_nohmm.v1" if row.step.endswith("_nohmm.v1") else "segment.jieba.v1"
        )
        if reference is not None and reference.outputs is not None:
            same = sum(a == b for a, b in zip(row.outputs, reference.outputs, strict=True))
            row.agreement = same / n_records


def _missing(exc: ModuleNotFoundError) -> str:
    return f"not available (module missing: {exc.name})"


def _print_table(rows: Sequence[Row], n_records: int, n_bytes: int) -> None:
    baseline = rows[0]
    header = f"{'step':<36} {'records/s':>10} {'MB/s':>7} {'x jieba.lcut':>12} {'agree':>7}"
    print(header)
    print("-" * len(header))
    for row in rows:
        if row.seconds is None:
            print(f"{row.step:<36} {row.note}")
            continue
        ratio = f"{baseline.seconds / row.seconds:.2f}" if baseline.seconds is not None else "n/a"
        agree = f"{row.agreement:.4f}" if row.agreement is not None else ""
        line = (
            f"{row.step:<36} {n_records / row.seconds:>10,.0f} {n_bytes / row.seconds / 1e6:>7.2f} "
            f"{ratio:>12} {agree:>7}"
        )
        print(line.rstrip())


LONG_RUN_CHARS = (2_000, 8_000)


def _print_long_runs() -> None:
    """Cue extraction on one long numeral run (a pasted ledger): it must grow linearly.

    Before numbers (and the look-ahead in front of them) were anchored to the start of their run,
    8,000 numerals took seconds, and each doubling of the run quadrupled the time.
    The last column is the time at 8,000 characters over the time at 2,000: about 4 is linear,
    about 16 quadratic.
    """
    from nlp.cues import extract_cues

    print()
    header = (
        f"{'extract_cues on a numeral run':<36} {'2,000 chars':>12} {'8,000 chars':>12} "
        f"{'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for unit in ("一", "1", "十", "1一"):
        seconds = []
        for length in LONG_RUN_CHARS:
            text = unit * (length // len(unit)) + "元"
            extract_cues(text)
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                extract_cues(text)
                best = min(best, time.perf_counter() - start)
            seconds.append(best)
        label = f"'{unit}' repeated + '元'"
        print(
            f"{label:<36} {seconds[0] * 1e3:>9.1f} ms {seconds[1] * 1e3:>9.1f} ms "
            f"{seconds[1] / seconds[0]:>7.1f}"
        )


if __name__ == "__main__":
    sys.exit(main())

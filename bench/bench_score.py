"""Throughput of the batch scorer (``triage score``) with 1 and 2 processes.

Builds an input file of ``--records`` records (default 100,000) by repeating texts from a source
JSONL file with a per-record suffix (so no two texts are equal), then scores it once per
``--jobs`` value through ``service.batch.run_scoring`` (the code behind ``triage score``) and
prints records/s. The source is ``--source``, else the first of ``datasets/corpus/test.jsonl``,
``datasets/gold/*.jsonl`` that exists; with none the script says so and exits with status 2 (it
never makes up data). Without ``--model`` it uses the default model (built first if absent).
Run from anywhere::

    .venv/bin/python bench/bench_score.py --records 100000 --jobs 1 2
    .venv/bin/python bench/bench_score.py --records 5000 --model DIR --format csv
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench._common import read_texts  # noqa: E402  (needs REPO_ROOT on sys.path)


def source_candidates() -> list[Path]:
    """Where texts are taken from when ``--source`` is not given, in order."""
    return [
        REPO_ROOT / "datasets" / "corpus" / "test.jsonl",
        *sorted((REPO_ROOT / "datasets" / "gold").glob("*.jsonl")),
    ]


def build_input(texts: Sequence[str], records: int, path: Path) -> int:
    """Write ``records`` JSONL records cycling through ``texts``; returns the text's UTF-8 bytes."""
    total = 0
    with path.open("w", encoding="utf-8") as handle:
        for i in range(records):
            text = f"{texts[i % len(texts)]}（记录{i}）"
            total += len(text.encode("utf-8"))
            handle.write(json.dumps({"id": f"B{i:07d}", "text": text}, ensure_ascii=False) + "\n")
    return total


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="records in the input file")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="process counts to run")
    parser.add_argument("--model", type=Path, default=None, help="bundle directory")
    parser.add_argument("--source", type=Path, default=None, help="JSONL file with 'text' fields")
    parser.add_argument(
        "--format", choices=["jsonl", "csv", "parquet"], default="jsonl", help="output format"
    )
    parser.add_argument("--chunk-size", type=int, default=1000, help="records per chunk")
    parser.add_argument("--workdir", type=Path, default=None, help="where to put the files")
    args = parser.parse_args(argv)

    source = args.source or next((p for p in source_candidates() if p.is_file()), None)
    if source is None or not source.is_file():
        print(
            "error: no source texts; generate datasets/corpus/test.jsonl first or pass --source "
            "PATH to a JSONL file with a 'text' field per line.",
            file=sys.stderr,
        )
        return 2

    from service._model_source import resolve_model_dir
    from service.batch import ScoreJob, ScoringConfig, run_scoring

    model_dir = resolve_model_dir(args.model.resolve() if args.model else None)
    config = ScoringConfig(model_dir=model_dir)
    texts = read_texts(source)
    with tempfile.TemporaryDirectory(dir=args.workdir, prefix="bench-score-") as work:
        input_path = Path(work) / "input.jsonl"
        text_bytes = build_input(texts, args.records, input_path)
        print(
            f"input: {args.records:,} records ({text_bytes / 1e6:.1f} MB of text) from "
            f"{len(texts):,} texts of {source}"
        )
        print(f"model: {model_dir}; output: {args.format}; chunk size {args.chunk_size}")
        print(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}")
        print()
        print(f"{'jobs':>4} {'seconds':>9} {'records/s':>10} {'errors':>7}")
        for jobs in args.jobs:
            out = Path(work) / f"out-{jobs}.{args.format}"
            began = time.perf_counter()
            summary = run_scoring(
                ScoreJob(input_path, out, chunk_size=args.chunk_size, jobs=jobs), config
            )
            seconds = time.perf_counter() - began
            print(
                f"{jobs:>4} {seconds:>9.1f} {summary.records / seconds:>10,.0f} "
                f"{sum(summary.errors.values()):>7}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

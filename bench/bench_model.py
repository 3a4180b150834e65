"""Our default model against the pipeline a user would write instead: speed, accuracy, memory.

The peer is OpenCC ``t2s`` + the global ``jieba.lcut`` + scikit-learn ``TfidfVectorizer`` (word
1-2 grams on the jieba tokens, sublinear tf, ``min_df=2``) + one ``LogisticRegression`` per head
(see ``bench/_peer.py``), trained once per run on ``datasets/corpus/train.jsonl``. One run
prints, side by side: batch throughput (chunks of 256, best of 3, warm, one process), single-record
latency percentiles, load time, peak RSS of a separate process that loads, warms up and predicts
1,000 records, and accuracy on the gold test set and the generated test split. Run from anywhere::

    .venv/bin/python bench/bench_model.py
    .venv/bin/python bench/bench_model.py --records 2000 --latency-samples 200 --json out.json

Never point it at ``/work/shared/data/real_dev.jsonl``: the benchmark reads only ``datasets/``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench._common import positive_int, read_texts  # noqa: E402  (needs REPO_ROOT on sys.path)

if TYPE_CHECKING:
    from bench._peer import PeerPipeline
    from models.protocol import Triage, TriageModel
    from training.data import LabelledSet

CORPUS_DIR = REPO_ROOT / "datasets" / "corpus"
GOLD_TEST = REPO_ROOT / "datasets" / "gold" / "test.jsonl"
DEFAULT_MODEL = REPO_ROOT / "artifacts" / "default-model"
CHUNK = 256
ROUNDS = 3
WARM_UP_RECORDS = 64
RSS_RECORDS = 1000
PEER_VERSION = "peer-tfidf-logreg"
_LOG = logging.getLogger("bench_model")
LIBRARIES = ("numpy", "scikit-learn", "jieba", "rjieba", "opencc")

Predict = Callable[[Sequence[str]], object]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", type=Path, default=DEFAULT_MODEL, help="model bundle directory (%(default)s)"
    )
    parser.add_argument(
        "--records",
        type=positive_int,
        default=10_000,
        help="texts per throughput pass, cycled from datasets/corpus/test.jsonl (%(default)s)",
    )
    parser.add_argument(
        "--latency-samples",
        type=positive_int,
        default=500,
        help="single-record predictions timed per pipeline (%(default)s)",
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS_DIR,
        help="directory with the generated train.jsonl and test.jsonl (%(default)s)",
    )
    parser.add_argument(
        "--gold", type=Path, default=GOLD_TEST, help="hand-written test set (%(default)s)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    # Internal: the memory measurement re-runs this file as a child process.
    parser.add_argument("--rss-child", choices=["model", "peer"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def chunked(predict: Predict, texts: Sequence[str], chunk: int = CHUNK) -> None:
    """Run ``predict`` over ``texts`` in chunks of ``chunk``, discarding the results."""
    for begin in range(0, len(texts), chunk):
        predict(texts[begin : begin + chunk])


def _vm_hwm_mib() -> float | None:
    # Linux's own high-water mark of this address space, as a cross-check of ru_maxrss.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def child_main(kind: str, directory: Path, source: Path) -> int:
    """Load one pipeline, warm it up, predict ``RSS_RECORDS`` records; print figures as JSON.

    Prints ``cold_start_s`` (load plus the first single-record prediction, which is where jieba
    and the other lazy parts initialise), ``loaded_mib`` (peak RSS once loaded) and ``peak_mib``
    (peak RSS at the end), both from ``getrusage(RUSAGE_SELF).ru_maxrss``.

    Args:
        kind: ``"model"`` (a bundle, through ``load_model``) or ``"peer"`` (a saved peer).
        directory: where the bundle or the saved peer lies.
        source: JSONL file whose first ``RSS_RECORDS`` texts are predicted.

    Returns:
        The process exit status.
    """
    texts = read_texts(source, RSS_RECORDS, strict=True)
    began = time.perf_counter()
    predict: Predict
    if kind == "model":
        from models.loading import load_model

        predict = load_model(directory).predict
    else:
        from bench._peer import PeerPipeline

        predict = PeerPipeline.load(directory).predict_proba
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    predict(texts[:1])
    cold_start = time.perf_counter() - began
    predict(texts[:WARM_UP_RECORDS])
    chunked(predict, texts)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in KiB on Linux.
    figures = {
        "cold_start_s": cold_start,
        "loaded_mib": loaded / 1024,
        "peak_mib": peak / 1024,
        "vm_hwm_mib": _vm_hwm_mib(),
        "n": len(texts),
    }
    print(json.dumps(figures))
    return 0


# Linux carries ru_maxrss across exec, so a child started straight from this (large) process
# would report our own peak. A small intermediate interpreter starts the measured process.
_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


def measure_rss(kind: str, directory: Path, corpus: Path) -> dict[str, float]:
    """Cold start and peak RSS of a fresh process serving one pipeline (see ``child_main``).

    Raises:
        RuntimeError: the child process failed (its stderr tail is in the message).
    """
    command = [sys.executable, "-c", _LAUNCHER, sys.executable, str(Path(__file__).resolve())]
    command += ["--rss-child", kind, "--model", str(directory), "--corpus", str(corpus)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {kind} memory child failed:\n{done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@dataclass
class Timings:
    """Best batch pass and single-record latencies of one pipeline."""

    best_seconds: float = float("inf")
    latencies: list[float] | None = None

    def percentile(self, q: float) -> float:
        """Latency percentile in milliseconds."""
        return float(np.percentile(np.asarray(self.latencies or [np.nan]), q) * 1000)


def time_throughput(predicts: dict[str, Predict], texts: Sequence[str]) -> dict[str, Timings]:
    """Best of ``ROUNDS`` chunked passes over ``texts`` per pipeline, rounds interleaved.

    Interleaving makes load changes on a shared machine hit every pipeline alike.
    """
    timings = {name: Timings() for name in predicts}
    for predict in predicts.values():
        predict(texts[:WARM_UP_RECORDS])
    for _ in range(ROUNDS):
        for name, predict in predicts.items():
            began = time.perf_counter()
            chunked(predict, texts)
            elapsed = time.perf_counter() - began
            timings[name].best_seconds = min(timings[name].best_seconds, elapsed)
    return timings


def time_latency(
    predicts: dict[str, Predict], texts: Sequence[str], timings: dict[str, Timings]
) -> None:
    """Time ``predict([text])`` for every text and pipeline (interleaved, after a warm-up)."""
    for name, predict in predicts.items():
        for text in texts[:WARM_UP_RECORDS]:
            predict([text])
        timings[name].latencies = []
    for text in texts:
        for name, predict in predicts.items():
            began = time.perf_counter()
            predict([text])
            elapsed = time.perf_counter() - began
            latencies = timings[name].latencies
            if latencies is not None:
                latencies.append(elapsed)


def best_load_seconds(load: Callable[[], object]) -> float:
    """Best of ``ROUNDS`` calls of ``load``, in seconds."""
    best = float("inf")
    for _ in range(ROUNDS):
        began = time.perf_counter()
        load()
        best = min(best, time.perf_counter() - began)
    return best


def peer_triage(peer: PeerPipeline, texts: Sequence[str]) -> list[Triage]:
    """The peer's predictions as ``Triage`` results (argmax; escalation at probability 0.5)."""
    from models.protocol import (
        DisputeTypePrediction,
        EscalationPrediction,
        RiskGradePrediction,
        Triage,
    )
    from nlp.labels import DEFAULT_GRADE_COLOURS, DISPUTE_TYPES, RISK_GRADES

    results: list[Triage] = []
    for begin in range(0, len(texts), CHUNK):
        proba = peer.predict_proba(texts[begin : begin + CHUNK])
        rows = zip(proba["dispute_type"], proba["risk_grade"], proba["escalation"], strict=True)
        for type_row, grade_row, esc_row in rows:
            types = dict(zip(peer.classes("dispute_type"), map(float, type_row), strict=True))
            grades = dict(zip(peer.classes("risk_grade"), map(float, grade_row), strict=True))
            escalation = float(esc_row[peer.classes("escalation").index("true")])
            dispute_type = max(types, key=types.__getitem__)
            risk_grade = max(grades, key=grades.__getitem__)
            results.append(
                Triage(
                    dispute_type=DisputeTypePrediction(
                        label=dispute_type, name=DISPUTE_TYPES[dispute_type], scores=types
                    ),
                    risk_grade=RiskGradePrediction(
                        label=risk_grade,
                        name=RISK_GRADES[risk_grade],
                        colour=DEFAULT_GRADE_COLOURS[risk_grade],
                        scores=grades,
                    ),
                    escalation=EscalationPrediction(flag=escalation >= 0.5, probability=escalation),
                    needs_review=False,
                    model_version=PEER_VERSION,
                )
            )
    return results


def accuracy(data: LabelledSet, predictions: Sequence[Triage]) -> dict[str, float]:
    """The headline metrics of ``training.evaluate.evaluate_predictions``."""
    from training.evaluate import evaluate_predictions

    metrics = evaluate_predictions(data, predictions)
    return {
        "dispute_type_macro_f1": metrics["dispute_type"]["macro_f1"],
        "risk_grade_macro_f1": metrics["risk_grade"]["macro_f1"],
        "escalation_precision": metrics["escalation"]["precision"],
        "escalation_recall": metrics["escalation"]["recall"],
    }


def _labels(data: LabelledSet) -> dict[str, list[str]]:
    return {
        "dispute_type": data.dispute_types,
        "risk_grade": data.risk_grades,
        "escalation": ["true" if flag else "false" for flag in data.escalations],
    }


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def _versions() -> dict[str, str]:
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


_WIDTH = 48


def _row(label: str, pair: Sequence[float], fmt: str) -> str:
    ours, peer = pair
    ratio = ours / peer if peer else float("nan")
    return f"{label:<{_WIDTH}}{ours:>12{fmt}}{peer:>12{fmt}}{ratio:>12.2f}"


def render(report: dict[str, Any]) -> str:
    """The printed table for a finished run."""
    machine, data, peer_info = report["machine"], report["data"], report["peer"]
    perf = report["performance"]
    lines = [
        f"machine: {machine['cpus']} CPUs ({machine['arch']}), Python {machine['python']}, "
        f"{machine['platform']}; load average at start {machine['load_average_start']:.2f}",
        "libraries: " + ", ".join(f"{k} {v}" for k, v in machine["libraries"].items()),
        f"model: {report['model']['directory']} ({report['model']['version']}); "
        + (
            "trained on this train.jsonl"
            if report["model"]["trained_on_this_train_split"]
            else "WARNING: trained on other data than this train.jsonl (sha256 "
            f"{report['model']['training_data_sha256']}); rebuild it for a fair comparison"
        ),
        f"data (sha256 of texts and labels): {data['train']} {data['train_sha256']}, "
        f"{data['speed_source']} {data['test_sha256']}, {data['gold_test']} "
        f"{data['gold_test_sha256']}",
        f"peer: trained on {data['train']} ({data['train_records']:,} records) in "
        f"{peer_info['train_seconds']:.1f} s; {peer_info['vocabulary']:,} n-grams; lbfgs "
        "iterations "
        + ", ".join(f"{h} {n}" for h, n in peer_info["iterations"].items())
        + f" (max {peer_info['max_iter']})",
        f"speed: {data['records']:,} texts cycled from {data['speed_source']} "
        f"({data['speed_distinct']:,} distinct), chunks of {CHUNK}, best of {ROUNDS}; latency "
        f"over {data['latency_samples']:,} single-record calls",
        "",
        f"{'measure':<{_WIDTH}}{'ours':>12}{'peer':>12}{'ours/peer':>12}",
        "-" * (_WIDTH + 36),
        _row("batch throughput (records/s)", perf["throughput_rps"], ",.0f"),
        _row("latency p50 (ms)", perf["latency_p50_ms"], ".2f"),
        _row("latency p95 (ms)", perf["latency_p95_ms"], ".2f"),
        _row("latency p99 (ms)", perf["latency_p99_ms"], ".2f"),
        _row(f"load time (s, best of {ROUNDS})", perf["load_seconds"], ".3f"),
        _row("cold start to 1st prediction (s)", perf["cold_start_seconds"], ".2f"),
        _row("peak RSS after load (MiB)", perf["rss_loaded_mib"], ",.0f"),
        _row(f"peak RSS, {RSS_RECORDS:,} records (MiB)", perf["rss_peak_mib"], ",.0f"),
        "",
        f"{'accuracy':<{_WIDTH}}{'ours':>12}{'peer':>12}{'ours-peer':>12}",
        "-" * (_WIDTH + 36),
    ]
    for set_name, metrics in report["accuracy"].items():
        for metric, (ours, peer) in metrics.items():
            label = f"{set_name} {metric}"
            lines.append(f"{label:<{_WIDTH}}{ours:>12.4f}{peer:>12.4f}{ours - peer:>+12.4f}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Train the peer, take every measurement, and return the figures."""
    from bench._peer import HEADS, MAX_ITER, PeerPipeline
    from models.bundle import read_manifest
    from models.loading import load_model
    from training.data import read_labelled
    from training.evaluate import predict_all

    load_average = os.getloadavg()[0]
    model_dir = args.model.resolve()
    model: TriageModel = load_model(model_dir)
    trained_on = str(read_manifest(model_dir).training.get("data_sha256", ""))
    corpus = args.corpus.resolve()
    train = read_labelled([corpus / "train.jsonl"])
    generated_test = read_labelled([corpus / "test.jsonl"])
    gold_test = read_labelled([args.gold.resolve()])

    _LOG.info("training the peer on %d records ...", len(train.records))
    began = time.perf_counter()
    peer = PeerPipeline().fit(train.texts, _labels(train))
    train_seconds = time.perf_counter() - began

    distinct = generated_test.texts
    texts = [distinct[i % len(distinct)] for i in range(args.records)]
    latency_texts = [distinct[i % len(distinct)] for i in range(args.latency_samples)]
    predicts: dict[str, Predict] = {"ours": model.predict, "peer": peer.predict_proba}
    _LOG.info("timing batch throughput and latency ...")
    timings = time_throughput(predicts, texts)
    time_latency(predicts, latency_texts, timings)

    _LOG.info("scoring accuracy ...")
    scores: dict[str, dict[str, list[float]]] = {}
    for set_name, data in (("gold test", gold_test), ("generated test", generated_test)):
        ours = accuracy(data, predict_all(model, data.texts))
        theirs = accuracy(data, peer_triage(peer, data.texts))
        scores[f"{set_name} ({len(data.records):,})"] = {
            metric: [ours[metric], theirs[metric]] for metric in ours
        }

    _LOG.info("measuring load time and memory ...")
    with tempfile.TemporaryDirectory(prefix="bench-model-peer-") as work:
        peer_dir = Path(work)
        peer.save(peer_dir)
        reloaded = PeerPipeline.load(peer_dir)
        sample = latency_texts[:CHUNK]
        fresh, saved = peer.predict_proba(sample), reloaded.predict_proba(sample)
        if not all(np.allclose(fresh[h], saved[h], rtol=0, atol=1e-12) for h in HEADS):
            raise RuntimeError("the saved peer predicts differently from the trained one")
        load_seconds = [
            best_load_seconds(lambda: load_model(model_dir)),
            best_load_seconds(lambda: PeerPipeline.load(peer_dir)),
        ]
        rss = [measure_rss("model", model_dir, corpus), measure_rss("peer", peer_dir, corpus)]

    return {
        "machine": {
            "cpus": os.cpu_count(),
            "arch": platform.machine(),
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
            "load_average_start": load_average,
            "libraries": _versions(),
        },
        "model": {
            "directory": str(model_dir),
            "version": model.version,
            "training_data_sha256": trained_on[:12],
            "trained_on_this_train_split": trained_on == train.sha256,
        },
        "data": {
            "train": _shown(corpus / "train.jsonl"),
            "train_records": len(train.records),
            "train_sha256": train.sha256[:12],
            "test_sha256": generated_test.sha256[:12],
            "gold_test_sha256": gold_test.sha256[:12],
            "speed_source": _shown(corpus / "test.jsonl"),
            "gold_test": _shown(args.gold.resolve()),
            "speed_distinct": len(distinct),
            "records": args.records,
            "latency_samples": args.latency_samples,
        },
        "peer": {
            "train_seconds": train_seconds,
            "vocabulary": peer.vocabulary_size,
            "iterations": {head: peer.iterations(head) for head in HEADS},
            "max_iter": MAX_ITER,
        },
        "performance": {
            "throughput_rps": [args.records / timings[n].best_seconds for n in predicts],
            "latency_p50_ms": [timings[n].percentile(50) for n in predicts],
            "latency_p95_ms": [timings[n].percentile(95) for n in predicts],
            "latency_p99_ms": [timings[n].percentile(99) for n in predicts],
            "load_seconds": load_seconds,
            "cold_start_seconds": [r["cold_start_s"] for r in rss],
            "rss_loaded_mib": [r["loaded_mib"] for r in rss],
            "rss_peak_mib": [r["peak_mib"] for r in rss],
            "vm_hwm_mib": [r["vm_hwm_mib"] for r in rss],
        },
        "accuracy": scores,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; returns the process exit status."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.rss_child:
        return child_main(args.rss_child, args.model.resolve(), args.corpus / "test.jsonl")
    needed = [args.corpus / f"{split}.jsonl" for split in ("train", "test")] + [args.gold]
    missing = [str(path) for path in needed if not path.is_file()]
    if missing:
        print(
            f"error: missing {', '.join(missing)}; build the data and the default model first "
            "with `.venv/bin/python -m training.build_default`.",
            file=sys.stderr,
        )
        return 2

    from nlp.errors import TriageError

    try:
        report = run(args)
    except TriageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

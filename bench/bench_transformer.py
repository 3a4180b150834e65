"""PyTorch against ONNX Runtime for CPU inference of the transformer model (``explain=False``).

Exports the bundle's network (encoder + mean pooling + three heads; ``input_ids`` and
``attention_mask`` int64 ``[batch, seq]`` in, three logit tensors out, batch and sequence axes
dynamic) to ONNX in a temporary directory, checks that ONNX Runtime gives the same logits as
torch on real texts, then times both backends on the same inputs, rounds interleaved:

- encoder only, one record: p50/p95/p99 of collated windows -> logits;
- encoder only, batches: records/s over ``--records`` texts in the model's inference batches;
- end to end, one record: ``predict([text])`` of the model with ``explain=False``, against the
  same model whose ``network_`` is replaced by an ONNX Runtime session (everything else, from
  ``analyse`` to ``build_triage``, is the model's own code).

Evidence (``explain=True``) needs gradients and stays on torch; only the ``explain=False`` path
could use ONNX Runtime. Both backends run with ``--threads`` threads (default 1). Run from
anywhere::

    .venv/bin/python bench/bench_transformer.py
    .venv/bin/python bench/bench_transformer.py --model artifacts/transformer-model-v2 \
        --records 500 --latency-samples 100 --exporter dynamo

Needs ``onnxruntime==1.32.0 onnx==1.23.2`` (and ``onnxscript==0.7.2`` for ``--exporter
dynamo``); without them it names the pip command and exits with status 2, and it exits with
status 2 when a data file is missing (it never makes up data or figures).
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench._common import positive_int, read_texts  # noqa: E402  (needs REPO_ROOT on sys.path)

if TYPE_CHECKING:
    import torch

    from models.protocol import Triage
    from models.transformer._windows import Windows
    from models.transformer.model import TransformerTriageModel
    from models.transformer.network import TriageNetwork

DEFAULT_MODEL = REPO_ROOT / "artifacts" / "transformer-model"
PARITY_DATA = REPO_ROOT / "datasets" / "gold" / "test.jsonl"
THROUGHPUT_DATA = REPO_ROOT / "datasets" / "corpus" / "test.jsonl"
INPUT_NAMES = ("input_ids", "attention_mask")
WARM_UP_CALLS = 20
LONG_TEXTS = 20
JOINED = 3
PIP_PACKAGES = "onnxruntime==1.32.0 onnx==1.23.2"
REQUIRED = {
    "dynamo": ("torch", "transformers", "onnx", "onnxruntime", "onnxscript"),
    "legacy": ("torch", "transformers", "onnx", "onnxruntime"),
}
LIBRARIES = ("torch", "transformers", "onnx", "onnxruntime", "onnxscript", "numpy")
_LOG = logging.getLogger("bench_transformer")

# collated (input_ids, attention_mask) -> {head: (windows, k) logits}
WindowLogits = Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]]
Batch = tuple[np.ndarray, np.ndarray]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line (see ``--help``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", type=Path, default=DEFAULT_MODEL, help="transformer bundle (%(default)s)"
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=PARITY_DATA,
        help="JSONL with `text`: parity check and single-record latency (%(default)s)",
    )
    parser.add_argument(
        "--throughput-data",
        type=Path,
        default=THROUGHPUT_DATA,
        help="JSONL with `text` for batch throughput (%(default)s)",
    )
    parser.add_argument(
        "--records",
        type=positive_int,
        default=1000,
        help="texts per throughput pass, cycled from --throughput-data (%(default)s)",
    )
    parser.add_argument(
        "--latency-samples",
        type=positive_int,
        default=200,
        help="single-record calls timed per backend and path, cycled from --data (%(default)s)",
    )
    parser.add_argument(
        "--rounds", type=positive_int, default=3, help="throughput passes, best kept (%(default)s)"
    )
    parser.add_argument(
        "--threads",
        type=positive_int,
        default=1,
        help="torch threads and ONNX Runtime intra-op threads (%(default)s)",
    )
    parser.add_argument(
        "--exporter",
        choices=sorted(REQUIRED),
        default="legacy",
        help="torch.onnx.export's TorchScript-based dynamo=False (deprecated, gave the faster "
        "graph here) or its torch.export-based dynamo=True (%(default)s)",
    )
    parser.add_argument(
        "--opset", type=positive_int, default=18, help="ONNX opset version (%(default)s)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    return parser.parse_args(argv)


def missing_modules(names: Sequence[str]) -> list[str]:
    """The modules of ``names`` that cannot be imported."""
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def cycled(texts: Sequence[str], n: int) -> list[str]:
    """``n`` texts taken in order from ``texts``, starting again at the end."""
    return [texts[i % len(texts)] for i in range(n)]


def set_threads(threads: int) -> None:
    """Limit torch to ``threads`` intra-op threads and one inter-op thread."""
    import torch

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)


def load_cpu_model(directory: Path) -> TransformerTriageModel:
    """The bundle at ``directory``, its network on the CPU, evidence off."""
    from models.transformer.model import TransformerTriageModel

    model = TransformerTriageModel.load(directory).configured()
    model.explain = False
    model.network_ = model.network_.cpu().eval()
    return model


def model_windows(model: TransformerTriageModel, texts: Sequence[str]) -> Windows:
    """The windows ``predict`` reads for ``texts`` (analysed, masked, tokenised)."""
    from nlp.pipeline import analyse

    return model._windows([analysis.masked for analysis in analyse(texts)])


def batches(model: TransformerTriageModel, windows: Windows) -> list[tuple[list[int], Batch]]:
    """The model's inference batches of ``windows``: ``(docs, (input_ids, attention_mask))``."""
    from models.transformer._windows import collate, doc_batches

    pad_id = int(model.tokenizer_.pad_token_id)
    found = []
    for docs in doc_batches(windows, model.config.batch_size):
        ids, mask, _, _ = collate(windows, docs, pad_id)
        found.append((docs, (ids, mask)))
    return found


def head_tuple(network: torch.nn.Module) -> torch.nn.Module:
    """``network`` returning a tuple of logits ``(dispute_type, risk_grade, escalation)``."""
    from torch import nn

    from models.transformer.network import HEADS

    class HeadTuple(nn.Module):
        def __init__(self, inner: nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor
        ) -> tuple[torch.Tensor, ...]:
            logits = self.inner(input_ids, attention_mask)
            return tuple(logits[head] for head in HEADS)

    return HeadTuple(network).eval()


def export_onnx(
    network: torch.nn.Module, example: Batch, path: Path, exporter: str, opset: int
) -> float:
    """Export ``network`` to ``path`` with dynamic batch and sequence axes; returns seconds.

    Args:
        network: the model's ``TriageNetwork``, on the CPU, in eval mode.
        example: collated ``(input_ids, attention_mask)`` with padding, so that the traced graph
            keeps the attention mask.
        path: the ``.onnx`` file to write (weights inside it).
        exporter: ``"dynamo"`` (``torch.export``-based) or ``"legacy"`` (TorchScript).
        opset: ONNX opset version.
    """
    import torch

    from models.transformer.network import HEADS

    wrapped = head_tuple(network)
    args = (torch.from_numpy(example[0]), torch.from_numpy(example[1]))
    began = time.perf_counter()
    if exporter == "dynamo":
        batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq")
        torch.onnx.export(
            wrapped,
            args,
            str(path),
            dynamo=True,
            external_data=False,
            input_names=list(INPUT_NAMES),
            output_names=list(HEADS),
            dynamic_shapes={"input_ids": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}},
            opset_version=opset,
            verbose=False,
        )
    else:
        axes = {0: "batch", 1: "seq"}
        torch.onnx.export(
            wrapped,
            args,
            str(path),
            dynamo=False,
            input_names=list(INPUT_NAMES),
            output_names=list(HEADS),
            dynamic_axes={name: axes for name in INPUT_NAMES},
            opset_version=opset,
        )
    return time.perf_counter() - began


def ort_session(path: Path, threads: int) -> Any:
    """An ONNX Runtime CPU session on ``path``: ``threads`` intra-op threads, one inter-op."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def torch_logits(network: torch.nn.Module) -> WindowLogits:
    """Window logits from the torch network under ``torch.inference_mode``."""
    import torch

    def run(ids: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        with torch.inference_mode():
            out = network(torch.from_numpy(ids), torch.from_numpy(mask))
        return {head: values.numpy() for head, values in out.items()}

    return run


def ort_logits(session: Any) -> WindowLogits:
    """Window logits from an ONNX Runtime session (outputs named after the heads)."""
    names = [output.name for output in session.get_outputs()]

    def run(ids: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
        values = session.run(names, {INPUT_NAMES[0]: ids, INPUT_NAMES[1]: mask})
        return dict(zip(names, values, strict=True))

    return run


def ort_model(model: TransformerTriageModel, session: Any) -> TransformerTriageModel:
    """A copy of ``model`` whose ``network_`` runs ``session``; ``predict`` is unchanged.

    ``_predict_batch`` with ``explain=False`` only calls ``network_(ids, mask)`` and pools the
    result, so swapping the network is enough: ``analyse``, windows, ``collate``, pooling,
    ``_probabilities`` and ``build_triage`` are the model's own.
    """
    import torch
    from torch import nn

    logits = ort_logits(session)

    class OrtNetwork(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # ``_predict_batch`` asks the first parameter for the device.
            self.anchor = nn.Parameter(torch.zeros(()), requires_grad=False)

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            inputs_embeds: torch.Tensor | None = None,
        ) -> dict[str, torch.Tensor]:
            if inputs_embeds is not None:
                raise ValueError("evidence needs gradients; use the torch network")
            out = logits(input_ids.numpy(), attention_mask.numpy())
            return {head: torch.from_numpy(values) for head, values in out.items()}

    copy = model.configured()
    # Duck-typed stand-in: ``predict`` only calls it and asks it for its device.
    copy.network_ = cast("TriageNetwork", OrtNetwork().eval())
    return copy


@dataclass
class Parity:
    """ONNX Runtime against torch on the same windows."""

    records: int = 0
    windows: int = 0
    max_abs_diff: dict[str, float] = field(default_factory=dict)
    label_agreement: dict[str, float] = field(default_factory=dict)
    triage_agreement: float = 0.0


def _chosen(model: TransformerTriageModel, logits: dict[str, np.ndarray], window_doc: Any) -> Any:
    import torch

    from models.transformer.network import pool_windows

    n_docs = int(window_doc.max()) + 1
    pooled = pool_windows(
        {head: torch.from_numpy(values) for head, values in logits.items()},
        torch.from_numpy(window_doc),
        n_docs,
    )
    return model._chosen(model._probabilities(pooled))


def _triage_key(triage: Triage) -> tuple[object, ...]:
    return (
        triage.dispute_type.label,
        triage.risk_grade.label,
        triage.escalation.flag,
        triage.needs_review,
    )


def check_parity(
    model: TransformerTriageModel,
    twin: TransformerTriageModel,
    texts: Sequence[str],
    backends: dict[str, WindowLogits],
) -> Parity:
    """Compare ONNX Runtime with torch on the windows of ``texts``.

    Args:
        model: the torch model (``explain=False``).
        twin: the same model on ONNX Runtime (``ort_model``).
        texts: real record texts.
        backends: ``{"torch": ..., "onnxruntime": ...}`` window-logit functions.

    Returns:
        Per head, the largest absolute difference of window logits and the share of records
        whose decision (argmax; escalation at the model's threshold) agrees; the share of
        records whose ``predict`` results agree on labels, flag and ``needs_review``.
    """
    from models.transformer._windows import collate, doc_batches
    from models.transformer.network import HEADS

    windows = model_windows(model, texts)
    parity = Parity(records=len(texts), windows=len(windows.ids))
    diffs = dict.fromkeys(HEADS, 0.0)
    agree = dict.fromkeys(HEADS, 0)
    for docs in doc_batches(windows, model.config.batch_size):
        ids, mask, window_doc, _ = collate(windows, docs, int(model.tokenizer_.pad_token_id))
        ours, theirs = backends["torch"](ids, mask), backends["onnxruntime"](ids, mask)
        chosen = _chosen(model, ours, window_doc), _chosen(model, theirs, window_doc)
        for head in HEADS:
            diffs[head] = max(diffs[head], float(np.abs(ours[head] - theirs[head]).max()))
            agree[head] += int((chosen[0][head] == chosen[1][head]).sum())
    parity.max_abs_diff = diffs
    parity.label_agreement = {head: agree[head] / len(texts) for head in HEADS}
    same = [
        _triage_key(a) == _triage_key(b)
        for a, b in zip(model.predict(texts), twin.predict(texts), strict=True)
    ]
    parity.triage_agreement = sum(same) / len(same)
    return parity


def joined_texts(texts: Sequence[str], n: int = LONG_TEXTS, k: int = JOINED) -> list[str]:
    """``n`` long texts, each ``k`` consecutive texts joined, so that windows get averaged."""
    return ["".join(cycled(texts[i * k :] or texts, k)) for i in range(n)]


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95 and p99 of ``seconds``, in milliseconds."""
    values = np.asarray(seconds) * 1000
    return {f"p{q}": float(np.percentile(values, q)) for q in (50, 95, 99)}


def time_calls(calls: dict[str, Callable[[int], object]], samples: int) -> dict[str, list[float]]:
    """Seconds of ``call(i)`` for ``i < samples``, backends interleaved after a warm-up.

    The order of the backends alternates from sample to sample, so neither always runs with
    the other's data in the cache.
    """
    names = list(calls)
    for name in names:
        for i in range(min(WARM_UP_CALLS, samples)):
            calls[name](i)
    timings: dict[str, list[float]] = {name: [] for name in names}
    for i in range(samples):
        for name in names if i % 2 == 0 else reversed(names):
            began = time.perf_counter()
            calls[name](i)
            timings[name].append(time.perf_counter() - began)
    return timings


def _call_encoder(run: WindowLogits, work: Sequence[Batch], i: int) -> object:
    return run(*work[i])


def _call_predict(model: TransformerTriageModel, texts: Sequence[str], i: int) -> object:
    return model.predict([texts[i]])


def time_throughput(
    backends: dict[str, WindowLogits], work: Sequence[Batch], rounds: int
) -> dict[str, float]:
    """Best seconds of one pass over ``work`` per backend, rounds interleaved."""
    for run in backends.values():
        run(*work[0])
    best = dict.fromkeys(backends, float("inf"))
    for _ in range(rounds):
        for name, run in backends.items():
            began = time.perf_counter()
            for ids, mask in work:
                run(ids, mask)
            best[name] = min(best[name], time.perf_counter() - began)
    return best


def _versions() -> dict[str, str]:
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _shown(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def render(report: dict[str, Any]) -> str:
    """The printed report of a finished run."""
    setup, parity, perf = report["setup"], report["parity"], report["performance"]
    lines = [
        f"machine: {setup['cpus']} CPUs, Python {setup['python']}; load average at start "
        f"{setup['load_average_start']:.2f}, at end {setup['load_average_end']:.2f}",
        "libraries: " + ", ".join(f"{k} {v}" for k, v in setup["libraries"].items()),
        f"model: {setup['model']} ({setup['version']}); {setup['layers']} layers, hidden "
        f"{setup['hidden']}, {setup['parameters']:,} parameters; inference batch "
        f"{setup['batch_size']} windows; threads {setup['threads']}",
        f"export: torch.onnx.export {setup['exporter']} (opset {setup['opset']}) in "
        f"{setup['export_seconds']:.2f} s; ONNX file {setup['onnx_bytes'] / 1e6:.2f} MB",
        "",
        f"parity on {parity['records']:,} texts ({parity['windows']:,} windows): the records of "
        f"{setup['data']} and {LONG_TEXTS} texts of {JOINED} records joined (several windows)",
        f"{'head':<16}{'max |diff| of logits':>24}{'decisions agree':>18}",
    ]
    for head, diff in parity["max_abs_diff"].items():
        lines.append(f"{head:<16}{diff:>24.2e}{parity['label_agreement'][head]:>18.3f}")
    lines += [
        f"predict() results identical (labels, escalation flag, needs_review): "
        f"{parity['triage_agreement']:.3f}",
        "",
        f"{'measure':<44}{'torch':>10}{'onnxrt':>10}{'torch/ort':>11}",
        "-" * 75,
    ]
    for label, (torch_value, ort_value), higher_is_better in perf:
        ratio = ort_value / torch_value if higher_is_better else torch_value / ort_value
        lines.append(f"{label:<44}{torch_value:>10.2f}{ort_value:>10.2f}{ratio:>11.2f}")
    lines.append("(torch/ort: how many times faster ONNX Runtime is; above 1 = ORT wins)")
    return "\n".join(lines)


def run_benchmark(args: argparse.Namespace, work_dir: Path) -> dict[str, Any]:
    """Export, check parity and time both backends; returns the report."""
    load_start = os.getloadavg()[0]
    model = load_cpu_model(args.model)
    texts = read_texts(args.data)
    throughput_texts = cycled(read_texts(args.throughput_data), args.records)
    _LOG.info("model loaded; %d texts for parity and latency", len(texts))

    parity_batches = batches(model, model_windows(model, texts))
    example = max((work for _, work in parity_batches), key=lambda w: int((w[1] == 0).sum()))
    onnx_path = work_dir / "triage.onnx"
    export_seconds = export_onnx(model.network_, example, onnx_path, args.exporter, args.opset)
    onnx_bytes = sum(p.stat().st_size for p in work_dir.iterdir() if p.is_file())
    session = ort_session(onnx_path, args.threads)
    twin = ort_model(model, session)
    backends = {"torch": torch_logits(model.network_), "onnxruntime": ort_logits(session)}
    _LOG.info("exported in %.2f s; checking parity", export_seconds)
    parity = check_parity(model, twin, [*texts, *joined_texts(texts)], backends)

    single_texts = cycled(texts, args.latency_samples)
    single = [batches(model, model_windows(model, [text]))[0][1] for text in single_texts]
    _LOG.info("timing encoder-only single records")
    encoder_single = time_calls(
        {name: partial(_call_encoder, run, single) for name, run in backends.items()},
        args.latency_samples,
    )
    _LOG.info("timing encoder-only throughput over %d records", args.records)
    work = [batch for _, batch in batches(model, model_windows(model, throughput_texts))]
    best = time_throughput(backends, work, args.rounds)
    _LOG.info("timing end-to-end single records")
    predictors = {"torch": model, "onnxruntime": twin}
    end_to_end = time_calls(
        {name: partial(_call_predict, m, single_texts) for name, m in predictors.items()},
        args.latency_samples,
    )

    encoder = model.network_.encoder.config
    enc = {name: percentiles_ms(values) for name, values in encoder_single.items()}
    e2e = {name: percentiles_ms(values) for name, values in end_to_end.items()}
    rps = {name: args.records / seconds for name, seconds in best.items()}
    names = ("torch", "onnxruntime")
    performance = [
        *(
            (f"encoder only, 1 record, {q} (ms)", tuple(enc[n][q] for n in names), False)
            for q in ("p50", "p95", "p99")
        ),
        (
            f"encoder only, batches, records/s (best of {args.rounds})",
            tuple(rps[n] for n in names),
            True,
        ),
        *(
            (f"predict([text]) explain=False, {q} (ms)", tuple(e2e[n][q] for n in names), False)
            for q in ("p50", "p95", "p99")
        ),
    ]
    return {
        "setup": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_start": load_start,
            "load_average_end": os.getloadavg()[0],
            "libraries": _versions(),
            "model": _shown(args.model),
            "version": model.version,
            "layers": int(encoder.num_hidden_layers),
            "hidden": int(encoder.hidden_size),
            "parameters": sum(p.numel() for p in model.network_.parameters()),
            "batch_size": model.config.batch_size,
            "threads": args.threads,
            "exporter": "dynamo=True" if args.exporter == "dynamo" else "dynamo=False",
            "opset": args.opset,
            "export_seconds": export_seconds,
            "onnx_bytes": onnx_bytes,
            "data": _shown(args.data),
            "throughput_data": _shown(args.throughput_data),
            "records": args.records,
            "latency_samples": args.latency_samples,
        },
        "parity": parity.__dict__,
        "performance": performance,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the exit status.

    Returns:
        0; 1 when ONNX Runtime and torch disagree on a decision; 2 when a package, a data file
        or the bundle is missing.
    """
    # INFO only for this script: the exporter's libraries log every graph rewrite at INFO.
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    _LOG.setLevel(logging.INFO)
    args = parse_args(argv)
    missing = missing_modules(REQUIRED[args.exporter])
    if missing:
        command = f"{sys.executable} -m pip install {PIP_PACKAGES}"
        if args.exporter == "dynamo":
            command += " onnxscript==0.7.2"
        print(
            f"missing Python package(s): {', '.join(missing)}; install them with\n  {command}\n"
            "(torch and transformers: pip install the project's `transformer` extra)",
            file=sys.stderr,
        )
        return 2
    for path in (args.data, args.throughput_data):
        if not path.is_file():
            print(f"{path} not found; pass --data / --throughput-data", file=sys.stderr)
            return 2
    set_threads(args.threads)
    from nlp.errors import ModelBundleError

    try:
        with tempfile.TemporaryDirectory(prefix="bench-onnx-") as work_dir:
            report = run_benchmark(args, Path(work_dir))
    except ModelBundleError as error:
        print(f"cannot load --model {args.model}: {error}", file=sys.stderr)
        return 2
    print(render(report))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    parity = report["parity"]
    if min(parity["label_agreement"].values()) < 1 or parity["triage_agreement"] < 1:
        print("ONNX Runtime and torch disagree on some records (see parity)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

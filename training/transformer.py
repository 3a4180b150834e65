"""Training runs for the transformer: pretrain an encoder, fine-tune the triage heads."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from models.linear import Progress
from models.threads import limit_torch_threads
from training.data import LabelledSet
from training.train import (
    TrainingRun,
    as_calibration,
    evaluate_sets,
    headline_metrics,
    training_record,
)


def set_threads(threads: int | None) -> None:
    """Use ``threads`` CPU threads in torch (all cores when ``None``: torch is not even loaded)."""
    if threads is not None:
        import torch  # noqa: F401  (loaded first, so that the limit below applies to it)

        limit_torch_threads(threads)


def train_transformer(
    data: LabelledSet,
    output: Path,
    *,
    config: Any = None,
    base_model: Path | None = None,
    shape: Any = None,
    dev: LabelledSet | None = None,
    calibration: LabelledSet | None = None,
    evaluation_sets: Mapping[str, LabelledSet] | None = None,
    checkpoint_dir: Path | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> TrainingRun:
    """Fine-tune the transformer model, evaluate it, and save it as a bundle.

    Args:
        data: the training records.
        output: bundle directory to write (replaced atomically).
        config: a ``TransformerConfig``; defaults apply when omitted.
        base_model: local Hugging Face checkpoint directory (e.g. from ``triage pretrain``).
        shape: an ``EncoderShape`` for a from-scratch encoder (without ``base_model``).
        dev: labelled data for early stopping; a share of ``data`` when omitted.
        calibration: hand-labelled data for temperatures and the escalation threshold.
        evaluation_sets: name -> labelled set to score after training.
        checkpoint_dir: resumable checkpoints go here.
        resume: continue from ``checkpoint_dir``.
        progress: callback for progress bars.

    Returns:
        The fitted model, its manifest, the metrics and the training time.
    """
    from models.transformer import TransformerTriageModel

    started = time.perf_counter()
    model = TransformerTriageModel(config, base_model=base_model, shape=shape).fit(
        data.texts,
        data.dispute_types,
        data.risk_grades,
        data.escalations,
        sample_weight=data.weights,
        dev=as_calibration(dev),
        calibration=as_calibration(calibration),
        checkpoint_dir=checkpoint_dir,
        resume=resume,
        progress=progress,
    )
    seconds = time.perf_counter() - started
    metrics = evaluate_sets(model, evaluation_sets)
    training = {
        **training_record(data, seconds, calibration, evaluation_sets),
        "base_model": None if base_model is None else str(base_model),
        "dev": None if dev is None else {"files": list(dev.files), "sha256": dev.sha256},
        "steps": model.training_.steps,
        "stopped": model.training_.stopped,
        "dev_history": model.training_.history,
    }
    manifest = model.save(output, training=training, metrics=headline_metrics(metrics))
    return TrainingRun(model=model, manifest=manifest, metrics=metrics, seconds=seconds)

"""Training runs: fit a model on labelled data, score it on evaluation sets, write the bundle."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from models.bundle import Manifest
from models.lexicon import LegalLexicon
from models.linear import CalibrationData, LinearConfig, LinearTriageModel, Progress
from models.protocol import TriageModel
from training.data import LabelledSet, check_trainable
from training.evaluate import evaluate_predictions, predict_all


@dataclass(frozen=True)
class TrainingRun:
    """What a training run produced."""

    model: TriageModel
    manifest: Manifest
    metrics: dict[str, Any]
    seconds: float


def train_linear(
    data: LabelledSet,
    output: Path,
    *,
    config: LinearConfig | None = None,
    lexicon: LegalLexicon | None = None,
    calibration: LabelledSet | None = None,
    evaluation_sets: Mapping[str, LabelledSet] | None = None,
    progress: Progress | None = None,
) -> TrainingRun:
    """Train the linear model, evaluate it, and save it as a bundle.

    Args:
        data: the training records.
        output: bundle directory to write (replaced atomically).
        config: model settings; defaults to ``LinearConfig()``.
        lexicon: the legal lexicon, needed when ``config.features.legal_lexicon`` is set.
        calibration: hand-labelled data for temperatures and the escalation threshold (see
            ``models.linear``); a share of ``data`` is held out when omitted.
        evaluation_sets: name -> labelled set to score after training; metrics go in the manifest.
        progress: callback for progress bars.

    Returns:
        The fitted model, its manifest, the metrics and the training time.

    Raises:
        TrainingDataError: ``data`` lacks a class of some head (see ``check_trainable``);
            nothing is written.
    """
    check_trainable(data, calibration)
    started = time.perf_counter()
    model = LinearTriageModel(config, lexicon=lexicon).fit(
        data.texts,
        data.dispute_types,
        data.risk_grades,
        data.escalations,
        sample_weight=data.weights,
        calibration=as_calibration(calibration),
        progress=progress,
    )
    seconds = time.perf_counter() - started
    metrics = evaluate_sets(model, evaluation_sets)
    training = training_record(data, seconds, calibration, evaluation_sets)
    manifest = model.save(output, training=training, metrics=headline_metrics(metrics))
    return TrainingRun(model=model, manifest=manifest, metrics=metrics, seconds=seconds)


@overload
def as_calibration(data: LabelledSet) -> CalibrationData: ...
@overload
def as_calibration(data: None) -> None: ...
def as_calibration(data: LabelledSet | None) -> CalibrationData | None:
    """The texts and labels of a labelled set as a model's calibration data."""
    if data is None:
        return None
    return CalibrationData(data.texts, data.dispute_types, data.risk_grades, data.escalations)


def evaluate_sets(
    model: TriageModel, evaluation_sets: Mapping[str, LabelledSet] | None
) -> dict[str, dict[str, Any]]:
    """Metrics of ``model`` on each named set (``training.evaluate.evaluate_predictions``)."""
    return {
        name: evaluate_predictions(held_out, predict_all(model, held_out.texts))
        for name, held_out in (evaluation_sets or {}).items()
    }


def training_record(
    data: LabelledSet,
    seconds: float,
    calibration: LabelledSet | None,
    evaluation_sets: Mapping[str, LabelledSet] | None,
) -> dict[str, Any]:
    """The ``training`` section of a bundle manifest: data hashes, calibration, timing."""
    return {
        "files": list(data.files),
        "records": len(data.records),
        "data_sha256": data.sha256,
        "seconds": round(seconds, 1),
        "calibration": None
        if calibration is None
        else {"files": list(calibration.files), "sha256": calibration.sha256},
        "evaluation_sets": {name: held.sha256 for name, held in (evaluation_sets or {}).items()},
    }


def headline_metrics(metrics: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        name: {
            "n": m["n"],
            "dispute_type_macro_f1": m["dispute_type"]["macro_f1"],
            "risk_grade_macro_f1": m["risk_grade"]["macro_f1"],
            "escalation_precision": m["escalation"]["precision"],
            "escalation_recall": m["escalation"]["recall"],
            "dispute_type_ece": m["dispute_type"]["ece"],
            "coverage": m["review"]["coverage"],
        }
        for name, m in metrics.items()
    }

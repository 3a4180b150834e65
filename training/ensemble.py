"""Build an ensemble bundle from trained member bundles (``triage ensemble``)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from models.bundle import read_manifest
from models.ensemble import EnsembleTriageModel
from models.loading import load_model
from training.data import LabelledSet
from training.train import (
    TrainingRun,
    as_calibration,
    evaluate_sets,
    headline_metrics,
    training_record,
)


def build_ensemble(
    members: Sequence[Path],
    calibration: LabelledSet,
    output: Path,
    *,
    weights: Sequence[float] | None = None,
    evaluation_sets: Mapping[str, LabelledSet] | None = None,
) -> TrainingRun:
    """Load member bundles, fit the ensemble's weights and threshold, evaluate, save.

    Args:
        members: bundle directories (linear and/or transformer), two or more.
        calibration: hand-labelled data the weights (unless given) and the escalation threshold
            are chosen on, e.g. the gold dev split.
        output: bundle directory to write (replaced atomically).
        weights: one weight per member; ``None`` searches a grid (two members).
        evaluation_sets: name -> labelled set to score afterwards; metrics go in the manifest.

    Returns:
        The fitted ensemble, its manifest, the metrics and the fitting time.

    Raises:
        ModelBundleError: a member bundle is missing or damaged.
        ValueError, TypeError: members or weights that cannot form an ensemble.
    """
    started = time.perf_counter()
    manifests = [read_manifest(directory) for directory in members]
    models = [load_model(directory) for directory in members]
    ensemble = EnsembleTriageModel(models, weights).fit(as_calibration(calibration))
    seconds = time.perf_counter() - started
    metrics = evaluate_sets(ensemble, evaluation_sets)
    training = {
        **training_record(calibration, seconds, calibration, evaluation_sets),
        "members": [
            {
                "source": str(directory),
                "architecture": manifest.architecture,
                "version": manifest.version,
                "training": manifest.training,
                "metrics": manifest.metrics,
            }
            for directory, manifest in zip(members, manifests, strict=True)
        ],
    }
    manifest = ensemble.save(output, training=training, metrics=headline_metrics(metrics))
    return TrainingRun(model=ensemble, manifest=manifest, metrics=metrics, seconds=seconds)

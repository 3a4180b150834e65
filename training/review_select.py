"""Review thresholds chosen on a small labelled set by cross-validation, and measured honestly.

A set that must never be trained on (the 115 real records of ``real_dev``) may still choose review
thresholds, but not measure them on the same records: the choice would fit them. Here the records
are split into stratified folds; for each fold the thresholds are chosen on the other folds
(``models.selective.select_policy``) and applied to the held-out fold, and the held-out decisions
of all folds are pooled into one figure. Beside it, the same records under the model's own policy
(chosen on its calibration set) and under the fixed thresholds of older bundles.

``python -m training.review_select --data ../shared/data/real_dev.jsonl --folds 5 --model DIR``
prints the table; ``--json FILE`` also writes the figures. Nothing is written into the model.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models.loading import load_model
from models.protocol import Triage
from models.review import ReviewPolicy
from models.selective import (
    CalibrationScores,
    ReviewTarget,
    kept_summary,
    review_mask,
    select_policy,
)
from training.data import LabelledSet, read_labelled
from training.evaluate import predict_all


def stratified_folds(data: LabelledSet, folds: int, seed: int) -> np.ndarray:
    """A fold number per record, balanced over (escalation, dispute type) strata.

    Raises:
        ValueError: fewer than two folds, or more folds than records.
    """
    n = len(data.records)
    if not 2 <= folds <= n:
        raise ValueError(f"need 2 to {n} folds, got {folds}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    strata = [(bool(data.escalations[i]), data.dispute_types[i]) for i in order]
    order = order[sorted(range(n), key=lambda k: (strata[k], k))]
    assignment = np.empty(n, dtype=np.int64)
    assignment[order] = np.arange(n) % folds
    return assignment


def needs_review_under(
    policy: ReviewPolicy, predictions: Sequence[Triage], escalation_threshold: float
) -> np.ndarray:
    """Which results ``policy`` flags, from the shown probabilities and cues of each result."""
    flagged = []
    for result in predictions:
        reasons = policy.reasons(
            list(result.dispute_type.scores.values()),
            list(result.risk_grade.scores.values()),
            result.escalation.probability,
            escalation_threshold,
            cue_kinds={cue.kind for cue in result.cues if not cue.negated},
        )
        flagged.append(bool(reasons))
    return np.array(flagged, dtype=bool)


def cross_validated(
    scores: CalibrationScores, folds: np.ndarray, target: ReviewTarget
) -> dict[str, Any]:
    """Pooled held-out figures of thresholds chosen on the other folds, and each fold's choice."""
    flagged = np.zeros(len(scores), dtype=bool)
    choices = []
    for fold in np.unique(folds):
        held_out = folds == fold
        policy = select_policy(_subset(scores, ~held_out), target)
        flagged[held_out] = review_mask(policy, _subset(scores, held_out))
        choices.append(
            {
                "fold": int(fold),
                "min_type_confidence": policy.min_type_confidence,
                "min_grade_confidence": policy.min_grade_confidence,
                "escalation_band": [policy.escalation_low, policy.escalation_high],
                "difficult_without_escalation": policy.difficult_without_escalation,
            }
        )
    return {"pooled": kept_summary(flagged, scores), "choices": choices}


def _subset(scores: CalibrationScores, rows: np.ndarray) -> CalibrationScores:
    columns = {
        name: value[rows] for name, value in vars(scores).items() if isinstance(value, np.ndarray)
    }
    return CalibrationScores(**columns, escalation_threshold=scores.escalation_threshold)


def measure(
    model_dir: Path, data_file: Path, folds: int, target: ReviewTarget, seed: int
) -> dict[str, Any]:
    """Review figures of one model on one labelled file: before, bundle policy, cross-validated.

    Raises:
        ValueError: the model's review policy was not chosen from calibration data (its escalation
            threshold is unknown), or a bad fold count.
    """
    model = load_model(model_dir)
    selection = model.review_policy.selection
    if selection is None:
        raise ValueError(
            f"the model at {model_dir} has no review policy chosen from calibration data; "
            "retrain it with calibration data"
        )
    threshold = selection.scores.escalation_threshold
    data = read_labelled([data_file])
    predictions = predict_all(model, data.texts)
    scores = CalibrationScores.from_predictions(predictions, data, threshold)
    fixed = needs_review_under(ReviewPolicy(), predictions, threshold)
    return {
        "model_version": model.version,
        "records": len(data.records),
        "target": vars(target),
        "all_kept": kept_summary(np.zeros(len(scores), dtype=bool), scores),
        "fixed_thresholds": kept_summary(fixed, scores),
        "bundle_policy": kept_summary(
            needs_review_under(
                model.review_policy.with_overrides(target_coverage=target.coverage),
                predictions,
                threshold,
            ),
            scores,
        ),
        "cross_validated": cross_validated(scores, stratified_folds(data, folds, seed), target),
    }


def _table(figures: dict[str, Any]) -> str:
    rows = [
        ("no review", figures["all_kept"]),
        ("fixed thresholds (before)", figures["fixed_thresholds"]),
        ("bundle policy (chosen on its calibration set)", figures["bundle_policy"]),
        ("chosen on the other folds (cross-validated)", figures["cross_validated"]["pooled"]),
    ]
    lines = [
        f"model {figures['model_version']}, {figures['records']} records, target coverage "
        f"{figures['target']['coverage']}",
        "",
        "| review rule | coverage | type acc. kept | grade acc. kept | esc. R kept | esc. P kept |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in rows:
        cells = [
            row[key]
            for key in (
                "dispute_type_accuracy_kept",
                "risk_grade_accuracy_kept",
                "escalation_recall_kept",
                "escalation_precision_kept",
            )
        ]
        shown = " | ".join("-" if c is None else f"{c:.3f}" for c in cells)
        lines.append(f"| {name} | {row['coverage']:.3f} | {shown} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: print the review figures of a model on a labelled file."""
    parser = argparse.ArgumentParser(prog="python -m training.review_select", description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="Labelled JSONL file.")
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="Bundle directory (default: the built-in default model).",
    )
    parser.add_argument("--folds", type=int, default=5, help="Cross-validation folds.")
    parser.add_argument(
        "--coverage", type=float, default=ReviewTarget().coverage, help="Target coverage."
    )
    parser.add_argument("--seed", type=int, default=20261122, help="Seed of the fold split.")
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    args = parser.parse_args(argv)
    from models.loading import default_model_dir

    model_dir = (args.model or default_model_dir()).expanduser().resolve()
    figures = measure(
        model_dir,
        args.data.expanduser().resolve(),
        args.folds,
        ReviewTarget(coverage=args.coverage),
        args.seed,
    )
    sys.stdout.write(_table(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

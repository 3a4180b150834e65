"""Scores of a model on a labelled set: per-head classification metrics, calibration, coverage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from models._results import HeadScores
from models.calibration import expected_calibration_error
from models.protocol import Triage, TriageModel
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from training.data import LabelledSet

ESCALATION_IDS = ("false", "true")


def predict_all(model: TriageModel, texts: Sequence[str], chunk: int = 512) -> list[Triage]:
    """Predict in chunks (bounded memory for long sets)."""
    results: list[Triage] = []
    for begin in range(0, len(texts), chunk):
        results.extend(model.predict(texts[begin : begin + chunk]))
    return results


def evaluate_predictions(data: LabelledSet, predictions: Sequence[Triage]) -> dict[str, Any]:
    """All metrics for one labelled set.

    Returns:
        ``{"n", "dispute_type": {...}, "risk_grade": {...}, "escalation": {...}, "review": {...}}``;
        each head holds accuracy, macro_f1, per_class precision/recall/f1/support, the confusion
        matrix (rows = truth), and ece (expected calibration error of its probabilities).
    """
    if len(predictions) != len(data.records):
        raise ValueError("one prediction per record is required")
    scores = HeadScores(predictions)
    esc_probs = np.stack([1 - scores.escalation, scores.escalation], axis=1)
    heads = {
        "dispute_type": _head_metrics(
            DISPUTE_TYPE_IDS,
            [DISPUTE_TYPE_IDS.index(t) for t in data.dispute_types],
            [DISPUTE_TYPE_IDS.index(p.dispute_type.label) for p in predictions],
            scores.types,
        ),
        "risk_grade": _head_metrics(
            RISK_GRADE_IDS,
            [RISK_GRADE_IDS.index(g) for g in data.risk_grades],
            [RISK_GRADE_IDS.index(p.risk_grade.label) for p in predictions],
            scores.grades,
        ),
        "escalation": _head_metrics(
            ESCALATION_IDS,
            [int(e) for e in data.escalations],
            [int(p.escalation.flag) for p in predictions],
            esc_probs,
        ),
    }
    true_pos = heads["escalation"]["per_class"]["true"]
    heads["escalation"]["precision"] = true_pos["precision"]
    heads["escalation"]["recall"] = true_pos["recall"]
    heads["escalation"]["f1"] = true_pos["f1"]
    return {"n": len(predictions), **heads, "review": _coverage(data, predictions)}


def _head_metrics(
    labels: Sequence[str], truth: list[int], predicted: list[int], probabilities: np.ndarray
) -> dict[str, Any]:
    indices = list(range(len(labels)))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=indices, zero_division=0
    )
    truth_array = np.asarray(truth)
    return {
        "accuracy": round(float((truth_array == np.asarray(predicted)).mean()), 4),
        "macro_f1": round(float(np.mean(f1)), 4),
        "per_class": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "labels": list(labels),
        "confusion": confusion_matrix(truth, predicted, labels=indices).tolist(),
        "ece": round(expected_calibration_error(probabilities, truth_array), 4),
    }


def _coverage(data: LabelledSet, predictions: Sequence[Triage]) -> dict[str, Any]:
    kept = np.array([not p.needs_review for p in predictions])
    type_ok = np.array(
        [p.dispute_type.label == t for p, t in zip(predictions, data.dispute_types, strict=True)]
    )
    grade_ok = np.array(
        [p.risk_grade.label == g for p, g in zip(predictions, data.risk_grades, strict=True)]
    )
    esc_ok = np.array(
        [p.escalation.flag == e for p, e in zip(predictions, data.escalations, strict=True)]
    )

    def on_kept(correct: np.ndarray) -> float | None:
        return round(float(correct[kept].mean()), 4) if kept.any() else None

    curve = []
    type_conf = np.array([max(p.dispute_type.scores.values()) for p in predictions])
    for threshold in (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        mask = type_conf >= threshold
        curve.append(
            {
                "min_type_confidence": threshold,
                "coverage": round(float(mask.mean()), 4),
                "type_accuracy": round(float(type_ok[mask].mean()), 4) if mask.any() else None,
            }
        )
    return {
        "coverage": round(float(kept.mean()), 4),
        "kept": int(kept.sum()),
        "dispute_type_accuracy_kept": on_kept(type_ok),
        "risk_grade_accuracy_kept": on_kept(grade_ok),
        "escalation_accuracy_kept": on_kept(esc_ok),
        "dispute_type_accuracy_all": round(float(type_ok.mean()), 4),
        "accuracy_vs_coverage": curve,
    }

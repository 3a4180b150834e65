"""Scores of a model on a labelled set: per-head metrics, calibration, review coverage and risk."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from models._results import HeadScores
from models.calibration import expected_calibration_error
from models.protocol import AnalysedTriageModel, Triage, TriageModel
from models.review import REVIEW_REASONS, ReviewPolicy
from models.selective import CalibrationScores, kept_summary, review_mask
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from nlp.pipeline import Analysis, analyse
from nlp.segment import DEFAULT_SEGMENTER
from training.data import LabelledSet

ESCALATION_IDS = ("false", "true")
CURVE_COVERAGES = tuple(round(0.05 * i, 2) for i in range(10, 21))
"""Coverages at which each head's risk–coverage curve is measured (0.5 to 1.0)."""
POLICY_COVERAGES = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
"""Target coverages at which a chosen review policy is re-chosen and measured."""


def predict_all(model: TriageModel, texts: Sequence[str], chunk: int = 512) -> list[Triage]:
    """Predict in chunks (bounded memory for long sets)."""
    results: list[Triage] = []
    for begin in range(0, len(texts), chunk):
        results.extend(model.predict(texts[begin : begin + chunk]))
    return results


def analyse_and_predict(
    model: TriageModel, texts: Sequence[str], chunk: int = 512
) -> tuple[list[Analysis], list[Triage]]:
    """The analyses of ``texts`` (with the model's segmenter) and the model's results, in chunks.

    A model that takes analyses (``AnalysedTriageModel``) is given these, so each text is analysed
    once; any other model analyses again inside ``predict``.
    """
    segmenter = getattr(model, "segmenter", DEFAULT_SEGMENTER)
    analyses: list[Analysis] = []
    results: list[Triage] = []
    for begin in range(0, len(texts), chunk):
        part = analyse(texts[begin : begin + chunk], segmenter)
        analyses.extend(part)
        if isinstance(model, AnalysedTriageModel):
            results.extend(model.predict_analyses(part))
        else:
            results.extend(model.predict(texts[begin : begin + chunk]))
    return analyses, results


def evaluate_predictions(
    data: LabelledSet, predictions: Sequence[Triage], review_policy: ReviewPolicy | None = None
) -> dict[str, Any]:
    """All metrics for one labelled set.

    Args:
        data: the labelled records.
        predictions: one result per record, in order.
        review_policy: the model's review policy; when it was chosen from calibration data, the
            review section also holds its curve (``policy_curve``: the policy chosen again for
            each of ``POLICY_COVERAGES`` and measured on ``data``).

    Returns:
        ``{"n", "dispute_type": {...}, "risk_grade": {...}, "escalation": {...}, "review": {...}}``;
        each head holds accuracy, macro_f1, per_class precision/recall/f1/support, the confusion
        matrix (rows = truth), and ece (expected calibration error of its probabilities). The
        review section holds the coverage (share kept automatic), the kept records' accuracy per
        head and escalation recall, reason counts, and each head's risk–coverage curve
        (``risk_coverage``: keep the most confident share of records by that head alone).
    """
    if len(predictions) != len(data.records):
        raise ValueError("one prediction per record is required")
    scores = HeadScores(predictions)
    esc_probs = np.stack([1 - scores.escalation, scores.escalation], axis=1)
    heads = {
        "dispute_type": head_metrics(
            DISPUTE_TYPE_IDS,
            [DISPUTE_TYPE_IDS.index(t) for t in data.dispute_types],
            scores.types,
            [DISPUTE_TYPE_IDS.index(p.dispute_type.label) for p in predictions],
        ),
        "risk_grade": head_metrics(
            RISK_GRADE_IDS,
            [RISK_GRADE_IDS.index(g) for g in data.risk_grades],
            scores.grades,
            [RISK_GRADE_IDS.index(p.risk_grade.label) for p in predictions],
        ),
        "escalation": head_metrics(
            ESCALATION_IDS,
            [int(e) for e in data.escalations],
            esc_probs,
            [int(p.escalation.flag) for p in predictions],
        ),
    }
    true_pos = heads["escalation"]["per_class"]["true"]
    heads["escalation"]["precision"] = true_pos["precision"]
    heads["escalation"]["recall"] = true_pos["recall"]
    heads["escalation"]["f1"] = true_pos["f1"]
    return {
        "n": len(predictions),
        **heads,
        "review": _coverage(data, predictions, review_policy),
    }


def head_metrics(
    labels: Sequence[str],
    truth: Sequence[int] | np.ndarray,
    probabilities: np.ndarray,
    predicted: Sequence[int] | np.ndarray | None = None,
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class scores, confusion and ECE of one head.

    Args:
        labels: the head's label ids, in column order.
        truth: true class indices, one per record.
        probabilities: ``(n, k)`` predicted class probabilities.
        predicted: predicted class indices; the most probable class when omitted.
    """
    if predicted is None:
        predicted = np.asarray(probabilities).argmax(axis=1)
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


def _coverage(
    data: LabelledSet, predictions: Sequence[Triage], policy: ReviewPolicy | None
) -> dict[str, Any]:
    threshold = _escalation_threshold(predictions, policy)
    scores = CalibrationScores.from_predictions(predictions, data, threshold)
    kept = kept_summary(np.array([p.needs_review for p in predictions]), scores)
    reasons = Counter(reason for p in predictions for reason in p.review_reasons)
    escalation_ok = (scores.escalation_probability >= threshold) == scores.escalation_truth
    kept_mask = np.array([not p.needs_review for p in predictions])
    summary: dict[str, Any] = {
        **kept,
        "escalation_accuracy_kept": round(float(escalation_ok[kept_mask].mean()), 4)
        if kept_mask.any()
        else None,
        "dispute_type_accuracy_all": round(float(scores.type_correct.mean()), 4),
        "reasons": {code: reasons[code] for code in REVIEW_REASONS if reasons[code]},
        "only_reason": _only_reasons(predictions),
        "risk_coverage": {
            "dispute_type": _curve(scores.type_confidence, scores, "dispute_type_accuracy_kept"),
            "risk_grade": _curve(scores.grade_confidence, scores, "risk_grade_accuracy_kept"),
            "escalation": _curve(
                np.abs(scores.escalation_probability - threshold), scores, "escalation_recall_kept"
            ),
        },
    }
    if policy is not None and policy.selection is not None:
        summary["policy_curve"] = [
            {
                "target_coverage": target,
                **kept_summary(
                    review_mask(policy.with_overrides(target_coverage=target), scores), scores
                ),
            }
            for target in POLICY_COVERAGES
        ]
    return summary


def _escalation_threshold(predictions: Sequence[Triage], policy: ReviewPolicy | None) -> float:
    """The model's escalation threshold: stored with a chosen policy, else between the flags."""
    if policy is not None and policy.selection is not None:
        return policy.selection.scores.escalation_threshold
    flagged = [p.escalation.probability for p in predictions if p.escalation.flag]
    unflagged = [p.escalation.probability for p in predictions if not p.escalation.flag]
    if flagged and unflagged:
        return (min(flagged) + max(unflagged)) / 2
    return 0.5


def _only_reasons(predictions: Sequence[Triage]) -> dict[str, int]:
    single = Counter(p.review_reasons[0] for p in predictions if len(p.review_reasons) == 1)
    return {code: single[code] for code in REVIEW_REASONS if single[code]}


def _curve(confidence: np.ndarray, scores: CalibrationScores, metric: str) -> list[dict[str, Any]]:
    """Kept-record quality when only the most confident share of records is kept, per coverage.

    Args:
        confidence: ``(n,)`` the head's confidence (larger = kept first).
        scores: the records' scores and labels.
        metric: the ``kept_summary`` key reported as the head's quality.
    """
    order = np.argsort(-confidence, kind="stable")
    n = len(order)
    points = []
    for coverage in CURVE_COVERAGES:
        keep = max(1, round(coverage * n))
        flagged = np.ones(n, dtype=bool)
        flagged[order[:keep]] = False
        summary = kept_summary(flagged, scores)
        points.append(
            {
                "coverage": summary["coverage"],
                "min_confidence": round(float(confidence[order[keep - 1]]), 4),
                metric: summary[metric],
            }
        )
    return points

"""Selective prediction: review thresholds chosen from risk–coverage curves on calibration data.

Each head ranks the calibration records from least to most certain: dispute type and risk grade by
their top probability, escalation from the decision threshold outwards on each side (records just
below it, where a missed escalation hides, and records just above it), and the records without
escalation by their probability of the grade ``difficult`` (the two heads disagree; on the gold
dev split this finds missed escalations with far fewer flags than the escalation probability
alone). A review policy flags a
prefix of each ranking; the records it keeps automatic are the rest. ``select_policy`` grows the
prefixes greedily, each step taking the cut with the largest error removed per record flagged,
until the share of records kept reaches the target coverage.

A record's error is a cost-weighted mix of what was observed on the calibration set (type wrong,
grade wrong, escalation missed, false alarm) and what the calibrated probabilities expect
(``1 - top probability``; ``p`` for a missed escalation), so that a small calibration set does not
put a threshold exactly on its last error. Records whose serious cues contradict the model are
flagged whatever the thresholds (``models.review.contradicted_cues``) and use up budget first.

The thresholds are chosen when a model is fitted (``fit_review_policy``); the scores they were
chosen from travel with the policy in the bundle, so ``ReviewPolicy.with_overrides`` can choose
again for another target coverage without the calibration texts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from models.protocol import Triage, TriageModel
from models.review import ReviewPolicy
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS

__all__ = [
    "CalibrationScores",
    "LabelledTexts",
    "ReviewSelection",
    "ReviewTarget",
    "fit_review_policy",
    "kept_summary",
    "review_mask",
    "select_policy",
]

_SCORE_COLUMNS = (
    "type_confidence",
    "type_correct",
    "grade_confidence",
    "grade_correct",
    "grade_difficult",
    "escalation_probability",
    "escalation_truth",
    "contradicted",
)
_DECIMALS = 6


@dataclass(frozen=True)
class ReviewTarget:
    """What the review thresholds are chosen for.

    Attributes:
        coverage: share of records to keep automatic (not flagged for review), in (0, 1].
        type_error_cost: cost of a kept record whose dispute type is wrong.
        grade_error_cost: cost of a kept record whose risk grade is wrong.
        escalation_miss_cost: cost of a kept escalation that is not flagged (the worst error).
        false_alarm_cost: cost of a kept record flagged for escalation that is not one.
        observed_weight: weight in [0, 1] of the errors observed on the calibration set against
            the errors the calibrated probabilities expect.

    Raises:
        ValueError: a value outside its range.
    """

    coverage: float = 0.8
    type_error_cost: float = 1.0
    grade_error_cost: float = 0.0
    escalation_miss_cost: float = 4.0
    false_alarm_cost: float = 0.0
    observed_weight: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 < self.coverage <= 1.0:
            raise ValueError(f"target coverage must be within (0, 1], got {self.coverage}")
        if not 0.0 <= self.observed_weight <= 1.0:
            raise ValueError(f"observed_weight must be within [0, 1], got {self.observed_weight}")
        for name, value in dataclasses.asdict(self).items():
            if name.endswith("_cost") and value < 0:
                raise ValueError(f"{name} must not be negative, got {value}")


class LabelledTexts(Protocol):
    """Texts with their three labels (``training.data.LabelledSet``, ``CalibrationData``)."""

    @property
    def texts(self) -> Sequence[str]: ...
    @property
    def dispute_types(self) -> Sequence[str]: ...
    @property
    def risk_grades(self) -> Sequence[str]: ...
    @property
    def escalations(self) -> Sequence[bool]: ...


@dataclass(frozen=True)
class CalibrationScores:
    """What selection needs of each calibration record, as ``(n,)`` arrays; no text.

    Attributes:
        type_confidence, grade_confidence: top calibrated probability of the head.
        type_correct, grade_correct: whether the head's label was right.
        grade_difficult: probability of the most serious grade, ``difficult``.
        escalation_probability: calibrated escalation probability.
        escalation_truth: the true escalation label.
        contradicted: whether a serious cue contradicts the prediction (always reviewed).
        escalation_threshold: the model's escalation decision threshold.
    """

    type_confidence: np.ndarray
    type_correct: np.ndarray
    grade_confidence: np.ndarray
    grade_correct: np.ndarray
    grade_difficult: np.ndarray
    escalation_probability: np.ndarray
    escalation_truth: np.ndarray
    contradicted: np.ndarray
    escalation_threshold: float

    def __post_init__(self) -> None:
        lengths = {len(getattr(self, name)) for name in _SCORE_COLUMNS}
        if len(lengths) != 1:
            raise ValueError("calibration score columns must have the same length")
        if not lengths.pop():
            raise ValueError("review selection needs at least one calibration record")

    def __len__(self) -> int:
        return len(self.type_confidence)

    @classmethod
    def from_predictions(
        cls,
        predictions: Sequence[Triage],
        data: LabelledTexts,
        escalation_threshold: float,
    ) -> CalibrationScores:
        """Scores of a model's predictions on labelled calibration records.

        Args:
            predictions: one result per record of ``data``, in order.
            data: the labelled records.
            escalation_threshold: the model's escalation decision threshold.

        Raises:
            ValueError: the lengths differ.
        """
        if len(predictions) != len(data.texts):
            raise ValueError("one prediction per calibration record is required")
        types = np.array(
            [[p.dispute_type.scores[k] for k in DISPUTE_TYPE_IDS] for p in predictions]
        )
        grades = np.array([[p.risk_grade.scores[k] for k in RISK_GRADE_IDS] for p in predictions])
        return cls(
            type_confidence=types.max(axis=1),
            type_correct=np.array(
                [
                    p.dispute_type.label == t
                    for p, t in zip(predictions, data.dispute_types, strict=True)
                ]
            ),
            grade_confidence=grades.max(axis=1),
            grade_correct=np.array(
                [
                    p.risk_grade.label == g
                    for p, g in zip(predictions, data.risk_grades, strict=True)
                ]
            ),
            grade_difficult=grades[:, -1],
            escalation_probability=np.array([p.escalation.probability for p in predictions]),
            escalation_truth=np.array([bool(e) for e in data.escalations]),
            contradicted=np.array(
                ["CUE_CONTRADICTS_MODEL" in p.review_reasons for p in predictions]
            ),
            escalation_threshold=float(escalation_threshold),
        )

    def to_json(self) -> dict[str, Any]:
        """Columns as lists (booleans as 0/1)."""
        columns: dict[str, list[float] | list[int]] = {}
        for name in _SCORE_COLUMNS:
            values = getattr(self, name)
            if values.dtype == bool:
                columns[name] = [int(v) for v in values]
            else:
                columns[name] = [float(v) for v in values]
        return {"escalation_threshold": self.escalation_threshold, "columns": columns}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> CalibrationScores:
        """Read what ``to_json`` wrote.

        Raises:
            KeyError, TypeError, ValueError: the data is incomplete or malformed.
        """
        columns = raw["columns"]
        arrays = {name: np.asarray(columns[name], dtype=float) for name in _SCORE_COLUMNS}
        for name in ("type_correct", "grade_correct", "escalation_truth", "contradicted"):
            arrays[name] = arrays[name].astype(bool)
        return cls(**arrays, escalation_threshold=float(raw["escalation_threshold"]))


@dataclass(frozen=True)
class ReviewSelection:
    """How a policy was chosen: the target and the calibration scores it was chosen from."""

    target: ReviewTarget
    scores: CalibrationScores

    def reselect(self, coverage: float) -> ReviewPolicy:
        """The policy chosen from the same scores for another target coverage.

        Raises:
            ValueError: a coverage outside (0, 1].
        """
        return select_policy(self.scores, dataclasses.replace(self.target, coverage=coverage))

    def to_json(self) -> dict[str, Any]:
        return {"target": dataclasses.asdict(self.target), "scores": self.scores.to_json()}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ReviewSelection:
        """Read what ``to_json`` wrote.

        Raises:
            KeyError, TypeError, ValueError: the data is incomplete or malformed.
        """
        return cls(ReviewTarget(**raw["target"]), CalibrationScores.from_json(raw["scores"]))


def _record_costs(scores: CalibrationScores, target: ReviewTarget) -> np.ndarray:
    flag = scores.escalation_probability >= scores.escalation_threshold
    p = scores.escalation_probability
    observed = (
        target.type_error_cost * ~scores.type_correct
        + target.grade_error_cost * ~scores.grade_correct
        + target.escalation_miss_cost * (scores.escalation_truth & ~flag)
        + target.false_alarm_cost * (~scores.escalation_truth & flag)
    )
    expected = (
        target.type_error_cost * (1.0 - scores.type_confidence)
        + target.grade_error_cost * (1.0 - scores.grade_confidence)
        + target.escalation_miss_cost * np.where(flag, 0.0, p)
        + target.false_alarm_cost * np.where(flag, 1.0 - p, 0.0)
    )
    costs: np.ndarray = target.observed_weight * observed + (1 - target.observed_weight) * expected
    return costs


def _rankings(scores: CalibrationScores) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per rule, record indices from least to most certain and the score they are ranked by."""
    p = scores.escalation_probability
    below = np.flatnonzero(p < scores.escalation_threshold)
    above = np.flatnonzero(p >= scores.escalation_threshold)
    below = below[np.argsort(-p[below], kind="stable")]
    above = above[np.argsort(p[above], kind="stable")]
    rankings = {}
    for name, confidence in (
        ("type", scores.type_confidence),
        ("grade", scores.grade_confidence),
    ):
        order = np.argsort(confidence, kind="stable")
        rankings[name] = (order, confidence[order])
    rankings["escalation_below"] = (below, p[below])
    rankings["escalation_above"] = (above, p[above])
    difficult = scores.grade_difficult
    unflagged = np.flatnonzero(p < scores.escalation_threshold)
    unflagged = unflagged[np.argsort(-difficult[unflagged], kind="stable")]
    rankings["difficult_without_escalation"] = (unflagged, difficult[unflagged])
    return rankings


def select_policy(scores: CalibrationScores, target: ReviewTarget) -> ReviewPolicy:
    """The review thresholds that keep ``target.coverage`` of the records at the least cost.

    Args:
        scores: the calibration records' scores.
        target: coverage and error costs.

    Returns:
        A policy with ``min_type_confidence``, ``min_grade_confidence`` and the escalation band
        set (margins off), carrying ``scores`` and ``target`` as its ``selection``.
    """
    n = len(scores)
    cost = _record_costs(scores, target)
    flagged = scores.contradicted.copy()
    budget = int(np.floor((1.0 - target.coverage) * n + 1e-9)) - int(flagged.sum())
    rankings = _rankings(scores)
    taken = dict.fromkeys(rankings, 0)
    while budget > 0:
        best: tuple[float, int, str, int] | None = None
        for name, (order, keys) in rankings.items():
            rest, rest_keys = order[taken[name] :], keys[taken[name] :]
            if not len(rest):
                continue
            new = ~flagged[rest]
            spent = np.cumsum(new)
            removed = np.cumsum(np.where(new, cost[rest], 0.0))
            cut = np.ones(len(rest), dtype=bool)
            cut[:-1] = rest_keys[:-1] != rest_keys[1:]  # never split records of equal score
            allowed = cut & (spent > 0) & (spent <= budget) & (removed > 0)
            if not allowed.any():
                continue
            ratio = np.where(allowed, removed / np.maximum(spent, 1), -np.inf)
            end = int(np.argmax(ratio))  # the shortest of equally good cuts
            candidate = (float(ratio[end]), -int(spent[end]), name, end)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
        if best is None:
            break
        _, negative_spent, name, end = best
        order = rankings[name][0]
        flagged[order[taken[name] : taken[name] + end + 1]] = True
        taken[name] += end + 1
        budget += negative_spent
    return _policy(scores, target, rankings, taken)


def _policy(
    scores: CalibrationScores,
    target: ReviewTarget,
    rankings: Mapping[str, tuple[np.ndarray, np.ndarray]],
    taken: Mapping[str, int],
) -> ReviewPolicy:
    def cut(name: str, none: float, past_all: float) -> float:
        keys, count = rankings[name][1], taken[name]
        if count == 0:
            return none
        if count == len(keys):
            return past_all
        return round((float(keys[count - 1]) + float(keys[count])) / 2, _DECIMALS)

    threshold = scores.escalation_threshold
    return ReviewPolicy(
        min_type_confidence=cut("type", 0.0, 1.0),
        min_type_margin=0.0,
        min_grade_confidence=cut("grade", 0.0, 1.0),
        min_grade_margin=0.0,
        escalation_low=min(cut("escalation_below", threshold, 0.0), threshold),
        escalation_high=max(cut("escalation_above", threshold, 1.0), threshold),
        difficult_without_escalation=None
        if taken["difficult_without_escalation"] == 0
        else cut("difficult_without_escalation", 1.0, 0.0),
        selection=ReviewSelection(target, scores),
    )


def review_mask(policy: ReviewPolicy, scores: CalibrationScores) -> np.ndarray:
    """Which records ``policy`` flags for review, as a ``(n,)`` boolean array.

    Mirrors ``ReviewPolicy.reasons`` on the stored scores (margins are not in the scores, so a
    policy with margins on is not supported here).

    Raises:
        ValueError: the policy uses margins.
    """
    if policy.min_type_margin > 0 or policy.min_grade_margin > 0:
        raise ValueError("review_mask needs a policy without margins (a selected policy)")
    p = scores.escalation_probability
    if policy.escalation_low is not None and policy.escalation_high is not None:
        uncertain = (p >= policy.escalation_low) & (p < policy.escalation_high)
    else:
        uncertain = np.abs(p - scores.escalation_threshold) < policy.escalation_band
    mask: np.ndarray = (
        scores.contradicted
        | (scores.type_confidence < policy.min_type_confidence)
        | (scores.grade_confidence < policy.min_grade_confidence)
        | uncertain
    )
    if policy.difficult_without_escalation is not None:
        mask |= (p < scores.escalation_threshold) & (
            scores.grade_difficult >= policy.difficult_without_escalation
        )
    return mask


def kept_summary(needs_review: np.ndarray, scores: CalibrationScores) -> dict[str, Any]:
    """Coverage and the kept records' accuracy and escalation recall/precision.

    Args:
        needs_review: ``(n,)`` booleans, True for records flagged for review.
        scores: the records' scores and labels.

    Returns:
        ``coverage``, ``kept``, ``dispute_type_accuracy_kept``, ``risk_grade_accuracy_kept``,
        ``escalation_recall_kept``, ``escalation_precision_kept`` (None where undefined).
    """
    kept = ~np.asarray(needs_review, dtype=bool)
    flag = scores.escalation_probability >= scores.escalation_threshold
    truth = scores.escalation_truth

    def share(hits: np.ndarray, among: np.ndarray) -> float | None:
        return round(float(hits[among].mean()), 4) if among.any() else None

    return {
        "coverage": round(float(kept.mean()), 4),
        "kept": int(kept.sum()),
        "dispute_type_accuracy_kept": share(scores.type_correct, kept),
        "risk_grade_accuracy_kept": share(scores.grade_correct, kept),
        "escalation_recall_kept": share(flag, kept & truth),
        "escalation_precision_kept": share(truth, kept & flag),
    }


def fit_review_policy(
    model: TriageModel,
    calibration: LabelledTexts,
    escalation_threshold: float,
    target: ReviewTarget | None = None,
) -> ReviewPolicy:
    """Choose ``model``'s review policy on labelled calibration records.

    Called at the end of fitting, once the heads and the escalation threshold are final.

    Args:
        model: the fitted model (its current review policy does not matter).
        calibration: labelled records that look like real input (the gold dev split).
        escalation_threshold: the model's escalation decision threshold.
        target: coverage and costs; ``ReviewTarget()`` (80% kept) when omitted.

    Returns:
        The chosen policy, carrying the calibration scores for later re-selection.
    """
    predictions = model.predict(list(calibration.texts))
    scores = CalibrationScores.from_predictions(predictions, calibration, escalation_threshold)
    return select_policy(scores, target or ReviewTarget())

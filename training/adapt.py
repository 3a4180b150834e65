"""Learning from a site's own unlabelled history: weak labels from voting labelling functions.

Labelling functions (the legal lexicon, the rule cues, the keyword triggers and the current model
when it is confident) vote on every unlabelled record, per head, or abstain. A Dawid–Skene label
model (``training.label_model``) turns the votes into a posterior per record; a record whose type
posterior reaches ``min_confidence``, and on which at least one labelling function other than the
model voted for that type, joins the training data with its three weak labels. The model is then
retrained from its own configuration on the original training data plus those records, calibrated
as before, and the bundle's manifest says how many weak labels of which kind it used.

A site with no history loses nothing: without unlabelled records there is nothing to add.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.baseline import packaged_rules
from models.lexicon import LegalLexicon
from models.linear import LinearTriageModel, Progress
from models.protocol import Triage
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from nlp.pipeline import Analysis
from training.data import LabelledRecord, LabelledSet
from training.evaluate import analyse_and_predict, predict_all
from training.label_model import ABSTAIN, fit_label_model

HEAD_CLASSES = {
    "dispute_type": DISPUTE_TYPE_IDS,
    "risk_grade": RISK_GRADE_IDS,
    "escalation": ("false", "true"),
}
MODEL_CONFIDENCE = 0.8
"""The current model votes only where its top probability reaches this."""

_SEVERE = frozenset({"weapon", "kill_threat", "self_harm", "arson"})
_VIOLENT = frozenset({"threat", "physical_contact", "injury"}) | _SEVERE

Votes = dict[str, list[int]]
LabellingFunction = Callable[[Analysis], Votes]
"""Votes of one function on one record, per head: a class index or ``ABSTAIN``."""


def lexicon_function(lexicon: LegalLexicon) -> LabellingFunction:
    """Votes from the legal lexicon: the type named as the cause (or the only type named),
    escalation and grade where an entry points to them."""

    def vote(analysis: Analysis) -> Votes:
        hits = lexicon.hits(analysis.masked)
        caused = {h.entry.dispute_type for h in hits if h.in_cause_frame and h.entry.dispute_type}
        named = Counter(h.entry.dispute_type for h in hits if h.entry.dispute_type)
        dispute_type = ABSTAIN
        if len(caused) == 1:
            dispute_type = DISPUTE_TYPE_IDS.index(caused.pop())
        elif len(named) == 1:
            dispute_type = DISPUTE_TYPE_IDS.index(next(iter(named)))
        grades = {h.entry.risk_grade for h in hits if h.entry.risk_grade}
        grade = ABSTAIN
        for candidate in ("difficult", "complex"):
            if candidate in grades:
                grade = RISK_GRADE_IDS.index(candidate)
                break
        escalation = 1 if any(h.entry.escalation for h in hits) else ABSTAIN
        return {"dispute_type": [dispute_type], "risk_grade": [grade], "escalation": [escalation]}

    return vote


def cue_function(analysis: Analysis) -> Votes:
    """Votes from the rule cues, following the grade table of ``datasets/LABELS.md``."""
    live = [cue for cue in analysis.cues if not cue.negated]
    kinds = {cue.kind for cue in live}

    def largest(kind: str) -> float:
        return max((c.value or 0.0 for c in live if c.kind == kind), default=0.0)

    people = max(largest("collective"), largest("gathering"))
    if (
        kinds & _SEVERE
        or people >= 10
        or largest("money_amount") > 100_000
        or largest("failed_mediation") >= 3
        or "blocking" in kinds
    ):
        grade = "difficult"
    elif (
        kinds & _VIOLENT
        or people >= 3
        or largest("money_amount") >= 10_000
        or {"failed_mediation", "repeat_grievance"} & kinds
    ):
        grade = "complex"
    else:
        grade = "general"
    return {
        "dispute_type": [ABSTAIN],
        "risk_grade": [RISK_GRADE_IDS.index(grade)],
        "escalation": [int(bool(kinds & _VIOLENT))],
    }


def keyword_function(analysis: Analysis) -> Votes:
    """Votes from the keyword-trigger lists (type only; they abstain where no list matches)."""
    text = analysis.normalized.text
    for label, words in packaged_rules()["dispute_type"]:
        if any(word in text for word in words):
            return _type_only(DISPUTE_TYPE_IDS.index(label))
    return _type_only(ABSTAIN)


def _type_only(index: int) -> Votes:
    return {"dispute_type": [index], "risk_grade": [ABSTAIN], "escalation": [ABSTAIN]}


def model_votes(results: Sequence[Triage]) -> list[Votes]:
    """The current model's votes: its labels where it is confident, else abstain."""
    votes = []
    for result in results:
        type_scores, grade_scores = result.dispute_type.scores, result.risk_grade.scores
        probability = result.escalation.probability
        votes.append(
            {
                "dispute_type": [
                    DISPUTE_TYPE_IDS.index(result.dispute_type.label)
                    if max(type_scores.values()) >= MODEL_CONFIDENCE
                    else ABSTAIN
                ],
                "risk_grade": [
                    RISK_GRADE_IDS.index(result.risk_grade.label)
                    if max(grade_scores.values()) >= MODEL_CONFIDENCE
                    else ABSTAIN
                ],
                "escalation": [
                    1
                    if probability >= MODEL_CONFIDENCE
                    else 0
                    if probability <= 1 - MODEL_CONFIDENCE
                    else ABSTAIN
                ],
            }
        )
    return votes


FUNCTION_NAMES = ("lexicon", "cues", "keywords", "model")


@dataclass(frozen=True)
class WeakLabels:
    """Weak labels of the unlabelled records that passed, and how they were made."""

    records: tuple[LabelledRecord, ...]
    trusted: dict[str, np.ndarray] = field(default_factory=dict)
    """Per head, 1.0 where the label model is confident in that head's weak label, else 0.0."""
    summary: dict[str, Any] = field(default_factory=dict)


def weak_labels(
    model: LinearTriageModel,
    texts: Sequence[str],
    *,
    min_confidence: float = 0.9,
    weight: float = 1.0,
) -> WeakLabels:
    """Vote, fit one label model per head, and keep the confident records.

    Args:
        model: the current model (votes where confident; lends its lexicon and segmenter).
        texts: validated unlabelled texts.
        min_confidence: least type posterior for a record to be kept.
        weight: sample weight of each kept record in training.

    Returns:
        The kept records with their weak labels and a summary for the manifest.
    """
    if model.lexicon is None:
        raise ValueError("adapt needs a model trained with the legal lexicon")
    if not texts:
        nothing = {head: np.zeros(0) for head in HEAD_CLASSES}
        return WeakLabels((), nothing, {"unlabelled": 0, "kept": 0, "kept_by_label": {}})
    analyses, results = analyse_and_predict(model, texts)
    functions: list[LabellingFunction] = [
        lexicon_function(model.lexicon),
        cue_function,
        keyword_function,
    ]
    from_model = model_votes(results)
    per_record = [
        [function(analysis) for function in functions] + [from_model[row]]
        for row, analysis in enumerate(analyses)
    ]
    posteriors = {}
    votes = {}
    summary: dict[str, Any] = {"label_model": "dawid-skene (training.label_model)", "heads": {}}
    for head, classes in HEAD_CLASSES.items():
        votes[head] = np.array(
            [[v[head][0] for v in record] for record in per_record], dtype=np.int64
        ).reshape(len(texts), len(FUNCTION_NAMES))
        fit = fit_label_model(votes[head], len(classes))
        posteriors[head] = fit.posteriors
        summary["heads"][head] = {
            name: {"coverage": round(float(c), 3), "accuracy": round(float(a), 3)}
            for name, c, a in zip(FUNCTION_NAMES, fit.coverage, fit.accuracies, strict=True)
        }
    chosen_type = posteriors["dispute_type"].argmax(axis=1)
    rule_votes = votes["dispute_type"][:, :-1]  # every function but the model
    backed_by_rule = (rule_votes == chosen_type[:, None]).any(axis=1)
    keep = (posteriors["dispute_type"].max(axis=1) >= min_confidence) & backed_by_rule
    trusted = {
        head: (posteriors[head][keep].max(axis=1) >= min_confidence).astype(float)
        for head in HEAD_CLASSES
    }
    records = tuple(
        LabelledRecord(
            id=f"weak:{row}",
            text=texts[int(row)],
            dispute_type=DISPUTE_TYPE_IDS[int(chosen_type[row])],
            risk_grade=RISK_GRADE_IDS[int(posteriors["risk_grade"][row].argmax())],
            escalation=bool(posteriors["escalation"][row].argmax()),
            weight=weight,
            source="weak",
        )
        for row in np.flatnonzero(keep)
    )
    summary.update(
        {
            "unlabelled": len(texts),
            "kept": len(records),
            "min_confidence": min_confidence,
            "weight": weight,
            "trusted_per_head": {head: int(values.sum()) for head, values in trusted.items()},
            "kept_by_label": {
                head: dict(Counter(getattr(r, head) for r in records))
                for head in ("dispute_type", "risk_grade")
            }
            | {"escalation": dict(Counter(str(r.escalation).lower() for r in records))},
        }
    )
    return WeakLabels(records, trusted, summary)


def with_weak_labels(data: LabelledSet, weak: WeakLabels) -> LabelledSet:
    """The training set plus the weak records (its hash covers both)."""
    import hashlib

    digest = hashlib.sha256(data.sha256.encode())
    for record in weak.records:
        digest.update(
            f"{record.text}\t{record.dispute_type}\t{record.risk_grade}\t{record.escalation}\n".encode()
        )
    return LabelledSet(
        data.records + weak.records, (*data.files, "weak-labels"), digest.hexdigest()
    )


def adapt(
    model: LinearTriageModel,
    training_data: LabelledSet,
    unlabelled: Sequence[str],
    *,
    calibration: LabelledSet | None,
    min_confidence: float = 0.9,
    weight: float = 1.0,
    progress: Progress | None = None,
) -> tuple[LinearTriageModel, WeakLabels, float]:
    """Retrain ``model``'s configuration on its data plus the confident weak labels.

    Returns:
        The new model, the weak labels used, and the seconds the whole run took.
    """
    from training.train import as_calibration

    started = time.perf_counter()
    weak = weak_labels(model, unlabelled, min_confidence=min_confidence, weight=weight)
    data = with_weak_labels(training_data, weak)
    original = len(training_data.records)
    head_weights = {
        head: np.concatenate([np.ones(original), values]) for head, values in weak.trusted.items()
    }
    adapted = LinearTriageModel(
        model.config,
        review_policy=model.review_policy,
        grade_colours=model.grade_colours,
        lexicon=model.lexicon,
    ).fit(
        data.texts,
        data.dispute_types,
        data.risk_grades,
        data.escalations,
        sample_weight=data.weights,
        head_weights=head_weights,
        calibration=as_calibration(calibration),
        progress=progress,
    )
    return adapted, weak, time.perf_counter() - started


def fold_gain(
    model: LinearTriageModel,
    training_data: LabelledSet,
    real: LabelledSet,
    *,
    calibration: LabelledSet | None,
    folds: int = 5,
    seed: int = 20261206,
    min_confidence: float = 0.9,
    adapt_on_one_fold: bool = True,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Adapt on one fold's texts (labels unused), score both models on the other folds; rotate.

    With ``adapt_on_one_fold=False`` it is the other way round: adapt on the texts of all folds
    but one, score on that one. ``model`` must not have been calibrated on ``real``.

    Returns:
        One row per fold: records adapted on, weak labels kept, and the base and adapted type
        macro-F1, grade macro-F1 and escalation F1 on the other folds.
    """
    from training.evaluate import evaluate_predictions
    from training.select import stratified_folds, truth_indices

    rows = []
    texts = real.texts
    base_predictions = predict_all(model, texts)
    for fold, one in enumerate(stratified_folds(truth_indices(real)["dispute_type"], folds, seed)):
        rest = np.setdiff1d(np.arange(len(texts)), one)
        unlabelled, scored = (one, rest) if adapt_on_one_fold else (rest, one)
        held = LabelledSet(tuple(real.records[i] for i in scored), real.files, real.sha256)
        adapted, weak, seconds = adapt(
            model,
            training_data,
            [texts[i] for i in unlabelled],
            calibration=calibration,
            min_confidence=min_confidence,
            progress=progress,
        )
        before = evaluate_predictions(held, [base_predictions[i] for i in scored])
        after = evaluate_predictions(held, predict_all(adapted, held.texts))
        rows.append(
            {
                "fold": fold,
                "unlabelled": len(unlabelled),
                "kept": len(weak.records),
                "seconds": round(seconds, 1),
                **{
                    f"{name}_{key}": metrics[head][field_name]
                    for name, metrics in (("base", before), ("adapted", after))
                    for key, head, field_name in (
                        ("type_f1", "dispute_type", "macro_f1"),
                        ("grade_f1", "risk_grade", "macro_f1"),
                        ("escalation_f1", "escalation", "f1"),
                    )
                },
            }
        )
    return rows

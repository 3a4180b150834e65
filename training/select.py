"""Cross-validated selection on a small real-text set: choose on four folds, score the fifth.

A set of 115 real records is too small to choose among configurations and report the winner's score
on the same records: the choice overfits. Here the records are split into stratified folds; for
each fold, the candidate models are compared on the other folds (after refitting each head's
temperature and class offsets, and the escalation threshold, there), the best one is scored on the
held-out fold with those settings, and the held-out predictions of all folds are pooled into one
honest figure. With ``--anchor`` (the gold dev split) the anchor's records always join the fitting
and the selection, as they join the default model's calibration, and are never scored.

``python -m training.select --candidate DIR [--candidate DIR ...] --data FILE [--anchor FILE]``
prints it; with one candidate it measures the calibration on unseen real records. Pass candidates
calibrated without ``FILE``: a model calibrated on it has seen every fold.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models._results import HeadScores
from models.calibration import best_f2_threshold, fit_temperature_and_bias, softmax
from models.protocol import TriageModel
from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from training.data import LabelledSet, read_labelled
from training.evaluate import ESCALATION_IDS, head_metrics, predict_all

HEADS = ("dispute_type", "risk_grade", "escalation")
_ALL = slice(None)


@dataclass(frozen=True)
class HeadProbabilities:
    """One candidate's probabilities on the whole set, per head, as ``(n, k)`` arrays."""

    heads: dict[str, np.ndarray]

    @classmethod
    def of(cls, model: TriageModel, texts: Sequence[str]) -> HeadProbabilities:
        scores = HeadScores(predict_all(model, texts))
        escalation = np.stack([1 - scores.escalation, scores.escalation], axis=1)
        return cls(
            {"dispute_type": scores.types, "risk_grade": scores.grades, "escalation": escalation}
        )

    def rows(self, start: int) -> HeadProbabilities:
        """The probabilities of the records from ``start`` on."""
        return HeadProbabilities({head: values[start:] for head, values in self.heads.items()})


@dataclass(frozen=True)
class FoldChoice:
    """What was chosen on the training folds of one held-out fold."""

    fold: int
    candidate: str
    selection_score: float
    temperatures: dict[str, Affine]
    escalation_threshold: float


@dataclass(frozen=True)
class CrossSelection:
    """Pooled held-out metrics of the selected candidates, and the choice made for each fold."""

    choices: list[FoldChoice]
    metrics: dict[str, dict[str, Any]]


def truth_indices(data: LabelledSet) -> dict[str, np.ndarray]:
    """Label indices per head, ordered like the probability columns."""
    return {
        "dispute_type": np.array([DISPUTE_TYPE_IDS.index(t) for t in data.dispute_types]),
        "risk_grade": np.array([RISK_GRADE_IDS.index(g) for g in data.risk_grades]),
        "escalation": np.array([int(e) for e in data.escalations]),
    }


def stratified_folds(labels: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    """Indices of each fold; every class is spread over the folds as evenly as it can be."""
    if folds < 2:
        raise ValueError("need at least two folds")
    if len(labels) < folds:
        raise ValueError(f"{len(labels)} records cannot make {folds} folds")
    rng = np.random.default_rng(seed)
    assignment = np.empty(len(labels), dtype=np.int64)
    offset = 0
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        assignment[members] = (np.arange(len(members)) + offset) % folds
        offset += len(members)
    return [np.flatnonzero(assignment == fold) for fold in range(folds)]


Affine = tuple[float, np.ndarray]
"""A temperature and per-class logit offsets."""


def _recalibrated(probabilities: np.ndarray, affine: Affine) -> np.ndarray:
    temperature, offsets = affine
    return softmax(np.log(np.clip(probabilities, 1e-12, 1.0)) / temperature + offsets)


def _metrics(
    probabilities: Mapping[str, np.ndarray],
    truth: Mapping[str, np.ndarray],
    escalation_threshold: float,
    rows: np.ndarray | slice = _ALL,
) -> dict[str, dict[str, Any]]:
    flags = (probabilities["escalation"][rows, 1] >= escalation_threshold).astype(np.int64)
    return {
        "dispute_type": head_metrics(
            DISPUTE_TYPE_IDS, truth["dispute_type"][rows], probabilities["dispute_type"][rows]
        ),
        "risk_grade": head_metrics(
            RISK_GRADE_IDS, truth["risk_grade"][rows], probabilities["risk_grade"][rows]
        ),
        "escalation": head_metrics(
            ESCALATION_IDS, truth["escalation"][rows], probabilities["escalation"][rows], flags
        ),
    }


def _selection_score(metrics: Mapping[str, Mapping[str, Any]]) -> float:
    """Mean of the type macro-F1, grade macro-F1 and escalation F1."""
    return float(
        (
            metrics["dispute_type"]["macro_f1"]
            + metrics["risk_grade"]["macro_f1"]
            + metrics["escalation"]["per_class"]["true"]["f1"]
        )
        / 3
    )


def cross_select(
    candidates: Mapping[str, HeadProbabilities],
    data: LabelledSet,
    *,
    folds: int = 5,
    seed: int = 20261206,
    bias_penalty: float = 0.1,
    anchor_rows: int = 0,
) -> CrossSelection:
    """Select among candidates on k-1 folds, score on the k-th, rotate, pool the held-out rows.

    Args:
        candidates: name -> the candidate's probabilities on every record of ``data``.
        data: the labelled records: ``anchor_rows`` records that always take part in fitting and
            selection (e.g. the gold dev split, so a choice cannot trade call records for court
            text), then the real-text set that is split into folds.
        folds: number of folds (stratified by dispute type).
        seed: seed of the fold assignment.
        bias_penalty: pull of the per-class offsets towards zero.
        anchor_rows: how many leading records are the anchor.

    Returns:
        The per-fold choices and the metrics of the pooled held-out predictions (real rows only).
    """
    if not candidates:
        raise ValueError("need at least one candidate")
    truth = truth_indices(data)
    pooled = {head: np.zeros_like(next(iter(candidates.values())).heads[head]) for head in HEADS}
    pooled_flags = np.zeros(len(data.records), dtype=bool)
    choices = []
    real = np.arange(anchor_rows, len(data.records))
    for fold, held_in_real in enumerate(stratified_folds(truth["dispute_type"][real], folds, seed)):
        held_out = real[held_in_real]
        fitting = np.setdiff1d(np.arange(len(data.records)), held_out)
        best: tuple[float, str, dict[str, Affine], float] | None = None
        for name, candidate in sorted(candidates.items()):
            temperatures = {
                head: fit_temperature_and_bias(
                    np.log(np.clip(candidate.heads[head][fitting], 1e-12, 1.0)),
                    truth[head][fitting],
                    bias_penalty,
                )
                for head in HEADS
            }
            recalibrated = {
                head: _recalibrated(candidate.heads[head], temperatures[head]) for head in HEADS
            }
            threshold = best_f2_threshold(
                recalibrated["escalation"][fitting, 1], truth["escalation"][fitting]
            )
            score = _selection_score(_metrics(recalibrated, truth, threshold, fitting))
            if best is None or score > best[0]:
                best = (score, name, temperatures, threshold)
        if best is None:
            raise ValueError("no candidate could be scored")
        score, name, temperatures, threshold = best
        for head in HEADS:
            pooled[head][held_out] = _recalibrated(
                candidates[name].heads[head][held_out], temperatures[head]
            )
        pooled_flags[held_out] = pooled["escalation"][held_out, 1] >= threshold
        choices.append(FoldChoice(fold, name, round(score, 4), temperatures, threshold))
    metrics = _metrics(pooled, truth, 0.5, real)
    metrics["escalation"] = head_metrics(
        ESCALATION_IDS,
        truth["escalation"][real],
        pooled["escalation"][real],
        pooled_flags[real].astype(np.int64),
    )
    return CrossSelection(choices, metrics)


def plain_metrics(
    candidate: HeadProbabilities, data: LabelledSet, escalation_threshold: float
) -> dict[str, dict[str, Any]]:
    """Metrics of a candidate as it is, with no selection (for comparison)."""
    return _metrics(candidate.heads, truth_indices(data), escalation_threshold)


def summary_line(label: str, metrics: Mapping[str, Mapping[str, Any]]) -> str:
    """One printable line: type/grade macro-F1, type ECE, escalation precision/recall/F1."""
    escalation = metrics["escalation"]["per_class"]["true"]
    return (
        f"{label:<40} type F1 {metrics['dispute_type']['macro_f1']:.3f}  "
        f"grade F1 {metrics['risk_grade']['macro_f1']:.3f}  "
        f"type ECE {metrics['dispute_type']['ece']:.3f}  "
        f"esc P {escalation['precision']:.3f} R {escalation['recall']:.3f} "
        f"F1 {escalation['f1']:.3f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.select", description=__doc__)
    parser.add_argument(
        "--candidate", action="append", type=Path, required=True, help="Model bundle directory."
    )
    parser.add_argument("--data", type=Path, required=True, help="Labelled real-text file.")
    parser.add_argument(
        "--anchor",
        type=Path,
        help="Labelled file always used for fitting and selection, never scored (gold dev).",
    )
    parser.add_argument("--folds", type=int, default=5, help="Number of folds (default 5).")
    parser.add_argument("--seed", type=int, default=20261206, help="Seed of the folds.")
    parser.add_argument(
        "--bias-penalty",
        type=float,
        default=0.1,
        help="Pull of the per-class offsets towards zero (large = temperature only).",
    )
    arguments = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from models.baseline import KeywordTriggerModel
    from models.loading import load_model

    real = read_labelled([arguments.data])
    anchor = read_labelled([arguments.anchor]) if arguments.anchor else None
    data = real
    if anchor is not None:
        data = LabelledSet(anchor.records + real.records, anchor.files + real.files, real.sha256)
    first_real = len(data.records) - len(real.records)
    candidates = {}
    for path in arguments.candidate:
        model = load_model(path)
        candidates[str(path)] = HeadProbabilities.of(model, data.texts)
        threshold = float(getattr(model, "escalation_threshold_", 0.5))
        as_trained = plain_metrics(candidates[str(path)].rows(first_real), real, threshold)
        print(summary_line(f"as trained: {path.name}", as_trained))
    keywords = HeadProbabilities.of(KeywordTriggerModel(), real.texts)
    print(summary_line("keyword baseline", plain_metrics(keywords, real, 0.5)))
    selection = cross_select(
        candidates,
        data,
        folds=arguments.folds,
        seed=arguments.seed,
        bias_penalty=arguments.bias_penalty,
        anchor_rows=first_real,
    )
    print(summary_line(f"selected, {arguments.folds}-fold held out", selection.metrics))
    for choice in selection.choices:
        temperatures = ", ".join(
            f"{h} {t:.2f} {np.round(b, 2).tolist()}" for h, (t, b) in choice.temperatures.items()
        )
        print(
            f"  fold {choice.fold}: {Path(choice.candidate).name} "
            f"(score on the other folds {choice.selection_score:.3f}; temperatures "
            f"{temperatures}; escalation threshold {choice.escalation_threshold:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

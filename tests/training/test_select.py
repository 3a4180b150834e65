import numpy as np
import pytest

from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from training.data import LabelledRecord, LabelledSet
from training.select import HeadProbabilities, cross_select, stratified_folds


def _set(n: int, seed: int) -> LabelledSet:
    rng = np.random.default_rng(seed)
    records = tuple(
        LabelledRecord(
            id=str(i),
            text=f"记录{i}",
            dispute_type=DISPUTE_TYPE_IDS[int(rng.integers(5))],
            risk_grade=RISK_GRADE_IDS[int(rng.integers(3))],
            escalation=bool(rng.integers(2)),
        )
        for i in range(n)
    )
    return LabelledSet(records, ("synthetic",), "x")


def _candidate(data: LabelledSet, accuracy: float, seed: int) -> HeadProbabilities:
    rng = np.random.default_rng(seed)

    def head(truth: list[int], k: int) -> np.ndarray:
        truth_array = np.asarray(truth)
        right = rng.random(len(truth)) < accuracy
        chosen = np.where(right, truth_array, (truth_array + 1) % k)
        probabilities = np.full((len(truth), k), 0.1 / (k - 1))
        probabilities[np.arange(len(truth)), chosen] = 0.9
        return probabilities

    return HeadProbabilities(
        {
            "dispute_type": head([DISPUTE_TYPE_IDS.index(t) for t in data.dispute_types], 5),
            "risk_grade": head([RISK_GRADE_IDS.index(g) for g in data.risk_grades], 3),
            "escalation": head([int(e) for e in data.escalations], 2),
        }
    )


def test_stratified_folds_partition_the_records_and_spread_each_class():
    labels = np.array([0] * 10 + [1] * 5 + [2] * 3)
    folds = stratified_folds(labels, 5, seed=1)
    assert sorted(np.concatenate(folds).tolist()) == list(range(18))
    for fold in folds:
        assert (labels[fold] == 0).sum() == 2 and (labels[fold] == 1).sum() == 1


def test_stratified_folds_refuse_too_few_records():
    with pytest.raises(ValueError, match="cannot make"):
        stratified_folds(np.array([0, 1]), 5, seed=1)


def test_cross_select_picks_the_better_candidate_on_every_fold():
    data = _set(200, seed=3)
    candidates = {"good": _candidate(data, 0.9, 4), "poor": _candidate(data, 0.4, 5)}
    selection = cross_select(candidates, data, folds=5)
    assert [choice.candidate for choice in selection.choices] == ["good"] * 5
    assert selection.metrics["dispute_type"]["accuracy"] == pytest.approx(0.9, abs=0.06)


def test_cross_select_recalibrates_overconfident_probabilities():
    data = _set(300, seed=6)
    candidate = _candidate(data, 0.6, 7)
    selection = cross_select({"only": candidate}, data, folds=5)
    from models.calibration import expected_calibration_error

    truth = np.array([DISPUTE_TYPE_IDS.index(t) for t in data.dispute_types])
    before = expected_calibration_error(candidate.heads["dispute_type"], truth)
    assert selection.metrics["dispute_type"]["ece"] < before - 0.1

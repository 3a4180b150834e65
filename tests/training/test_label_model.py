import numpy as np
import pytest

from training.label_model import ABSTAIN, fit_label_model


def _votes(truth: np.ndarray, accuracies: list[float], coverage: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    columns = []
    for accuracy in accuracies:
        wrong = (truth + rng.integers(1, 3, size=len(truth))) % 3
        column = np.where(rng.random(len(truth)) < accuracy, truth, wrong)
        column[rng.random(len(truth)) > coverage] = ABSTAIN
        columns.append(column)
    return np.stack(columns, axis=1)


def test_label_model_beats_majority_vote_and_ranks_the_functions():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, size=2000)
    votes = _votes(truth, [0.95, 0.6, 0.55, 0.5], coverage=0.9, seed=1)
    fit = fit_label_model(votes, 3)
    label_model_accuracy = (fit.posteriors.argmax(axis=1) == truth).mean()
    counts = np.stack([(votes == k).sum(axis=1) for k in range(3)], axis=1)
    majority_accuracy = (counts.argmax(axis=1) == truth).mean()
    assert label_model_accuracy > majority_accuracy
    assert fit.accuracies.argmax() == 0
    assert fit.accuracies[0] == pytest.approx(0.95, abs=0.03)
    assert fit.coverage == pytest.approx([0.9] * 4, abs=0.03)


def test_label_model_is_uniform_where_nobody_voted():
    votes = np.array([[0, 0], [ABSTAIN, ABSTAIN], [1, 1]])
    fit = fit_label_model(votes, 2)
    assert fit.posteriors[1] == pytest.approx([0.5, 0.5])
    assert fit.posteriors[0].argmax() == 0 and fit.posteriors[2].argmax() == 1


def test_label_model_refuses_votes_outside_the_classes():
    with pytest.raises(ValueError, match="class indices"):
        fit_label_model(np.array([[0, 3]]), 3)

"""A Dawid–Skene label model: turn the votes of noisy labelling functions into weak labels.

Each labelling function votes a class or abstains (-1) on every record. The model learns, by
expectation–maximisation, the class shares and one confusion matrix per function (how often it votes
each class when the truth is a given class), and returns each record's posterior over the classes.
This is the model Snorkel's ``LabelModel`` generalises; it is written here in numpy because Snorkel
needs torch, and the default model must train without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ABSTAIN = -1


@dataclass(frozen=True)
class LabelModelFit:
    """What the label model learned.

    Attributes:
        posteriors: ``(n, k)`` probability of each class per record (uniform where nobody voted).
        class_shares: ``(k,)`` estimated class shares.
        accuracies: ``(m,)`` estimated accuracy of each labelling function where it voted.
        coverage: ``(m,)`` share of records each labelling function voted on.
    """

    posteriors: np.ndarray
    class_shares: np.ndarray
    accuracies: np.ndarray
    coverage: np.ndarray


def fit_label_model(
    votes: np.ndarray, n_classes: int, *, iterations: int = 50, smoothing: float = 1.0
) -> LabelModelFit:
    """Fit Dawid–Skene by EM, starting from the majority vote.

    Args:
        votes: ``(n, m)`` int array of class indices, ``ABSTAIN`` where a function abstained.
        n_classes: number of classes ``k``.
        iterations: EM iterations (it converges in a few dozen on this kind of data).
        smoothing: pseudo-count added to every confusion-matrix cell and class share.

    Returns:
        The posteriors and the learned shares, accuracies and coverage.
    """
    votes = np.asarray(votes, dtype=np.int64)
    if votes.ndim != 2:
        raise ValueError("votes must be a 2-D array (records x labelling functions)")
    if ((votes < ABSTAIN) | (votes >= n_classes)).any():
        raise ValueError(f"votes must be class indices below {n_classes} or {ABSTAIN}")
    n, m = votes.shape
    one_hot = np.zeros((n, m, n_classes))
    voted = votes != ABSTAIN
    rows, functions = np.nonzero(voted)
    one_hot[rows, functions, votes[rows, functions]] = 1.0

    posteriors = one_hot.sum(axis=1) + 1e-3
    posteriors /= posteriors.sum(axis=1, keepdims=True)
    for _ in range(iterations):
        shares = posteriors.sum(axis=0) + smoothing
        shares /= shares.sum()
        # confusion[j, true, voted]
        confusion = np.einsum("nt,njv->jtv", posteriors, one_hot) + smoothing / n_classes
        confusion /= confusion.sum(axis=2, keepdims=True)
        log_posterior = np.log(shares) + np.einsum("njv,jtv->nt", one_hot, np.log(confusion))
        log_posterior -= log_posterior.max(axis=1, keepdims=True)
        posteriors = np.exp(log_posterior)
        posteriors /= posteriors.sum(axis=1, keepdims=True)

    nobody = ~voted.any(axis=1)
    posteriors[nobody] = 1.0 / n_classes
    agree = np.einsum("nt,njt->j", posteriors, one_hot)
    coverage = voted.mean(axis=0)
    accuracies = agree / np.maximum(voted.sum(axis=0), 1)
    return LabelModelFit(posteriors, shares, accuracies, coverage)

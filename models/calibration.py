"""Temperature scaling and calibration error.

Each head's logits are divided by one fitted temperature; it keeps the ranking (and so the accuracy)
and fixes over- or under-confidence, which is what a linear model trained to near-separation shows.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of a ``(n, k)`` array."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return result


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature minimising the negative log-likelihood of ``labels`` (indices) on ``logits``.

    Args:
        logits: ``(n, k)`` raw scores; a binary head passes ``[0, z]`` columns.
        labels: ``(n,)`` integer class indices.

    Returns:
        A temperature in [0.05, 20].
    """

    def nll(log_t: float) -> float:
        probs = softmax(logits / np.exp(log_t))
        picked = probs[np.arange(len(labels)), labels]
        return float(-np.log(np.clip(picked, 1e-12, 1.0)).mean())

    result = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(result.x))


def expected_calibration_error(
    probabilities: np.ndarray, labels: np.ndarray, n_bins: int = 10
) -> float:
    """Top-label expected calibration error with equal-width confidence bins.

    Args:
        probabilities: ``(n, k)`` predicted class probabilities.
        labels: ``(n,)`` true class indices.
        n_bins: number of confidence bins over [0, 1].
    """
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in range(n_bins):
        members = bins == b
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(error)


def best_f2_threshold(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """Decision threshold in [0.1, 0.9] with the best F2 score.

    F2 weighs recall twice as much as precision (a missed violent case costs more than a false
    alarm); among equal scores the threshold nearest 0.5 wins, so separable data does not push the
    threshold to an edge.

    Args:
        probabilities: ``(n,)`` predicted probabilities of the positive class.
        truth: ``(n,)`` 0/1 labels.
    """
    scored = []
    for threshold in np.linspace(0.1, 0.9, 81):
        predicted = probabilities >= threshold
        tp = float((predicted & (truth == 1)).sum())
        precision = tp / max(float(predicted.sum()), 1.0)
        recall = tp / max(float((truth == 1).sum()), 1.0)
        f2 = 5 * precision * recall / max(4 * precision + recall, 1e-12)
        scored.append((round(f2, 9), -abs(float(threshold) - 0.5), float(threshold)))
    return round(max(scored)[2], 3)


def fit_temperature_and_bias(
    logits: np.ndarray, labels: np.ndarray, bias_penalty: float = 0.1
) -> tuple[float, np.ndarray]:
    """A temperature and a per-class logit offset minimising the penalised log-loss.

    Temperature alone keeps the ranking; the offsets also move a head's decisions towards the class
    shares of the calibration data (a model trained on generated text leans to the classes its
    generator made common). The offsets are pulled towards zero by ``bias_penalty * ||b||²`` so a
    small calibration set cannot push them far; the first class's offset is fixed at zero.

    Args:
        logits: ``(n, k)`` raw scores; a binary head passes ``[0, z]`` columns.
        labels: ``(n,)`` integer class indices.
        bias_penalty: weight of the squared norm of the offsets.

    Returns:
        ``(temperature, offsets)``: calibrated logits are ``logits / temperature + offsets``.
    """
    from scipy.optimize import minimize

    k = logits.shape[1]
    rows = np.arange(len(labels))

    def loss(parameters: np.ndarray) -> float:
        offsets = np.concatenate([[0.0], parameters[1:]])
        probs = softmax(logits / np.exp(parameters[0]) + offsets)
        picked = np.clip(probs[rows, labels], 1e-12, 1.0)
        return float(-np.log(picked).mean() + bias_penalty * np.sum(offsets**2))

    start = np.zeros(k)
    start[0] = np.log(fit_temperature(logits, labels))
    bounds = [(np.log(0.05), np.log(20.0))] + [(-5.0, 5.0)] * (k - 1)
    result = minimize(loss, start, method="L-BFGS-B", bounds=bounds)
    return float(np.exp(result.x[0])), np.concatenate([[0.0], result.x[1:]])

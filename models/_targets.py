"""Label ids as class indices, and the macro-F1 that model selection is done by."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS


def label_indices(labels: Sequence[str], ids: tuple[str, ...]) -> np.ndarray:
    """Positions of ``labels`` in ``ids`` as an int64 array.

    Raises:
        ValueError: a label that is not one of ``ids``.
    """
    position = {label: i for i, label in enumerate(ids)}
    try:
        return np.asarray([position[label] for label in labels], dtype=np.int64)
    except KeyError as error:
        raise ValueError(f"unknown label {error.args[0]!r}; expected one of {ids}") from None


def macro_f1(truth: np.ndarray, predicted: np.ndarray, k: int) -> float:
    """Unweighted mean F1 over the ``k`` classes (a class never seen nor predicted scores 0)."""
    scores = []
    for label in range(k):
        tp = float(((predicted == label) & (truth == label)).sum())
        fp = float(((predicted == label) & (truth != label)).sum())
        fn = float(((predicted != label) & (truth == label)).sum())
        scores.append(2 * tp / max(2 * tp + fp + fn, 1.0))
    return float(np.mean(scores))


def manifest_labels() -> dict[str, list[str]]:
    """The label ids of each head, in column order, as written into a bundle manifest."""
    return {
        "dispute_type": list(DISPUTE_TYPE_IDS),
        "risk_grade": list(RISK_GRADE_IDS),
        "escalation": ["false", "true"],
    }

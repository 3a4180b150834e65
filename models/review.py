"""When a person should look: abstention thresholds and the reasons they produce."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Self

REVIEW_REASONS = {
    "LOW_CONFIDENCE_TYPE": "dispute type probability below the threshold",
    "CLOSE_CALL_TYPE": "top two dispute types are close",
    "LOW_CONFIDENCE_GRADE": "risk grade probability below the threshold",
    "CLOSE_CALL_GRADE": "top two risk grades are close",
    "ESCALATION_UNCERTAIN": "escalation probability near the decision threshold",
}
"""Stable review reason codes and what each means."""


@dataclass(frozen=True)
class ReviewPolicy:
    """Thresholds for ``needs_review``; every value is configurable.

    Attributes:
        min_type_confidence: flag when the top dispute-type probability is below this.
        min_type_margin: flag when the top two dispute-type probabilities differ by less.
        min_grade_confidence: flag when the top risk-grade probability is below this.
        min_grade_margin: flag when the top two risk-grade probabilities differ by less.
        escalation_band: flag when the escalation probability is within this of its threshold.
    """

    min_type_confidence: float = 0.6
    min_type_margin: float = 0.2
    min_grade_confidence: float = 0.5
    min_grade_margin: float = 0.1
    escalation_band: float = 0.15

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"review threshold {name} must be within [0, 1], got {value}")

    def reasons(
        self,
        type_scores: list[float],
        grade_scores: list[float],
        escalation_probability: float,
        escalation_threshold: float,
    ) -> list[str]:
        """Review reason codes for one prediction (empty when no review is needed)."""
        found = []
        top_type = sorted(type_scores, reverse=True)
        if top_type[0] < self.min_type_confidence:
            found.append("LOW_CONFIDENCE_TYPE")
        if top_type[0] - top_type[1] < self.min_type_margin:
            found.append("CLOSE_CALL_TYPE")
        top_grade = sorted(grade_scores, reverse=True)
        if top_grade[0] < self.min_grade_confidence:
            found.append("LOW_CONFIDENCE_GRADE")
        if top_grade[0] - top_grade[1] < self.min_grade_margin:
            found.append("CLOSE_CALL_GRADE")
        if abs(escalation_probability - escalation_threshold) < self.escalation_band:
            found.append("ESCALATION_UNCERTAIN")
        return found

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class ReviewSettings:
    """Mixin giving a model ``configured``: the same model under other thresholds or colours."""

    review_policy: ReviewPolicy
    grade_colours: dict[str, str]

    def review_config(self) -> dict[str, Any]:
        """The review thresholds and colours as stored in a bundle manifest's ``config``."""
        return {"review_policy": self.review_policy.to_json(), "grade_colours": self.grade_colours}

    def configured(
        self,
        *,
        review_policy: ReviewPolicy | None = None,
        grade_colours: Mapping[str, str] | None = None,
    ) -> Self:
        """A shallow copy with other review thresholds or colours.

        The learned state (arrays, networks, members) is shared, not copied: a service applies
        its settings to a loaded model without doubling its memory.
        """
        changed = copy.copy(self)
        if review_policy is not None:
            changed.review_policy = review_policy
        if grade_colours is not None:
            changed.grade_colours = dict(grade_colours)
        return changed

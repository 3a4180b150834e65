"""When a person should look: review thresholds, the reasons they produce, and their names.

A model's ``ReviewPolicy`` is chosen at training time from measured risk–coverage curves on the
calibration set (``models.selective.select_policy``) and stored in the bundle with the per-record
scores it was chosen from, so a service can re-choose it for another target coverage
(``ReviewPolicy.with_overrides``). A policy built by hand (``ReviewPolicy()``) uses the fixed
thresholds of bundles written before that; such bundles load unchanged.

One rule takes no threshold: a serious risk cue that the model contradicts is always a reason
(``CUE_CONTRADICTS_MODEL``, see ``contradicted_cues``).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Self

from nlp.errors import ModelBundleError
from nlp.labels import RISK_GRADE_IDS

if TYPE_CHECKING:
    from models.selective import ReviewSelection

REVIEW_REASONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "CUE_CONTRADICTS_MODEL": "a serious risk cue (weapon, threat to kill, self-harm, arson, "
        "collective event) that the predicted escalation or risk grade contradicts",
        "LOW_CONFIDENCE_TYPE": "dispute type probability below the threshold",
        "CLOSE_CALL_TYPE": "top two dispute types are close",
        "LOW_CONFIDENCE_GRADE": "risk grade probability below the threshold",
        "CLOSE_CALL_GRADE": "top two risk grades are close",
        "ESCALATION_UNCERTAIN": "escalation probability in the uncertain band around the threshold",
        "ESCALATION_GRADE_MISMATCH": "escalation not flagged although the grade difficult is "
        "likely",
    }
)
"""Stable review reason codes and what each means, most serious first."""

REVIEW_REASON_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "CUE_CONTRADICTS_MODEL": "文中有凶器、扬言杀人、自伤、纵火或群体性线索，与模型判断不符",
        "LOW_CONFIDENCE_TYPE": "纠纷类型把握不足",
        "CLOSE_CALL_TYPE": "两种纠纷类型难以区分",
        "LOW_CONFIDENCE_GRADE": "风险等级把握不足",
        "CLOSE_CALL_GRADE": "两个风险等级难以区分",
        "ESCALATION_UNCERTAIN": "暴力升级判断处于临界",
        "ESCALATION_GRADE_MISMATCH": "疑难风险可能性较高，但未预警暴力升级",
    }
)
"""Review reason code -> Chinese display text for the call-taker (same keys as REVIEW_REASONS)."""

VIOLENCE_CUE_KINDS: Final = frozenset({"weapon", "kill_threat", "self_harm", "arson"})
"""Cue kinds that contradict a prediction without escalation or with the ``general`` grade."""

CROWD_CUE_KINDS: Final = frozenset({"collective"})
"""Cue kinds that contradict the ``general`` grade (a collective event is never routine)."""

_ESCALATION_BAND_DEFAULT: Final = 0.15


def contradicted_cues(cue_kinds: Collection[str], escalation_flag: bool, risk_grade: str) -> bool:
    """True when a serious cue in the text contradicts the prediction.

    Args:
        cue_kinds: kinds of the record's non-negated cues (``nlp.cues.CUE_KINDS`` keys).
        escalation_flag: the predicted escalation flag.
        risk_grade: the predicted risk grade id.
    """
    kinds = set(cue_kinds)
    general = risk_grade == RISK_GRADE_IDS[0]
    if kinds & VIOLENCE_CUE_KINDS and (not escalation_flag or general):
        return True
    return bool(kinds & CROWD_CUE_KINDS) and general


@dataclass(frozen=True)
class ReviewPolicy:
    """Thresholds for ``needs_review``; every value is configurable.

    Attributes:
        min_type_confidence: flag when the top dispute-type probability is below this.
        min_type_margin: flag when the top two dispute-type probabilities differ by less.
        min_grade_confidence: flag when the top risk-grade probability is below this.
        min_grade_margin: flag when the top two risk-grade probabilities differ by less.
        escalation_band: flag when the escalation probability is within this of its threshold;
            used only when ``escalation_low`` and ``escalation_high`` are unset.
        escalation_low, escalation_high: flag when ``low <= probability < high`` (the uncertain
            band around the threshold, chosen from the calibration data); both or neither.
        difficult_without_escalation: flag a record whose escalation is not flagged when its
            probability of the grade ``difficult`` is at least this; None: off.
        selection: how the thresholds were chosen (target, calibration scores), or None for
            thresholds given by hand. Accepts its JSON form, so ``ReviewPolicy(**stored)`` reads
            what ``to_json`` wrote.

    Raises:
        ValueError: a threshold outside [0, 1], only one of the escalation band ends, or
            ``escalation_low > escalation_high``.
    """

    min_type_confidence: float = 0.6
    min_type_margin: float = 0.2
    min_grade_confidence: float = 0.5
    min_grade_margin: float = 0.1
    escalation_band: float = _ESCALATION_BAND_DEFAULT
    escalation_low: float | None = None
    escalation_high: float | None = None
    difficult_without_escalation: float | None = None
    selection: ReviewSelection | None = dataclasses.field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        for name, value in self.thresholds().items():
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"review threshold {name} must be within [0, 1], got {value}")
        if (self.escalation_low is None) != (self.escalation_high is None):
            raise ValueError("set both escalation_low and escalation_high, or neither")
        if (
            self.escalation_low is not None
            and self.escalation_high is not None
            and self.escalation_low > self.escalation_high
        ):
            raise ValueError("escalation_low must not exceed escalation_high")
        if isinstance(self.selection, Mapping):
            from models.selective import ReviewSelection

            object.__setattr__(self, "selection", ReviewSelection.from_json(self.selection))

    def reasons(
        self,
        type_scores: list[float],
        grade_scores: list[float],
        escalation_probability: float,
        escalation_threshold: float,
        *,
        cue_kinds: Collection[str] = (),
    ) -> list[str]:
        """Review reason codes for one prediction (empty when no review is needed).

        Args:
            type_scores, grade_scores: calibrated probabilities in label id order.
            escalation_probability: calibrated probability of escalation.
            escalation_threshold: the model's decision threshold for the escalation flag.
            cue_kinds: kinds of the record's non-negated cues.
        """
        found = []
        grade = RISK_GRADE_IDS[max(range(len(grade_scores)), key=grade_scores.__getitem__)]
        flag = escalation_probability >= escalation_threshold
        if contradicted_cues(cue_kinds, flag, grade):
            found.append("CUE_CONTRADICTS_MODEL")
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
        if self.escalation_low is not None and self.escalation_high is not None:
            uncertain = self.escalation_low <= escalation_probability < self.escalation_high
        else:
            uncertain = abs(escalation_probability - escalation_threshold) < self.escalation_band
        if uncertain:
            found.append("ESCALATION_UNCERTAIN")
        if (
            self.difficult_without_escalation is not None
            and not flag
            and grade_scores[-1] >= self.difficult_without_escalation
        ):
            found.append("ESCALATION_GRADE_MISMATCH")
        return found

    def thresholds(self) -> dict[str, float | None]:
        """The threshold fields alone (no selection data), e.g. for ``GET /v1/model``."""
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "selection"
        }

    def to_json(self) -> dict[str, Any]:
        """The policy as stored in a bundle manifest's ``config["review_policy"]``."""
        raw: dict[str, Any] = dict(self.thresholds())
        if self.selection is not None:
            raw["selection"] = self.selection.to_json()
        return raw

    def with_overrides(
        self, *, target_coverage: float | None = None, **thresholds: float
    ) -> ReviewPolicy:
        """This policy re-chosen for another target coverage and/or with thresholds replaced.

        Args:
            target_coverage: share of records to keep automatic; the thresholds are chosen again
                from the calibration scores stored with the policy. None keeps them.
            thresholds: ``ReviewPolicy`` threshold fields to set as given (after re-choosing).

        Raises:
            ModelBundleError: code ``REVIEW_NOT_SELECTABLE`` when a target coverage is asked of a
                policy without calibration scores (a bundle trained before review selection).
            ValueError: an unknown field or a threshold outside [0, 1].
        """
        policy = self
        if target_coverage is not None:
            if self.selection is None:
                raise ModelBundleError(
                    "this model's review thresholds were not chosen from calibration data, so "
                    "no other target coverage can be chosen; retrain the model or unset "
                    "review.target_coverage",
                    code="REVIEW_NOT_SELECTABLE",
                )
            policy = self.selection.reselect(target_coverage)
        unknown = set(thresholds) - set(self.thresholds())
        if unknown:
            raise ValueError(f"unknown review thresholds: {sorted(unknown)}")
        changes: dict[str, Any] = dict(thresholds)
        if "escalation_band" in changes and "escalation_low" not in changes:
            # A band given by hand replaces the chosen interval instead of being ignored.
            changes.update(escalation_low=None, escalation_high=None)
        return dataclasses.replace(policy, **changes) if changes else policy


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

"""The one protocol between a model and everything above it (service, batch scorer, training).

A model takes a batch of texts and returns one ``Triage`` per text, in order, whatever its
architecture. The result types are pydantic models because they are also the wire contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol, Self, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.bundle import Manifest
from models.review import REVIEW_REASON_NAMES, ReviewPolicy
from nlp.pipeline import Analysis


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DisputeTypePrediction(_Frozen):
    label: str = Field(description="Stable id: land, neighbour, debt, wages or other.")
    name: str = Field(description="Chinese display name, e.g. 土地.")
    scores: dict[str, float] = Field(description="Calibrated probability per dispute type id.")


class RiskGradePrediction(_Frozen):
    label: str = Field(description="Stable id: general, complex or difficult.")
    name: str = Field(description="Chinese display name, e.g. 复杂.")
    colour: str = Field(description="Colour of the grade under the configured scheme, e.g. 黄.")
    scores: dict[str, float] = Field(description="Calibrated probability per risk grade id.")


class EscalationPrediction(_Frozen):
    flag: bool = Field(description="True when violence escalation is predicted.")
    probability: float = Field(ge=0.0, le=1.0, description="Calibrated probability of escalation.")


class Evidence(_Frozen):
    head: str = Field(
        description="The head this phrase pushed: dispute_type, risk_grade or escalation."
    )
    phrase: str = Field(description="The phrase as it appears in the submitted text.")
    start: int = Field(ge=0, description="Character offset of the phrase in the submitted text.")
    end: int = Field(
        ge=0, description="Character offset just past the phrase in the submitted text."
    )
    weight: float = Field(
        description="Contribution towards the predicted label (larger = stronger); a cue phrase "
        "carries the weight of its head's strongest model phrase. Each head's list is ranked."
    )
    source: Literal["model", "cue"] = Field(
        default="model",
        description="model: a phrase the model weighed; cue: a rule cue span (see cues).",
    )


class CueMatch(_Frozen):
    kind: str = Field(description="Cue kind id, e.g. threat, weapon, self_harm, money_amount.")
    name: str = Field(description="Chinese display name of the cue kind.")
    phrase: str = Field(description="Matched phrase as it appears in the submitted text.")
    start: int = Field(ge=0, description="Character offset in the submitted text.")
    end: int = Field(
        ge=0, description="Character offset just past the match in the submitted text."
    )
    negated: bool = Field(description="True when the cue is negated (没动手, 不会打他).")
    value: float | None = Field(
        default=None, description="Parsed number (yuan, people, count) if any."
    )


class Triage(_Frozen):
    """Everything the service says about one record."""

    dispute_type: DisputeTypePrediction
    risk_grade: RiskGradePrediction
    escalation: EscalationPrediction
    needs_review: bool = Field(description="True when a person should check this prediction.")
    review_reasons: list[str] = Field(
        default_factory=list, description="Why review is needed, as stable reason codes."
    )
    review_reasons_zh: list[str] = Field(
        default_factory=list,
        description="The review reasons as Chinese display text, in the same order; filled in "
        "from review_reasons when omitted.",
    )
    evidence: list[Evidence] = Field(default_factory=list)
    cues: list[CueMatch] = Field(default_factory=list)
    suggestions: list[str] = Field(
        default_factory=list, description="Suggested handling (Chinese)."
    )
    model_version: str

    @model_validator(mode="before")
    @classmethod
    def _name_reasons(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "review_reasons_zh" not in data:
            codes = data.get("review_reasons") or []
            return {**data, "review_reasons_zh": [REVIEW_REASON_NAMES.get(c, c) for c in codes]}
        return data

    @model_validator(mode="after")
    def _check_reason_names(self) -> Self:
        expected = [REVIEW_REASON_NAMES.get(c, c) for c in self.review_reasons]
        if self.review_reasons_zh != expected:
            raise ValueError("review_reasons_zh must name review_reasons, in the same order")
        return self


@runtime_checkable
class TriageModel(Protocol):
    """What every model implements. Texts must already be validated (non-empty strings)."""

    review_policy: ReviewPolicy
    """The review thresholds in use; ``configured`` gives a copy with others."""

    @property
    def version(self) -> str:
        """Stable identifier of the trained artefact, e.g. ``linear-20261122-3f2a9c1e``."""
        ...

    def predict(self, texts: Sequence[str]) -> list[Triage]:
        """Triage a batch of texts; returns one result per text, in order."""
        ...

    def configured(
        self,
        *,
        review_policy: ReviewPolicy | None = None,
        grade_colours: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy using other review thresholds or grade colours (the learned state is shared)."""
        ...

    def save(self, directory: Path) -> Manifest:
        """Write the model as a bundle directory (manifest + pickle-free arrays)."""
        ...

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Read a bundle written by ``save``, verifying every file's hash first."""
        ...


@runtime_checkable
class AnalysedTriageModel(TriageModel, Protocol):
    """A model that can also triage texts already run through ``nlp.pipeline.analyse``.

    An ensemble analyses each text once and hands the same analyses to all of its members.
    """

    architecture: str
    """The architecture name written in the model's bundle manifest."""

    @property
    def segmenter(self) -> str:
        """Registry key of the segmenter the analyses must be made with."""
        ...

    def predict_analyses(self, analyses: Sequence[Analysis]) -> list[Triage]:
        """Triage analysed texts; one result per analysis, in order."""
        ...

"""A small deterministic model implementing ``TriageModel``, savable as a real bundle.

Its predictions are derived from the text length, so tests can compute what to expect. Register
its architecture with ``register()`` before loading one of its bundles.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np

from models.bundle import Manifest, read_arrays, read_manifest, write_bundle
from models.loading import ARCHITECTURES
from models.protocol import (
    DisputeTypePrediction,
    EscalationPrediction,
    RiskGradePrediction,
    Triage,
)
from models.review import ReviewPolicy
from nlp.labels import (
    DEFAULT_GRADE_COLOURS,
    DISPUTE_TYPE_IDS,
    DISPUTE_TYPES,
    RISK_GRADE_IDS,
    RISK_GRADES,
)

ARCHITECTURE = "test-fake.v1"


def expected_labels(text: str) -> tuple[str, str, bool]:
    """The dispute type, risk grade and escalation flag the fake model gives ``text``."""
    n = len(text)
    return DISPUTE_TYPE_IDS[n % 5], RISK_GRADE_IDS[n % 3], n % 2 == 1


class FakeTriageModel:
    """Length-based predictions; optional delay per call (timeouts) and failure (500s)."""

    architecture = ARCHITECTURE

    def __init__(
        self,
        version: str = "fake-1",
        *,
        delay_s: float = 0.0,
        review_policy: ReviewPolicy | None = None,
        grade_colours: Mapping[str, str] | None = None,
    ) -> None:
        self._version = version
        self.delay_s = delay_s
        self.review_policy = review_policy or ReviewPolicy()
        self.grade_colours = dict(grade_colours or DEFAULT_GRADE_COLOURS)
        self.fail_with: BaseException | None = None
        self.calls: list[int] = []

    @property
    def version(self) -> str:
        return self._version

    def predict(self, texts: Sequence[str]) -> list[Triage]:
        self.calls.append(len(texts))
        if self.fail_with is not None:
            raise self.fail_with
        if self.delay_s:
            time.sleep(self.delay_s)
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> Triage:
        dispute_type, grade, escalation = expected_labels(text)
        type_scores = [0.9 if label == dispute_type else 0.025 for label in DISPUTE_TYPE_IDS]
        grade_scores = [0.8 if label == grade else 0.1 for label in RISK_GRADE_IDS]
        probability = 0.9 if escalation else 0.1
        return Triage(
            dispute_type=DisputeTypePrediction(
                label=dispute_type,
                name=DISPUTE_TYPES[dispute_type],
                scores=dict(zip(DISPUTE_TYPE_IDS, type_scores, strict=True)),
            ),
            risk_grade=RiskGradePrediction(
                label=grade,
                name=RISK_GRADES[grade],
                colour=self.grade_colours[grade],
                scores=dict(zip(RISK_GRADE_IDS, grade_scores, strict=True)),
            ),
            escalation=EscalationPrediction(flag=escalation, probability=probability),
            needs_review=bool(
                reasons := self.review_policy.reasons(type_scores, grade_scores, probability, 0.5)
            ),
            review_reasons=reasons,
            suggestions=["核实情况"],
            model_version=self._version,
        )

    def configured(
        self,
        *,
        review_policy: ReviewPolicy | None = None,
        grade_colours: Mapping[str, str] | None = None,
    ) -> Self:
        copy = type(self)(
            self._version,
            delay_s=self.delay_s,
            review_policy=review_policy or self.review_policy,
            grade_colours=grade_colours or self.grade_colours,
        )
        copy.fail_with = self.fail_with
        copy.calls = self.calls
        return copy

    def save(self, directory: Path, *, metrics: dict[str, Any] | None = None) -> None:
        manifest = Manifest(
            architecture=ARCHITECTURE,
            version=self._version,
            config={"delay_s": self.delay_s},
            labels={
                "dispute_type": list(DISPUTE_TYPE_IDS),
                "risk_grade": list(RISK_GRADE_IDS),
                "escalation": ["false", "true"],
            },
            training={"records": 0, "note": "test fake"},
            metrics=metrics or {"dispute_type_macro_f1": 0.5},
        )
        write_bundle(directory, manifest, {"weights": np.zeros(3)})

    @classmethod
    def load(cls, directory: Path) -> Self:
        manifest = read_manifest(directory)
        read_arrays(directory, manifest)
        return cls(manifest.version, delay_s=float(manifest.config.get("delay_s", 0.0)))


def register() -> None:
    """Make bundles of this architecture loadable by ``models.loading.load_model``."""
    if ARCHITECTURE not in ARCHITECTURES:
        ARCHITECTURES.register(ARCHITECTURE)(lambda: FakeTriageModel)


def load_for_scoring(config: Any) -> FakeTriageModel:
    """A ``service.batch`` loader that registers the fake architecture first (for workers)."""
    register()
    model: FakeTriageModel = config.load()
    return model


def run_cli(argv: list[str]) -> None:
    """Run the ``triage`` CLI in this process with the fake architecture registered.

    ``serve`` with one worker runs the app in this process, so it can load fake bundles.
    """
    register()
    from service.cli import app

    app(argv, prog_name="triage")


if __name__ == "__main__":
    import sys

    run_cli(sys.argv[1:])

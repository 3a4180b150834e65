"""A keyword-trigger baseline: what many police systems use today, kept to measure against.

It implements the same protocol as the learned models, so every evaluation and benchmark can score
it side by side. Its scores are one-hot: keyword rules carry no probability.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Self

from models._results import build_triage
from models.bundle import Manifest, read_json_file, read_manifest, write_bundle
from models.protocol import Triage
from models.review import ReviewPolicy, ReviewSettings
from nlp.labels import DEFAULT_GRADE_COLOURS, DISPUTE_TYPE_IDS, RISK_GRADE_IDS
from nlp.pipeline import analyse

ARCHITECTURE = "keyword-baseline.v1"
RULES_FILE = "keyword_rules.json"


def packaged_rules() -> dict[str, Any]:
    """The keyword lists shipped in ``models/data/keyword_baseline.json``."""
    text = resources.files("models").joinpath("data/keyword_baseline.json").read_text("utf-8")
    rules: dict[str, Any] = json.loads(text)
    return rules


class KeywordTriggerModel(ReviewSettings):
    """Rule-based triage by keyword lists; no training."""

    architecture = ARCHITECTURE

    def __init__(
        self,
        rules: Mapping[str, Any] | None = None,
        *,
        review_policy: ReviewPolicy | None = None,
        grade_colours: Mapping[str, str] | None = None,
    ) -> None:
        self.rules = dict(rules or packaged_rules())
        self.review_policy = review_policy or ReviewPolicy()
        self.grade_colours = dict(grade_colours or DEFAULT_GRADE_COLOURS)

    @property
    def version(self) -> str:
        return ARCHITECTURE

    def predict(self, texts: Sequence[str]) -> list[Triage]:
        """Apply the keyword rules to normalised texts."""
        results = []
        for analysis in analyse(texts):
            text = analysis.normalized.text
            dispute_type = next(
                (label for label, words in self.rules["dispute_type"] if _any_in(words, text)),
                self.rules["default_type"],
            )
            if _any_in(self.rules["red"], text):
                grade = "difficult"
            elif _any_in(self.rules["yellow"], text):
                grade = "complex"
            else:
                grade = "general"
            escalation = _any_in(self.rules["escalation"], text)
            results.append(
                build_triage(
                    analysis,
                    [float(label == dispute_type) for label in DISPUTE_TYPE_IDS],
                    [float(label == grade) for label in RISK_GRADE_IDS],
                    float(escalation),
                    escalation_threshold=0.5,
                    policy=self.review_policy,
                    grade_colours=self.grade_colours,
                    evidence=[],
                    model_version=self.version,
                )
            )
        return results

    def save(self, directory: Path) -> Manifest:
        """Write the rules as a bundle (no arrays)."""
        manifest = Manifest(
            architecture=ARCHITECTURE,
            version=ARCHITECTURE,
            config={"grade_colours": self.grade_colours},
            labels={"dispute_type": list(DISPUTE_TYPE_IDS), "risk_grade": list(RISK_GRADE_IDS)},
        )
        return write_bundle(directory, manifest, {}, {RULES_FILE: self.rules})

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Read rules saved by ``save`` (hashes verified first)."""
        manifest = read_manifest(directory)
        rules = read_json_file(directory, manifest, RULES_FILE)
        return cls(rules, grade_colours=manifest.config.get("grade_colours"))


def _any_in(words: Sequence[str], text: str) -> bool:
    return any(word in text for word in words)

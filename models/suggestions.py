"""Suggested handling: the table ``models/data/suggestions.json`` matched against a prediction.

A rule's ``when`` may name ``dispute_type`` and ``risk_grade`` (lists of ids), ``escalation`` (a
bool), ``cues_any`` (at least one of these cue kinds is present) and ``cues_none`` (none of them
is). The safety properties of the table are tested over every combination of these conditions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

CONDITIONS = frozenset({"dispute_type", "risk_grade", "escalation", "cues_any", "cues_none"})
"""The conditions a rule's ``when`` may name."""


@dataclass(frozen=True)
class SuggestionRule:
    id: str
    priority: int
    when: dict[str, Any]
    advice: str

    def applies(self, dispute_type: str, risk_grade: str, escalation: bool, cues: set[str]) -> bool:
        when = self.when
        if "dispute_type" in when and dispute_type not in when["dispute_type"]:
            return False
        if "risk_grade" in when and risk_grade not in when["risk_grade"]:
            return False
        if "escalation" in when and escalation != when["escalation"]:
            return False
        if "cues_none" in when and cues.intersection(when["cues_none"]):
            return False
        return not ("cues_any" in when and not cues.intersection(when["cues_any"]))


@cache
def suggestion_rules() -> tuple[SuggestionRule, ...]:
    """The packaged rules, highest priority first."""
    raw = json.loads(resources.files("models").joinpath("data/suggestions.json").read_text("utf-8"))
    rules = [SuggestionRule(**rule) for rule in raw["rules"]]
    for rule in rules:
        unknown = set(rule.when) - CONDITIONS
        if unknown:
            raise ValueError(
                f"suggestion rule {rule.id!r} has unknown conditions {sorted(unknown)}; "
                f"use only {sorted(CONDITIONS)} in models/data/suggestions.json"
            )
    return tuple(sorted(rules, key=lambda rule: (-rule.priority, rule.id)))


def suggest(dispute_type: str, risk_grade: str, escalation: bool, cue_kinds: set[str]) -> list[str]:
    """Advice lines (Chinese) for one prediction, most urgent first."""
    return [
        rule.advice
        for rule in suggestion_rules()
        if rule.applies(dispute_type, risk_grade, escalation, cue_kinds)
    ]

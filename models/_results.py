"""Assemble ``Triage`` results from head probabilities; shared by every architecture.

A result is put together as plain dicts and validated once by pydantic-core: one
``Triage.model_validate`` call per record costs about what building fifteen ``Evidence`` objects
one by one does, and every result that leaves a model is still a validated ``Triage``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from models._evidence import ranked_evidence
from models.protocol import Evidence, Triage
from models.review import ReviewPolicy
from models.suggestions import suggest
from nlp.cues import CUE_KINDS
from nlp.labels import DISPUTE_TYPE_IDS, DISPUTE_TYPES, RISK_GRADE_IDS, RISK_GRADES
from nlp.pipeline import Analysis


def cue_matches(analysis: Analysis) -> list[dict[str, Any]]:
    """The analysis' cues with spans mapped to the text as given (``CueMatch`` fields)."""
    matches = []
    for cue in analysis.cues:
        start, end = analysis.source_span(cue.start, cue.end)
        matches.append(
            {
                "kind": cue.kind,
                "name": CUE_KINDS[cue.kind],
                "phrase": analysis.source[start:end],
                "start": start,
                "end": end,
                "negated": cue.negated,
                "value": cue.value,
            }
        )
    return matches


def build_triage(
    analysis: Analysis,
    type_scores: Sequence[float],
    grade_scores: Sequence[float],
    escalation_probability: float,
    *,
    escalation_threshold: float,
    policy: ReviewPolicy,
    grade_colours: Mapping[str, str],
    evidence: Sequence[Evidence | Mapping[str, Any]],
    model_version: str,
) -> Triage:
    """One validated result from calibrated probabilities, ordered as the label id tuples.

    ``evidence`` is the model's own phrases; the record's cue spans are merged in here
    (``models._evidence.ranked_evidence``), so every architecture shows one ranked list per head.
    """
    type_list = [float(s) for s in type_scores]
    grade_list = [float(s) for s in grade_scores]
    type_rounded = [round(s, 4) for s in type_list]
    grade_rounded = [round(s, 4) for s in grade_list]
    dispute_type = DISPUTE_TYPE_IDS[max(range(len(type_list)), key=type_list.__getitem__)]
    risk_grade = RISK_GRADE_IDS[max(range(len(grade_list)), key=grade_list.__getitem__)]
    flag = escalation_probability >= escalation_threshold
    cue_kinds = {cue.kind for cue in analysis.cues if not cue.negated}
    probability = round(float(escalation_probability), 4)
    # The rounded probabilities are the ones shown, so review can be checked from any result.
    reasons = policy.reasons(
        type_rounded, grade_rounded, probability, escalation_threshold, cue_kinds=cue_kinds
    )
    return Triage.model_validate(
        {
            "dispute_type": {
                "label": dispute_type,
                "name": DISPUTE_TYPES[dispute_type],
                "scores": dict(zip(DISPUTE_TYPE_IDS, type_rounded, strict=True)),
            },
            "risk_grade": {
                "label": risk_grade,
                "name": RISK_GRADES[risk_grade],
                "colour": grade_colours[risk_grade],
                "scores": dict(zip(RISK_GRADE_IDS, grade_rounded, strict=True)),
            },
            "escalation": {"flag": flag, "probability": probability},
            "needs_review": bool(reasons),
            "review_reasons": reasons,
            "evidence": ranked_evidence(
                analysis,
                (e.model_dump() if isinstance(e, Evidence) else e for e in evidence),
                risk_grade=risk_grade,
                escalation=flag,
            ),
            "cues": cue_matches(analysis),
            "suggestions": suggest(dispute_type, risk_grade, flag, cue_kinds),
            "model_version": model_version,
        }
    )


class HeadScores:
    """The calibrated probabilities of a batch of results, as arrays ordered like the label ids.

    Attributes:
        types: ``(n, 5)`` dispute-type probabilities.
        grades: ``(n, 3)`` risk-grade probabilities.
        escalation: ``(n,)`` escalation probabilities.
    """

    def __init__(self, results: Sequence[Triage]) -> None:
        self.types = np.array(
            [[r.dispute_type.scores[k] for k in DISPUTE_TYPE_IDS] for r in results]
        )
        self.grades = np.array([[r.risk_grade.scores[k] for k in RISK_GRADE_IDS] for r in results])
        self.escalation = np.array([r.escalation.probability for r in results])

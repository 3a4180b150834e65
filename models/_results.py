"""Assemble ``Triage`` results from head probabilities; shared by every architecture."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from models.protocol import (
    CueMatch,
    DisputeTypePrediction,
    EscalationPrediction,
    Evidence,
    RiskGradePrediction,
    Triage,
)
from models.review import ReviewPolicy
from models.suggestions import suggest
from nlp.cues import CUE_KINDS
from nlp.labels import DISPUTE_TYPE_IDS, DISPUTE_TYPES, RISK_GRADE_IDS, RISK_GRADES
from nlp.pipeline import Analysis


def cue_matches(analysis: Analysis) -> list[CueMatch]:
    """The analysis' cues with spans mapped to the text as given."""
    matches = []
    for cue in analysis.cues:
        start, end = analysis.source_span(cue.start, cue.end)
        matches.append(
            CueMatch(
                kind=cue.kind,
                name=CUE_KINDS[cue.kind],
                phrase=analysis.source[start:end],
                start=start,
                end=end,
                negated=cue.negated,
                value=cue.value,
            )
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
    evidence: list[Evidence],
    model_version: str,
) -> Triage:
    """One result from calibrated probabilities, ordered as the label id tuples."""
    type_list = [float(s) for s in type_scores]
    grade_list = [float(s) for s in grade_scores]
    dispute_type = DISPUTE_TYPE_IDS[max(range(len(type_list)), key=type_list.__getitem__)]
    risk_grade = RISK_GRADE_IDS[max(range(len(grade_list)), key=grade_list.__getitem__)]
    flag = escalation_probability >= escalation_threshold
    reasons = policy.reasons(type_list, grade_list, escalation_probability, escalation_threshold)
    cue_kinds = {cue.kind for cue in analysis.cues if not cue.negated}
    return Triage(
        dispute_type=DisputeTypePrediction(
            label=dispute_type,
            name=DISPUTE_TYPES[dispute_type],
            scores=dict(zip(DISPUTE_TYPE_IDS, (round(s, 4) for s in type_list), strict=True)),
        ),
        risk_grade=RiskGradePrediction(
            label=risk_grade,
            name=RISK_GRADES[risk_grade],
            colour=grade_colours[risk_grade],
            scores=dict(zip(RISK_GRADE_IDS, (round(s, 4) for s in grade_list), strict=True)),
        ),
        escalation=EscalationPrediction(
            flag=flag, probability=round(float(escalation_probability), 4)
        ),
        needs_review=bool(reasons),
        review_reasons=reasons,
        evidence=evidence,
        cues=cue_matches(analysis),
        suggestions=suggest(dispute_type, risk_grade, flag, cue_kinds),
        model_version=model_version,
    )

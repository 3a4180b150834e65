"""The labelling rules: every label of a generated record is computed from its factors here.

A record is built from generating factors (see ``Factors``); the text only *expresses* them. The
labels follow from the factors by these rules, and by nothing else, so the corpus is consistent by
construction.

**Dispute type** is the type of the record's cause (the root cause the parties fight about),
whatever other vocabulary the text carries: a neighbour who owes a loan is ``debt``; neighbours
fighting over a 宅基地 line are ``land``; "他欠我钱" that is six months' pay is ``wages``; a
contractor owing 货款 for materials is ``debt``; an enquiry, a lost wallet, a scam call or a traffic
accident is ``other``.

**Violence levels** (one per record; the text renders exactly one violence clause, or none):

=================  ===========================================  ==========  ============
level              meaning                                      escalation  grade floor
=================  ===========================================  ==========  ============
none               no violence words at all                     no          general
argument           a few words exchanged (吵了几句)              no          general
negated            violence words, negated (没动手, 不会打他的)  no          general
reconciled         an earlier quarrel, now made up (已经和解了)  no          general
heated             heated confrontation, no threat (互相谩骂)    no          complex
threat             threat to hurt (扬言要打); also in jest      yes         complex
scuffle            pushing, pulling, a slap (推搡)              yes         complex
past_fight         a fight already happened; also told calmly   yes         complex
ongoing_fight      fighting right now (正在厮打)                 yes         complex
weapon             a weapon or dangerous tool in hand           yes         difficult
kill_threat        threat to kill (扬言要杀); also in jest      yes         difficult
self_harm          threat of self-harm (喝农药, 跳楼)            yes         difficult
arson              threat to set fire (扬言放火)                 yes         difficult
gathering          calling people to gather for a fight         yes         difficult
=================  ===========================================  ==========  ============

A threat made "in jest" is still a threat, and a past fight told calmly is still a fight.

**Injury** (optional, only with a physical level: scuffle, past or ongoing fight, weapon): ``minor``
(scratches, 擦伤, 轻微伤) calls for ``complex``; ``hospital`` (an injury from the dispute's violence
that needed a hospital: 骨折, 缝针, 住院, 轻伤二级, 重伤) calls for ``difficult``.

**Escalation** is true exactly when the violence level is one of threat .. gathering above.

**Risk grade** is the highest grade any factor calls for:

* ``difficult``: a difficult violence level; a hospital injury; a collective of 10 or more
  people; a collective blocking a road, site or office; 3 or more failed mediations; a party in
  another province; a sum above 100,000 yuan.
* ``complex``: a complex violence level; a minor injury; a repeat call (second report or later);
  a long-standing grievance (a year or more); 3 to 9 parties; 1 or 2 failed mediations; a sum of
  10,000 yuan or more.
* ``general``: none of the above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from training.corpus._text import LARGE_SUM_LIMIT, SMALL_SUM_LIMIT

if TYPE_CHECKING:
    from training.corpus._factors import Factors

CALM_LEVELS: Final = ("none", "argument", "negated", "reconciled")
"""Violence levels that raise neither escalation nor the grade."""

HEATED_LEVELS: Final = ("heated",)
"""Violence levels that make a record complex without escalation."""

MODERATE_LEVELS: Final = ("threat", "scuffle", "past_fight", "ongoing_fight")
"""Violence levels that mean escalation and at least a complex grade."""

SEVERE_LEVELS: Final = ("weapon", "kill_threat", "self_harm", "arson", "gathering")
"""Violence levels that mean escalation and a difficult grade."""

VIOLENCE_LEVELS: Final = CALM_LEVELS + HEATED_LEVELS + MODERATE_LEVELS + SEVERE_LEVELS
ESCALATING_LEVELS: Final = MODERATE_LEVELS + SEVERE_LEVELS

COLLECTIVE_SIZE: Final = 10
"""Number of people from which a dispute is collective."""

PHYSICAL_LEVELS: Final = ("scuffle", "past_fight", "ongoing_fight", "weapon")
"""Violence levels that can leave an injury."""

INJURIES: Final = ("minor", "hospital")
"""Injury factor values; ``hospital`` means treatment in hospital (difficult)."""

SEVERAL_PARTIES: Final = 3
"""Number of parties from which a dispute has several parties."""

MANY_MEDIATIONS: Final = 3
"""Number of failed mediations from which a dispute is difficult."""


@dataclass(frozen=True)
class Labels:
    """The three labels of one record."""

    dispute_type: str
    risk_grade: str
    escalation: bool


def assign_labels(factors: Factors) -> Labels:
    """Compute a record's labels from its generating factors, by the rules in the module docstring.

    Args:
        factors: the record's factors.

    Returns:
        The dispute type, risk grade and escalation flag.

    Raises:
        ValueError: the factors name an unknown violence level or injury, or an injury without
            physical violence (a generator bug).
    """
    level = factors.violence
    if level not in VIOLENCE_LEVELS:
        raise ValueError(f"unknown violence level {level!r}")
    injury = factors.injury
    if injury is not None and (injury not in INJURIES or level not in PHYSICAL_LEVELS):
        raise ValueError(f"injury {injury!r} does not fit violence level {level!r}")
    amount = factors.amount or 0
    difficult = (
        level in SEVERE_LEVELS
        or injury == "hospital"
        or factors.parties >= COLLECTIVE_SIZE
        or factors.blocking
        or factors.mediations >= MANY_MEDIATIONS
        or factors.cross_region
        or amount >= LARGE_SUM_LIMIT
    )
    complex_ = (
        level in MODERATE_LEVELS
        or level in HEATED_LEVELS
        or injury == "minor"
        or factors.repeat_calls >= 2
        or factors.long_standing
        or factors.parties >= SEVERAL_PARTIES
        or factors.mediations >= 1
        or amount >= SMALL_SUM_LIMIT
    )
    grade = "difficult" if difficult else "complex" if complex_ else "general"
    return Labels(
        dispute_type=factors.cause.dispute_type,
        risk_grade=grade,
        escalation=level in ESCALATING_LEVELS,
    )

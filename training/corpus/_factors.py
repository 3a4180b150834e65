"""Sampling the generating factors of one record.

The sampler first draws the dispute type, the cause and a target (grade, escalation) from the mix
below, then draws factors that realise that target. The labels are *not* taken from the target: they
are recomputed from the factors by ``_rules.assign_labels``, which is the only authority.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, TypeVar

from training.corpus._banks import Banks, Cause
from training.corpus._rules import COLLECTIVE_SIZE, MANY_MEDIATIONS
from training.corpus._text import LARGE_SUM_LIMIT, SMALL_SUM_LIMIT, sample_amount

K = TypeVar("K")

TYPE_MIX: Final = MappingProxyType(
    {"land": 0.18, "neighbour": 0.20, "debt": 0.20, "wages": 0.17, "other": 0.25}
)
REGISTER_MIX: Final = MappingProxyType(
    {
        "caller": 0.24,
        "summary": 0.19,
        "ledger": 0.12,
        "report": 0.12,
        "petition": 0.09,
        "petition_online": 0.09,
        "judgment": 0.15,
    }
)
"""Register shares; the register is drawn first, then a cause written in it."""

SCRIPT_MIX: Final = MappingProxyType(
    {"simplified": 0.70, "traditional_tw": 0.10, "traditional_hk": 0.07, "noisy": 0.13}
)

GRADE_MIX: Final = MappingProxyType(
    {
        "land": (0.35, 0.35, 0.30),
        "neighbour": (0.45, 0.35, 0.20),
        "debt": (0.40, 0.33, 0.27),
        "wages": (0.30, 0.33, 0.37),
        "other": (0.22, 0.40, 0.38),
    }
)
"""Target (general, complex, difficult) weights for dispute causes of each type."""

REGISTER_GRADE_TILT: Final = MappingProxyType(
    {"petition_online": (1.4, 1.15, 0.4), "judgment": (0.95, 1.0, 1.2)}
)
"""Multipliers on ``GRADE_MIX`` per register: online messages are rarely about violence or crowds;
court cases more often are. Other registers keep the mix."""

REGISTER_ESCALATION_TILT: Final = MappingProxyType({"petition_online": 0.3, "judgment": 1.3})
"""Multipliers on ``ESCALATION_GIVEN_GRADE`` per register (capped at ``MAX_ESCALATION``)."""

MAX_ESCALATION: Final = 0.95

ESCALATION_GIVEN_GRADE: Final = MappingProxyType(
    {
        "land": (0.55, 0.72),
        "neighbour": (0.55, 0.72),
        "debt": (0.45, 0.55),
        "wages": (0.40, 0.50),
        "other": (0.62, 0.85),
    }
)
"""P(escalation | complex), P(escalation | difficult) per type; general records never escalate."""

CALM_VIOLENCE: Final = MappingProxyType(
    {"none": 0.50, "argument": 0.37, "negated": 0.07, "reconciled": 0.06}
)
COMPLEX_QUIET_VIOLENCE: Final = MappingProxyType(
    {"heated": 0.42, "none": 0.24, "argument": 0.26, "negated": 0.08}
)
DIFFICULT_QUIET_VIOLENCE: Final = MappingProxyType(
    {"none": 0.40, "heated": 0.32, "argument": 0.20, "negated": 0.08}
)
MODERATE_VIOLENCE: Final = MappingProxyType(
    {
        "land": {"threat": 0.30, "scuffle": 0.30, "past_fight": 0.25, "ongoing_fight": 0.15},
        "neighbour": {"threat": 0.35, "scuffle": 0.30, "past_fight": 0.20, "ongoing_fight": 0.15},
        "debt": {"threat": 0.45, "scuffle": 0.25, "past_fight": 0.20, "ongoing_fight": 0.10},
        "wages": {"threat": 0.35, "scuffle": 0.30, "past_fight": 0.20, "ongoing_fight": 0.15},
        "other": {"threat": 0.30, "scuffle": 0.35, "past_fight": 0.15, "ongoing_fight": 0.20},
    }
)
SEVERE_VIOLENCE: Final = MappingProxyType(
    {
        "land": {
            "weapon": 0.36,
            "kill_threat": 0.20,
            "self_harm": 0.10,
            "arson": 0.09,
            "gathering": 0.25,
        },
        "neighbour": {
            "weapon": 0.36,
            "kill_threat": 0.25,
            "self_harm": 0.10,
            "arson": 0.14,
            "gathering": 0.15,
        },
        "debt": {
            "weapon": 0.22,
            "kill_threat": 0.30,
            "self_harm": 0.25,
            "arson": 0.08,
            "gathering": 0.15,
        },
        "wages": {
            "weapon": 0.15,
            "kill_threat": 0.15,
            "self_harm": 0.45,
            "arson": 0.05,
            "gathering": 0.20,
        },
        "other": {
            "weapon": 0.36,
            "kill_threat": 0.25,
            "self_harm": 0.25,
            "arson": 0.04,
            "gathering": 0.10,
        },
    }
)
PHYSICAL_VIOLENCE: Final = MappingProxyType(
    {"scuffle": 0.30, "past_fight": 0.50, "ongoing_fight": 0.20}
)
"""A fight between persons, for records whose difficulty is an injury that needed a hospital."""

HOSPITAL_INJURY_SHARE: Final = MappingProxyType({"judgment": 0.6})
HOSPITAL_INJURY_DEFAULT: Final = 0.12
"""Share of difficult, escalating person-to-person records made difficult by a hospital injury."""

MINOR_INJURY_SHARE: Final = MappingProxyType({"judgment": 0.5})
MINOR_INJURY_DEFAULT: Final = 0.15
"""Share of complex fights (scuffle, past or ongoing fight) that name a minor injury."""

WEAPON_INJURY_SHARE: Final = MappingProxyType({"judgment": 0.6})
WEAPON_INJURY_DEFAULT: Final = 0.15
"""Share of weapon records that also name a hospital injury (the grade is difficult anyway)."""

CRIME_TIERS: Final = MappingProxyType(
    {"general": "small", "complex": "moderate", "difficult": "large"}
)
"""Criminal facts without a dispute (``Cause.crime``) are graded by their sum alone."""

JEST_SHARE: Final = 0.08
CALM_PAST_FIGHT_SHARE: Final = 0.15
DECOY_SHARE: Final = 0.012

COMPLEX_TRIGGERS: Final = MappingProxyType(
    {"repeat": 0.20, "long": 0.25, "several": 0.12, "mediation": 0.25, "amount": 0.45}
)
DIFFICULT_TRIGGERS: Final = MappingProxyType(
    {"collective": 0.45, "mediation": 0.30, "cross": 0.40, "amount": 0.35}
)
BLOCKING_SHARE: Final = 0.5
PRESENT_OPTIONAL_MONEY: Final = 0.6

ORG_RELATIONS: Final = frozenset(
    {
        "village_committee",
        "township",
        "company",
        "developer",
        "property_mgmt",
        "school",
        "hospital",
        "platform",
        "labour_agency",
        "scammer",
        "none",
    }
)
"""Relations whose other party is an organisation: it does not swing a knife or light a fire."""

ORG_SEVERE_VIOLENCE: Final = MappingProxyType({"self_harm": 0.7, "gathering": 0.3})

OFF_SETTING: Final = MappingProxyType(
    {
        "rural": frozenset({"neighbour_urban", "property_mgmt"}),
        "urban": frozenset({"neighbour_rural", "villager", "herder", "neighbour_village"}),
    }
)
"""Relations that do not occur in a setting (a 楼上住户 has no 菜地)."""

ONEOFF_SWAPS: Final = MappingProxyType({"reconciled": "argument", "past_fight": "scuffle"})

NO_SEVERAL: Final = frozenset(
    {"spouse", "ex_spouse", "parent_child", "in_law", "scammer", "none", "stranger", "driver"}
)
"""Relations for which 'several parties' makes no sense."""

STATIC_REGISTERS: Final = frozenset({"ledger", "petition", "petition_online", "judgment"})
"""Registers written after the event: a fight in progress reads as a fight that happened."""


@dataclass(frozen=True)
class Factors:
    """Everything a record is generated from; ``_rules.assign_labels`` maps it to labels.

    Attributes:
        cause: the cause (its ``dispute_type`` is the record's root cause).
        setting: rural, urban, worksite, shop or road (a cause set to ``any`` gets one here).
        register: caller, summary, ledger, report, petition, petition_online or judgment.
        script: simplified, traditional_tw, traditional_hk or noisy.
        province: index into the province table of ``places.json``.
        relation: relation id of the other party (``relations.json``).
        violence: violence level (see ``_rules``).
        injury: ``minor`` (scratches, 轻微伤), ``hospital`` (an injury that needed a hospital:
            骨折, 缝针, 轻伤二级) or None; only with a physical violence level.
        variant: ``jest`` (threat said in jest) or ``calm`` (past fight told calmly) or None.
        amount: the sum at stake in yuan, or None.
        long_standing: the grievance has lasted a year or more.
        repeat_calls: number of the report (0 = not said, 1 = first, 2+ = repeat call).
        mediations: number of failed mediations.
        parties: number of parties or people involved (2 = one on each side).
        blocking: a collective is blocking a road, site or office.
        cross_region: the other party lives in another province.
        decoy: the text carries a clause with vocabulary of another dispute type.
        hard_case: short English reason when the record is a deliberate hard case.
    """

    cause: Cause
    setting: str
    register: str
    script: str
    province: int
    relation: str
    violence: str
    injury: str | None
    variant: str | None
    amount: int | None
    long_standing: bool
    repeat_calls: int
    mediations: int
    parties: int
    blocking: bool
    cross_region: bool
    decoy: bool
    hard_case: str | None


def weighted(rng: random.Random, mix: Mapping[K, float]) -> K:
    """Draw a key of ``mix`` with probability proportional to its weight (mapping order fixed)."""
    keys = list(mix)
    return rng.choices(keys, weights=[mix[k] for k in keys], k=1)[0]


def _pick_cause(rng: random.Random, causes: Sequence[Cause]) -> Cause:
    return rng.choices(list(causes), weights=[c.weight for c in causes], k=1)[0]


def _tier_range(cause: Cause, tier: str) -> tuple[int, int] | None:
    money = cause.money
    if money is None:
        return None
    bounds = {
        "small": (money.low, min(money.high, SMALL_SUM_LIMIT - 1)),
        "moderate": (max(money.low, SMALL_SUM_LIMIT), min(money.high, LARGE_SUM_LIMIT - 1)),
        "large": (max(money.low, LARGE_SUM_LIMIT), money.high),
    }[tier]
    return bounds if bounds[0] <= bounds[1] else None


def _amount(rng: random.Random, cause: Cause, tier: str | None) -> int | None:
    """An amount of the given tier, or None when the cause has no (or only optional) money."""
    if cause.money is None:
        return None
    if tier is None:
        options = [t for t in ("small", "moderate") if _tier_range(cause, t)]
        tier = options[0] if options else None
    span = _tier_range(cause, tier) if tier else None
    if span is None:
        return None
    if not cause.money.required and rng.random() > PRESENT_OPTIONAL_MONEY:
        return None
    return sample_amount(rng, *span)


def _feasible_grades(cause: Cause) -> tuple[bool, bool, bool]:
    """Which targets the cause can realise: money it must show may already exceed a tier."""
    if cause.calm_only:
        return (True, False, False)
    money = cause.money
    if money is None or not money.required:
        return (True, True, True)
    return (money.low < SMALL_SUM_LIMIT, money.low < LARGE_SUM_LIMIT, True)


def _grade_and_escalation(rng: random.Random, cause: Cause, register: str) -> tuple[str, bool]:
    """The target grade and escalation, from the type's mix tilted by the register."""
    dispute_type = cause.dispute_type
    if cause.crime:
        money = cause.money
        feasible = (
            tuple(_tier_range(cause, t) is not None for t in CRIME_TIERS.values())
            if money is not None and money.required
            else (True, False, False)
        )
    else:
        feasible = _feasible_grades(cause)
    tilt = REGISTER_GRADE_TILT.get(register, (1.0, 1.0, 1.0))
    weights = [
        w * t if ok else 0.0
        for w, t, ok in zip(GRADE_MIX[dispute_type], tilt, feasible, strict=True)
    ]
    grade = rng.choices(("general", "complex", "difficult"), weights=weights)[0]
    if cause.crime:
        # A theft or a fraud is told as facts, not as a quarrel: its grade comes from the sum.
        return grade, False
    p_complex, p_difficult = ESCALATION_GIVEN_GRADE[dispute_type]
    e_tilt = REGISTER_ESCALATION_TILT.get(register, 1.0)
    p_complex = min(p_complex * e_tilt, MAX_ESCALATION)
    p_difficult = min(p_difficult * e_tilt, MAX_ESCALATION)
    escalate = (grade == "complex" and rng.random() < p_complex) or (
        grade == "difficult" and rng.random() < p_difficult
    )
    if cause.oneoff and grade == "difficult":
        # A one-off encounter has no history, crowd or sums to make it difficult: only violence can.
        escalate = True
    if cause.absent and grade == "complex":
        # The other party has vanished: nobody is there to threaten or push.
        escalate = False
    return grade, escalate


def _violence_and_injury(
    rng: random.Random, cause: Cause, register: str, relation: str, grade: str, escalate: bool
) -> tuple[str, str | None]:
    """The violence level and the injury it caused (``minor``, ``hospital`` or None)."""
    dispute_type = cause.dispute_type
    person = relation not in ORG_RELATIONS and not cause.absent
    injury: str | None = None
    if cause.calm_only or cause.crime or (cause.absent and not escalate):
        violence = "none"
    elif grade == "general":
        violence = weighted(rng, CALM_VIOLENCE)
    elif escalate and grade == "difficult" and cause.absent:
        violence = "self_harm"
    elif escalate and grade == "difficult" and relation in ORG_RELATIONS:
        violence = weighted(rng, ORG_SEVERE_VIOLENCE)
    elif (
        escalate
        and grade == "difficult"
        and rng.random() < HOSPITAL_INJURY_SHARE.get(register, HOSPITAL_INJURY_DEFAULT)
    ):
        violence = weighted(rng, PHYSICAL_VIOLENCE)
        injury = "hospital"
    elif escalate:
        mix = MODERATE_VIOLENCE if grade == "complex" else SEVERE_VIOLENCE
        violence = weighted(rng, mix[dispute_type])
    elif cause.oneoff and grade == "complex":
        violence = "heated"
    else:
        violence = weighted(
            rng, COMPLEX_QUIET_VIOLENCE if grade == "complex" else DIFFICULT_QUIET_VIOLENCE
        )
    if cause.oneoff and violence in ONEOFF_SWAPS:
        # Strangers met once have no earlier quarrel to make up and no earlier fight.
        violence = ONEOFF_SWAPS[violence]
    if violence == "ongoing_fight" and register in STATIC_REGISTERS:
        violence = "past_fight"
    if injury is None and person and violence in PHYSICAL_VIOLENCE and grade == "complex":
        minor_share = MINOR_INJURY_SHARE.get(register, MINOR_INJURY_DEFAULT)
        injury = "minor" if rng.random() < minor_share else None
    elif injury is None and person and violence == "weapon":
        weapon_share = WEAPON_INJURY_SHARE.get(register, WEAPON_INJURY_DEFAULT)
        injury = "hospital" if rng.random() < weapon_share else None
    return violence, injury


def sample_factors(rng: random.Random, banks: Banks) -> Factors:
    """Draw the factors of one record.

    The register is drawn first and the cause among those written in it, so that the register
    shares follow ``REGISTER_MIX`` and the type shares ``TYPE_MIX`` whatever the register.

    Args:
        rng: the record's own random stream.
        banks: the validated phrase banks.

    Returns:
        Factors whose labels (by ``_rules``) follow the target mix in expectation.
    """
    register = weighted(rng, REGISTER_MIX)
    dispute_type = weighted(rng, TYPE_MIX)
    cause = _pick_cause(rng, banks.causes_of(dispute_type, register))
    script = weighted(rng, SCRIPT_MIX)
    provinces = banks.tables["places"]["provinces"]
    if script == "traditional_hk":
        candidates = [i for i, p in enumerate(provinces) if p["region"] == "cantonese"]
    else:
        candidates = list(range(len(provinces)))
    province = rng.choices(candidates, weights=[provinces[i]["weight"] for i in candidates])[0]
    setting = cause.setting if cause.setting != "any" else rng.choice(("rural", "urban"))
    fitting = [r for r in cause.relations if r not in OFF_SETTING.get(setting, ())]
    relation = rng.choice(fitting or list(cause.relations))

    grade, escalate = _grade_and_escalation(rng, cause, register)
    violence, injury = _violence_and_injury(rng, cause, register, relation, grade, escalate)
    variant: str | None = None
    if violence in ("threat", "kill_threat") and rng.random() < JEST_SHARE:
        variant = "jest"
    elif violence == "past_fight" and injury is None and rng.random() < CALM_PAST_FIGHT_SHARE:
        variant = "calm"

    repeat_calls = 0
    long_standing = False
    mediations = 0
    parties = 2
    blocking = False
    cross_region = False
    tier: str | None = "small"
    if cause.crime:
        tier = CRIME_TIERS[grade]
    elif grade == "general":
        if not cause.calm_only and rng.random() < 0.1:
            repeat_calls = 1
    else:
        scale = 0.5 if escalate or grade == "difficult" else 1.0
        available = [] if cause.oneoff else ["repeat", "long", "mediation"]
        if not cause.oneoff and relation not in NO_SEVERAL:
            available.append("several")
        if _tier_range(cause, "moderate"):
            available.append("amount")
        chosen = [t for t in available if rng.random() < COMPLEX_TRIGGERS[t] * scale]
        needs_complex = grade == "complex" and not escalate and violence != "heated"
        if needs_complex and not chosen and available:
            chosen.append(rng.choice(available))
        if grade == "difficult":
            hard_available = [] if cause.oneoff else ["mediation"]
            if cause.collective:
                hard_available.append("collective")
            if cause.cross_region:
                hard_available.append("cross")
            if _tier_range(cause, "large"):
                hard_available.append("amount")
            scale_hard = 0.5 if escalate else 1.0
            hard_chosen = [
                t for t in hard_available if rng.random() < DIFFICULT_TRIGGERS[t] * scale_hard
            ]
            if not escalate and not hard_chosen and hard_available:
                hard_chosen.append(rng.choice(hard_available))
            if "collective" in hard_chosen:
                parties = rng.randint(COLLECTIVE_SIZE, 80)
                blocking = rng.random() < BLOCKING_SHARE
                # Dozens of people are owed or promised more than one person's small sum.
                tier = next((t for t in ("large", "moderate") if _tier_range(cause, t)), tier)
            if "mediation" in hard_chosen:
                mediations = rng.randint(MANY_MEDIATIONS, 8)
            cross_region = "cross" in hard_chosen
            if "amount" in hard_chosen:
                tier = "large"
        if "repeat" in chosen:
            repeat_calls = rng.randint(2, 5)
        long_standing = "long" in chosen
        if "mediation" in chosen and mediations == 0:
            mediations = rng.randint(1, MANY_MEDIATIONS - 1)
        if "several" in chosen and parties == 2:
            parties = rng.randint(3, 6)
        if "amount" in chosen and tier == "small":
            tier = "moderate"
    if tier == "small" and not _tier_range(cause, "small"):
        tier = None
    amount = _amount(rng, cause, tier)
    if grade == "general" and amount is not None and amount >= SMALL_SUM_LIMIT:
        amount = None

    decoy = not (cause.calm_only or cause.crime) and rng.random() < DECOY_SHARE
    hard_case = cause.hard_case
    if hard_case is None:
        if variant == "jest":
            hard_case = "threat in jest"
        elif variant == "calm":
            hard_case = "past violence reported calmly"
        elif violence == "negated":
            hard_case = "negated violence"
        elif decoy:
            hard_case = "mentions vocabulary of another dispute type"
        elif dispute_type == "wages" and violence in ("scuffle", "past_fight", "ongoing_fight"):
            hard_case = "fight in a wages dispute stays wages"
    return Factors(
        cause=cause,
        setting=setting,
        register=register,
        script=script,
        province=province,
        relation=relation,
        violence=violence,
        injury=injury,
        variant=variant,
        amount=amount,
        long_standing=long_standing,
        repeat_calls=repeat_calls,
        mediations=mediations,
        parties=parties,
        blocking=blocking,
        cross_region=cross_region,
        decoy=decoy,
        hard_case=hard_case,
    )

"""Composing a record's text from its factors, register by register.

Each record is a list of ``Segment`` pieces (clauses with their own trailing punctuation). The core
clause names the cause; optional clauses carry the violence level, injury, history, parties, money
and frame text of the register, in varying order. A segment is *essential* when it expresses a
factor that the labels depend on, so that noise (truncation) never cuts one away.

Clause banks are keyed by style (``oral``/``formal``). A register or a judgment frame may add its
own list next to them (``factors.repeat.judgment``, ``violence.heated.judgment_criminal``); a
frame's list is always used, a register's list most of the time, the style's list otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from training.corpus._context import CRIMINAL_LEVELS, RecordContext
from training.corpus._factors import ORG_RELATIONS
from training.corpus._rules import MANY_MEDIATIONS, SEVERE_LEVELS
from training.corpus._text import count_text, zh_number

OWN_REGISTER_SHARE: Final = 0.8
"""Share of clauses drawn from a register's own list when the banks have one."""

CAUSE_COURT_SHARE: Final = 0.6
"""Share of judgments told with the cause's own court phrasing, when it has one."""

GENERIC_COURT_SHARE: Final = 0.3
"""Share of the other judgments told with a type-level court phrasing (因{topic}问题发生纠纷)."""

MATTER_NAMED_SHARE: Final = 0.4
"""Share of dispute judgments whose cause clause names the matter as courts do: criminal frames
因宅基地纠纷/因债务问题/索要工钱…发生争执, civil frames 借款…出具借条, 未签订书面劳动合同."""

SUMMARY_TAGGED_SHARE: Final = 0.12
"""Share of summaries without an opener, the caller tagged at the end instead."""

COURT_BACKGROUND_SHARE: Final = 0.6
"""Share of judgments that state the parties' relation (双方系邻居); other registers: 0.25."""

OUTCOME_CLASS: Final = {
    "none": "calm",
    "argument": "calm",
    "negated": "calm",
    "reconciled": "calm",
    "heated": "tense",
    "threat": "tense",
    "scuffle": "physical",
    "past_fight": "physical",
    "ongoing_fight": "physical",
    "weapon": "severe",
    "kill_threat": "severe",
    "arson": "severe",
    "gathering": "severe",
    "self_harm": "self_harm",
}


@dataclass(frozen=True)
class Segment:
    """One piece of a record's text; ``text`` includes its trailing punctuation."""

    text: str
    essential: bool
    kind: str


def _pick(ctx: RecordContext, path: str, overrides: dict[str, str] | None = None) -> str:
    return ctx.fill(ctx.rng.choice(ctx.banks.get(path)), overrides)


def _place_prefix(ctx: RecordContext) -> str:
    return ctx.fill(ctx.rng.choice(ctx.grammar["place_prefix"]))


def _style(ctx: RecordContext) -> str:
    return "oral" if ctx.oral else "formal"


def _path(ctx: RecordContext, base: str) -> str:
    """The list to draw a clause from: the frame's, the register's or the style's (see above)."""
    if ctx.frame != ctx.factors.register and ctx.banks.has(f"{base}.{ctx.frame}"):
        return f"{base}.{ctx.frame}"
    own = f"{base}.{ctx.factors.register}"
    if ctx.banks.has(own) and ctx.rng.random() < OWN_REGISTER_SHARE:
        return own
    return f"{base}.{_style(ctx)}"


def _core_phrasings(ctx: RecordContext) -> tuple[str, ...]:
    """The phrasings the cause clause is drawn from, by register."""
    cause = ctx.factors.cause
    register = ctx.factors.register
    if register == "judgment":
        rng = ctx.rng
        kind = "criminal" if ctx.frame == "judgment_criminal" else "civil"
        named = f"registers.judgment.core_named.{kind}.{cause.dispute_type}"
        if not cause.crime and ctx.banks.has(named) and rng.random() < MATTER_NAMED_SHARE:
            return ctx.banks.get(named)
        if cause.judgment and (cause.crime or rng.random() < CAUSE_COURT_SHARE):
            return cause.judgment
        if not cause.crime and rng.random() < GENERIC_COURT_SHARE:
            return ctx.banks.get(f"registers.judgment.core.{cause.dispute_type}")
        unfit = ctx.grammar["court_unfit"]
        fit = tuple(p for p in cause.formal if not any(w in p for w in unfit))
        return fit or cause.judgment or cause.formal
    if ctx.oral:
        return cause.oral
    if register == "petition_online":
        unfit = ctx.grammar["online_unfit"]
        fit = tuple(p for p in cause.formal if not any(w in p for w in unfit))
        return fit or cause.oral or cause.formal
    return cause.formal


def _core(ctx: RecordContext) -> tuple[str, bool, bool]:
    """The cause clause; returns (text, shows the amount, shows the duration)."""
    cause = ctx.factors.cause
    phrasings = _core_phrasings(ctx)
    if ctx.factors.amount is None:
        usable = [p for p in phrasings if "{amt}" not in p]
        if not usable:
            # Court phrasings may all name a sum; the written ones are checked to have one without.
            usable = [p for p in (cause.oral if ctx.oral else cause.formal) if "{amt}" not in p]
    else:
        with_amount = [p for p in phrasings if "{amt}" in p]
        usable = with_amount if with_amount and ctx.rng.random() < 0.75 else list(phrasings)
    template = ctx.rng.choice(usable)
    return ctx.fill(template), "{amt}" in template, "{dur}" in template


def _violence(ctx: RecordContext, core: str) -> str | None:
    f = ctx.factors
    if f.violence == "none":
        return None
    if f.violence == "argument" and any(w in core for w in ctx.grammar["argument_words"]):
        # The cause clause already says they argued; an argument carries no label.
        return None
    key = f.violence
    if f.variant == "jest":
        key += "_jest"
    elif f.variant == "calm":
        key += "_calm"
    style = _style(ctx)
    options = list(ctx.banks.get(_path(ctx, f"violence.{key}")))
    special = f"violence.{key}.{ctx.setting}.{style}"
    if ctx.banks.has(special) and ctx.rng.random() < 0.5:
        options = list(ctx.banks.get(special))
    if f.injury is not None:
        # The injury clause follows: keep the phrasings where the other side attacks and that
        # do not name an injury of their own.
        starts = tuple(ctx.grammar["self_actor_starts"])
        hurt = ctx.grammar["injury_words"]
        fitting = [o for o in options if not o.startswith(starts) and not any(w in o for w in hurt)]
        options = fitting or options
    if f.cause.absent or f.relation in ORG_RELATIONS:
        # Nobody on the other side can be the actor: keep the phrasings about the reporting side.
        own_side = [o for o in options if "{O" not in o]
        options = own_side or options
    return ctx.fill(ctx.rng.choice(options))


def _middles(ctx: RecordContext, core: str, *, with_mediation: bool) -> list[Segment]:
    """Every optional clause of the record, shuffled; the core and the frame are not included."""
    f = ctx.factors
    rng = ctx.rng
    out: list[Segment] = []
    violence = _violence(ctx, core)
    if violence:
        out.append(Segment(violence, True, "violence"))
    if f.repeat_calls >= 2:
        overrides = {
            "k": count_text(rng, f.repeat_calls),
            "kth": zh_number(f.repeat_calls, liang=False),
        }
        out.append(Segment(_pick(ctx, _path(ctx, "factors.repeat"), overrides), True, "repeat"))
    elif f.repeat_calls == 1:
        out.append(Segment(_pick(ctx, _path(ctx, "factors.first")), False, "first"))
    if with_mediation:
        mediation = mediation_clause(ctx)
        if mediation:
            out.append(mediation)
    if f.parties >= 10:
        out.append(Segment(_pick(ctx, _path(ctx, "factors.collective")), True, "collective"))
        if f.blocking:
            out.append(Segment(_pick(ctx, _path(ctx, "factors.blocking")), True, "blocking"))
    elif f.parties >= 3:
        out.append(Segment(_pick(ctx, _path(ctx, "factors.several")), True, "several"))
    if f.cross_region:
        out.append(Segment(_pick(ctx, _path(ctx, "factors.cross")), True, "cross"))
    if f.decoy:
        path = f"factors.decoy.{f.cause.dispute_type}.{_style(ctx)}"
        out.append(Segment(_pick(ctx, path), True, "decoy"))
    calm = f.violence in ("none", "argument")
    if (
        f.mediations == 0
        and f.repeat_calls < 2
        and not f.long_standing
        and f.parties == 2
        and calm
        and not f.cause.calm_only
        and ctx.frame != "judgment_criminal"
        and rng.random() < 0.2
    ):
        out.append(Segment(_pick(ctx, _path(ctx, "factors.willing")), False, "willing"))
    rng.shuffle(out)
    if f.injury is not None:
        # The injury is told right after the violence that caused it.
        injury = Segment(_pick(ctx, _path(ctx, f"violence.injury.{f.injury}")), True, "injury")
        after = next((i + 1 for i, s in enumerate(out) if s.kind == "violence"), len(out))
        out.insert(after, injury)
    relation = ctx.banks.relations[f.relation]
    background = relation.background_oral if ctx.oral else relation.background_formal
    share = COURT_BACKGROUND_SHARE if ctx.court else 0.25
    if background and rng.random() < share:
        out.insert(0, Segment(ctx.fill(rng.choice(background)), False, "background"))
    return out


def mediation_clause(ctx: RecordContext) -> Segment | None:
    """The failed-mediation clause, or None when there was no failed mediation."""
    f = ctx.factors
    if f.mediations == 0:
        return None
    kind = "many" if f.mediations >= MANY_MEDIATIONS else "few"
    k = count_text(ctx.rng, f.mediations)
    text = _pick(ctx, _path(ctx, f"factors.mediation_{kind}"), {"k": k})
    return Segment(text, True, "mediation")


def _history_segments(ctx: RecordContext, core_has_dur: bool) -> list[Segment]:
    f = ctx.factors
    if f.long_standing and (not core_has_dur or ctx.rng.random() < 0.4):
        return [Segment(_pick(ctx, _path(ctx, "factors.long")), not core_has_dur, "long")]
    return []


def _money_segments(ctx: RecordContext, core_has_amt: bool) -> list[Segment]:
    if ctx.factors.amount is not None and not core_has_amt:
        return [Segment(_pick(ctx, _path(ctx, "factors.money")), True, "money")]
    return []


def _demand(ctx: RecordContext) -> str:
    cause = ctx.factors.cause
    own = cause.demand_oral if ctx.oral else cause.demand_formal
    shared = ctx.banks.get(f"registers.demand.{cause.dispute_type}.{_style(ctx)}")
    if ctx.factors.register == "petition_online":
        # A message to a platform asks the authorities, not the police officer on the phone.
        unfit = ctx.grammar["online_unfit"]
        own = tuple(d for d in own if not any(w in d for w in unfit))
        shared = tuple(d for d in shared if not any(w in d for w in unfit)) or shared
    if own and ctx.rng.random() < 0.6:
        return ctx.fill(ctx.rng.choice(own))
    return ctx.fill(ctx.rng.choice(shared))


def _clauses(
    ctx: RecordContext, *, with_mediation: bool = True, mixed_style: bool = False
) -> tuple[Segment, list[Segment]]:
    """The core clause and the optional clauses.

    ``mixed_style`` (petitions) writes the optional clauses in speech style half of the time, as
    villagers' letters do.
    """
    core_text, has_amt, has_dur = _core(ctx)
    core = Segment(core_text, True, "core")
    saved_oral = ctx.oral
    if mixed_style and ctx.rng.random() < 0.5:
        ctx.oral = True
    extra = _history_segments(ctx, has_dur) + _money_segments(ctx, has_amt)
    middles = _middles(ctx, core_text, with_mediation=with_mediation)
    ctx.oral = saved_oral
    for segment in extra:
        middles.insert(ctx.rng.randint(0, len(middles)), segment)
    return core, middles


def _punctuate(ctx: RecordContext, segments: list[Segment], *, final: str) -> list[Segment]:
    """Give each clause its trailing punctuation: mostly commas, sentence ends now and then."""
    rng = ctx.rng
    out: list[Segment] = []
    for i, seg in enumerate(segments):
        if i == len(segments) - 1:
            mark = final
        elif ctx.oral:
            mark = rng.choices(("，", "。", "！", "…", "，"), weights=(70, 12, 5, 4, 9))[0]
        else:
            mark = "，" if rng.random() < 0.55 else "。"
        out.append(Segment(seg.text + mark, seg.essential, seg.kind))
    return out


def _caller(ctx: RecordContext) -> list[Segment]:
    rng = ctx.rng
    f = ctx.factors
    core, middles = _clauses(ctx)
    head: list[Segment] = []
    if rng.random() < 0.7:
        opener = _pick(ctx, "registers.caller.opener")
        question = opener.endswith(tuple(ctx.grammar["question_endings"]))
        mark = "？" if question else rng.choice(("，", "，", "。", "！"))
        head.append(Segment(opener + mark, False, "opener"))
    urgent = f.violence in SEVERE_LEVELS or f.violence == "ongoing_fight"
    body: list[Segment] = []
    if urgent and rng.random() < 0.4:
        violence = [s for s in middles if s.kind == "violence"]
        middles = [s for s in middles if s.kind != "violence"]
        head.append(Segment(_pick(ctx, "registers.caller.urgent") + "！", False, "urgent"))
        body.extend(violence)
    intro = rng.random() < 0.35
    if intro:
        body.append(Segment(_pick(ctx, "registers.caller.intro"), False, "intro"))
    body.append(core)
    body.extend(middles)
    if rng.random() < 0.6 and f.violence != "reconciled":
        body.append(Segment(_demand(ctx), False, "demand"))
    if not intro and rng.random() < 0.35:
        body.append(Segment(_pick(ctx, "registers.caller.address_tail"), False, "address"))
    if rng.random() < 0.25:
        body.append(Segment(_pick(ctx, "registers.caller.closing"), False, "closing"))
    final = (
        rng.choice(("。", "。", "！", "", "…")) if not urgent else rng.choice(("！", "！！", "。"))
    )
    return head + _punctuate(ctx, body, final=final)


def _summary(ctx: RecordContext) -> list[Segment]:
    rng = ctx.rng
    f = ctx.factors
    # Some call-takers write the facts straight away and tag the caller at the end.
    tagged = rng.random() < SUMMARY_TAGGED_SHARE
    opener = ""
    if not tagged:
        opener = _pick(ctx, "registers.summary.opener") + rng.choice(("：", "：", "，"))
    core, middles = _clauses(ctx)
    place_mode = rng.random()
    if place_mode < 0.3:
        core = Segment(
            _place_prefix(ctx) + core.text if rng.random() < 0.5 else core.text, True, "core"
        )
    body = _punctuate(ctx, [core, *middles], final="。")
    out = [Segment(opener, False, "opener"), *body] if opener else body
    if rng.random() < 0.7:
        out.append(Segment(_pick(ctx, "registers.summary.closing") + "。", False, "closing"))
    if tagged:
        out.append(Segment(_pick(ctx, "registers.summary.caller_tag"), False, "tag"))
    if rng.random() < 0.3 and f.variant is None and f.violence != "past_fight":
        outcome = _outcome_class(ctx)
        out.append(Segment(_pick(ctx, f"registers.summary.scene.{outcome}") + "。", False, "scene"))
    if place_mode > 0.6:
        out.append(Segment(_pick(ctx, "registers.summary.place") + "。", False, "place"))
    return out


def _outcome_class(ctx: RecordContext) -> str:
    f = ctx.factors
    if f.cause.calm_only:
        return "enquiry"
    outcome = OUTCOME_CLASS[f.violence]
    if f.violence == "weapon" and f.register == "report" and ctx.rng.random() < 0.6:
        return "weapon"
    if f.parties >= 10 and outcome in ("calm", "tense") and ctx.rng.random() < 0.6:
        return "collective"
    return outcome


def _report(ctx: RecordContext) -> list[Segment]:
    rng = ctx.rng
    opener = _pick(ctx, "registers.report.opener") + rng.choice(("：", "，"))
    core, middles = _clauses(ctx)
    core_text = core.text
    if rng.random() < 0.5:
        core_text = _place_prefix(ctx) + core_text
    out = [Segment(opener, False, "opener"), Segment(core_text + "。", True, "core")]
    if middles:
        findings = _pick(ctx, "registers.report.findings") + "，"
        first = middles[0]
        middles[0] = Segment(findings + first.text, first.essential, first.kind)
        out.extend(_punctuate(ctx, middles, final="。"))
    section = rng.choice(ctx.banks.get("registers.report.section")) if rng.random() < 0.5 else ""
    outcome = _pick(ctx, f"registers.report.outcome.{_outcome_class(ctx)}")
    out.append(Segment(section + outcome + "。", False, "outcome"))
    if rng.random() < 0.35:
        out.append(Segment(_pick(ctx, "registers.report.closing") + "。", False, "closing"))
    return out


def _ledger(ctx: RecordContext) -> list[Segment]:
    rng = ctx.rng
    f = ctx.factors
    sep = "\n" if rng.random() < 0.65 else " "
    banks = ctx.banks
    applicant_label, respondent_label = rng.choice(banks.get("registers.ledger.label_pairs")).split(
        "|"
    )
    applicant = _pick(ctx, "registers.ledger.applicant")
    if "{name}" in ctx.form.formal:
        respondent = _pick(ctx, "registers.ledger.respondent")
    else:
        respondent = ctx.slot("O")
    if rng.random() < 0.5:
        parties_label = rng.choice(banks.get("registers.ledger.parties_label"))
        parties = (
            f"{parties_label}：{applicant_label}{applicant}；{respondent_label}{respondent}{sep}"
        )
    else:
        parties = f"{applicant_label}：{applicant}{sep}{respondent_label}：{respondent}{sep}"
    core, middles = _clauses(ctx, with_mediation=False)
    reason_label = rng.choice(banks.get("registers.ledger.reason_label"))
    reason = _punctuate(ctx, [core, *middles], final="。" + sep)
    first = reason[0]
    reason[0] = Segment(f"{reason_label}：{first.text}", first.essential, first.kind)
    handling_label = rng.choice(banks.get("registers.ledger.handling_label"))
    mediation = mediation_clause(ctx)
    if mediation is not None:
        handling = Segment(f"{handling_label}：{mediation.text}。", True, "mediation")
    else:
        calm = f.violence in ("none", "argument", "negated", "reconciled") and f.parties == 2
        key = "handling_agreed" if calm and rng.random() < 0.3 else "handling_none"
        handling = Segment(
            f"{handling_label}：{_pick(ctx, f'registers.ledger.{key}')}。", False, "handling"
        )
    out = [Segment(parties, False, "parties"), *reason, handling]
    if rng.random() < 0.75:
        label = rng.choice(banks.get("registers.ledger.date_label"))
        date = Segment(f"{label}：{ctx.slot('date')}{sep}", False, "date")
        if rng.random() < 0.3:
            out.insert(0, date)
        else:
            out[-1] = Segment(out[-1].text + sep, out[-1].essential, out[-1].kind)
            out.append(Segment(date.text.rstrip(), False, "date"))
    if rng.random() < 0.4:
        label = rng.choice(banks.get("registers.ledger.mediator_label"))
        surname = ctx.rng.choice(banks.tables["names"]["surnames"])
        mediator = str(ctx.grammar["mediator"]).replace("{surname}", surname)
        last = out[-1]
        if not last.text.endswith(sep):
            out[-1] = Segment(last.text + sep, last.essential, last.kind)
        out.append(Segment(f"{label}：{mediator}", False, "mediator"))
    return out


def _petition(ctx: RecordContext) -> list[Segment]:
    rng = ctx.rng
    salutation = _pick(ctx, "registers.petition.salutation")
    intro_key = "intro_rural" if ctx.setting == "rural" else "intro_urban"
    intro = _pick(ctx, f"registers.petition.{intro_key}")
    purpose = _pick(ctx, "registers.petition.purpose")
    colon = purpose.endswith(tuple(ctx.grammar["colon_endings"]))
    purpose_mark = "：" if colon else rng.choice(("：", "。"))
    out = [
        Segment(salutation + ("\n" if rng.random() < 0.6 else ""), False, "salutation"),
        Segment(f"{intro}，{purpose}{purpose_mark}", False, "intro"),
    ]
    core, middles = _clauses(ctx, mixed_style=True)
    body = [core, *middles]
    if rng.random() < 0.35 and ctx.factors.violence != "reconciled":
        body.append(Segment(_demand(ctx), False, "demand"))
    out.extend(_punctuate(ctx, body, final="。"))
    out.append(Segment(_pick(ctx, "registers.petition.request") + "。", False, "request"))
    if rng.random() < 0.65:
        out.append(Segment("\n" + _pick(ctx, "registers.petition.closing"), False, "closing"))
    if rng.random() < 0.4:
        out.append(Segment("\n" + _pick(ctx, "registers.petition.signature"), False, "signature"))
    return out


PLEADED_SHARE: Final = 0.45
"""Share of civil judgments that give the plaintiff's account (原告诉称) instead of the findings."""

CLAIM_FIRST_SHARE: Final = 0.4
"""Share of pleaded accounts that open with the claims (诉讼请求：…事实和理由：)."""

CHARGED_SHARE: Final = 0.4
"""Share of criminal judgments that give the indictment (公诉机关指控) instead of the findings."""


def _charge(ctx: RecordContext) -> str | None:
    """The criminal charge the facts support, or None (a crime-free civil matter)."""
    f = ctx.factors
    if "charge" in f.cause.slots:
        return ctx.slot("charge")
    if f.injury == "hospital":
        kind = "injury"
    elif f.violence == "gathering":
        kind = "brawl"
    elif f.violence in CRIMINAL_LEVELS:
        kind = "provocation"
    elif f.violence == "heated":
        kind = "damage"
    elif f.cause.dispute_type == "wages":
        kind = "wages"
    else:
        return None
    return ctx.rng.choice(ctx.banks.get(f"registers.judgment.charge.{kind}"))


def _judgment(ctx: RecordContext) -> list[Segment]:
    """Fact-finding passage of a court document (判决书/裁定书), in its criminal, civil or appeal
    frame; the court's reasoning (本院认为) is never written."""
    rng = ctx.rng
    f = ctx.factors
    frame = ctx.frame
    base = "registers.judgment"
    criminal = frame == "judgment_criminal"
    pleaded = frame == "judgment_civil" and rng.random() < PLEADED_SHARE
    claim_first = pleaded and rng.random() < CLAIM_FIRST_SHARE
    charge = _charge(ctx) if criminal else None
    charged = charge is not None and rng.random() < CHARGED_SHARE
    demand_path = f"{base}.demand.{f.cause.dispute_type}"
    if claim_first:
        head = (
            _pick(ctx, f"{base}.claim_head")
            + _pick(ctx, demand_path)
            + "。"
            + _pick(ctx, f"{base}.claim_facts")
        )
    elif pleaded:
        head = _pick(ctx, f"{base}.opener.pleaded")
    elif charged:
        head = _pick(ctx, f"{base}.opener.charged")
    else:
        head = _pick(ctx, f"{base}.opener.found.{frame}")
    core, middles = _clauses(ctx)
    if ctx.self_mentions == 0 and ctx.other_mentions == 0:
        # A court names the parties: 双方 alone is not enough.
        parties = _pick(ctx, f"{base}.parties")
        if "双方" in core.text:
            core = Segment(core.text.replace("双方", parties, 1), True, "core")
        else:
            clause = parties + _pick(ctx, f"{base}.parties_clause")
            middles.insert(0, Segment(clause, False, "parties"))
    lead = ""
    if rng.random() < 0.6:
        lead = ctx.slot("datetime") + "许，" if criminal else ctx.slot("date") + "，"
    if "place" not in ctx.cache and rng.random() < 0.35:
        lead += _place_prefix(ctx)
    body = [Segment(lead + core.text, True, "core"), *middles]
    if f.cause.absent and not criminal and rng.random() < 0.5:
        body.append(Segment(_pick(ctx, f"{base}.absent_note"), False, "absent"))
    if pleaded and not claim_first:
        tail = _pick(ctx, f"{base}.plead_tail") + _pick(ctx, demand_path)
        body.append(Segment(tail, False, "demand"))
    out = [Segment(head, False, "opener"), *_punctuate(ctx, body, final="。")]
    if charged:
        line = _pick(ctx, f"{base}.charge_line", {"charge": str(charge)})
        out.append(Segment(line + "。", False, "charge"))
    if criminal and rng.random() < 0.4:
        out.append(Segment(_pick(ctx, f"{base}.aftermath") + "。", False, "aftermath"))
    if not pleaded and rng.random() < 0.4:
        out.append(Segment(_pick(ctx, f"{base}.evidence.{frame}") + "。", False, "evidence"))
    return out


ONLINE_DETAIL_SHARE: Final = 0.5
"""Share of online messages that add a sentence of circumstances (家里老人身体不好…), as
citizens writing to a portal do; it carries no labelling factor."""


def _petition_online(ctx: RecordContext) -> list[Segment]:
    """A citizen's message to an online platform (市长信箱, 12345 留言, 问政平台)."""
    rng = ctx.rng
    base = "registers.petition_online"
    out: list[Segment] = []
    titled = rng.random() < 0.75
    if titled:
        mark = rng.choice(("\n", "\n", " ", "。"))
        out.append(Segment(_pick(ctx, f"{base}.title") + mark, False, "title"))
    if not titled or rng.random() < 0.55:
        newline = "\n" if rng.random() < 0.3 else ""
        out.append(Segment(_pick(ctx, f"{base}.salutation") + newline, False, "salutation"))
    intro: list[str] = []
    if ctx.setting in ("rural", "urban") and rng.random() < 0.45:
        intro.append(_pick(ctx, f"{base}.intro_{ctx.setting}"))
    if rng.random() < 0.12:
        intro.append(_pick(ctx, f"{base}.anonymous"))
    if intro:
        out.append(Segment("，".join(intro) + "。", False, "intro"))
    core, middles = _clauses(ctx, mixed_style=True)
    body = [core, *middles]
    if rng.random() < ONLINE_DETAIL_SHARE:
        detail = _pick(ctx, f"{base}.detail.{ctx.factors.cause.dispute_type}")
        body.insert(rng.randint(1, len(body)), Segment(detail, False, "detail"))
    if rng.random() < 0.3 and ctx.factors.violence != "reconciled":
        body.append(Segment(_demand(ctx), False, "demand"))
    if rng.random() < 0.35:
        body.append(Segment(_pick(ctx, f"{base}.frustration"), False, "frustration"))
    if rng.random() < 0.85:
        body.append(Segment(_pick(ctx, f"{base}.request"), False, "request"))
    out.extend(_punctuate(ctx, body, final=rng.choice(("。", "。", "！"))))
    if rng.random() < 0.55:
        out.append(Segment(_pick(ctx, f"{base}.closing"), False, "closing"))
    return out


_RENDERERS: Final = {
    "caller": _caller,
    "summary": _summary,
    "report": _report,
    "ledger": _ledger,
    "petition": _petition,
    "petition_online": _petition_online,
    "judgment": _judgment,
}


def render_segments(ctx: RecordContext) -> list[Segment]:
    """Compose the record's text segments in its register.

    Args:
        ctx: the record's context (factors, random stream, slot values).

    Returns:
        The segments in order; ``"".join(s.text for s in segments)`` is the text.
    """
    return _RENDERERS[ctx.factors.register](ctx)

"""Composing a record's text from its factors, register by register.

Each record is a list of ``Segment`` pieces (clauses with their own trailing punctuation). The core
clause names the cause; optional clauses carry the violence level, history, parties, money and frame
text of the register, in varying order. A segment is *essential* when it expresses a factor that the
labels depend on, so that noise (truncation) never cuts one away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from training.corpus._context import RecordContext
from training.corpus._factors import ORG_RELATIONS
from training.corpus._rules import MANY_MEDIATIONS, SEVERE_LEVELS
from training.corpus._text import count_text, zh_number

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


def _core(ctx: RecordContext) -> tuple[str, bool, bool]:
    """The cause clause; returns (text, shows the amount, shows the duration)."""
    cause = ctx.factors.cause
    phrasings = cause.oral if ctx.oral else cause.formal
    if ctx.factors.amount is None:
        usable = [p for p in phrasings if "{amt}" not in p]
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
    options = list(ctx.banks.get(f"violence.{key}.{style}"))
    special = f"violence.{key}.{ctx.setting}.{style}"
    if ctx.banks.has(special) and ctx.rng.random() < 0.5:
        options = list(ctx.banks.get(special))
    if f.cause.absent or f.relation in ORG_RELATIONS:
        # Nobody on the other side can be the actor: keep the phrasings about the reporting side.
        own_side = [o for o in options if "{O" not in o]
        options = own_side or options
    return ctx.fill(ctx.rng.choice(options))


def _middles(ctx: RecordContext, core: str, *, with_mediation: bool) -> list[Segment]:
    """Every optional clause of the record, shuffled; the core and the frame are not included."""
    f = ctx.factors
    rng = ctx.rng
    style = _style(ctx)
    out: list[Segment] = []
    violence = _violence(ctx, core)
    if violence:
        out.append(Segment(violence, True, "violence"))
    if f.repeat_calls >= 2:
        overrides = {
            "k": count_text(rng, f.repeat_calls),
            "kth": zh_number(f.repeat_calls, liang=False),
        }
        out.append(Segment(_pick(ctx, f"factors.repeat.{style}", overrides), True, "repeat"))
    elif f.repeat_calls == 1:
        out.append(Segment(_pick(ctx, f"factors.first.{style}"), False, "first"))
    if with_mediation:
        mediation = mediation_clause(ctx)
        if mediation:
            out.append(mediation)
    if f.parties >= 10:
        out.append(Segment(_pick(ctx, f"factors.collective.{style}"), True, "collective"))
        if f.blocking:
            out.append(Segment(_pick(ctx, f"factors.blocking.{style}"), True, "blocking"))
    elif f.parties >= 3:
        out.append(Segment(_pick(ctx, f"factors.several.{style}"), True, "several"))
    if f.cross_region:
        out.append(Segment(_pick(ctx, f"factors.cross.{style}"), True, "cross"))
    if f.decoy:
        path = f"factors.decoy.{f.cause.dispute_type}.{style}"
        out.append(Segment(_pick(ctx, path), True, "decoy"))
    calm = f.violence in ("none", "argument")
    if (
        f.mediations == 0
        and f.repeat_calls < 2
        and not f.long_standing
        and f.parties == 2
        and calm
        and not f.cause.calm_only
        and rng.random() < 0.2
    ):
        out.append(Segment(_pick(ctx, f"factors.willing.{style}"), False, "willing"))
    rng.shuffle(out)
    relation = ctx.banks.relations[f.relation]
    background = relation.background_oral if ctx.oral else relation.background_formal
    if background and rng.random() < 0.25:
        out.insert(0, Segment(ctx.fill(rng.choice(background)), False, "background"))
    return out


def mediation_clause(ctx: RecordContext) -> Segment | None:
    """The failed-mediation clause, or None when there was no failed mediation."""
    f = ctx.factors
    if f.mediations == 0:
        return None
    kind = "many" if f.mediations >= MANY_MEDIATIONS else "few"
    k = count_text(ctx.rng, f.mediations)
    text = _pick(ctx, f"factors.mediation_{kind}.{_style(ctx)}", {"k": k})
    return Segment(text, True, "mediation")


def _history_segments(ctx: RecordContext, core_has_dur: bool) -> list[Segment]:
    f = ctx.factors
    if f.long_standing and (not core_has_dur or ctx.rng.random() < 0.4):
        return [Segment(_pick(ctx, f"factors.long.{_style(ctx)}"), not core_has_dur, "long")]
    return []


def _money_segments(ctx: RecordContext, core_has_amt: bool) -> list[Segment]:
    if ctx.factors.amount is not None and not core_has_amt:
        return [Segment(_pick(ctx, f"factors.money.{_style(ctx)}"), True, "money")]
    return []


def _demand(ctx: RecordContext) -> str:
    cause = ctx.factors.cause
    own = cause.demand_oral if ctx.oral else cause.demand_formal
    if own and ctx.rng.random() < 0.6:
        return ctx.fill(ctx.rng.choice(own))
    return _pick(ctx, f"registers.demand.{cause.dispute_type}.{_style(ctx)}")


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
    opener = _pick(ctx, "registers.summary.opener") + rng.choice(("：", "：", "，"))
    core, middles = _clauses(ctx)
    place_mode = rng.random()
    if place_mode < 0.3:
        core = Segment(
            _place_prefix(ctx) + core.text if rng.random() < 0.5 else core.text, True, "core"
        )
    body = _punctuate(ctx, [core, *middles], final="。")
    out = [Segment(opener, False, "opener"), *body]
    if rng.random() < 0.7:
        out.append(Segment(_pick(ctx, "registers.summary.closing") + "。", False, "closing"))
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


_RENDERERS: Final = {
    "caller": _caller,
    "summary": _summary,
    "report": _report,
    "ledger": _ledger,
    "petition": _petition,
}


def render_segments(ctx: RecordContext) -> list[Segment]:
    """Compose the record's text segments in its register.

    Args:
        ctx: the record's context (factors, random stream, slot values).

    Returns:
        The segments in order; ``"".join(s.text for s in segments)`` is the text.
    """
    return _RENDERERS[ctx.factors.register](ctx)

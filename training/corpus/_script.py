"""Speech colouring, script conversion and noise.

* Caller speech gets fillers, repetitions, dialect words of the caller's region and ASR-like
  homophone slips that do not change the meaning; Hong Kong callers get Cantonese words.
* ``traditional_tw`` and ``traditional_hk`` records are converted with OpenCC ``s2twp`` / ``s2hk``.
* ``noisy`` records get two to four noise operations; each one applied is named in the record's
  ``noise`` tuple so tests can check that the text really carries it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

import opencc
from pypinyin import Style, pinyin

from training.corpus._banks import Banks
from training.corpus._context import RecordContext
from training.corpus._render import Segment
from training.corpus._text import to_fullwidth

NOISE_OPS: Final = (
    "phone",
    "id_number",
    "plate",
    "truncated",
    "mixed_script",
    "pinyin",
    "html",
    "repeated_punct",
    "fullwidth_digits",
)
"""Every noise operation, in the order they are applied."""

_HAN: Final = re.compile(r"[\u4e00-\u9fff]")
_PROTECT_BASE: Final = 0xE000
_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK: Final = "10X98765432"
_PLATE_CHARS: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


@lru_cache(maxsize=8)
def converter(config: str) -> opencc.OpenCC:
    """A cached OpenCC converter (``s2t``, ``s2twp``, ``s2hk``, ``t2s``)."""
    return opencc.OpenCC(config)


def _substitute(
    rng: random.Random, text: str, rules: Sequence[Sequence[object]], protect: Sequence[str]
) -> str:
    """Apply ``[from, to, probability]`` rules per occurrence, never inside a protected word."""
    kept: list[str] = []
    for word in protect:
        if word in text:
            marker = chr(_PROTECT_BASE + len(kept))
            kept.append(word)
            text = text.replace(word, marker)
    for rule in rules:
        source, target, probability = str(rule[0]), str(rule[1]), float(str(rule[2]))
        if source not in text:
            continue
        pieces = text.split(source)
        out = [pieces[0]]
        for piece in pieces[1:]:
            out.append(target if rng.random() < probability else source)
            out.append(piece)
        text = "".join(out)
    for i, word in enumerate(kept):
        text = text.replace(chr(_PROTECT_BASE + i), word)
    return text


def colour_speech(ctx: RecordContext, segments: list[Segment]) -> list[Segment]:
    """Add fillers, repetition, dialect words and ASR slips to caller speech.

    Args:
        ctx: the record's context (its province gives the dialect region).
        segments: the rendered caller segments.

    Returns:
        New segments; essential flags and kinds are kept.
    """
    rng = ctx.rng
    banks = ctx.banks
    rules = banks.tables["speech_rules"]
    region = ctx.province["region"]
    fillers = list(banks.get(f"speech.fillers.{region}")) + list(
        banks.get("speech.fillers.standard")
    )
    hk = ctx.factors.script == "traditional_hk"
    out: list[Segment] = []
    for i, seg in enumerate(segments):
        text = seg.text
        if i > 0 and rng.random() < 0.15:
            text = rng.choice(fillers) + "，" + text
        if seg.kind in ("demand", "urgent") and rng.random() < 0.25:
            stripped = text.rstrip("，。！…")
            text = stripped + "，" + stripped + text[len(stripped) :]
        text = _substitute(rng, text, rules["dialects"][region]["subs"], ())
        text = _substitute(rng, text, rules["asr_slips"], rules["asr_protect"])
        if hk:
            text = _substitute(rng, text, rules["cantonese_subs"], rules["cantonese_protect"])
        out.append(seg.__class__(text, seg.essential, seg.kind))
    particles = banks.get("speech.hk_particles")
    if hk and rng.random() < 0.5 and not out[-1].text.rstrip("，。！…").endswith(particles):
        particle = rng.choice(particles)
        last = out[-1]
        stripped = last.text.rstrip("，。！…")
        out[-1] = last.__class__(
            stripped + particle + last.text[len(stripped) :], last.essential, last.kind
        )
    return out


def convert_script(script: str, text: str) -> str:
    """Convert simplified text to the record's script (no-op for simplified and noisy)."""
    if script == "traditional_tw":
        return str(converter("s2twp").convert(text))
    if script == "traditional_hk":
        return str(converter("s2hk").convert(text))
    return text


def is_traditional(text: str) -> bool:
    """True when converting ``text`` to simplified changes it (it has Traditional characters)."""
    return str(converter("t2s").convert(text)) != text


def phone_number(rng: random.Random, prefixes: Sequence[str]) -> str:
    """An invented mobile number, masked (135****8820) or in full."""
    digits = "".join(str(rng.randint(0, 9)) for _ in range(8))
    prefix = rng.choice(prefixes)
    if rng.random() < 0.5:
        return f"{prefix}****{digits[4:]}"
    return prefix + digits


def id_number(rng: random.Random, province_code: str) -> str:
    """An invented 18-digit identity card number with a valid check digit."""
    body = (
        province_code
        + f"{rng.randint(1, 99):02d}{rng.randint(1, 30):02d}"
        + f"{rng.randint(1950, 2003)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + f"{rng.randint(0, 999):03d}"
    )
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + _ID_CHECK[total % 11]


def plate_number(rng: random.Random, province_short: str) -> str:
    """An invented vehicle plate, e.g. 豫A·3K729."""
    letter = rng.choice(_PLATE_CHARS[:24])
    tail = "".join(rng.choice(_PLATE_CHARS) for _ in range(5))
    return f"{province_short}{letter}{'·' if rng.random() < 0.4 else ''}{tail}"


def _insert_segment(rng: random.Random, segments: list[Segment], text: str, kind: str) -> None:
    """Insert a noise clause between two segments (never last, so the text still ends properly)."""
    position = rng.randint(1, max(1, len(segments) - 1))
    segments.insert(position, Segment(text, False, kind))


def _truncate(
    rng: random.Random, banks: Banks, ctx: RecordContext, segments: list[Segment]
) -> bool:
    """Cut the last segment mid-sentence; never cut a label factor or an inserted noise clause."""
    if segments[-1].essential or segments[-1].kind in NOISE_OPS:
        own_tail = f"noise.tail.{ctx.factors.register}"
        closing_path = own_tail if banks.has(own_tail) else "registers.summary.closing"
        segments.append(
            Segment(ctx.fill(rng.choice(banks.get(closing_path))) + "。", False, "closing")
        )
    last = segments[-1]
    text = last.text.rstrip("，。！？…\n ")
    if len(text) < 4:
        return False
    cut = rng.randint(max(2, len(text) * 3 // 10), max(2, len(text) * 7 // 10))
    kept = text[:cut].rstrip("，。！？、；：…\n ")
    if not kept or not _HAN.search(kept[-1]):
        return False
    mark = rng.choice(banks.get("noise.cut_mark")) if rng.random() < 0.3 else ""
    segments[-1] = Segment(kept + mark, False, last.kind)
    return True


def _mixed_script(rng: random.Random, text: str) -> str:
    """Convert one clause to Traditional, as a half-finished conversion leaves it."""
    clauses = [m.span() for m in re.finditer(r"[^，。！？\n]{4,}", text)]
    rng.shuffle(clauses)
    for start, end in clauses:
        converted = str(converter("s2t").convert(text[start:end]))
        if converted != text[start:end]:
            return text[:start] + converted + text[end:]
    return text


def _inline_pinyin(rng: random.Random, text: str) -> str:
    """Put tone-marked pinyin after one to three runs of one or two characters: 纠(jiū)纷(fēn)."""
    # A character right before Latin letters or digits heads a plate or a code: leave it whole.
    positions = [
        m.start()
        for m in _HAN.finditer(text)
        if not re.match(r"[A-Za-z0-9]", text[m.end() : m.end() + 1])
    ]
    if len(positions) < 4:
        return text
    allowed = set(positions)
    chosen = sorted(rng.sample(positions[:-1], k=min(len(positions) - 1, rng.randint(1, 3))))
    out: list[str] = []
    last = 0
    for pos in chosen:
        if pos < last:
            continue
        run = 2 if pos + 1 in allowed and rng.random() < 0.6 else 1
        out.append(text[last:pos])
        for ch in text[pos : pos + run]:
            reading = pinyin(ch, style=Style.TONE, heteronym=False)[0][0]
            out.append(f"{ch}({reading})")
        last = pos + run
    out.append(text[last:])
    return "".join(out)


def _html(rng: random.Random, banks: Banks, text: str) -> str:
    marks = [m.end() for m in re.finditer(r"[，。！？：\n]", text) if m.end() < len(text)]
    if not marks:
        marks = [m.start() for m in _HAN.finditer(text)][1:]
    if not marks:
        return text
    chosen = sorted(rng.sample(marks, k=min(len(marks), rng.randint(1, 3))), reverse=True)
    for pos in chosen:
        text = text[:pos] + rng.choice(banks.get("noise.html")) + text[pos:]
    return text


def _repeated_punct(rng: random.Random, text: str, *, may_append: bool) -> str:
    marks = [m.start() for m in re.finditer(r"[！？。，]", text)]
    replacement = rng.choice(("！！！", "？？", "。。。", "！！", "？？？"))
    if not marks:
        return text + replacement if may_append else text
    pos = rng.choice(marks)
    return text[:pos] + replacement + text[pos + 1 :]


def apply_noise(ctx: RecordContext, segments: list[Segment]) -> tuple[str, tuple[str, ...]]:
    """Apply two to four noise operations to a ``noisy`` record.

    Args:
        ctx: the record's context.
        segments: the rendered (simplified) segments.

    Returns:
        The noisy text and the names of the operations that really changed it, in ``NOISE_OPS``
        order.
    """
    rng = ctx.rng
    banks = ctx.banks
    wanted = set(rng.sample(NOISE_OPS, k=rng.randint(2, 4)))
    applied: list[str] = []
    segments = list(segments)
    if "phone" in wanted:
        text = ctx.fill(
            rng.choice(banks.get("noise.phone")),
            {"phone": phone_number(rng, banks.get("noise.phone_prefixes"))},
        )
        _insert_segment(rng, segments, text + "，", "phone")
        applied.append("phone")
    if "id_number" in wanted:
        number = id_number(rng, ctx.province["code"])
        text = ctx.fill(rng.choice(banks.get("noise.id_number")), {"id_number": number})
        _insert_segment(rng, segments, text + "，", "id_number")
        applied.append("id_number")
    if "plate" in wanted:
        plate = plate_number(rng, ctx.province["plate"])
        text = ctx.fill(rng.choice(banks.get("noise.plate")), {"plate": plate})
        _insert_segment(rng, segments, text + "，", "plate")
        applied.append("plate")
    if "truncated" in wanted and _truncate(rng, banks, ctx, segments):
        applied.append("truncated")
    text = "".join(s.text for s in segments)
    steps = (
        ("mixed_script", lambda t: _mixed_script(rng, t)),
        ("pinyin", lambda t: _inline_pinyin(rng, t)),
        ("html", lambda t: _html(rng, banks, t)),
        (
            "repeated_punct",
            lambda t: _repeated_punct(rng, t, may_append="truncated" not in applied),
        ),
        ("fullwidth_digits", to_fullwidth),
    )
    for name, step in steps:
        if name in wanted:
            changed = step(text)
            if changed != text:
                text = changed
                applied.append(name)
    if not applied:
        # Every drawn operation left this text unchanged (no digits, nothing safe to cut): a
        # noisy record still carries noise, so it gets a phone number up front.
        phone = ctx.fill(
            rng.choice(banks.get("noise.phone")),
            {"phone": phone_number(rng, banks.get("noise.phone_prefixes"))},
        )
        text = phone + "，" + text
        applied.append("phone")
    return text, tuple(op for op in NOISE_OPS if op in applied)

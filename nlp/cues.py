"""Rule-based risk cues: why a record looks risky, with the matched span of each reason.

``extract_cues`` finds escalation and risk indicators (threats, weapons, fights, self-harm,
crowds, failed mediations, sums of money, ...) in a normalised Simplified-Chinese record. Each cue
keeps its span, whether it is negated (没动手, 不会打他的), its tense (已经打了 / 正在打 /
扬言要打) and, where the phrase states one, a number (people, yuan, count). ``cue_features`` turns
the cues of a record into a fixed vector for the classifiers; the same cues are shown to staff as
evidence.

All phrases live in ``nlp/data/cues.json`` (see its ``about`` and ``conventions``); it is compiled
once, on first use, into one regex alternation per kind. A change of the lexicon changes features:
bump its ``version`` and record ``cue_lexicon_sha256()`` in model bundles.

Speed (none of it changes a cue; the tests compare with plain ``finditer`` matching): a kind is
scanned only where one of its literal anchors occurs (``nlp._cue_anchors``), with a scanner that
skips to its first characters by table look-up (``nlp._cue_scan``); a match names its entry and
holds its number in groups, so nothing is matched twice; a number is tried only where its run is
followed by something the entry can go on with (``nlp._cue_lexicon._guard_number``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Final

from nlp._cue_context import TextContext
from nlp._cue_lexicon import Entry, KindRules, Lexicon, load_lexicon, present_kinds
from nlp._cue_numbers import parse_number
from nlp._cue_scan import scan
from nlp.errors import InvalidRecordError, UnknownLabelError

__all__ = [
    "CUE_FEATURE_NAMES",
    "CUE_KINDS",
    "TENSE_KINDS",
    "Cue",
    "cue_features",
    "cue_lexicon_sha256",
    "cue_lexicon_version",
    "extract_cues",
]

CUE_KINDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "threat": "威胁恐吓",
        "kill_threat": "扬言杀人",
        "weapon": "凶器工具",
        "physical_contact": "肢体冲突",
        "injury": "受伤",
        "self_harm": "自伤自杀",
        "arson": "纵火",
        "gathering": "聚集人员",
        "collective": "群体性",
        "blocking": "堵路堵门",
        "repeat_grievance": "反复报警/积怨",
        "failed_mediation": "调解未果",
        "money_amount": "涉案金额",
        "alcohol": "酒后",
        "mental_illness": "精神异常",
        "reconciled": "已和解",
        "rage": "情绪激动",
    }
)
"""Cue kind id -> Chinese display name, in output order."""

TENSE_KINDS: Final = (
    "threat",
    "kill_threat",
    "weapon",
    "physical_contact",
    "injury",
    "self_harm",
    "arson",
    "gathering",
)
"""The violence kinds whose cues carry a tense; every other kind's cues have tense "none"."""

_TENSE_FEATURES: Final = ("past", "ongoing", "threatened")
_VIOLENCE_KINDS: Final = frozenset(TENSE_KINDS) - {"gathering"}
_PEOPLE_KINDS: Final = ("collective", "gathering")
_COUNT_CAP: Final = 10
_MONEY_LOG10_CAP: Final = 7.0
_PEOPLE_LOG10_CAP: Final = 5.0
_MEDIATION_CAP: Final = 5.0
_REPEAT_CAP: Final = 5.0

CUE_FEATURE_NAMES: Final[tuple[str, ...]] = (
    *(f"count:{kind}" for kind in CUE_KINDS),
    *(f"neg:{kind}" for kind in CUE_KINDS),
    *(f"tense:{kind}:{tense}" for kind in TENSE_KINDS for tense in _TENSE_FEATURES),
    "violence_any",
    "money_log10",
    "money_ge_10k",
    "money_ge_100k",
    "people_max_log",
    "people_ge_10",
    "people_ge_30",
    "mediation_failures",
    "mediation_ge_3",
    "repeat_count",
)
"""Every key ``cue_features`` returns, in a fixed order (ASCII names)."""


@dataclass(frozen=True, slots=True)
class Cue:
    """One risk indicator found in a text.

    Attributes:
        kind: a key of ``CUE_KINDS``.
        start: offset of the first character in the text given to ``extract_cues``.
        end: offset just past the last character.
        phrase: ``text[start:end]``.
        negated: True when a negator stands just before it (没动手, 不会打他, 没有拿刀).
        value: people for collective/gathering, yuan for money_amount, a count for
            failed_mediation/repeat_grievance; None when the phrase states none.
        tense: "past", "ongoing", "threatened" or "none" (always "none" outside ``TENSE_KINDS``).
    """

    kind: str
    start: int
    end: int
    phrase: str
    negated: bool
    value: float | None
    tense: str


def extract_cues(text: str) -> list[Cue]:
    """Find the risk cues in one normalised record.

    Args:
        text: normalised Simplified-Chinese text (ASCII digits; PII placeholders may appear).

    Returns:
        The cues sorted by start (then kind order, then end). Cues of different kinds may overlap;
        two cues of one kind never do.

    Raises:
        InvalidRecordError: code ``NOT_TEXT`` when ``text`` is not a string.
        InputFileError: code ``CUE_LEXICON_INVALID`` when the packaged lexicon is broken.
    """
    if not isinstance(text, str):
        raise InvalidRecordError(
            f"extract_cues needs the record text as a str, got a value of type "
            f"{type(text).__name__}; validate the record first",
            code="NOT_TEXT",
        )
    lexicon = _lexicon()
    context = TextContext(text, lexicon)
    cues: list[Cue] = []
    present = present_kinds(lexicon, text)
    for index, rules in enumerate(lexicon.kinds):
        if rules.anchor_strings is not None and not present >> index & 1:
            continue
        _find_kind(rules, text, context, cues)
    if not cues:
        return cues
    cues = _suppress(cues, _suppressors())
    cues.sort(key=lambda c: (c.start, _KIND_ORDER[c.kind], c.end))
    return cues


def _find_kind(rules: KindRules, text: str, context: TextContext, cues: list[Cue]) -> None:
    """Append the cues of one kind to ``cues``.

    The matches are those of ``rules.pattern.finditer(text)``. With a scanner (see
    ``nlp._cue_scan``) a match starts where the scanner's does and ends where the entry's closing
    group does, and ``finditer`` resumes after each match, so those starting inside the last one
    kept are skipped. Most kinds do not match at all, and one ``search`` settles that for less
    than setting up ``finditer`` costs; when it finds a match, ``finditer`` starts there.
    """
    pattern = rules.scanner or rules.pattern
    first = pattern.search(text)
    if first is None:
        return
    resume = 0
    excluded: list[tuple[int, int]] | None = None
    for match in pattern.finditer(text, first.start()):
        start = match.start()
        if start < resume:
            continue
        group = match.lastindex or 0
        resume = end = match.end(group)
        if start == end:
            continue
        if rules.exclude is not None:
            if excluded is None:
                excluded = [
                    (s, e) for s, e, _ in scan(rules.exclude, rules.exclude_scanner, text) if e > s
                ]
            if any(s < end and start < e for s, e in excluded):
                continue
        index = rules.entry_of_group[group]
        entry = rules.entries[index]
        number_group = rules.number_groups[index]
        number = match.group(number_group) if entry.parse and number_group else None
        keep, value = _value(text, start, end, rules, entry, number)
        if not keep:
            continue
        cues.append(
            Cue(
                kind=rules.kind,
                start=start,
                end=end,
                phrase=text[start:end],
                negated=rules.negatable and context.negated(start),
                value=value,
                tense=context.tense(rules, entry, start, end),
            )
        )


def cue_features(cues: Sequence[Cue]) -> dict[str, float]:
    """Fixed numeric features of one record's cues, for the classifiers.

    Args:
        cues: the cues of one record, as returned by ``extract_cues``.

    Raises:
        UnknownLabelError: code ``UNKNOWN_CUE_KIND`` when a cue's kind is not in ``CUE_KINDS``.

    Returns:
        A dict with exactly the keys of ``CUE_FEATURE_NAMES``; every value finite, in 0..7:
        ``count:<kind>`` / ``neg:<kind>`` are log1p of the non-negated / negated cue count (count
        capped at 10); ``tense:<kind>:<tense>`` is 1.0 when a non-negated cue of that kind has that
        tense; ``money_log10`` is log10 of the largest amount (capped at 7, 0 when none), with
        ``money_ge_10k`` / ``money_ge_100k`` flags; ``people_max_log`` is log10(1 + largest people
        count) (capped at 5) with ``people_ge_10/30`` flags; ``mediation_failures`` is the largest
        failed-mediation count (capped at 5) with ``mediation_ge_3``; ``repeat_count`` is the
        largest stated repeat count (capped at 5); ``violence_any`` flags any non-negated threat,
        kill threat, weapon, contact, injury, self-harm or arson cue.
    """
    features = dict.fromkeys(CUE_FEATURE_NAMES, 0.0)
    positive: Counter[str] = Counter()
    negative: Counter[str] = Counter()
    money = people = mediation = repeat = 0.0
    for cue in cues:
        if cue.kind not in CUE_KINDS:
            raise UnknownLabelError(
                f"a cue has kind {cue.kind!r}, which is not in CUE_KINDS; "
                "pass cues made by extract_cues",
                code="UNKNOWN_CUE_KIND",
            )
        if cue.negated:
            negative[cue.kind] += 1
            continue
        positive[cue.kind] += 1
        tense_name = _TENSE_NAMES.get((cue.kind, cue.tense))
        if tense_name is not None:
            features[tense_name] = 1.0
        if cue.kind in _VIOLENCE_KINDS:
            features["violence_any"] = 1.0
        value = cue.value if cue.value is not None and math.isfinite(cue.value) else None
        if value is None:
            continue
        if cue.kind == "money_amount":
            money = max(money, value)
        elif cue.kind in _PEOPLE_KINDS:
            people = max(people, value)
        elif cue.kind == "failed_mediation":
            mediation = max(mediation, value)
        elif cue.kind == "repeat_grievance":
            repeat = max(repeat, value)
    for kind, count in positive.items():
        features[_COUNT_NAMES[kind]] = _LOG1P_COUNTS[min(count, _COUNT_CAP)]
    for kind, count in negative.items():
        features[_NEG_NAMES[kind]] = _LOG1P_COUNTS[min(count, _COUNT_CAP)]
    features["money_log10"] = min(math.log10(money), _MONEY_LOG10_CAP) if money >= 1 else 0.0
    features["money_ge_10k"] = float(money >= 10_000)
    features["money_ge_100k"] = float(money >= 100_000)
    features["people_max_log"] = min(math.log10(1 + max(people, 0.0)), _PEOPLE_LOG10_CAP)
    features["people_ge_10"] = float(people >= 10)
    features["people_ge_30"] = float(people >= 30)
    features["mediation_failures"] = min(max(mediation, 0.0), _MEDIATION_CAP)
    features["mediation_ge_3"] = float(mediation >= 3)
    features["repeat_count"] = min(max(repeat, 0.0), _REPEAT_CAP)
    return features


def cue_lexicon_version() -> str:
    """The ``version`` string of the packaged lexicon, e.g. ``cues.rules.v1``.

    Raises:
        InputFileError: code ``CUE_LEXICON_INVALID`` when the packaged lexicon is broken.
    """
    return _lexicon().version


def cue_lexicon_sha256() -> str:
    """Hex SHA-256 of the packaged lexicon file, for model bundles to record.

    Raises:
        InputFileError: code ``CUE_LEXICON_INVALID`` when the packaged lexicon is broken.
    """
    return _lexicon().sha256


_KIND_ORDER: Final = {kind: i for i, kind in enumerate(CUE_KINDS)}
_COUNT_NAMES: Final = {kind: f"count:{kind}" for kind in CUE_KINDS}
_NEG_NAMES: Final = {kind: f"neg:{kind}" for kind in CUE_KINDS}
_TENSE_NAMES: Final = {
    (kind, tense): f"tense:{kind}:{tense}" for kind in TENSE_KINDS for tense in _TENSE_FEATURES
}
_LOG1P_COUNTS: Final = tuple(math.log1p(n) for n in range(_COUNT_CAP + 1))


@cache
def _lexicon() -> Lexicon:
    return load_lexicon(tuple(CUE_KINDS))


def _value(
    text: str, start: int, end: int, rules: KindRules, entry: Entry, number: str | None
) -> tuple[bool, float | None]:
    """Whether to keep the match, and its number (None when the phrase states none).

    ``number`` is what the entry's ``{NUM}`` matched, None when it took no part in the match.
    """
    if entry.require_chars and not any(c in entry.require_chars for c in text[start:end]):
        return False, None
    value = entry.value
    if entry.parse and number is not None:
        value = parse_number(number)
        if value is None:
            return False, None
    if value is None:
        value = rules.default_value
    if value is None:
        return not rules.requires_value, None
    if (entry.min_value is not None and value < entry.min_value) or (
        entry.max_value is not None and value > entry.max_value
    ):
        return False, None
    return True, float(value)


@cache
def _suppressors() -> dict[str, tuple[str, ...]]:
    """Kind -> the kinds whose cues suppress its cues, for the kinds that have any."""
    return {rules.kind: rules.suppressed_by for rules in _lexicon().kinds if rules.suppressed_by}


def _suppress(cues: list[Cue], suppressors: dict[str, tuple[str, ...]]) -> list[Cue]:
    """Drop cues lying inside a cue of a kind that suppresses them (打他 inside 扬言要打他)."""
    if not suppressors:
        return cues
    kept = []
    for cue in cues:
        by = suppressors.get(cue.kind)
        if by and any(
            other.kind in by and other.start <= cue.start and cue.end <= other.end for other in cues
        ):
            continue
        kept.append(cue)
    return kept

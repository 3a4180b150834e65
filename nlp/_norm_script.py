"""Traditional (Taiwan, Hong Kong) to Simplified conversion with OpenCC, leaving Simplified alone.

Findings that shaped this (opencc 1.4.2; the tests pin each one):

- ``tw2sp`` is the only config that turns Taiwan vocabulary into mainland words (計程車 -> 出租车,
  軟體 -> 软件, 網路 -> 网络, 影片 -> 视频); ``t2s`` and ``hk2s`` give 计程车/软体/网路/影片.
  Cantonese words (唔該, 嘅, 冇, 咗, 佢) come through every config as words.
- ``tw2sp`` misses six Hong Kong variant characters that ``hk2s`` knows (衞, 敍, 枱, 粧, 糭, 衹);
  they are mapped first, character for character, from a table derived from the two configs.
- Running any config over Simplified text is not safe: t2s turns 打坏 into 打坯, 破坏土地 into
  破坯土地, 乾安县 into 干安县; tw2sp turns 程序 into 进程, 呼叫 into 调用, 影片 into 视频. So the
  text is converted only as far as its own characters show it is Traditional:

  1. no Traditional-only character: left as it is;
  2. a few (under ``TRADITIONAL_SHARE`` of the Han characters, e.g. one stray 糾 in a Simplified
     report): those characters are mapped one by one, no phrase rules;
  3. otherwise: ``tw2sp``, then the character map for anything it left.

  A "Traditional-only" character is one that t2s changes on its own, except the few that are also
  valid Simplified (``nlp/data/norm_simplified_chars.txt``: 乾, 於, 薹 ...).
- Protected names (``nlp/data/protected_places.txt``, ``nlp/data/norm_protected_terms.txt``) are cut
  out before conversion and written in their official Simplified form, in every tier.

After steps 2 and 3 no Traditional-only character is left, so a second pass is tier 1: idempotent.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from typing import Final

import opencc

from nlp._norm_chars import has_astral
from nlp._norm_data import read_rows
from nlp._norm_edits import SAME, SPAN, Edit
from nlp._norm_pinyin import HAN
from nlp.errors import InputFileError

PLACES_FILE: Final = "protected_places.txt"
TERMS_FILE: Final = "norm_protected_terms.txt"
SIMPLIFIED_FILE: Final = "norm_simplified_chars.txt"
TRADITIONAL_SHARE: Final = 0.1
"""Share of Han characters that must be Traditional-only for full phrase-level conversion."""

_HAN_CHAR: Final = re.compile(f"[{HAN}]")
_HAN_WORD: Final = re.compile(f"[{HAN}]+")
_HAN_BMP: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Han characters are counted as what is left once everything else is deleted: one pass that
# deletes a few runs is much cheaper than a list of every Han character.
_NOT_HAN: Final = re.compile(f"[^{HAN}]+")
_NOT_HAN_BMP: Final = re.compile(f"[^{_HAN_BMP}]+")
_CJK_RANGES: Final = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))


@dataclass(frozen=True, slots=True)
class ScriptTables:
    """Everything the conversion needs, built once from OpenCC and the data files."""

    tw2sp: opencc.OpenCC
    hong_kong: dict[int, int]
    """Hong Kong variant characters tw2sp misses -> Simplified."""
    hong_kong_char: re.Pattern[str]
    characters: dict[int, int]
    """Traditional-only characters -> their Simplified character."""
    traditional: re.Pattern[str]
    """Matches one Traditional-only character in the BMP (sre tests a BMP class by bitmap)."""
    traditional_astral: re.Pattern[str]
    """Matches one Traditional-only character outside the BMP (slow; only for such texts)."""
    protected: re.Pattern[str]
    """Matches any spelling of a protected name; a match's ``lastindex`` is a key of
    ``protected_names``."""
    protected_names: tuple[int, ...]
    """``protected`` group index -> index into ``canonical``."""
    protected_first: re.Pattern[str]
    """Matches a character that can start a protected name (a fast pre-scan)."""
    canonical: tuple[str, ...]
    may_convert: re.Pattern[str]
    """Matches a BMP character without which ``script_edits`` changes nothing: a Hong Kong
    variant, a Traditional-only character, or a character of a protected name's non-official
    spelling that is not the official character at that place."""
    extra_spellings: tuple[str, ...]
    """The listed extra spellings of protected names that differ from their official form."""
    extra_spelling: re.Pattern[str]
    """Matches one of ``extra_spellings``."""


def _convert_each(converter: opencc.OpenCC, chars: list[str]) -> list[str]:
    # One call over newline-separated characters: no phrase spans a newline, so each character
    # is converted on its own.
    converted = converter.convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):
        raise RuntimeError("OpenCC changed the number of lines; check the opencc version")
    return converted


def _simplified_chars() -> frozenset[str]:
    chars = set()
    for number, columns in read_rows(SIMPLIFIED_FILE):
        if len(columns) != 1 or len(columns[0]) != 1 or not _HAN_CHAR.match(columns[0]):
            raise InputFileError(
                f"nlp/data/{SIMPLIFIED_FILE} line {number}: expected one Han character; "
                "fix the line"
            )
        chars.add(columns[0])
    return frozenset(chars)


def _char_class(codes: list[int]) -> str:
    """A regex character class body for ``codes`` (non-empty) written as ranges."""
    parts = []
    codes = sorted(codes)
    index = 0
    while index < len(codes):
        last = index
        while last + 1 < len(codes) and codes[last + 1] == codes[last] + 1:
            last += 1
        first_char, last_char = re.escape(chr(codes[index])), re.escape(chr(codes[last]))
        parts.append(first_char if index == last else f"{first_char}-{last_char}")
        index = last + 1
    return "".join(parts)


def _any_of(codes: list[int]) -> re.Pattern[str]:
    """A pattern matching one of ``codes``; never matches when there are none."""
    return re.compile(f"[{_char_class(codes)}]" if codes else "(?!)")


def _character_tables() -> tuple[dict[int, int], dict[int, int]]:
    chars = [chr(code) for first, last in _CJK_RANGES for code in range(first, last + 1)]
    t2s = _convert_each(opencc.OpenCC("t2s"), chars)
    tw2sp = _convert_each(opencc.OpenCC("tw2sp"), chars)
    hk2s = _convert_each(opencc.OpenCC("hk2s"), chars)
    simplified = _simplified_chars()
    t2s_of = dict(zip(chars, t2s, strict=True))
    characters = {
        ord(char): ord(target)
        for char, target in t2s_of.items()
        if target != char
        and len(target) == 1
        and char not in simplified
        and t2s_of.get(target, target) == target
    }
    hong_kong = {
        ord(char): ord(target)
        for char, target, taiwan in zip(chars, hk2s, tw2sp, strict=True)
        if target != taiwan
        and taiwan == char
        and len(target) == 1
        and ord(target) not in characters
    }
    return hong_kong, characters


def _spellings(
    canonical: str, extra: list[str], to_traditional: list[opencc.OpenCC], variant_chars: set[str]
) -> list[str]:
    """Patterns matching ``canonical`` in Simplified, Traditional, Taiwan or Hong Kong characters,
    character by character (so mixed spellings match), then each of ``extra`` verbatim.

    Adds to ``variant_chars`` every character the patterns accept in place of the official one.
    """
    variants = [canonical] + [converter.convert(canonical) for converter in to_traditional]
    columns: list[set[str]] = [set() for _ in canonical]
    for variant in variants:
        if len(variant) == len(canonical):
            for column, char in zip(columns, variant, strict=True):
                column.add(char)
    for column, official in zip(columns, canonical, strict=True):
        variant_chars.update(column - {official})
    pattern = "".join(f"[{_char_class([ord(c) for c in column])}]" for column in columns)
    return [pattern, *(re.escape(spelling) for spelling in extra)]


@dataclass(frozen=True, slots=True)
class _Protected:
    pattern: re.Pattern[str]
    names: tuple[int, ...]
    first: list[int]
    canonical: tuple[str, ...]
    variant_chars: set[str]
    extra_spellings: set[str]


def _protected(characters: dict[int, int]) -> _Protected:
    entries: dict[str, list[str]] = {}
    for name in (PLACES_FILE, TERMS_FILE):
        for number, columns in read_rows(name):
            canonical, *extra = columns
            if (
                not _HAN_WORD.fullmatch(canonical)
                or canonical.translate(characters) != canonical
                or canonical in entries
            ):
                raise InputFileError(
                    f"nlp/data/{name} line {number}: the first column must be a new name in "
                    "Simplified Han characters; fix or remove the line"
                )
            entries[canonical] = extra
    to_traditional = [opencc.OpenCC(config) for config in ("s2t", "s2tw", "s2hk")]
    ordered = sorted(entries, key=lambda name: (-max(map(len, [name, *entries[name]])), name))
    variant_chars: set[str] = set()
    # One flat alternation, each spelling closed by an empty group naming its entry: a branch
    # that starts with a character (class) is skipped in one step by the regex engine, one that
    # starts with a group is entered. The order of the spellings, and so every match, is that of
    # one group per name around its spellings.
    branches: list[str] = []
    names = [-1]
    for index, name in enumerate(ordered):
        for spelling in _spellings(name, entries[name], to_traditional, variant_chars):
            branches.append(f"{spelling}()")
            names.append(index)
    pattern = re.compile("|".join(branches))
    first = {
        ord(spelling[0])
        for name in ordered
        for spelling in [name, *entries[name], *(c.convert(name) for c in to_traditional)]
    }
    extra_spellings = {s for name in ordered for s in entries[name] if s != name}
    return _Protected(
        pattern, tuple(names), sorted(first), tuple(ordered), variant_chars, extra_spellings
    )


@cache
def tables() -> ScriptTables:
    """Build the conversion tables (under a second, once per process)."""
    hong_kong, characters = _character_tables()
    protected = _protected(characters)
    may_convert = {*hong_kong, *characters, *map(ord, protected.variant_chars)}
    extra = sorted(protected.extra_spellings, key=lambda s: (-len(s), s))
    return ScriptTables(
        tw2sp=opencc.OpenCC("tw2sp"),
        hong_kong=hong_kong,
        hong_kong_char=_any_of(list(hong_kong)),
        characters=characters,
        traditional=_any_of([c for c in characters if c <= 0xFFFF]),
        traditional_astral=_any_of([c for c in characters if c > 0xFFFF]),
        protected=protected.pattern,
        protected_names=protected.names,
        protected_first=_any_of(protected.first),
        canonical=protected.canonical,
        may_convert=_any_of([c for c in may_convert if c <= 0xFFFF]),
        extra_spellings=tuple(extra),
        extra_spelling=re.compile("|".join(map(re.escape, extra)) if extra else "(?!)"),
    )


def _align(before: str, after: str) -> tuple[tuple[int, int], ...]:
    """Map each character of ``after`` to the span of ``before`` it replaced."""
    pairs: list[tuple[int, int]] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend((i1 + k, i1 + k + 1) for k in range(i2 - i1))
        elif tag in ("replace", "insert"):
            # Spread the output characters evenly over the replaced input; an insertion (width
            # 0) maps to the gap before i1.
            width, count = i2 - i1, j2 - j1
            for k in range(count):
                low = i1 + k * width // count
                high = i1 + -(-(k + 1) * width // count)
                pairs.append((low, max(high, low + 1) if width else low))
    return tuple(pairs)


def _tier(tables_: ScriptTables, text: str) -> int:
    astral = has_astral(text)
    traditional = len(tables_.traditional.findall(text))
    if astral:
        traditional += len(tables_.traditional_astral.findall(text))
    if not traditional:
        return 1
    # There are at most len(text) Han characters, so a text this Traditional is tier 3 without
    # counting them (most Traditional records are).
    if traditional >= TRADITIONAL_SHARE * len(text):
        return 3
    han = len((_NOT_HAN if astral else _NOT_HAN_BMP).sub("", text))
    return 3 if traditional >= TRADITIONAL_SHARE * han else 2


def _protected_matches(tables_: ScriptTables, text: str) -> list[re.Match[str]]:
    # The alternation of every name cannot skip ahead by itself; try it only where a name can
    # start.
    matches = []
    position = 0
    while candidate := tables_.protected_first.search(text, position):
        match = tables_.protected.match(text, candidate.start())
        if match:
            matches.append(match)
            position = match.end()
        else:
            position = candidate.start() + 1
    return matches


def script_edits(text: str) -> list[Edit]:
    """Edits converting Traditional to Simplified and writing protected names canonically."""
    tables_ = tables()
    mapped = text
    if tables_.hong_kong_char.search(text):
        mapped = text.translate(tables_.hong_kong)
    tier = _tier(tables_, mapped)
    edits: list[Edit] = []
    position = 0
    for match in _protected_matches(tables_, mapped):
        edits.extend(_convert(tables_, text, mapped, position, match.start(), tier))
        canonical = tables_.canonical[tables_.protected_names[match.lastindex or 0]]
        if text[match.start() : match.end()] != canonical:
            align = SAME if len(canonical) == match.end() - match.start() else SPAN
            edits.append(Edit(match.start(), match.end(), canonical, align))
        position = match.end()
    edits.extend(_convert(tables_, text, mapped, position, len(text), tier))
    return edits


def _convert(
    tables_: ScriptTables, text: str, mapped: str, start: int, end: int, tier: int
) -> list[Edit]:
    if start == end:
        return []
    segment = mapped[start:end]
    if tier == 1:
        converted = segment
    elif tier == 2:
        converted = _map_characters(tables_, segment)
    else:
        converted = _map_characters(tables_, tables_.tw2sp.convert(segment))
    if converted == text[start:end]:
        return []
    if len(converted) == end - start:
        return [Edit(start, end, converted, SAME)]
    return [Edit(start, end, converted, _align(segment.translate(tables_.characters), converted))]


def _map_characters(tables_: ScriptTables, text: str) -> str:
    """``text.translate(tables_.characters)``, quicker when few characters change.

    ``str.translate`` looks every character up in the dict; a regex pass that only stops at
    Traditional-only characters is several times faster when there are few or none (Simplified
    text, or what ``tw2sp`` left).
    """
    if has_astral(text):
        return text.translate(tables_.characters)
    characters = tables_.characters
    return tables_.traditional.sub(lambda m: chr(characters[ord(m.group())]), text)

"""Character-level clean-up steps: folding, dropping junk, markup, whitespace, punctuation runs.

Each step takes a text and returns the ``Edit``s it would make (see ``nlp._norm_edits``), so the
fast path and the offset-tracking path run the same rules.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import Final

from nlp._norm_edits import SAME, Edit, apply_edits


def _fold_table() -> dict[int, int]:
    table: dict[int, int] = {}
    for full, ascii_start, count in (
        (0xFF21, ord("A"), 26),
        (0xFF41, ord("a"), 26),
        (0xFF10, 48, 10),
    ):
        for offset in range(count):
            table[full + offset] = ascii_start + offset
    table[0x3000] = ord(" ")
    # CJK compatibility ideographs are duplicates of unified ones (NFC maps them); converters and
    # lexicons only know the unified form.
    for first, last in ((0xF900, 0xFAFF), (0x2F800, 0x2FA1F)):
        for code in range(first, last + 1):
            char = chr(code)
            unified = unicodedata.normalize("NFC", char)
            if unified != char and len(unified) == 1:
                table[code] = ord(unified)
    return table


FOLD: Final[dict[int, int]] = _fold_table()

# Characters mojibake and copy-paste leave behind: C0/C1 controls other than the whitespace the
# whitespace step handles, soft hyphen, zero-width and bidi controls, BOM, variation selectors,
# U+FFFD, noncharacters, private use (BMP and planes 15-16) and lone surrogates.
DROP_BMP: Final = (
    "\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\xad"
    "\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\ud800-\udfff\ue000-\uf8ff"
    "\ufe00-\ufe0f\ufeff\ufff9-\uffff"
)
"""Character-class body of the BMP characters ``drop_edits`` removes."""
_DROP_ASTRAL: Final = "\U000e0000-\U000e0fff\U000f0000-\U0010ffff"
# sre checks a class of BMP characters with a bitmap but walks a class holding astral ranges
# range by range, so the astral part is only used for texts that have astral characters.
_DROP: Final = re.compile(f"[{DROP_BMP}]+")
_DROP_ALL: Final = re.compile(f"[{DROP_BMP}{_DROP_ASTRAL}]+")
FOLDABLE_BMP: Final = "\u3000\uf900-\ufaff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
"""Character-class body of the BMP characters ``fold`` changes."""
_FOLDABLE: Final = re.compile(f"[{FOLDABLE_BMP}]")
_FOLDABLE_ASTRAL: Final = re.compile("[\U0002f800-\U0002fa1f]")


_ASTRAL: Final = re.compile("[\U00010000-\U0010ffff]")


def has_astral(text: str) -> bool:
    """Whether ``text`` holds a character outside the Basic Multilingual Plane."""
    return _ASTRAL.search(text) is not None


def fold(text: str) -> str:
    """Full-width ASCII letters/digits and U+3000 to ASCII, compatibility ideographs to unified."""
    if _FOLDABLE.search(text) or (has_astral(text) and _FOLDABLE_ASTRAL.search(text)):
        return text.translate(FOLD)
    return text


def drop_edits(text: str) -> list[Edit]:
    """Deletions of control, invisible, replacement and private-use characters."""
    pattern = _DROP_ALL if has_astral(text) else _DROP
    return [Edit(m.start(), m.end(), "") for m in pattern.finditer(text)]


def clean(text: str) -> str:
    """``fold`` then the deletions of ``drop_edits`` (for short replacement strings)."""
    return _DROP_ALL.sub("", text.translate(FOLD))


def fold_edit(text: str) -> list[Edit]:
    """The folding of ``fold`` as one length-preserving edit (empty when nothing folds)."""
    folded = fold(text)
    return [] if folded == text else [Edit(0, len(text), folded, SAME)]


# Named entities need their semicolon (html5 allows a few without, which would eat "&copyright");
# numeric ones may omit it; the commonest five are also accepted bare before a non-alphanumeric.
_ENTITY: Final = re.compile(
    r"&(?:#[0-9]{1,8};?|#[xX][0-9a-fA-F]{1,8};?|[A-Za-z][A-Za-z0-9]{1,31};"
    r"|(?:nbsp|amp|lt|gt|quot)(?![A-Za-z0-9]))"
)


# Tag names stripped as markup; everything else in angle brackets (<PHONE>, a<b) is text.
def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


_HTML_TAGS: Final = _names(
    "a abbr address article aside b bdi bdo big blockquote body br caption center cite code col "
    "colgroup dd del dfn div dl dt em font footer h1 h2 h3 h4 h5 h6 head header hr html i img "
    "input ins kbd label li link main mark meta nav nobr ol p pre q s samp section small span "
    "strike strong style sub sup table tbody td tfoot th thead time title tr tt u ul var wbr"
)
_BLOCK_TAGS: Final = _names(
    "address article blockquote body br div dl dt dd footer h1 h2 h3 h4 h5 h6 header hr html li "
    "main nav ol p pre section table tbody td tfoot th thead title tr ul"
)
_ATTRIBUTE: Final = r"""\s+[A-Za-z_:][-A-Za-z0-9_:.]*\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+)"""
_TAG: Final = re.compile(
    r"<!--.*?-->|<(/?)([A-Za-z][A-Za-z0-9]*(?::[A-Za-z][A-Za-z0-9]*)?)"
    rf"((?:{_ATTRIBUTE})*)\s*(/?)>",
    re.DOTALL,
)


@lru_cache(maxsize=4096)
def _entity_value(raw: str) -> str | None:
    """The cleaned text an entity stands for, or None for an unknown entity (kept as text)."""
    value = html.unescape(raw)
    return None if value == raw else clean(value)


def _entity_edits(text: str) -> list[Edit]:
    edits = []
    for match in _ENTITY.finditer(text):
        value = _entity_value(match.group())
        if value is not None:
            edits.append(Edit(match.start(), match.end(), value))
    return edits


def _tag_replacement(match: re.Match[str]) -> str | None:
    """What a tag match becomes, or None to keep it as text."""
    if match.group(2) is None:
        return ""
    closing, name, attributes, self_closing = match.groups()
    lowered = name.lower()
    if ":" not in name and lowered not in _HTML_TAGS:
        return None
    # An all-caps bare tag of three or more letters is a placeholder (<ADDRESS>, <TIME>), not
    # markup; old HTML's <BR>, <P>, <B> stay markup.
    if not (closing or attributes or self_closing) and name.isupper() and len(name) >= 3:
        return None
    return "\n" if lowered in _BLOCK_TAGS else ""


def _tag_edits(text: str) -> list[Edit]:
    edits = []
    for match in _TAG.finditer(text):
        replacement = _tag_replacement(match)
        if replacement is not None:
            edits.append(Edit(match.start(), match.end(), replacement))
    return edits


def markup_rounds(text: str) -> list[list[Edit]]:
    """Entity and tag edits, round after round until the text is stable.

    Unescaping can reveal more markup (``&amp;lt;br&gt;``) and removing a tag can join an entity,
    so one round is not enough for idempotence. Each round shortens the text, so this ends.

    Returns:
        The edit lists to apply in order; empty when the text has no markup.
    """
    rounds: list[list[Edit]] = []
    if "&" not in text and "<" not in text:
        return rounds
    while True:
        changed = False
        for step in (_entity_edits, _tag_edits):
            edits = step(text)
            if edits:
                rounds.append(edits)
                text = apply_edits(text, edits)
                changed = True
        if not changed:
            return rounds


_LINE_BREAKS: Final = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
_WHITESPACE: Final = re.compile(r"\s+")


def whitespace_edits(text: str) -> list[Edit]:
    """Collapse whitespace runs: to one newline if the run holds a line break, else one space.

    Runs at either end are removed.
    """
    edits = []
    size = len(text)
    for match in _WHITESPACE.finditer(text):
        start, end = match.span()
        run = match.group()
        if start == 0 or end == size:
            replacement = ""
        elif _LINE_BREAKS.isdisjoint(run):
            replacement = " "
        else:
            replacement = "\n"
        if run != replacement:
            edits.append(Edit(start, end, replacement))
    return edits


def collapse_whitespace(text: str) -> str:
    """Same result as applying ``whitespace_edits``, faster when the text has no line break."""
    if _LINE_BREAKS.isdisjoint(text):
        return " ".join(text.split())
    return apply_edits(text, whitespace_edits(text))


# Runs of one repeated mark collapse to one; three or more ellipsis characters become "……", the
# standard Chinese ellipsis ("…" and "……" stay). Mixed runs such as "？！" are emphasis and stay.
PUNCTUATION_MARKS: Final = "！？。，、；：～!?,;~"
"""Marks whose runs ``punctuation_edits`` collapses (besides the ellipsis)."""
_PUNCTUATION_RUN: Final = re.compile(f"([{PUNCTUATION_MARKS}])\\1+|…{{3,}}")


def punctuation_edits(text: str) -> list[Edit]:
    """Collapse runs of a repeated punctuation mark (``！！！`` -> ``！``, ``…………`` -> ``……``)."""
    edits = []
    for match in _PUNCTUATION_RUN.finditer(text):
        mark = match.group(1)
        edits.append(Edit(match.start(), match.end(), mark if mark else "……"))
    return edits

"""Removal of pinyin that broken converters insert after characters: ``發(fā)生`` -> ``發生``.

A bracket is pinyin only when it directly follows a Han character and holds one valid syllable in
lower case, with at most one tone mark or a tone digit 1-5: ``(fā)``, ``（jiū）``, ``(fa1)``,
``(fa)``. ``(A)``, ``(男,45岁)``, ``（2019）`` and ``(报警人)`` are ordinary text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Final

from nlp._norm_data import read_rows
from nlp._norm_edits import Edit
from nlp.errors import InputFileError

HAN: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
"""Han characters (CJK unified ideographs, extensions A-G, compatibility), for character classes."""

SYLLABLES_FILE: Final = "norm_pinyin_syllables.txt"

_LETTERS: Final = "a-zàáèéêìíòóùúüāēěīńňōūǎǐǒǔǖǘǚǜǹḿếề\u0300-\u036f"
_BRACKET: Final = rf"[(（][{_LETTERS}]{{1,7}}[1-5]?[)）]"
# Starts with the bracket (not a lookbehind) so sre can skip quickly to brackets; the lookbehind
# then checks the character before it.
CANDIDATE_SOURCE: Final = rf"[(（](?<=[{HAN}][(（])[{_LETTERS}]{{1,7}}[1-5]?[)）](?:{_BRACKET})*"
"""Regex source of a run of brackets after a Han character that may be pinyin."""
_CANDIDATES: Final = re.compile(CANDIDATE_SOURCE)
_ONE_BRACKET: Final = re.compile(_BRACKET)
_TONE_MARKS: Final = frozenset("\u0300\u0301\u0304\u030c")
_DELETE_TONES: Final = {ord(mark): None for mark in _TONE_MARKS}
_PLAIN: Final = re.compile(r"[a-z]+")


@cache
def syllables() -> dict[str, bool]:
    """Toneless syllables (ü as ``v``) mapped to whether they need a tone to count as pinyin.

    Raises:
        InputFileError: the data file has a malformed line.
    """
    table: dict[str, bool] = {}
    for number, columns in read_rows(SYLLABLES_FILE):
        flag = columns[1] if len(columns) > 1 else ""
        if len(columns) > 2 or not _PLAIN.fullmatch(columns[0]) or flag not in ("", "tone"):
            raise InputFileError(
                f"nlp/data/{SYLLABLES_FILE} line {number}: expected a lower-case syllable and "
                "an optional 'tone' column; fix the line"
            )
        table[columns[0]] = flag == "tone"
    return table


@lru_cache(maxsize=4096)
def is_pinyin(body: str) -> bool:
    """Whether ``body`` (a bracket's content) is one pinyin syllable, toned or not."""
    if not body:
        return False
    digit = body[-1] in "12345"
    letters = unicodedata.normalize("NFD", body[:-1] if digit else body)
    tones = sum(1 for char in letters if char in _TONE_MARKS)
    if tones > 1 or (tones and digit):
        return False
    base = letters.translate(_DELETE_TONES).replace("u\u0308", "v").replace("e\u0302", "e")
    needs_tone = syllables().get(base)
    if needs_tone is None:
        return False
    return not needs_tone or bool(tones) or digit


def may_hold_pinyin(text: str) -> bool:
    """False when ``pinyin_edits(text)`` is certainly empty: no bracket follows a Han character."""
    return ("(" in text or "（" in text) and _CANDIDATES.search(text) is not None


def pinyin_edits(text: str) -> list[Edit]:
    """Deletions of the pinyin brackets that follow Han characters.

    Of a run of brackets after one character, the leading valid ones go: ``發(fā)(fā)`` loses both,
    ``發(fā)(ab)`` keeps ``(ab)``, which then follows a Han character and is judged the same way
    on a second pass (and kept again).
    """
    edits: list[Edit] = []
    if "(" not in text and "（" not in text:
        return edits
    for run in _CANDIDATES.finditer(text):
        end = run.start()
        for bracket in _ONE_BRACKET.finditer(run.group()):
            if not is_pinyin(bracket.group()[1:-1]):
                break
            end = run.start() + bracket.end()
        if end > run.start():
            edits.append(Edit(run.start(), end, ""))
    return edits

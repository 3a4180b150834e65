"""A cheap proof that normalisation leaves a text exactly as it is.

Most records are already clean Simplified text, and running every step with its offset
bookkeeping only to change nothing costs far more than checking that nothing would change. Each
test below is a necessary condition for one step to edit the text, so when none holds, every step
returns no edits and the text maps to itself character by character:

- fold, drop, markup, odd whitespace, script: one character class covering every character those
  steps act on (full-width forms, compatibility ideographs, control and invisible characters,
  ``&`` and ``<``, whitespace other than a space or a line break, Traditional-only and Hong Kong
  variant characters, non-official characters of protected names);
- whitespace: no run of two spaces or line breaks, none at either end;
- pinyin: no bracket following a Han character (``nlp._norm_pinyin``'s own candidate pattern);
- punctuation: no mark doubled, no ``………``;
- protected names: none of their extra spellings;
- anything outside the BMP: not judged here (the full steps run).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from nlp._norm_chars import DROP_BMP, FOLDABLE_BMP, PUNCTUATION_MARKS, has_astral
from nlp._norm_pinyin import may_hold_pinyin
from nlp._norm_script import tables

_MARKUP: Final = "&<"
_KEPT_WHITESPACE: Final = " \n"
_WHITESPACE_RUN: Final = re.compile("[ \n][ \n]")
# A run of one mark starts where the mark is doubled.
_DOUBLED_MARK: Final = re.compile(f"([{PUNCTUATION_MARKS}])\\1")
_LONG_ELLIPSIS: Final = "………"


@cache
def _other_whitespace() -> str:
    """Every BMP character ``\\s`` matches, except a space and a line break."""
    return "".join(
        chr(code)
        for code in range(0x10000)
        if chr(code).isspace() and chr(code) not in _KEPT_WHITESPACE
    )


def _class_body(pattern: re.Pattern[str]) -> str:
    source = pattern.pattern
    if not (source.startswith("[") and source.endswith("]")):
        raise RuntimeError("script tables changed shape; update nlp._norm_fast")
    return source[1:-1]


@cache
def _character_steps_act_on() -> re.Pattern[str]:
    """One character class of everything the fold, drop and markup steps act on, and of the
    whitespace the whitespace step always rewrites."""
    return re.compile(
        f"[{FOLDABLE_BMP}{DROP_BMP}{re.escape(_MARKUP)}{re.escape(_other_whitespace())}]"
    )


@cache
def _all_steps_act_on() -> re.Pattern[str]:
    """``_character_steps_act_on`` plus the characters that make the script step act."""
    body = _class_body(_character_steps_act_on())
    return re.compile(f"[{body}{_class_body(tables().may_convert)}]")


def _character_steps_idle(text: str, acted_on: re.Pattern[str]) -> bool:
    return not (
        text[0] in _KEPT_WHITESPACE
        or text[-1] in _KEPT_WHITESPACE
        or has_astral(text)
        or acted_on.search(text) is not None
        or _WHITESPACE_RUN.search(text) is not None
        or _DOUBLED_MARK.search(text) is not None
        or _LONG_ELLIPSIS in text
        or may_hold_pinyin(text)
    )


def is_plain(text: str) -> bool:
    """True when every normalisation step would leave ``text`` unchanged.

    A False may be wrong (the full steps then run and find nothing to do); a True never is.
    """
    if not text:
        return True
    return (
        _character_steps_idle(text, _all_steps_act_on())
        and tables().extra_spelling.search(text) is None
    )


def only_script_acts(text: str) -> bool:
    """True when every step before the script conversion would leave ``text`` unchanged.

    Like ``is_plain``, a False may be wrong and a True never is.
    """
    return not text or _character_steps_idle(text, _character_steps_act_on())

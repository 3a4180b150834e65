"""A cheap proof that normalisation leaves a text exactly as it is, or that only the script does.

Most records are already clean Simplified text, and running every step with its offset
bookkeeping only to change nothing costs far more than checking that nothing would change. Each
condition below is necessary for its step to edit the text, so when none holds the step returns
no edits, the text goes on unchanged and maps to itself character by character:

- fold, drop, markup: a character those steps act on (full-width forms, compatibility
  ideographs, control and invisible characters, ``&``, ``<``);
- whitespace: whitespace other than a space or a line break, two in a row, or any at either end;
- pinyin: a bracket after a Han character (``nlp._norm_pinyin``'s own candidate pattern);
- punctuation: a mark doubled, or ``………``;
- anything outside the BMP (only judged by the full steps);
- script: a character that makes ``script_edits`` act (``ScriptTables.may_convert``), or an
  extra spelling of a protected name.

All conditions of the first six steps are one regex search, and the script's another. Each is
written ``[F](?<=(?=(?:conditions))[F])``, ``F`` being every character a condition can start
with: the regex engine then skips to the next such character with a table look-up instead of
trying every condition at every position (see ``nlp._cue_scan.scanner_source``).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

from nlp._norm_chars import DROP_BMP, FOLDABLE_BMP, PUNCTUATION_MARKS
from nlp._norm_pinyin import CANDIDATE_SOURCE
from nlp._norm_script import tables

_KEPT_WHITESPACE: Final = " \n"
_ASTRAL: Final = "\U00010000-\U0010ffff"
_LONG_ELLIPSIS: Final = "………"


@cache
def _other_whitespace() -> str:
    """Every BMP character ``\\s`` matches, except a space and a line break."""
    return "".join(
        chr(code)
        for code in range(0x10000)
        if chr(code).isspace() and chr(code) not in _KEPT_WHITESPACE
    )


def _skipping(first: str, conditions: list[str]) -> re.Pattern[str]:
    """Finds where one of ``conditions`` matches; each starts with a character of ``first``."""
    return re.compile(f"[{first}](?<=(?=(?:{'|'.join(conditions)}))[{first}])")


@cache
def _character_steps() -> re.Pattern[str]:
    """Finds something in every text that a step before the script step would change."""
    acted_on = f"{FOLDABLE_BMP}{DROP_BMP}&<{re.escape(_other_whitespace())}{_ASTRAL}"
    # A doubled mark is written out: a back-reference cannot sit inside a look-behind.
    doubled = [re.escape(mark * 2) for mark in PUNCTUATION_MARKS]
    first = f"{acted_on}{re.escape(_KEPT_WHITESPACE + PUNCTUATION_MARKS)}…(（"
    return _skipping(
        first,
        [f"[{acted_on}]", "[ \n][ \n]", *doubled, _LONG_ELLIPSIS, CANDIDATE_SOURCE],
    )


@cache
def _script_step() -> re.Pattern[str]:
    """Finds something in every BMP text that ``script_edits`` would change."""
    tables_ = tables()
    source = tables_.may_convert.pattern
    if not (source.startswith("[") and source.endswith("]")):
        raise RuntimeError("ScriptTables.may_convert changed shape; update nlp._norm_fast")
    extra = tables_.extra_spelling.pattern
    first = source[1:-1] + "".join(re.escape(s[0]) for s in tables_.extra_spellings)
    return _skipping(first, [source, extra])


def prepare() -> None:
    """Compile both searches now rather than on the first record."""
    _character_steps()
    _script_step()


def character_steps_idle(text: str) -> bool:
    """True when every step before the script conversion would leave ``text`` unchanged.

    A False may be wrong (the full steps then run and find nothing to do); a True never is. A
    True also means that ``text`` lies in the BMP.
    """
    return not text or (
        text[0] not in _KEPT_WHITESPACE
        and text[-1] not in _KEPT_WHITESPACE
        and _character_steps().search(text) is None
    )


def script_step_idle(text: str) -> bool:
    """True when ``script_edits(text)`` would be empty, for a ``text`` that lies in the BMP.

    Like ``character_steps_idle``, a False may be wrong and a True never is.
    """
    return _script_step().search(text) is None

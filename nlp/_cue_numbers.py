"""Reading numbers written with ASCII digits, Chinese numerals or a mix of both.

The cue extractor finds a number with ``NUMBER_PATTERN`` and reads it with ``parse_number``. Vague
quantities get a fixed reading so that features stay comparable across records; the same
conventions are written out in ``nlp/data/cues.json`` (``conventions``):

=====================  =====================================================  ==============
written                reading                                                example
=====================  =====================================================  ==============
几 / 数 + unit          3 of that unit                                         几十 → 30
unit + 几 (the ones)    half of the next smaller unit                          十几 → 15
上 + unit               1 of that unit ("reaching")                            上百 → 100
多 / 余 / 来            ignored: the lower bound                               一百多 → 100
two adjacent digits    their mean                                             二三十 → 25
trailing digit         one unit below the last unit                           一万二 → 12000
好几 / 几 alone         3                                                      好几 → 3
=====================  =====================================================  ==============
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Final

_DIGITS: Final = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_SMALL_UNITS: Final = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS: Final = {"万": 10_000, "亿": 100_000_000}
_VAGUE_DIGITS: Final = ("好几", "几", "数")
_LOWER_BOUND_MARKS: Final = frozenset("多余来")
_VAGUE_MULTIPLIER: Final = 3.0
_VAGUE_ONES_SHARE: Final = 0.5

_ASCII_NUMBER: Final = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?"
_CN_DIGIT: Final = "零〇一二两三四五六七八九"
_UNITS: Final = "十百千万亿"

_NUMERAL_CHARS: Final = _CN_DIGIT + _UNITS + "几"
_MAX_NUMBER_CHARS: Final = 20

_ASCII_START: Final = r"(?<![0-9.,A-Za-z])"
_NUMERAL_START: Final = r"(?<![" + _NUMERAL_CHARS + r"])"

# Each branch may only start where no number of its own script runs on from the left, so a long
# run of digits is read once from its start, not once per position (which is quadratic).
NUMBER_PATTERN: Final = (
    r"(?:" + _ASCII_START + _ASCII_NUMBER + r"|" + _NUMERAL_START + r""
    r"(?:[" + _CN_DIGIT + r"十]|上(?=[百千万])|好几|几|数(?=[十百千万次名人户])))"
    r"(?:[0-9" + _NUMERAL_CHARS + r"]|[多余](?=[" + _UNITS + r"]))"
    r"{0," + str(_MAX_NUMBER_CHARS) + r"}"
    r"(?:[多余]|来(?=[个名位人户块元]))?"
)
"""Regex source (no groups) for one written number; ``parse_number`` reads what it matches."""

NUMBER_START: Final = (
    r"(?:" + _ASCII_START + r"(?=[0-9])|" + _NUMERAL_START + r"(?=[" + _CN_DIGIT + r"十上好几数]))"
)
"""Zero-width: true wherever ``NUMBER_PATTERN`` could begin a match (a cheap necessary test)."""

NUMBER_REACH: Final = 64
"""How far, in characters, the look-ahead in front of a number looks for what must follow it; an
entry with such a guard does not read a longer number (no real record states one)."""


def parse_number(text: str) -> float | None:
    """Read a number such as ``"3"``, ``"1.5万"``, ``"十几"``, ``"二三十"`` or ``"20余万"``.

    Args:
        text: the number alone, as matched by ``NUMBER_PATTERN``; no unit of measure.

    Returns:
        The value (vague forms read by the module's conventions), or None when ``text`` is not a
        number this module can read (empty, two decimal points, a unit with nothing before it).
    """
    return _read(text)


# Records repeat the same few numbers (years, small counts); the reading is a pure function.
@lru_cache(maxsize=4096)
def _read(text: str) -> float | None:
    parser = _Parser(text.replace(",", ""))
    try:
        value = parser.run()
    except _NotANumber:
        return None
    if value is None or not math.isfinite(value):
        return None
    return value


class _NotANumber(Exception):
    pass


class _Parser:
    """Left-to-right reader: completed 万/亿 groups, the current group, and a pending digit."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.total = 0.0
        self.group = 0.0
        self.pending: float | None = None
        self.pending_scaled = False
        self.last_unit: int | None = None
        self.after_zero = False
        self.seen = False

    def run(self) -> float | None:
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char.isascii() and (char.isdigit() or char == "."):
                self._ascii_run()
            elif char in _DIGITS:
                self._digit_run()
            elif self.text.startswith(_VAGUE_DIGITS, self.pos):
                self._vague()
            elif char == "上":
                self._reaching()
            elif char in _SMALL_UNITS:
                self._small_unit(_SMALL_UNITS[char])
            elif char in _BIG_UNITS:
                self._big_unit(_BIG_UNITS[char])
            elif char in _LOWER_BOUND_MARKS and self.seen:
                self.pos += 1
            else:
                raise _NotANumber
        if not self.seen:
            return None
        return self.total + self.group + self._pending_value()

    def _set_pending(self, value: float, *, scaled: bool = False) -> None:
        if self.pending is not None:
            raise _NotANumber
        self.pending = value
        self.pending_scaled = scaled
        self.seen = True

    def _ascii_run(self) -> None:
        start = self.pos
        while self.pos < len(self.text) and (
            self.text[self.pos].isascii()
            and (self.text[self.pos].isdigit() or self.text[self.pos] == ".")
        ):
            self.pos += 1
        run = self.text[start : self.pos]
        if run.count(".") > 1 or run.startswith(".") or run.endswith("."):
            raise _NotANumber
        self._set_pending(float(run))

    def _digit_run(self) -> None:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _DIGITS:
            self.pos += 1
        digits = [_DIGITS[c] for c in self.text[start : self.pos]]
        self.seen = True
        if self.last_unit is not None and digits[0] == 0:
            # 一百零五: a zero after a unit only says that the next smaller units are empty.
            self.after_zero = True
            digits = digits[1:]
        if not digits:
            return
        if len(digits) == 1:
            self._set_pending(float(digits[0]))
        elif len(digits) == 2 and 0 < digits[0] < digits[1]:
            self._set_pending((digits[0] + digits[1]) / 2)
        else:
            self._set_pending(float("".join(str(d) for d in digits)))

    def _vague(self) -> None:
        self.pos += 2 if self.text.startswith("好几", self.pos) else 1
        next_char = self.text[self.pos] if self.pos < len(self.text) else ""
        if next_char in _SMALL_UNITS or self.last_unit is None or self.after_zero:
            self._set_pending(_VAGUE_MULTIPLIER)
        else:
            # 十几, 二十几万: the vague digit fills the ones place of the last unit.
            self._set_pending(_VAGUE_ONES_SHARE * self.last_unit, scaled=True)

    def _reaching(self) -> None:
        self.pos += 1
        if self.pos >= len(self.text) or (
            self.text[self.pos] not in _SMALL_UNITS and self.text[self.pos] not in _BIG_UNITS
        ):
            raise _NotANumber
        self._set_pending(1.0)

    def _small_unit(self, unit: int) -> None:
        self.pos += 1
        multiplier = 1.0 if self.pending is None else self.pending
        if self.pending_scaled:
            raise _NotANumber
        self.group += multiplier * unit
        self.pending = None
        self.last_unit = unit
        self.after_zero = False
        self.seen = True

    def _big_unit(self, unit: int) -> None:
        self.pos += 1
        group = self.group + self._pending_value()
        if group == 0:
            raise _NotANumber
        if unit > _BIG_UNITS["万"]:
            self.total = (self.total + group) * unit
        else:
            self.total += group * unit
        self.group = 0.0
        self.pending = None
        self.pending_scaled = False
        self.last_unit = unit
        self.after_zero = False

    def _pending_value(self) -> float:
        if self.pending is None:
            return 0.0
        if self.pending_scaled or self.last_unit is None or self.after_zero:
            return self.pending
        # 一万二 is 12000 and 三千五 is 3500: a trailing digit counts in the next smaller unit.
        return self.pending * self.last_unit / 10

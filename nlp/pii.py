"""Mask personal data in normalised text: phone numbers, ID numbers, bank cards, licence plates.

Covered forms (digits are ASCII after ``nlp.normalize``; ``*``/``＊`` count as masked digits):

- ``phone``: mainland mobiles ``13512345678``, ``135 1234 5678``, ``135-1234-5678``,
  ``+86 13512345678``, ``135****8820``, and read out in Chinese digits (``一三九一二三四五六七八``,
  ``幺三九…`` with 幺 for 1, 〇/零 for 0, also mixed with ASCII digits); landlines
  ``0431-88881234``, ``(0431)88881234``, ``010-12345678``, with an optional extension (``-123``,
  ``转123``);
- ``id_number``: 18-digit resident ID numbers (birth date checked, last character a digit or X),
  15-digit old ones (YYMMDD), and masked ones (``220122********1234``);
- ``bank_card``: 16-19 digits, plain or grouped in fours (``6222 0212 3456 7890``), or masked;
- ``plate``: ``吉A·12345``, ``吉A12345``, ``京AD12345`` (new energy), ``粤B 8K9L2``, ``吉A1234学``,
  also written back to back (``京A12345京B67890``: two plates).

Amounts (``12000元``, ``3万元``), years and dates (``2019年``, ``2023-05-01``), times, counts
(``200余名``), house numbers (``3栋502``) and ordinary Chinese numbers (``三十一``, ``一二三四``,
``二〇二三年``: a run of Chinese digits touching 十/百/千/两 is a number, not a phone) are left
alone. Where matches overlap, the longest
wins, then the more specific kind (ID before bank card before phone before plate): an 18-digit ID
number is never also a bank card or a phone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from nlp._cue_scan import scan
from nlp._pii_patterns import patterns, prefilter

__all__ = ["PLACEHOLDERS", "MaskedText", "PiiSpan", "mask_pii"]

PLACEHOLDERS: Final[Mapping[str, str]] = MappingProxyType(
    {"phone": "<PHONE>", "id_number": "<ID>", "bank_card": "<BANKCARD>", "plate": "<PLATE>"}
)
"""Placeholder written in place of each kind of personal data."""


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One piece of personal data found in the input."""

    kind: str
    """One of the keys of ``PLACEHOLDERS``."""
    start: int
    end: int
    """``[start, end)`` offsets into the input text."""


@dataclass(frozen=True, slots=True)
class MaskedText:
    """The input with each span replaced by its placeholder."""

    text: str
    spans: tuple[PiiSpan, ...]
    """Sorted by ``start``, non-overlapping, in input offsets."""


def find_pii(text: str) -> tuple[PiiSpan, ...]:
    """Find personal data in ``text`` without masking it.

    Args:
        text: normalised text (ASCII digits).

    Returns:
        Non-overlapping spans sorted by start.

    Raises:
        TypeError: ``text`` is not a str.
    """
    if not isinstance(text, str):
        raise TypeError(f"find_pii expects str, got {type(text).__name__}")
    if prefilter().search(text) is None:
        return ()
    candidates: list[tuple[int, int, int, str]] = []
    for pattern in patterns():
        for start, end, _ in scan(pattern.regex, pattern.scanner, text):
            if pattern.min_digits and (
                sum(c.isascii() and c.isdigit() for c in text[start:end]) < pattern.min_digits
            ):
                continue
            candidates.append((start - end, pattern.priority, start, pattern.kind))
    if not candidates:
        return ()
    candidates.sort()
    taken: list[PiiSpan] = []
    for negative_length, _, start, kind in candidates:
        end = start - negative_length
        if all(end <= span.start or start >= span.end for span in taken):
            taken.append(PiiSpan(kind, start, end))
    return tuple(sorted(taken, key=lambda span: span.start))


def mask_pii(text: str) -> MaskedText:
    """Replace phone numbers, ID numbers, bank card numbers and licence plates by placeholders.

    Args:
        text: normalised text (ASCII digits), e.g. ``nlp.normalize.normalize(raw)``.

    Returns:
        ``MaskedText`` with the masked text and the spans found, in input offsets.

    Raises:
        TypeError: ``text`` is not a str.
    """
    spans = find_pii(text)
    if not spans:
        return MaskedText(text, ())
    parts: list[str] = []
    position = 0
    for span in spans:
        parts.append(text[position : span.start])
        parts.append(PLACEHOLDERS[span.kind])
        position = span.end
    parts.append(text[position:])
    return MaskedText("".join(parts), spans)

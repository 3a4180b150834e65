"""Normalise free-text police records (Simplified or Traditional, often damaged) to Simplified.

Steps, in this order (the order makes the result idempotent and keeps offsets exact):

1. fold full-width ASCII letters/digits and U+3000 to ASCII, compatibility ideographs to unified
   ones (Chinese full-width punctuation such as ，。！？：；（） stays);
2. drop control characters, zero-width and bidi marks, BOMs, U+FFFD, private-use characters and
   lone surrogates (what mojibake leaves behind);
3. unescape HTML entities (``&nbsp;`` ``&amp;`` ``&#20320;``) and strip HTML tags (``<br>``,
   ``<p class=x>``, ``</span>``), repeated until stable; block tags become a line break.
   ``<PHONE>``-style placeholders, unknown tags and ``a<b`` stay as text;
4. collapse whitespace: a run holding a line break becomes one ``\\n`` (lines are kept, so
   sentence-like breaks survive), any other run one space; both ends are stripped;
5. remove pinyin inserted after Han characters: ``發(fā)生糾(jiū)紛(fēn)`` -> ``發生糾紛``;
6. collapse runs of one punctuation mark (``！！！`` -> ``！``, ``。。。`` -> ``。``); ``…`` and
   ``……`` stay, longer runs of ``…`` become ``……``;
7. convert Traditional (Taiwan, Hong Kong) to Simplified with OpenCC and write protected place names
   in their official form; Simplified text passes unchanged (see ``nlp._norm_script``).

``normalize`` and ``normalize_with_offsets`` run the same steps; the first skips the offset
bookkeeping. Both first check cheaply whether any step could change the text
(``nlp._norm_fast``): most records are clean Simplified text, which then maps to itself without
running the steps, and a clean Traditional record runs only the script step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from nlp._norm_chars import (
    collapse_whitespace,
    drop_edits,
    fold,
    fold_edit,
    markup_rounds,
    punctuation_edits,
    whitespace_edits,
)
from nlp._norm_edits import Tracked, apply_edits, identity
from nlp._norm_fast import character_steps_idle, prepare, script_step_idle
from nlp._norm_pinyin import pinyin_edits
from nlp._norm_script import script_edits, tables

__all__ = ["NORMALIZER", "NormalizedText", "normalize", "normalize_with_offsets", "warm_up"]

NORMALIZER: Final = "normalize.zh.v1"
"""Stable name of this behaviour, for model manifests; a change of output gets a new version."""


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalised text and the map back to the text as given."""

    source: str
    """The text as given."""
    text: str
    """The normalised text."""
    offsets: tuple[int, ...]
    """``len(text) + 1`` entries: ``offsets[i]`` is where in ``source`` character ``i`` of ``text``
    came from; ``offsets[len(text)] == len(source)``."""
    ends: tuple[int, ...] = field(default=(), repr=False)
    """``len(text)`` entries: where in ``source`` the piece that became character ``i`` ends (an
    entity, a whitespace run). Empty means unknown: spans then end at the next offset."""

    def __post_init__(self) -> None:
        if len(self.offsets) != len(self.text) + 1 or self.offsets[-1] != len(self.source):
            raise ValueError("offsets must have len(text) + 1 entries ending at len(source)")
        if self.ends and len(self.ends) != len(self.text):
            raise ValueError("ends must be empty or have len(text) entries")

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of ``text`` to the covering span of ``source``.

        The span covers every source character that produced the selected characters (a whole
        ``&amp;``, a Traditional phrase that became a shorter Simplified one) and the pinyin or
        tags dropped between them, but not what was dropped after the last one.

        Args:
            start: first character of the span in ``text``.
            end: one past the last character; ``start == end`` maps to an empty span.

        Returns:
            ``(source_start, source_end)`` with ``0 <= source_start <= source_end <= len(source)``.

        Raises:
            ValueError: not ``0 <= start <= end <= len(text)``.
        """
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(
                f"span [{start}, {end}) is outside the normalised text of length {len(self.text)}"
            )
        begin = self.offsets[start]
        if start == end:
            return begin, begin
        finish = self.ends[end - 1] if self.ends else self.offsets[end]
        return begin, max(begin, finish)


def _check(text: object) -> None:
    if not isinstance(text, str):
        raise TypeError(f"normalize expects str, got {type(text).__name__}")


def normalize(text: str) -> str:
    """Normalise one record's text (same result as ``normalize_with_offsets(text).text``).

    Args:
        text: the record as typed, in Simplified or Traditional Chinese.

    Returns:
        The normalised Simplified text; ``normalize(normalize(x)) == normalize(x)``.

    Raises:
        TypeError: ``text`` is not a str.
    """
    _check(text)
    if character_steps_idle(text):
        return text if script_step_idle(text) else apply_edits(text, script_edits(text))
    return _all_steps(text)


def normalize_with_offsets(text: str) -> NormalizedText:
    """Normalise one record's text and keep the map from each output character to the source.

    Args:
        text: the record as typed, in Simplified or Traditional Chinese.

    Returns:
        ``NormalizedText`` whose ``source_span`` maps spans of the normalised text back.

    Raises:
        TypeError: ``text`` is not a str.
    """
    _check(text)
    if character_steps_idle(text):
        if script_step_idle(text):
            size = len(text)
            return NormalizedText(
                source=text, text=text, offsets=identity(0, size + 1), ends=identity(1, size + 1)
            )
        return _result(text, Tracked.of(text).apply(script_edits(text)))
    return _all_steps_with_offsets(text)


def _all_steps(text: str) -> str:
    """``normalize`` without the shortcut: every step, in order."""
    text = apply_edits(fold(text), drop_edits(text))
    for edits in markup_rounds(text):
        text = apply_edits(text, edits)
    text = collapse_whitespace(text)
    text = apply_edits(text, pinyin_edits(text))
    text = apply_edits(text, punctuation_edits(text))
    return apply_edits(text, script_edits(text))


def _all_steps_with_offsets(text: str) -> NormalizedText:
    """``normalize_with_offsets`` without the shortcut: every step, in order."""
    tracked = Tracked.of(text).apply(fold_edit(text))
    tracked = tracked.apply(drop_edits(tracked.text))
    for edits in markup_rounds(tracked.text):
        tracked = tracked.apply(edits)
    for step in (whitespace_edits, pinyin_edits, punctuation_edits, script_edits):
        tracked = tracked.apply(step(tracked.text))
    return _result(text, tracked)


def _result(source: str, tracked: Tracked) -> NormalizedText:
    return NormalizedText(
        source=source,
        text=tracked.text,
        offsets=(*tracked.starts, len(source)),
        ends=tuple(tracked.ends),
    )


def warm_up() -> None:
    """Build the conversion tables now (about half a second) rather than on the first record."""
    tables()
    prepare()

"""Negation and tense of one trigger, read from the few characters around it.

Both look only backwards from the trigger, over a short gap of "light" characters (pronouns,
再, 也, ...) listed in the lexicon, so a negator or marker never reaches across a clause or a
content word: "调解未果后动手" is not negated by the 未 of 未果. The negator and marker positions
of a text are found once, on first need, and shared by every trigger in it.
"""

from __future__ import annotations

from bisect import bisect_left

from nlp._cue_lexicon import Entry, KindRules, Lexicon, Tense
from nlp._cue_scan import scan


class TextContext:
    """Negator and tense-marker positions of one text, computed lazily."""

    __slots__ = ("_lexicon", "_marker_ends", "_markers", "_negator_starts", "_negators", "text")

    def __init__(self, text: str, lexicon: Lexicon) -> None:
        self.text = text
        self._lexicon = lexicon
        self._negators: list[tuple[int, int]] = []
        self._negator_starts: list[int] | None = None
        self._markers: list[tuple[int, Tense]] = []
        self._marker_ends: list[int] | None = None

    def negated(self, start: int) -> bool:
        """True when a negator stands just before the trigger starting at ``start``.

        A negator counts when it ends at most ``max_gap`` light characters before the trigger, or
        when it starts before the trigger and runs into it (不会 + 会打他). A negator that starts
        where the trigger starts is part of the phrase (不想活了, 别打了) and does not count.
        """
        lexicon = self._lexicon
        if self._negator_starts is None:
            self._negators = [
                (s, e) for s, e, _ in scan(lexicon.negators, lexicon.negator_scanner, self.text)
            ]
            self._negator_starts = [s for s, _ in self._negators]
        # Negators do not overlap, so walking back from the last one that starts before the
        # trigger, their ends only fall further away.
        for index in range(bisect_left(self._negator_starts, start) - 1, -1, -1):
            neg_end = self._negators[index][1]
            if neg_end > start:
                return True
            if start - neg_end > lexicon.negation_max_gap:
                break
            if self._light_gap(neg_end, start, lexicon.negation_gap, lexicon.negation_max_gap):
                return True
        return False

    def tense(self, rules: KindRules, entry: Entry, start: int, end: int) -> Tense:
        """The tense of the trigger ``[start, end)`` of a kind.

        Order: the kind's mode (off gives "none", fixed gives its default); then the nearest
        marker before the trigger (扬言/要, 正在/拿着, 已经/被); then the entry's own tense; then,
        where the kind allows, 着/了 inside the phrase or just after it; then the kind's default.
        """
        if rules.tense_mode == "off":
            return "none"
        if rules.tense_mode == "fixed":
            return rules.default_tense
        before = self._marker_before(start)
        if before is not None:
            return before
        if entry.tense is not None:
            return entry.tense
        if rules.internal_markers:
            lexicon = self._lexicon
            if lexicon.internal_ongoing.search(self.text, start, end):
                return "ongoing"
            if lexicon.internal_past.search(self.text, start, end):
                return "past"
            if lexicon.after_ongoing.match(self.text, end):
                return "ongoing"
            if lexicon.after_past.match(self.text, end):
                return "past"
        return rules.default_tense

    def _marker_before(self, start: int) -> Tense | None:
        lexicon = self._lexicon
        if self._marker_ends is None:
            tenses = lexicon.marker_tenses
            self._markers = [
                (end, tenses[group or ""])
                for _, end, group in scan(lexicon.markers, lexicon.marker_scanner, self.text)
            ]
            self._marker_ends = [e for e, _ in self._markers]
        # The nearest marker wins: walk back from the last one that ends by the trigger.
        for index in range(bisect_left(self._marker_ends, start + 1) - 1, -1, -1):
            marker_end, tense = self._markers[index]
            if start - marker_end > lexicon.tense_max_gap:
                break
            if self._light_gap(marker_end, start, lexicon.tense_gap, lexicon.tense_max_gap):
                return tense
        return None

    def _light_gap(self, gap_start: int, gap_end: int, light: frozenset[str], max_gap: int) -> bool:
        if gap_end - gap_start > max_gap:
            return False
        return all(char in light for char in self.text[gap_start:gap_end])

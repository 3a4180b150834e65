"""Edits to a text and the bookkeeping that maps every output character back to the source.

A step describes its changes as a sorted list of non-overlapping ``Edit``s. Untouched text maps
one-to-one; a replaced region maps as its ``align`` says:

- ``SPAN``: every output character covers the whole replaced region (``&amp;`` -> ``&``, a run of
  spaces -> one space, ``<br>`` -> newline);
- ``SAME``: the replacement has the region's length and maps character by character (a script
  conversion that only swaps characters);
- a tuple of ``(start, end)`` pairs relative to the region, one per output character (a script
  conversion that changed the length, aligned by ``difflib``).

``Tracked`` carries, for each character of the current text, the ``[start, end)`` of the source it
came from; applying edits to it composes the mappings, so the final text maps to the original.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final, NamedTuple

SPAN: Final = "span"
SAME: Final = "same"

_SHARED_IDENTITY_STOP: Final = 1025

Align = str | tuple[tuple[int, int], ...]


class Edit(NamedTuple):
    """Replace ``text[start:end]`` with ``replacement``."""

    start: int
    end: int
    replacement: str
    align: Align = SPAN


def identity(start: int, stop: int) -> tuple[int, ...]:
    """``tuple(range(start, stop))``, one shared tuple per range for records of usual length.

    Offsets of a text that no step changed are ranges. Sharing them (tuples are immutable) saves
    building them, and leaves the garbage collector fewer new objects to scan per record.
    """
    if stop <= _SHARED_IDENTITY_STOP:
        return _shared_identity(start, stop)
    return tuple(range(start, stop))


@lru_cache(maxsize=4 * _SHARED_IDENTITY_STOP)
def _shared_identity(start: int, stop: int) -> tuple[int, ...]:
    return tuple(range(start, stop))


def apply_edits(text: str, edits: list[Edit]) -> str:
    """Apply sorted, non-overlapping edits to ``text`` (no offset tracking)."""
    if not edits:
        return text
    parts: list[str] = []
    position = 0
    for edit in edits:
        parts.append(text[position : edit.start])
        parts.append(edit.replacement)
        position = edit.end
    parts.append(text[position:])
    return "".join(parts)


@dataclass(slots=True)
class Tracked:
    """A text plus, per character, the ``[start, end)`` source span it came from."""

    text: str
    starts: list[int]
    ends: list[int]
    source_length: int

    @classmethod
    def of(cls, source: str) -> Tracked:
        """Start tracking ``source``: each character maps to itself."""
        size = len(source)
        return cls(source, list(range(size)), list(range(1, size + 1)), size)

    def point(self, index: int) -> int:
        """Source position of the gap before character ``index`` of the current text."""
        if index < len(self.starts):
            return self.starts[index]
        return self.ends[-1] if self.ends else 0

    def apply(self, edits: list[Edit]) -> Tracked:
        """Apply sorted, non-overlapping edits and compose the source mapping.

        Raises:
            ValueError: a ``SAME`` edit changes the length of its region.
        """
        if not edits:
            return self
        text, starts, ends = self.text, self.starts, self.ends
        if all(align == SAME for _, _, _, align in edits):
            return Tracked(_replace_same(text, edits), starts, ends, self.source_length)
        parts: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        position = 0
        for start, end, replacement, align in edits:
            parts.append(text[position:start])
            new_starts.extend(starts[position:start])
            new_ends.extend(ends[position:start])
            parts.append(replacement)
            size = len(replacement)
            if align == SAME:
                if size != end - start:
                    raise ValueError("a SAME edit must keep the length of its region")
                new_starts.extend(starts[start:end])
                new_ends.extend(ends[start:end])
            elif isinstance(align, tuple):
                for low, high in align:
                    new_starts.append(
                        starts[start + low] if high > low else self.point(start + low)
                    )
                    new_ends.append(
                        ends[start + high - 1] if high > low else self.point(start + low)
                    )
            elif size:
                low = starts[start] if end > start else self.point(start)
                high = ends[end - 1] if end > start else low
                new_starts.extend([low] * size)
                new_ends.extend([high] * size)
            position = end
        parts.append(text[position:])
        new_starts.extend(starts[position:])
        new_ends.extend(ends[position:])
        return Tracked("".join(parts), new_starts, new_ends, self.source_length)


def _replace_same(text: str, edits: list[Edit]) -> str:
    """Apply ``SAME`` edits: the text changes, every character keeps its source span.

    The position lists are shared with the input rather than copied; nothing mutates them.
    """
    for start, end, replacement, _ in edits:
        if len(replacement) != end - start:
            raise ValueError("a SAME edit must keep the length of its region")
    return apply_edits(text, edits)

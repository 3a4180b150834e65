"""Literal anchors: strings one of which every match of a regex must contain.

``extract_cues`` runs each kind's alternation over the text only when the kind's anchor regex finds
something first. Most kinds are absent from most records, and a search for a handful of literal
words is far cheaper than trying a large alternation at every candidate position.

The anchors are read from the parse tree of Python's own regex parser. For a sequence of items,
every mandatory item gives a candidate set of strings (a literal run, a finite alternation such as
``(?:调解|协调)``, the anchors of a group); the most selective candidate wins: longest shortest
string, then fewest strings. An alternation's anchors are the union of its branches' anchors. The
result is a *necessary* condition, never an approximation: when a regex matches a text, one of its
anchors occurs in that text. Anything the analysis cannot bound (``.``, ``\\w``, negated classes,
back-references, case-insensitive parts) gives None, and the kind is then always scanned.
"""

from __future__ import annotations

import re
import re._constants as _sre
import re._parser as _sre_parse
from collections.abc import Iterable
from typing import Any, Final, TypeAlias

from nlp._cue_scan import class_chars

_MAX_RANGE: Final = 64
"""Widest character range read as a set of characters; wider ones count as unbounded."""
_MAX_STRINGS: Final = 64
"""Most strings a finite set may hold before it counts as unbounded."""
_MAX_REPEAT: Final = 4
"""Highest upper bound of a repeat whose strings are enumerated."""

_Node: TypeAlias = dict[str, "_Node"]
"""A trie: next character -> subtree; the key ``""`` marks the end of a string."""

Items = list[tuple[Any, Any]]
"""``(opcode, argument)`` pairs of ``re._parser``; the argument's shape depends on the opcode."""


def regex_anchors(source: str) -> frozenset[str] | None:
    """Strings one of which occurs in every text that ``source`` matches somewhere.

    Args:
        source: a regex in Python syntax.

    Returns:
        Non-empty strings, none containing another, or None when no bound can be read.
    """
    try:
        tree = _sre_parse.parse(source)
    except re.error:
        return None
    if tree.state.flags & re.IGNORECASE:
        return None
    anchors = _sequence_anchors(list(tree))
    return None if anchors is None else _minimal(anchors)


def union_anchors(sources: Iterable[str]) -> frozenset[str] | None:
    """Anchors of an alternation of ``sources``: the union of theirs, None when one has none."""
    union: set[str] = set()
    for source in sources:
        anchors = regex_anchors(source)
        if anchors is None:
            return None
        union |= anchors
    return _minimal(union) if union else None


def anchor_pattern(anchors: frozenset[str]) -> re.Pattern[str]:
    """A regex that finds any of ``anchors`` (non-empty)."""
    ordered = sorted(anchors, key=lambda s: (-len(s), s))
    return re.compile("|".join(re.escape(anchor) for anchor in ordered))


def longest_of(strings: frozenset[str]) -> str:
    """A regex matching, at a position, the longest of ``strings`` (non-empty) that starts there.

    The strings are written as a trie (``调(?:解|处)?``-like): one branch per next character, so
    the regex engine skips a branch with one comparison, and greedy optional groups go as deep as
    the text allows. Every string found at that position is a prefix of the longest one.
    """
    root: _Node = {}
    for string in strings:
        node = root
        for char in string:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie(root)


def _trie(node: _Node) -> str:
    children = [re.escape(char) + _trie(child) for char, child in sorted(node.items()) if char]
    if not children:
        return ""
    group = children[0] if len(children) == 1 else "(?:" + "|".join(children) + ")"
    if "" in node:
        return f"(?:{group})?"
    return group


def _minimal(anchors: set[str] | frozenset[str]) -> frozenset[str]:
    # A string that contains another anchor adds nothing: wherever it occurs, so does the other.
    return frozenset(a for a in anchors if not any(b != a and b in a for b in anchors))


def _selectivity(strings: set[str]) -> tuple[int, int]:
    return min(map(len, strings)), -len(strings)


def _sequence_anchors(items: Items) -> set[str] | None:
    """The most selective anchor set among the mandatory items of a sequence."""
    candidates: list[set[str]] = []
    run: set[str] | None = None
    for op, av in items:
        if op is _sre.AT or op is _sre.ASSERT_NOT or (op is _sre.ASSERT and av[0] < 0):
            # Zero width: the consumed strings on either side stay adjacent.
            continue
        strings = None if op is _sre.ASSERT else _strings(op, av)
        if strings is not None and "" not in strings:
            if run is not None and len(run) * len(strings) <= _MAX_STRINGS:
                run = {a + b for a in run for b in strings}
            else:
                run = strings
            candidates.append(run)
            continue
        run = None
        if strings is not None:
            continue  # optional: may be absent
        anchors = _item_anchors(op, av)
        if anchors:
            candidates.append(anchors)
    if not candidates:
        return None
    return max(candidates, key=_selectivity)


def _item_anchors(op: Any, av: Any) -> set[str] | None:
    if op is _sre.SUBPATTERN:
        _, add_flags, _, sub = av
        if add_flags & re.IGNORECASE:
            return None
        return _sequence_anchors(list(sub))
    if op is _sre.BRANCH:
        union: set[str] = set()
        for branch in av[1]:
            anchors = _sequence_anchors(list(branch))
            if anchors is None:
                return None
            union |= anchors
        return union
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        return _sequence_anchors(list(av[2])) if av[0] >= 1 else None
    if op is _sre.ASSERT:
        # A look-ahead's text must be there too, even though the match does not consume it.
        return _sequence_anchors(list(av[1]))
    return None


def _strings(op: Any, av: Any) -> set[str] | None:
    """Every string the item can consume (look-arounds read as empty), or None when unbounded."""
    if op is _sre.LITERAL:
        return {chr(av)}
    if op is _sre.IN:
        return class_chars(av, _MAX_RANGE)
    if op is _sre.SUBPATTERN:
        _, add_flags, _, sub = av
        return None if add_flags & re.IGNORECASE else _sequence_strings(list(sub))
    if op is _sre.BRANCH:
        union: set[str] = set()
        for branch in av[1]:
            strings = _sequence_strings(list(branch))
            if strings is None:
                return None
            union |= strings
            if len(union) > _MAX_STRINGS:
                return None
        return union
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
        low, high, sub = av
        if high > _MAX_REPEAT:
            return None
        once = _sequence_strings(list(sub))
        if once is None:
            return None
        result: set[str] = set()
        layer = {""}
        for count in range(high + 1):
            if count >= low:
                result |= layer
            if len(result) > _MAX_STRINGS:
                return None
            if count < high:
                layer = {a + b for a in layer for b in once}
                if len(layer) > _MAX_STRINGS:
                    return None
        return result
    if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
        return {""}
    return None


def _sequence_strings(items: Items) -> set[str] | None:
    result = {""}
    for op, av in items:
        strings = _strings(op, av)
        if strings is None:
            return None
        result = {a + b for a in result for b in strings}
        if len(result) > _MAX_STRINGS:
            return None
    return result


def consumable_chars(source: str) -> frozenset[str] | None:
    """Every character a match of ``source`` can consume (look-arounds consume nothing).

    Returns:
        The characters, or None when they cannot be bounded (``.``, ``\\w``, negated classes,
        wide ranges, back-references, case-insensitive parts).
    """
    try:
        tree = _sre_parse.parse(source)
    except re.error:
        return None
    if tree.state.flags & re.IGNORECASE:
        return None
    chars: set[str] = set()
    return frozenset(chars) if _collect(list(tree), chars) else None


def _collect(items: Items, chars: set[str]) -> bool:
    """Add what ``items`` can consume to ``chars``; False when that cannot be bounded."""
    for op, av in items:
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            continue
        if op in (_sre.LITERAL, _sre.IN):
            strings = _strings(op, av)
            if strings is None:
                return False
            chars.update(strings)
        elif op is _sre.SUBPATTERN:
            if av[1] & re.IGNORECASE or not _collect(list(av[3]), chars):
                return False
        elif op is _sre.BRANCH:
            if not all(_collect(list(branch), chars) for branch in av[1]):
                return False
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            if not _collect(list(av[2]), chars):
                return False
        else:
            return False
    return True

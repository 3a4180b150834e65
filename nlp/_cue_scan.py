"""Finding every match of a regex quickly: first characters, scanners, and ``scan``.

Python's regex engine skips ahead quickly only when a pattern starts with a literal or a
character class: it then looks each character up in a table. A pattern that starts with a
look-ahead or a group (as an alternation of cue entries does) is tried in full at every position,
several times slower. ``scanner_source`` rewrites a pattern to start with the class of its first
characters, and ``scan`` turns the scanner's matches back into those of ``finditer``.
"""

from __future__ import annotations

import re
import re._constants as _sre
import re._parser as _sre_parse
from typing import Any, Final

Match = tuple[int, int, str | None]
"""``(start, end, lastgroup)`` of one match, as ``scan`` returns it."""


def scanner_source(source: str) -> str | None:
    """A regex that matches one character at every position where ``source`` matches.

    ``[F](?<=(?=(?:source))[F])``, with ``F`` the characters a match of ``source`` starts with:
    the engine skips to the next character of ``F`` with a table look-up (a pattern that starts
    with a look-ahead gets no such skip, and a position costs several times more), steps back
    over it and tries ``source`` there. Groups of ``source`` keep their numbers and capture what
    they capture in a match of ``source`` at that position, and the match of ``source`` is the
    same one (nothing follows it that could make it backtrack). Unlike ``finditer`` over
    ``source``, matches are reported at every position, overlapping ones included: a caller that
    wants ``finditer``'s matches skips those that start before the end of the last one it kept.

    Returns:
        The scanner's source, or None when the first characters are not known (or ``source`` can
        match the empty string).
    """
    chars = first_chars(source)
    if chars is None:
        return None
    first = "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"
    return f"{first}(?<=(?=(?:{source})){first})"


def first_chars(source: str) -> frozenset[str] | None:
    """The characters a match of ``source`` can start with, or None when unknown or unbounded.

    Read from the parse tree of Python's own regex parser; look-arounds are skipped (they consume
    nothing), and anything open-ended (``.``, ``\\s``, negated classes, empty matches) gives None.
    """
    try:
        tree = _sre_parse.parse(source)
    except re.error:
        return None
    chars, nullable = _first(list(tree))
    return None if chars is None or nullable else frozenset(chars)


_MAX_RANGE: Final = 512


def class_chars(members: list[tuple[Any, Any]], max_range: int) -> set[str] | None:
    """The characters of a parsed character class (``IN``), or None when it cannot be listed.

    Negated classes, categories such as ``\\w`` and ranges wider than ``max_range`` are None.
    """
    chars: set[str] = set()
    for member_op, member in members:
        if member_op is _sre.LITERAL:
            chars.add(chr(member))
        elif member_op is _sre.RANGE and member[1] - member[0] <= max_range:
            chars.update(chr(code) for code in range(member[0], member[1] + 1))
        else:
            return None
    return chars


def _first(items: list[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """(first characters, whether the sequence can match empty); None when unknown.

    ``items`` are ``(opcode, argument)`` pairs of ``re._parser``; the argument's shape depends on
    the opcode, hence ``Any``.
    """
    chars: set[str] = set()
    for op, av in items:
        if op is _sre.LITERAL:
            chars.add(chr(av))
            return chars, False
        if op is _sre.IN:
            members = class_chars(av, _MAX_RANGE)
            if members is None:
                return None, False
            return chars | members, False
        if op is _sre.SUBPATTERN:
            sub, nullable = _first(list(av[3]))
        elif op is _sre.BRANCH:
            sub, nullable = set(), False
            for branch in av[1]:
                branch_chars, branch_nullable = _first(list(branch))
                if branch_chars is None:
                    return None, False
                sub |= branch_chars
                nullable = nullable or branch_nullable
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            sub, nullable = _first(list(av[2]))
            nullable = nullable or av[0] == 0
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT, _sre.AT):
            continue
        else:
            return None, False
        if sub is None:
            return None, False
        chars |= sub
        if not nullable:
            return chars, False
    return chars, True


def scan(pattern: re.Pattern[str], scanner: re.Pattern[str] | None, text: str) -> list[Match]:
    """The matches ``pattern.finditer(text)`` yields, as ``(start, end, lastgroup)``.

    ``scanner`` is ``scanner_source`` of a pattern equivalent to ``pattern`` that ends with a
    group closing where the match ends (an empty one, ``(?P<end>)``, will do), or None. Scanner
    matches come at every position where ``pattern`` matches; ``finditer`` resumes after each
    match, so those starting inside the last one kept are skipped. One ``search`` first settles
    the common case of no match for less than setting up ``finditer`` costs.
    """
    if scanner is None:
        return [(m.start(), m.end(), m.lastgroup) for m in pattern.finditer(text)]
    first = scanner.search(text)
    if first is None:
        return []
    found: list[Match] = []
    resume = 0
    for match in scanner.finditer(text, first.start()):
        start = match.start()
        if start >= resume:
            resume = match.end(match.lastindex or 0)
            found.append((start, resume, match.lastgroup))
    return found

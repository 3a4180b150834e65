"""Reading ``nlp/data/cues.json`` and compiling it into one regex alternation per cue kind.

The file's own ``about`` list explains its keys. Loading validates everything once: the schema,
that the kinds are exactly the ones the code declares, that fragments exist, and that every regex
compiles and captures nothing but the number it reads. Any fault is an ``InputFileError`` with code
``CUE_LEXICON_INVALID`` naming the kind and entry, so a broken lexicon stops start-up.

Compiling also prepares each kind for fast matching without changing what it matches: entry tags
and per-entry number groups in the alternation, a guard in front of each number, a scanner, and
literal anchors (see ``KindRules``). The file's bytes, and so ``sha256``, are untouched.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nlp._cue_anchors import anchor_pattern, consumable_chars, longest_of, union_anchors
from nlp._cue_numbers import NUMBER_PATTERN, NUMBER_REACH, NUMBER_START
from nlp._cue_scan import first_chars, scanner_source
from nlp.errors import InputFileError

LEXICON_ERROR_CODE: Final = "CUE_LEXICON_INVALID"
FORMAT: Final = "police-triage.cue-lexicon"
FORMAT_VERSION: Final = 1
TENSES: Final = ("past", "ongoing", "threatened", "none")

_FRAGMENT_REF: Final = re.compile(r"\{([A-Z][A-Z_]*)\}")
_NUMBER_FRAGMENT: Final = "NUM"
_NUMBER_GROUP: Final = "n"
_ENTRY_GROUP: Final = "e"

Tense = Literal["past", "ongoing", "threatened", "none"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _EntrySpec(_Strict):
    text: Annotated[str, Field(min_length=1)] | None = None
    re: Annotated[str, Field(min_length=1)] | None = None
    tense: Literal["past", "ongoing", "threatened"] | None = None
    parse: bool = False
    value: float | None = None
    min_value: float | None = None
    max_value: float | None = None
    require_chars: str = ""


class _KindSpec(_Strict):
    entries: Annotated[list[Annotated[str, Field(min_length=1)] | _EntrySpec], Field(min_length=1)]
    exclude: list[Annotated[str, Field(min_length=1)]] = []
    negatable: bool = True
    requires_value: bool = False
    default_value: float | None = None
    suppressed_by: list[str] = []
    tense: Literal["off", "fixed", "markers"] = "off"
    default_tense: Tense = "none"
    internal_markers: bool = False


class _NegationSpec(_Strict):
    negators: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]
    gap_chars: str
    max_gap: Annotated[int, Field(ge=0, le=10)]


class _MarkerSpec(_Strict):
    past: list[Annotated[str, Field(min_length=1)]]
    ongoing: list[Annotated[str, Field(min_length=1)]]
    threatened: list[Annotated[str, Field(min_length=1)]]


class _PhraseMarkerSpec(_Strict):
    past: list[Annotated[str, Field(min_length=1)]]
    ongoing: list[Annotated[str, Field(min_length=1)]]


class _TenseSpec(_Strict):
    markers: _MarkerSpec
    gap_chars: str
    max_gap: Annotated[int, Field(ge=0, le=10)]
    internal: _PhraseMarkerSpec
    after: _PhraseMarkerSpec


class _LexiconSpec(_Strict):
    format: Literal["police-triage.cue-lexicon"]
    format_version: Literal[1]
    version: Annotated[str, Field(min_length=1)]
    about: list[str] = []
    conventions: list[str] = []
    fragments: dict[str, str | list[Annotated[str, Field(min_length=1)]]]
    negation: _NegationSpec
    tense: _TenseSpec
    kinds: dict[str, _KindSpec]


@dataclass(frozen=True, slots=True)
class Entry:
    """One trigger of a kind, compiled on its own so a match can be re-read for its number."""

    regex: re.Pattern[str]
    tense: Tense | None
    parse: bool
    value: float | None
    min_value: float | None
    max_value: float | None
    require_chars: str


@dataclass(frozen=True, slots=True)
class KindRules:
    """Everything needed to find the cues of one kind.

    ``pattern`` is the alternation of all entries, behind a look-ahead on the characters an entry
    can start with (so the regex engine skips most positions cheaply). Each branch ends in an empty
    group, so a match's ``lastindex`` names the entry that matched (``entry_of_group``), and holds
    its own copy of the entry's number group (``number_groups``): reading either needs no second
    match. The groups change no match: they neither consume nor constrain.
    """

    kind: str
    pattern: re.Pattern[str]
    entries: tuple[Entry, ...]
    entry_of_group: tuple[int, ...]
    """``pattern`` group index (a match's ``lastindex``) -> index into ``entries``; -1 elsewhere."""
    number_groups: tuple[int, ...]
    """Per entry, the ``pattern`` group holding its number; 0 when the entry has none."""
    scanner: re.Pattern[str] | None
    """``pattern`` rewritten to be found faster, with the same groups (see ``scanner_source``);
    None when the first characters of the entries are not known."""
    anchor_strings: frozenset[str] | None
    """Literal strings one of which every match contains (``nlp._cue_anchors``); when none
    occurs in a text, ``pattern`` cannot match there. None when no such strings could be read."""
    anchor: re.Pattern[str] | None
    """Finds one of ``anchor_strings``."""
    exclude: re.Pattern[str] | None
    """Phrases a cue of this kind must not overlap; a match's ``lastindex`` group closes where it
    ends."""
    exclude_scanner: re.Pattern[str] | None
    """``exclude`` as a scanner (see ``nlp._cue_scan``)."""
    negatable: bool
    requires_value: bool
    default_value: float | None
    suppressed_by: tuple[str, ...]
    tense_mode: Literal["off", "fixed", "markers"]
    default_tense: Tense
    internal_markers: bool


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The compiled lexicon; immutable and safe to share between threads."""

    version: str
    sha256: str
    kinds: tuple[KindRules, ...]
    anchor_finder: re.Pattern[str] | None
    """Finds, at every position where an anchor of some kind starts, the longest one there (group
    1); None when no kind has anchors. See ``present_kinds``."""
    anchor_kinds: dict[str, int]
    """Anchor -> bit ``1 << i`` set for each kind ``i`` with an anchor that starts it (so with
    one found wherever it is found)."""
    negators: re.Pattern[str]
    """Any negator, longest first; a match's ``lastindex`` group closes where it ends."""
    negator_scanner: re.Pattern[str] | None
    """``negators`` as a scanner (see ``nlp._cue_scan``)."""
    negation_gap: frozenset[str]
    negation_max_gap: int
    markers: re.Pattern[str]
    """Any tense marker, longest first; a match's ``lastgroup`` is a key of ``marker_tenses``."""
    marker_scanner: re.Pattern[str] | None
    """``markers`` as a scanner (see ``nlp._cue_scan``)."""
    marker_tenses: dict[str, Tense]
    tense_gap: frozenset[str]
    tense_max_gap: int
    internal_past: re.Pattern[str]
    internal_ongoing: re.Pattern[str]
    after_past: re.Pattern[str]
    after_ongoing: re.Pattern[str]


def default_lexicon_path() -> Path:
    """Path of the lexicon shipped inside the ``nlp`` package."""
    return Path(str(resources.files("nlp") / "data" / "cues.json"))


def load_lexicon(kind_ids: Sequence[str], path: Path | None = None) -> Lexicon:
    """Read, validate and compile a cue lexicon.

    Args:
        kind_ids: the cue kinds the code declares, in output order; the file must define exactly
            these.
        path: the lexicon file; the packaged ``nlp/data/cues.json`` when None.

    Returns:
        The compiled lexicon, its kinds in the order of ``kind_ids``.

    Raises:
        InputFileError: code ``CUE_LEXICON_INVALID``; the file is unreadable, not JSON, breaks the
            schema, or holds a regex that does not compile. The message names the kind and entry.
    """
    path = default_lexicon_path() if path is None else path
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _error(
            f"cannot read the cue lexicon {path}: {exc.strerror}; restore the file"
        ) from None
    try:
        spec = _LexiconSpec.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise _error(
            f"the cue lexicon {path} breaks the schema ({problems}); fix the file"
        ) from None
    return _compile(spec, list(kind_ids), hashlib.sha256(raw).hexdigest(), path)


def _error(message: str) -> InputFileError:
    return InputFileError(message, code=LEXICON_ERROR_CODE)


def _compile(spec: _LexiconSpec, kind_ids: list[str], sha256: str, path: Path) -> Lexicon:
    if list(spec.kinds) != kind_ids:
        raise _error(
            f"the cue lexicon {path} defines kinds {list(spec.kinds)}; the code expects exactly "
            f"{kind_ids} in that order. Add, remove or reorder kinds in the file to match."
        )
    fragments = {name: _fragment_source(value) for name, value in spec.fragments.items()}
    if _NUMBER_FRAGMENT in fragments:
        raise _error(f"{path}: the fragment name {_NUMBER_FRAGMENT} is reserved; rename it")
    kinds = tuple(
        _compile_kind(kind, kind_spec, fragments, kind_ids, path)
        for kind, kind_spec in spec.kinds.items()
    )
    marker_groups: tuple[tuple[Tense, list[str]], ...] = (
        ("past", spec.tense.markers.past),
        ("ongoing", spec.tense.markers.ongoing),
        ("threatened", spec.tense.markers.threatened),
    )
    marker_sources: list[tuple[str, Tense]] = [
        (source, tense) for tense, sources in marker_groups for source in sources
    ]
    for source, _ in marker_sources:
        _check_plain(source, f"{path}: tense.markers")
    marker_sources.sort(key=lambda item: -len(item[0]))
    # The group closes each branch rather than opening it: a branch that starts with a literal is
    # skipped in one step by the regex engine, one that starts with a group is entered.
    markers = "|".join(f"(?:{source})(?P<m{i}>)" for i, (source, _) in enumerate(marker_sources))
    where = f"{path}: negation.negators"
    for source in spec.negation.negators:
        _check_plain(source, where)
    ordered = sorted(spec.negation.negators, key=len, reverse=True)
    negators = "(?:" + "|".join(f"(?:{s})" for s in ordered) + ")(?P<end>)"
    anchor_finder, anchor_kinds = _anchor_finder(kinds, path)
    return Lexicon(
        version=spec.version,
        sha256=sha256,
        kinds=kinds,
        anchor_finder=anchor_finder,
        anchor_kinds=anchor_kinds,
        negators=_regex(_with_first_chars(negators), where),
        negator_scanner=_scanner(negators, where),
        negation_gap=frozenset(spec.negation.gap_chars),
        negation_max_gap=spec.negation.max_gap,
        markers=_regex(_with_first_chars(markers), f"{path}: tense.markers"),
        marker_scanner=_scanner(markers, f"{path}: tense.markers"),
        marker_tenses={f"m{i}": tense for i, (_, tense) in enumerate(marker_sources)},
        tense_gap=frozenset(spec.tense.gap_chars),
        tense_max_gap=spec.tense.max_gap,
        internal_past=_alternation(spec.tense.internal.past, f"{path}: tense.internal.past"),
        internal_ongoing=_alternation(
            spec.tense.internal.ongoing, f"{path}: tense.internal.ongoing"
        ),
        after_past=_alternation(spec.tense.after.past, f"{path}: tense.after.past"),
        after_ongoing=_alternation(spec.tense.after.ongoing, f"{path}: tense.after.ongoing"),
    )


def _anchor_finder(
    kinds: tuple[KindRules, ...], path: Path
) -> tuple[re.Pattern[str] | None, dict[str, int]]:
    """One pass over a text that tells which kinds' anchors occur (instead of one per kind)."""
    owners: dict[str, int] = {}
    for index, rules in enumerate(kinds):
        for anchor in rules.anchor_strings or ():
            owners[anchor] = owners.get(anchor, 0) | 1 << index
    if not owners:
        return None, {}
    # The finder reports the longest anchor at a position; every other one there is a prefix of it.
    closed = {
        anchor: _union(owners.get(anchor[:size], 0) for size in range(1, len(anchor) + 1))
        for anchor in owners
    }
    finder = _scanner(f"({longest_of(frozenset(owners))})", f"{path}: anchors")
    if finder is None:
        raise RuntimeError("cue anchors without known first characters")
    return finder, closed


def _union(bits: Iterable[int]) -> int:
    result = 0
    for value in bits:
        result |= value
    return result


def present_kinds(lexicon: Lexicon, text: str) -> int:
    """Bit ``1 << i`` set for each kind ``i`` whose anchors occur in ``text`` (all bits when the
    lexicon has no anchors). A kind with anchors whose bit is clear cannot match ``text``."""
    if lexicon.anchor_finder is None:
        return -1
    present = 0
    kinds_of = lexicon.anchor_kinds
    for anchor in set(lexicon.anchor_finder.findall(text)):
        present |= kinds_of[anchor]
    return present


def _scanner(source: str, where: str) -> re.Pattern[str] | None:
    scanner = scanner_source(source)
    return None if scanner is None else _regex(scanner, where)


def _fragment_source(value: str | list[str]) -> str:
    if isinstance(value, str):
        return f"(?:{value})"
    return "(?:" + "|".join(re.escape(v) for v in sorted(value, key=len, reverse=True)) + ")"


def _expand(
    source: str,
    fragments: dict[str, str],
    *,
    capture: bool,
    where: str,
    number_group: str = _NUMBER_GROUP,
) -> str:
    numbers = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal numbers
        name = match.group(1)
        if name == _NUMBER_FRAGMENT:
            numbers += 1
            if capture:
                return f"(?P<{number_group}>{NUMBER_PATTERN})"
            return f"(?:{NUMBER_PATTERN})"
        if name not in fragments:
            raise _error(f"{where}: unknown fragment {{{name}}}; define it under 'fragments'")
        return fragments[name]

    expanded = _FRAGMENT_REF.sub(replace, source)
    if numbers > 1:
        raise _error(f"{where}: use {{{_NUMBER_FRAGMENT}}} at most once per entry; split the entry")
    return expanded


def _guard_number(source: str, group: str) -> str:
    """``source`` with a cheap look-ahead in front of its ``{NUM}``, where one can be derived.

    A number is tried at every digit and numeral, and reading one backtracks over every length
    of the run before the entry fails on what follows it. The guard ``(?=[A]*[F])`` (``A``: what
    a number can consume, ``F``: what can start the rest of the entry) fails at once where no
    such character follows the run. Any match of the entry has its number consume a run of ``A``
    followed by a character of ``F``, so the guard holds wherever the number can start a match:
    it changes no match, except that a guarded entry does not read a number longer than
    ``NUMBER_REACH`` characters (no real record states one).

    The rest of the entry is the source after the number's group; when that is not a complete
    regex (the number sits inside a group), starts with a quantifier, may match empty, or has
    first characters that cannot be read, no guard is added. When the number begins one branch
    of a top-level alternation, the rest also holds the later branches, whose first characters
    only widen ``F``.
    """
    opening = f"(?P<{group}>"
    start = source.find(opening)
    end = start + len(opening) + len(NUMBER_PATTERN)
    if start < 0 or source[start + len(opening) : end + 1] != NUMBER_PATTERN + ")":
        return source
    rest = source[end + 1 :]
    follow = None if not rest or rest[0] in "*+?{" else first_chars(rest)
    alphabet = _number_alphabet()
    if follow is None or alphabet is None:
        return source
    # Testing first that a number can start here keeps the scan to the starts of runs, and the
    # bounded reach keeps it short where runs alternate scripts (1一1一...): linear time either way.
    guard = (
        f"{NUMBER_START}(?=[{_class_body(alphabet)}]{{0,{NUMBER_REACH}}}[{_class_body(follow)}])"
    )
    return source[:start] + guard + source[start:]


@cache
def _number_alphabet() -> frozenset[str] | None:
    return consumable_chars(NUMBER_PATTERN)


def _class_body(chars: frozenset[str]) -> str:
    return "".join(re.escape(c) for c in sorted(chars))


def _alternation(sources: list[str], where: str) -> re.Pattern[str]:
    """Longest source first, so that 没有 wins over 没 where both match."""
    for source in sources:
        _check_plain(source, where)
    ordered = sorted(sources, key=len, reverse=True)
    return _regex(_with_first_chars("|".join(f"(?:{s})" for s in ordered)), where)


def _check_plain(source: str, where: str) -> None:
    """A negator or marker must compile, capture nothing and never match the empty string."""
    compiled = _regex(source, where)
    if compiled.groups:
        raise _error(f"{where}: {source!r} has a capturing group; write (?:...) instead")
    if compiled.fullmatch("") is not None:
        raise _error(f"{where}: {source!r} matches the empty string; make it require text")


def _regex(source: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(source)
    except re.error as exc:
        raise _error(f"{where}: the regex does not compile ({exc}); fix it") from None


def _compile_kind(
    kind: str,
    spec: _KindSpec,
    fragments: dict[str, str],
    kind_ids: list[str],
    path: Path,
) -> KindRules:
    unknown = [k for k in spec.suppressed_by if k not in kind_ids or k == kind]
    if unknown:
        raise _error(f"{path}: kinds.{kind}.suppressed_by names {unknown}; use other known kinds")
    regex_entries: list[tuple[str, _EntrySpec]] = []
    literal_entries: list[tuple[str, _EntrySpec]] = []
    for index, raw in enumerate(spec.entries):
        where = f"{path}: kinds.{kind}.entries[{index}]"
        entry = _EntrySpec(text=raw) if isinstance(raw, str) else raw
        if (entry.text is None) == (entry.re is None):
            raise _error(f"{where}: give exactly one of 'text' and 're'")
        if entry.text is not None:
            literal_entries.append((where, entry))
        else:
            regex_entries.append((where, entry))
    literal_entries.sort(key=lambda item: -len(item[1].text or ""))
    sources: list[str] = []
    entries: list[Entry] = []
    for index, (where, entry) in enumerate(regex_entries + literal_entries):
        source = re.escape(entry.text) if entry.text is not None else entry.re or ""
        standalone = _regex(_expand(source, fragments, capture=True, where=where), where)
        if standalone.groups != len(standalone.groupindex) or set(standalone.groupindex) - {
            _NUMBER_GROUP
        }:
            raise _error(f"{where}: capturing groups are not allowed; write (?:...) instead")
        if entry.parse and _NUMBER_GROUP not in standalone.groupindex:
            raise _error(f"{where}: 'parse' needs a {{{_NUMBER_FRAGMENT}}} in the regex")
        if standalone.fullmatch("") is not None:
            raise _error(f"{where}: the regex matches the empty string; make it require text")
        number_group = f"{_NUMBER_GROUP}{index}"
        tagged = _expand(source, fragments, capture=True, where=where, number_group=number_group)
        sources.append(f"(?:{_guard_number(tagged, number_group)})(?P<{_ENTRY_GROUP}{index}>)")
        entries.append(
            Entry(
                regex=standalone,
                tense=entry.tense,
                parse=entry.parse,
                value=entry.value,
                min_value=entry.min_value,
                max_value=entry.max_value,
                require_chars=entry.require_chars,
            )
        )
    exclude = exclude_scanner = None
    if spec.exclude:
        where = f"{path}: kinds.{kind}.exclude"
        excludes = "|".join(
            f"(?:{_expand(s, fragments, capture=False, where=where)})" for s in spec.exclude
        )
        exclude = _regex(f"(?:{excludes})(?P<end>)", where)
        exclude_scanner = _scanner(f"(?:{excludes})(?P<end>)", where)
    alternation = "|".join(sources)
    pattern = _regex(_with_first_chars(alternation), f"{path}: kinds.{kind}")
    scanner_regex = scanner_source(alternation)
    scanner = None if scanner_regex is None else _regex(scanner_regex, f"{path}: kinds.{kind}")
    if scanner is not None and scanner.groupindex != pattern.groupindex:
        raise RuntimeError(f"cue kind {kind}: the scanner numbers its groups differently")
    entry_of_group = [-1] * (pattern.groups + 1)
    for index in range(len(entries)):
        entry_of_group[pattern.groupindex[f"{_ENTRY_GROUP}{index}"]] = index
    anchors = union_anchors(entry.regex.pattern for entry in entries)
    return KindRules(
        kind=kind,
        pattern=pattern,
        entries=tuple(entries),
        entry_of_group=tuple(entry_of_group),
        number_groups=tuple(
            pattern.groupindex.get(f"{_NUMBER_GROUP}{index}", 0) for index in range(len(entries))
        ),
        anchor_strings=anchors,
        anchor=None if anchors is None else anchor_pattern(anchors),
        scanner=scanner,
        exclude=exclude,
        exclude_scanner=exclude_scanner,
        negatable=spec.negatable,
        requires_value=spec.requires_value,
        default_value=spec.default_value,
        suppressed_by=tuple(spec.suppressed_by),
        tense_mode=spec.tense,
        default_tense=spec.default_tense,
        internal_markers=spec.internal_markers,
    )


def _with_first_chars(source: str) -> str:
    """``source`` behind a look-ahead on its possible first characters, where they can be known.

    Python's regex engine tries every alternative at every position; the look-ahead fails at most
    positions in one step. The result matches exactly what ``source`` matches.
    """
    chars = first_chars(source)
    if chars is None:
        return source
    return "(?=[" + "".join(re.escape(c) for c in sorted(chars)) + "])(?:" + source + ")"

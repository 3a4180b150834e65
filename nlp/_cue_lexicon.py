"""Reading ``nlp/data/cues.json`` and compiling it into one regex alternation per cue kind.

The file's own ``about`` list explains its keys. Loading validates everything once: the schema,
that the kinds are exactly the ones the code declares, that fragments exist, and that every regex
compiles and captures nothing but the number it reads. Any fault is an ``InputFileError`` with code
``CUE_LEXICON_INVALID`` naming the kind and entry, so a broken lexicon stops start-up.
"""

from __future__ import annotations

import hashlib
import re
import re._constants as _sre
import re._parser as _sre_parse
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nlp._cue_numbers import NUMBER_PATTERN
from nlp.errors import InputFileError

LEXICON_ERROR_CODE: Final = "CUE_LEXICON_INVALID"
FORMAT: Final = "police-triage.cue-lexicon"
FORMAT_VERSION: Final = 1
TENSES: Final = ("past", "ongoing", "threatened", "none")

_FRAGMENT_REF: Final = re.compile(r"\{([A-Z][A-Z_]*)\}")
_NUMBER_FRAGMENT: Final = "NUM"
_NUMBER_GROUP: Final = "n"

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
    can start with (so the regex engine skips most positions cheaply). The entry behind a match is
    the first of ``entries`` that matches at the same position: alternation order, so the same one.
    """

    kind: str
    pattern: re.Pattern[str]
    entries: tuple[Entry, ...]
    exclude: re.Pattern[str] | None
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
    negators: re.Pattern[str]
    negation_gap: frozenset[str]
    negation_max_gap: int
    markers: re.Pattern[str]
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
    markers = _regex(
        _with_first_chars(
            "|".join(f"(?P<m{i}>{source})" for i, (source, _) in enumerate(marker_sources))
        ),
        f"{path}: tense.markers",
    )
    return Lexicon(
        version=spec.version,
        sha256=sha256,
        kinds=kinds,
        negators=_alternation(spec.negation.negators, f"{path}: negation.negators"),
        negation_gap=frozenset(spec.negation.gap_chars),
        negation_max_gap=spec.negation.max_gap,
        markers=markers,
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


def _fragment_source(value: str | list[str]) -> str:
    if isinstance(value, str):
        return f"(?:{value})"
    return "(?:" + "|".join(re.escape(v) for v in sorted(value, key=len, reverse=True)) + ")"


def _expand(source: str, fragments: dict[str, str], *, capture: bool, where: str) -> str:
    numbers = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal numbers
        name = match.group(1)
        if name == _NUMBER_FRAGMENT:
            numbers += 1
            if capture:
                return f"(?P<{_NUMBER_GROUP}>{NUMBER_PATTERN})"
            return f"(?:{NUMBER_PATTERN})"
        if name not in fragments:
            raise _error(f"{where}: unknown fragment {{{name}}}; define it under 'fragments'")
        return fragments[name]

    expanded = _FRAGMENT_REF.sub(replace, source)
    if numbers > 1:
        raise _error(f"{where}: use {{{_NUMBER_FRAGMENT}}} at most once per entry; split the entry")
    return expanded


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
    for where, entry in regex_entries + literal_entries:
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
        sources.append(f"(?:{_expand(source, fragments, capture=False, where=where)})")
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
    exclude = None
    if spec.exclude:
        where = f"{path}: kinds.{kind}.exclude"
        exclude = _regex(
            "|".join(
                f"(?:{_expand(s, fragments, capture=False, where=where)})" for s in spec.exclude
            ),
            where,
        )
    return KindRules(
        kind=kind,
        pattern=_regex(_with_first_chars("|".join(sources)), f"{path}: kinds.{kind}"),
        entries=tuple(entries),
        exclude=exclude,
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
            for member_op, member in av:
                if member_op is _sre.LITERAL:
                    chars.add(chr(member))
                elif member_op is _sre.RANGE and member[1] - member[0] <= _MAX_RANGE:
                    chars.update(chr(c) for c in range(member[0], member[1] + 1))
                else:
                    return None, False
            return chars, False
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

"""Tests of the fast matching helpers: scanners, ``scan``, literal anchors and number guards.

Each helper claims to change no match, only how fast it is found; the property tests compare
them with the plain ``finditer`` they stand in for, on texts built from the lexicon's own phrases.
"""

from __future__ import annotations

import json
import re
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp._cue_anchors import consumable_chars, longest_of, regex_anchors, union_anchors
from nlp._cue_lexicon import Lexicon, default_lexicon_path, load_lexicon, present_kinds
from nlp._cue_numbers import NUMBER_PATTERN
from nlp._cue_scan import first_chars, scan, scanner_source
from nlp._pii_patterns import patterns
from nlp.cues import CUE_KINDS

_PROPERTY = settings(max_examples=300, deadline=None)


@cache
def _lexicon() -> Lexicon:
    return load_lexicon(tuple(CUE_KINDS))


@cache
def _phrases() -> list[str]:
    """Words of the lexicon file: literal entries, fragment words, negators and markers."""
    data = json.loads(default_lexicon_path().read_text(encoding="utf-8"))
    words: set[str] = set()
    for value in data["fragments"].values():
        if isinstance(value, list):
            words.update(value)
    for spec in data["kinds"].values():
        words.update(entry for entry in spec["entries"] if isinstance(entry, str))
    words.update(w for w in data["negation"]["negators"] if re.fullmatch(r"\w+", w))
    for group in data["tense"]["markers"].values():
        words.update(group)
    return sorted(words)


_numbers = st.sampled_from(
    [
        "3",
        "12",
        "2022",
        "3,000",
        "1.5",
        "十几",
        "二三十",
        "一万二",
        "上百",
        "好几",
        "几",
        "数十",
        "20余",
    ]
)
_noise = st.text(st.sampled_from("的了他我人个名次元块万年调打在要，。！ \n多余来第"), max_size=4)
_lexicon_text = st.lists(st.one_of(st.sampled_from(_phrases()), _numbers, _noise), max_size=14).map(
    "".join
)


def _finditer(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, str | None]]:
    return [(m.start(), m.end(), m.lastgroup) for m in pattern.finditer(text)]


# --- scanners ------------------------------------------------------------------------------------


@_PROPERTY
@given(text=_lexicon_text)
def test_scan_yields_the_matches_of_finditer_for_every_kind(text: str) -> None:
    for rules in _lexicon().kinds:
        assert rules.scanner is not None
        assert scan(rules.pattern, rules.scanner, text) == _finditer(rules.pattern, text)


@_PROPERTY
@given(text=_lexicon_text)
def test_scan_yields_the_matches_of_finditer_for_context_and_exclusions(text: str) -> None:
    lexicon = _lexicon()
    pairs = [
        (lexicon.negators, lexicon.negator_scanner),
        (lexicon.markers, lexicon.marker_scanner),
        *((r.exclude, r.exclude_scanner) for r in lexicon.kinds if r.exclude is not None),
    ]
    for pattern, scanner in pairs:
        assert scanner is not None
        assert scan(pattern, scanner, text) == _finditer(pattern, text)


_pii_text = st.lists(
    st.one_of(
        st.text(st.sampled_from("0123456789"), min_size=1, max_size=19),
        st.sampled_from(["*", "＊", " ", "-", "+86", "0086", "(", "（", ")", "）", "转", "X"]),
        st.sampled_from(["吉A", "京AD", "粤B", "·", "学", "元", "万", "号", "年", "电话"]),
    ),
    max_size=12,
).map("".join)


@_PROPERTY
@given(text=_pii_text)
def test_scan_yields_the_matches_of_finditer_for_pii_patterns(text: str) -> None:
    for pattern in patterns():
        assert pattern.scanner is not None
        found = [(start, end) for start, end, _ in scan(pattern.regex, pattern.scanner, text)]
        assert found == [m.span() for m in pattern.regex.finditer(text)]


@pytest.mark.parametrize("source", [".", "a?", r"\w+", "(?:)", "a|"])
def test_scanner_source_is_none_without_known_first_characters(source: str) -> None:
    assert scanner_source(source) is None


def test_scan_without_a_scanner_is_finditer() -> None:
    pattern = re.compile("(?:ab|a)(?P<end>)")
    assert scan(pattern, None, "abaab") == [(0, 2, "end"), (2, 3, "end"), (3, 5, "end")]


def test_scan_skips_matches_that_start_inside_the_last_one() -> None:
    pattern = re.compile("(?:aa)(?P<end>)")
    scanner = re.compile(scanner_source(pattern.pattern) or "")
    assert scan(pattern, scanner, "aaaaa") == [(0, 2, "end"), (2, 4, "end")]


def test_first_chars_skip_look_arounds() -> None:
    assert first_chars("(?<!第)(?=[一二])[一二三]") == frozenset("一二三")


# --- anchors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "anchors"),
    [
        ("打人", {"打人"}),
        ("(?:调解|协调)成功", {"调解成功", "协调成功"}),
        ("[^，。]{0,3}?(?:未果|无果)", {"未果", "无果"}),
        ("a.b", {"a"}),
        ("(?=调解)调", {"调解"}),
        ("(?:多次|屡次)(?:经)?调解", {"调解"}),
        ("x*", None),
        ("(?i:ab)", None),
        (r"\w+", None),
    ],
)
def test_regex_anchors(source: str, anchors: set[str] | None) -> None:
    assert regex_anchors(source) == (None if anchors is None else frozenset(anchors))


def test_union_anchors_drop_strings_that_contain_another() -> None:
    assert union_anchors(["打人", "打", "踢人"]) == frozenset({"打", "踢人"})
    assert union_anchors(["打人", r"\w"]) is None


@_PROPERTY
@given(text=_lexicon_text)
def test_anchors_occur_in_every_text_a_kind_matches(text: str) -> None:
    for rules in _lexicon().kinds:
        if rules.pattern.search(text) is not None:
            assert rules.anchor is not None
            assert rules.anchor.search(text) is not None


@_PROPERTY
@given(text=_lexicon_text)
def test_present_kinds_are_the_kinds_whose_anchors_occur(text: str) -> None:
    present = present_kinds(_lexicon(), text)
    for index, rules in enumerate(_lexicon().kinds):
        assert rules.anchor is not None
        assert bool(present >> index & 1) == (rules.anchor.search(text) is not None)


@pytest.mark.parametrize(
    ("text", "found"),
    [("调解好了", "调解好"), ("调了", "调"), ("打人", "打人"), ("协调", "协调"), ("协", None)],
)
def test_longest_of_finds_the_longest_string_starting_here(text: str, found: str | None) -> None:
    pattern = re.compile(longest_of(frozenset({"调", "调解", "调解好", "协调", "打人", "打"})))
    match = pattern.match(text)
    assert (match.group() if match else None) == found


def test_every_kind_of_the_packaged_lexicon_has_an_anchor() -> None:
    assert all(rules.anchor is not None for rules in _lexicon().kinds)


@pytest.mark.parametrize(
    ("source", "chars"),
    [("a(?=b)c", set("ac")), ("[0-2]x?", set("012x")), ("(?:ab|c)+", set("abc")), (".", None)],
)
def test_consumable_chars(source: str, chars: set[str] | None) -> None:
    assert consumable_chars(source) == (None if chars is None else frozenset(chars))


def test_number_alphabet_covers_every_number_match() -> None:
    alphabet = consumable_chars(NUMBER_PATTERN)
    assert alphabet is not None
    for text in [
        "3,000.5元",
        "一万二千",
        "二三十多",
        "上百人",
        "好几十",
        "数十次",
        "20余万",
        "五十来个",
    ]:
        for match in re.finditer(NUMBER_PATTERN, text):
            assert set(match.group()) <= alphabet


# --- tagged kind patterns ------------------------------------------------------------------------


@cache
def _plain(kind_index: int) -> re.Pattern[str]:
    """A kind's entries as one alternation, without entry tags or number guards."""
    entries = _lexicon().kinds[kind_index].entries
    return re.compile("|".join(f"(?:{e.regex.pattern.replace('(?P<n>', '(?:')})" for e in entries))


@_PROPERTY
@given(text=_lexicon_text)
def test_kind_pattern_matches_and_tags_like_the_plain_alternation(text: str) -> None:
    for index, rules in enumerate(_lexicon().kinds):
        tagged = list(rules.pattern.finditer(text))
        assert [m.span() for m in tagged] == [m.span() for m in _plain(index).finditer(text)]
        for match in tagged:
            entry_index = rules.entry_of_group[match.lastindex or 0]
            # The tag names the first entry that matches here, as the alternation tries them.
            first = next(
                i for i, e in enumerate(rules.entries) if e.regex.match(text, match.start())
            )
            assert entry_index == first
            entry = rules.entries[entry_index]
            standalone = entry.regex.match(text, match.start())
            assert standalone is not None and standalone.end() == match.end()
            if "n" in entry.regex.groupindex:
                assert match.group(rules.number_groups[entry_index]) == standalone.group("n")

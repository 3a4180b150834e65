"""Reading written numbers for the cue extractor (``nlp._cue_numbers``)."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlp._cue_numbers import NUMBER_PATTERN, parse_number

_NUMBER = re.compile(NUMBER_PATTERN)
_CN_DIGITS = "零一二三四五六七八九"


def _to_chinese(n: int) -> str:
    """Standard Chinese numeral for 0 <= n < 10**12, written independently of the parser."""
    if n == 0:
        return "零"

    def section(value: int) -> str:
        out = ""
        zero = False
        for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            digit = value // unit % 10
            if digit == 0:
                zero = bool(out)
                continue
            if zero:
                out += "零"
                zero = False
            out += _CN_DIGITS[digit] + name
        return out

    parts: list[str] = []
    groups = [(n // 10**8) % 10**4, (n // 10**4) % 10**4, n % 10**4]
    for value, name in zip(groups, ("亿", "万", ""), strict=True):
        if value == 0:
            if parts and parts[-1] != "零":
                parts.append("零")
            continue
        if parts and value < 1000 and parts[-1] != "零":
            parts.append("零")
        parts.append(section(value) + name)
    text = "".join(parts).strip("零")
    return text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("12000", 12000),
        ("1,200", 1200),
        ("1.5万", 15000),
        ("3万", 30000),
        ("三千", 3000),
        ("两万多", 20000),
        ("一万二", 12000),
        ("三千五", 3500),
        ("两百五", 250),
        ("十几万", 150000),
        ("二十几万", 250000),
        ("几十万", 300000),
        ("五六千", 5500),
        ("20余万", 200000),
        ("几十", 30),
        ("数十", 30),
        ("十几", 15),
        ("上百", 100),
        ("上万", 10000),
        ("一百多", 100),
        ("二三十", 25),
        ("三四十", 35),
        ("30多", 30),
        ("200余", 200),
        ("十来", 10),
        ("一百零五", 105),
        ("一千零五十", 1050),
        ("十万零八", 100008),
        ("一亿二千万", 120_000_000),
        ("一百几十", 130),
        ("2万5", 25000),
        ("二〇一五", 2015),
        ("好几", 3),
        ("几", 3),
        ("十", 10),
        ("十二", 12),
        ("两", 2),
    ],
)
def test_parse_number_reads_written_forms(text: str, expected: float) -> None:
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "多", "万", "上", "3.5.1", ".5", "5.", "第三", "三几", "abc"])
def test_parse_number_returns_none_for_non_numbers(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("带了十几个人", "十几"),
        ("欠了3,000元", "3,000"),
        ("20余万元", "20余万"),
        ("一万二千元", "一万二千"),
        ("十来个人", "十来"),
        ("上百名", "上百"),
        ("数十户", "数十"),
        ("30多名工人", "30多"),
    ],
)
def test_number_pattern_finds_the_whole_number(text: str, number: str) -> None:
    assert [m.group() for m in _NUMBER.finditer(text)] == [number]


@pytest.mark.parametrize("text", ["千万不要", "万一他来", "他上楼了", "借了三万来买房"])
def test_number_pattern_skips_words_that_only_look_numeric(text: str) -> None:
    found = [m.group() for m in _NUMBER.finditer(text)]
    assert all(parse_number(f) is not None for f in found)
    assert "千万" not in found and "万一" not in found and "上" not in found
    assert not any(f.endswith("来") for f in found)


def test_number_pattern_does_not_start_inside_a_token() -> None:
    assert [m.group() for m in _NUMBER.finditer("x3人民币")] == []
    assert [m.group() for m in _NUMBER.finditer("12.5")] == ["12.5"]


@given(st.integers(min_value=0, max_value=10**11))
def test_parse_number_reads_ascii_integers(n: int) -> None:
    assert parse_number(str(n)) == n


@given(st.integers(min_value=0, max_value=10**11))
def test_parse_number_reads_standard_chinese_numerals(n: int) -> None:
    assert parse_number(_to_chinese(n)) == n


@given(
    st.text(alphabet="0123456789.,零〇一二两三四五六七八九十百千万亿几数上好多余来", max_size=12)
)
def test_parse_number_never_raises_and_gives_finite_values(text: str) -> None:
    value = parse_number(text)
    assert value is None or (math.isfinite(value) and value >= 0)

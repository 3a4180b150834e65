"""Tests of PII masking: every covered form, the numbers left alone, overlaps and properties."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp import _pii_patterns
from nlp.errors import InputFileError
from nlp.normalize import normalize
from nlp.pii import PLACEHOLDERS, MaskedText, PiiSpan, find_pii, mask_pii

_PROPERTY = settings(max_examples=200, deadline=None)


def _kinds(text: str) -> list[tuple[str, str]]:
    """``(kind, matched text)`` for each span found."""
    return [(span.kind, text[span.start : span.end]) for span in mask_pii(text).spans]


@pytest.mark.parametrize(
    "number",
    [
        "13512345678",
        "19912345678",
        "135****8820",
        "135＊＊＊＊8820",
        "135 1234 5678",
        "135-1234-5678",
        "+86 13512345678",
        "+8613512345678",
        "0086-13512345678",
        "0431-88881234",
        "(0431)88881234",
        "（0431）88881234",
        "010-12345678",
        "0431 88881234",
        "043188881234",
        "0431-88881234-123",
        "0431-88881234转123",
    ],
)
def test_mask_pii_masks_phone_numbers(number: str) -> None:
    text = f"报警人电话{number}，请回拨"
    assert _kinds(text) == [("phone", number)]
    assert mask_pii(text).text == "报警人电话<PHONE>，请回拨"


@pytest.mark.parametrize(
    "number",
    [
        "220122199001011234",
        "22012219900101123X",
        "22012219900101123x",
        "110101200012315678",
        "220122900101123",  # 15 digits, birth date as YYMMDD
        "220122********1234",
        "2201**********1234",
        "220122199001****1X",
        "220122******123",
    ],
)
def test_mask_pii_masks_id_numbers(number: str) -> None:
    text = f"身份证号{number}。"
    assert _kinds(text) == [("id_number", number)]
    assert mask_pii(text).text == "身份证号<ID>。"


@pytest.mark.parametrize(
    "number",
    [
        "6222021234567890",
        "62220212345678901",
        "622202123456789012",  # 18 digits but no valid birth date: not an ID
        "6222021234567890123",
        "6222 0212 3456 7890",
        "6222-0212-3456-7890",
        "6222 0212 3456 7890 123",
        "6222 **** **** 7890",
        "6222********7890",
    ],
)
def test_mask_pii_masks_bank_cards(number: str) -> None:
    text = f"转账到卡号{number}后"
    assert _kinds(text) == [("bank_card", number)]
    assert mask_pii(text).text == "转账到卡号<BANKCARD>后"


@pytest.mark.parametrize(
    "plate",
    [
        "吉A·12345",
        "吉A12345",
        "京AD12345",
        "京A12345D",
        "粤B 8K9L2",
        "吉A1234学",
        "沪C-5Z678",
        "川a12345",
    ],
)
def test_mask_pii_masks_licence_plates(plate: str) -> None:
    text = f"车牌{plate}的轿车"
    assert _kinds(text) == [("plate", plate)]
    assert mask_pii(text).text == "车牌<PLATE>的轿车"


@pytest.mark.parametrize(
    "text",
    [
        "被骗12000元",
        "借款3万元未还",
        "损失13000000000元",  # eleven digits starting 13, but an amount
        "2019年",
        "2023-05-01发生",
        "2023年5月1日14时30分",
        "14:30到场",
        "200余名工人",
        "3栋502室",
        "共计1234567人次",
        "编号123456789012345678901",  # too long for any kind
        "云A级景区",
        "京ABCDE",  # a plate needs digits
        "A12345",
        "电话<PHONE>已核实",
    ],
)
def test_mask_pii_leaves_ordinary_numbers_alone(text: str) -> None:
    masked = mask_pii(text)
    assert masked == MaskedText(text, ())


def test_mask_pii_prefers_the_longest_then_most_specific_match() -> None:
    # 13811990010 inside this ID looks like a mobile; the whole ID is one span.
    assert _kinds("身份证511381199001011234") == [("id_number", "511381199001011234")]
    # A valid 18-digit ID also fits the bank-card pattern; ID is the more specific kind.
    assert _kinds("号码220122199001011234") == [("id_number", "220122199001011234")]
    # Phone numbers back to back with a bank card stay separate spans.
    assert [kind for kind, _ in _kinds("13512345678，6222021234567890")] == ["phone", "bank_card"]


def test_mask_pii_reports_spans_in_input_offsets() -> None:
    text = "电话13512345678，身份证220122199001011234，卡号6222021234567890，车牌吉A12345"
    masked = mask_pii(text)
    assert masked.text == "电话<PHONE>，身份证<ID>，卡号<BANKCARD>，车牌<PLATE>"
    assert [span.kind for span in masked.spans] == ["phone", "id_number", "bank_card", "plate"]
    assert [text[span.start : span.end] for span in masked.spans] == [
        "13512345678",
        "220122199001011234",
        "6222021234567890",
        "吉A12345",
    ]
    assert masked.spans == find_pii(text)


def test_mask_pii_works_on_normalised_full_width_input() -> None:
    text = normalize("電話：１３５１２３４５６７８，車牌吉Ａ·１２３４５")
    assert mask_pii(text).text == "电话：<PHONE>，车牌<PLATE>"


def test_mask_pii_rejects_non_str() -> None:
    with pytest.raises(TypeError):
        mask_pii(13512345678)  # type: ignore[arg-type]


def test_placeholders_cover_every_kind_and_are_read_only() -> None:
    assert set(PLACEHOLDERS) == {"phone", "id_number", "bank_card", "plate"}
    with pytest.raises(TypeError):
        PLACEHOLDERS["phone"] = "<X>"  # type: ignore[index]


@pytest.mark.parametrize(
    "rows",
    [
        [(3, ["provinces", "京津"]), (4, ["provinces", "沪"])],
        [(3, ["colours", "红"])],
        [(3, ["provinces"])],
        [(3, ["provinces", "京"])],
    ],
)
def test_pii_chars_file_errors_name_the_problem(
    monkeypatch: pytest.MonkeyPatch, rows: list[tuple[int, list[str]]]
) -> None:
    monkeypatch.setattr(_pii_patterns, "read_rows", lambda name: rows)
    with pytest.raises(InputFileError, match=r"pii_chars\.txt"):
        _pii_patterns._chars.__wrapped__()


def test_pii_span_is_frozen() -> None:
    span = PiiSpan("phone", 0, 11)
    with pytest.raises(AttributeError):
        span.start = 1  # type: ignore[misc]


# --- properties -------------------------------------------------------------------------------

_chinese = st.text(
    st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), st.sampled_from("，。：；！？ ")
    ),
    max_size=15,
)
_digits = st.text(st.sampled_from("0123456789"), min_size=1, max_size=1)


def _digit_run(size: int) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from("0123456789"), min_size=size, max_size=size)


def _grouped(number: str, sizes: tuple[int, ...], separator: str) -> str:
    parts, position = [], 0
    for size in sizes:
        parts.append(number[position : position + size])
        position += size
    return separator.join(parts)


_mobiles = st.builds(
    lambda second, rest, style: (
        _grouped(f"1{second}{rest}", (3, 4, 4), style) if style != "+86" else f"+86 1{second}{rest}"
    ),
    st.sampled_from("3456789"),
    _digit_run(9),
    st.sampled_from(["", " ", "-", "+86"]),
)
_landlines = st.builds(
    lambda area, number, style: style.format(area=area, number=number),
    st.sampled_from(["010", "021", "0431", "0755", "0898"]),
    st.one_of(_digit_run(7), _digit_run(8)),
    st.sampled_from(
        ["{area}-{number}", "({area}){number}", "（{area}）{number}", "{area}{number}"]
    ),
)
_birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2029, 12, 31))
_ids = st.builds(
    lambda region, born, serial, check, old: (
        f"{region}{born:%y%m%d}{serial}" if old else f"{region}{born:%Y%m%d}{serial}{check}"
    ),
    st.integers(110000, 659999).map(str),
    _birth_dates,
    _digit_run(3),
    st.sampled_from("0123456789X"),
    st.booleans(),
)
_bank_cards = st.builds(
    lambda first, rest, size, grouped: (
        _grouped(f"{first}{rest}"[:size], (4, 4, 4, 4, 3), " ").strip()
        if grouped
        else f"{first}{rest}"[:size]
    ),
    st.sampled_from("3456"),
    _digit_run(18),
    st.integers(16, 19),
    st.booleans(),
)
_secrets = st.one_of(_mobiles, _landlines, _ids, _bank_cards)


@_PROPERTY
@given(before=_chinese, secret=_secrets, after=_chinese)
def test_mask_pii_leaves_no_run_of_seven_digits_from_a_secret(
    before: str, secret: str, after: str
) -> None:
    masked = mask_pii(before + secret + after)
    assert any(placeholder in masked.text for placeholder in PLACEHOLDERS.values())
    digits = re.sub(r"[^0-9]", "", secret)
    left = re.sub(r"[^0-9]", "", masked.text)
    assert not any(digits[i : i + 7] in left for i in range(len(digits) - 6))


@_PROPERTY
@given(text=st.lists(st.one_of(_chinese, _secrets, _digits), max_size=6).map("".join))
def test_mask_pii_spans_are_sorted_disjoint_and_replaced(text: str) -> None:
    masked = mask_pii(text)
    ends = [0]
    rebuilt, position = [], 0
    for span in masked.spans:
        assert span.start >= ends[-1]
        assert span.end > span.start
        ends.append(span.end)
        rebuilt.append(text[position : span.start] + PLACEHOLDERS[span.kind])
        position = span.end
    rebuilt.append(text[position:])
    assert masked.text == "".join(rebuilt)


_ordinary_numbers = st.one_of(
    st.builds("{}元".format, st.integers(0, 10**9)),
    st.builds("{}万元".format, st.integers(0, 9999)),
    st.builds(lambda day: f"{day:%Y-%m-%d}", st.dates()),
    st.builds(lambda day: f"{day:%Y}年{day.month}月{day.day}日", st.dates()),
    st.builds("{}:{:02d}".format, st.integers(0, 23), st.integers(0, 59)),
    st.builds("{}余名".format, st.integers(1, 9999)),
    st.builds("{}栋{}".format, st.integers(1, 99), st.integers(101, 3999)),
)


@_PROPERTY
@given(before=_chinese, number=_ordinary_numbers, after=_chinese)
def test_mask_pii_never_masks_amounts_dates_counts_or_house_numbers(
    before: str, number: str, after: str
) -> None:
    text = before + number + after
    assert mask_pii(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "电话13512345678万一打不通就报警",
        "+86 13213952577亿万",
        "(0755)5545255万一",
        "0431-88881234万",
    ],
)
def test_mask_pii_masks_phone_numbers_followed_by_wan_or_yi(text: str) -> None:
    masked = mask_pii(text)
    assert "<PHONE>" in masked.text
    assert not re.search(r"\d{7}", masked.text)


# --- the fast path changes nothing ---------------------------------------------------------------

_pii_like = st.lists(
    st.one_of(
        _secrets,
        _ordinary_numbers,
        st.text(st.sampled_from("0123456789*＊ -"), min_size=1, max_size=20),
        st.sampled_from(["+86", "(", "（", ")", "）", "转", "X", "吉A", "京AD", "粤B", "·", "学"]),
        _chinese,
    ),
    max_size=8,
).map("".join)


def _reference_find_pii(text: str) -> tuple[PiiSpan, ...]:
    """``find_pii`` as first written: no prefilter, every pattern run with ``finditer``."""
    candidates = []
    for pattern in _pii_patterns.patterns():
        for match in pattern.regex.finditer(text):
            digits = sum(c.isascii() and c.isdigit() for c in match.group())
            if pattern.min_digits and digits < pattern.min_digits:
                continue
            candidates.append(
                (match.start() - match.end(), pattern.priority, match.start(), pattern.kind)
            )
    taken: list[PiiSpan] = []
    for negative_length, _, start, kind in sorted(candidates):
        end = start - negative_length
        if all(end <= span.start or start >= span.end for span in taken):
            taken.append(PiiSpan(kind, start, end))
    return tuple(sorted(taken, key=lambda span: span.start))


@_PROPERTY
@given(text=_pii_like)
def test_find_pii_equals_plain_matching(text: str) -> None:
    assert find_pii(text) == _reference_find_pii(text)


@_PROPERTY
@given(text=_pii_like)
def test_pii_prefilter_finds_every_text_a_pattern_matches(text: str) -> None:
    if any(pattern.regex.search(text) for pattern in _pii_patterns.patterns()):
        assert _pii_patterns.prefilter().search(text) is not None


# --- numbers written in Chinese digits, plates written back to back -------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "一三九一二三四五六七八",
        "幺三九幺二三四五六七八",
        "一八六〇〇〇〇零零零零",
        "一三九○一二三四五六七",
        "一三九 一二三四 五六七八",
        "一三九-一二三四-五六七八",
        "139一二三四五六七八",
        "一三九1234五六七八",
        "139 一二三四 5678",
        "一三九****五六七八",
    ],
)
def test_mask_pii_masks_mobiles_in_chinese_digits(number: str) -> None:
    for text in (f"报警人电话{number}，称邻居占地", f"{number}", f"联系方式：{number}万一打不通"):
        masked = mask_pii(text)
        assert [span.kind for span in masked.spans] == ["phone"]
        assert number not in masked.text and "<PHONE>" in masked.text


@pytest.mark.parametrize(
    "text",
    [
        "三十一个人在现场",
        "共有一二三四号楼受影响",
        "依次为一二三四，五六七八",
        "一三五七九单号",
        "周一三五值班",
        "二〇二三年一月十五日",
        "一九九〇年出生",
        "一二三四五六七八九十",  # counting, not a mobile (second digit 二)
        "一三九一二三四五六七八十",  # touches 十: an ordinary number
        "三百一三九一二三四五六七八",  # touches 百
        "一三九一二三四五六七八元",  # an amount
        "一三九一二三四五六七",  # ten digits
        "一三九一二三四五六七八九",  # twelve digits
        "一五一十地说了",
        "两千三百一十四元",
    ],
)
def test_mask_pii_leaves_ordinary_chinese_numbers_alone(text: str) -> None:
    assert mask_pii(text) == MaskedText(text, ())


@pytest.mark.parametrize(
    ("text", "plates"),
    [
        ("京A12345京B67890", ["京A12345", "京B67890"]),
        ("车牌京A12345京B67890京C11111的车", ["京A12345", "京B67890", "京C11111"]),
        ("京AD12345粤B8K9L2", ["京AD12345", "粤B8K9L2"]),
        ("吉A·12345吉B·67890", ["吉A·12345", "吉B·67890"]),
        ("吉A1234学京B67890", ["吉A1234学", "京B67890"]),
    ],
)
def test_mask_pii_masks_plates_written_back_to_back(text: str, plates: list[str]) -> None:
    assert _kinds(text) == [("plate", plate) for plate in plates]
    assert all(plate not in mask_pii(text).text for plate in plates)


@pytest.mark.parametrize("text", ["编号A12京B", "3京A", "型号X京ABCDE", "G1京A级景区"])
def test_mask_pii_back_to_back_rule_needs_a_plate_before(text: str) -> None:
    assert mask_pii(text) == MaskedText(text, ())


_chinese_digit_texts = st.lists(
    st.one_of(
        st.text(st.sampled_from("〇○零一幺二三四五六七八九0123456789 -*"), min_size=1, max_size=14),
        st.sampled_from(["十", "百", "万", "元", "京A", "京B", "12345", "粤B", "学", "，"]),
        _chinese,
    ),
    max_size=8,
).map("".join)


@_PROPERTY
@given(text=_chinese_digit_texts)
def test_find_pii_equals_plain_matching_on_chinese_digits_and_plates(text: str) -> None:
    assert find_pii(text) == _reference_find_pii(text)
    if any(pattern.regex.search(text) for pattern in _pii_patterns.patterns()):
        assert _pii_patterns.prefilter().search(text) is not None


@_PROPERTY
@given(
    before=_chinese,
    digits=st.lists(st.sampled_from("〇零一幺二三四五六七八九"), min_size=9, max_size=9),
    second=st.sampled_from("三四五六七八九"),
    after=_chinese,
)
def test_mask_pii_leaves_no_chinese_digit_mobile(
    before: str, digits: list[str], second: str, after: str
) -> None:
    number = "一" + second + "".join(digits)
    text = f"{before}，电话{number}。{after}"
    assert number not in mask_pii(text).text

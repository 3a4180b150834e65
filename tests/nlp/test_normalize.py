"""Tests of normalisation: each step, script conversion, protected names, offsets, properties."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import jieba
import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin.contrib.tone_convert import to_normal
from pypinyin.pinyin_dict import pinyin_dict

from nlp import _norm_data, _norm_edits, _norm_fast, _norm_pinyin, _norm_script
from nlp.errors import InputFileError
from nlp.normalize import (
    NormalizedText,
    _all_steps,
    _all_steps_with_offsets,
    normalize,
    normalize_with_offsets,
)

_PROPERTY = settings(max_examples=200, deadline=None)
_DATA = Path(_norm_data.__file__).parent / "data"


def _norm(text: str) -> str:
    """Normalise by both entry points and insist they agree."""
    fast = normalize(text)
    assert normalize_with_offsets(text).text == fast
    return fast


def _source_of(text: str, piece: str) -> str:
    """The source text behind the first occurrence of ``piece`` in the normalised text."""
    result = normalize_with_offsets(text)
    start = result.text.index(piece)
    begin, end = result.source_span(start, start + len(piece))
    return text[begin:end]


# --- input type -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, b"\xe7\xba\xa0\xe7\xba\xb7", 42, ["纠纷"]])
def test_normalize_rejects_non_str(value: object) -> None:
    with pytest.raises(TypeError):
        normalize(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        normalize_with_offsets(value)  # type: ignore[arg-type]


def test_normalize_empty_text_stays_empty() -> None:
    result = normalize_with_offsets("")
    assert (result.text, result.offsets) == ("", (0,))


# --- markup -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("门口&nbsp;院子", "门口 院子"),
        ("张某&amp;李某", "张某&李某"),
        ("&#20320;们", "你们"),
        ("&#x4F60;们", "你们"),
        ("&lt;b&gt;", ""),  # unescapes to a tag, which is then stripped
        ("&amp;lt;PHONE&amp;gt;", "<PHONE>"),
        ("门口&nbsp院子", "门口 院子"),
        ("价格&quot;便宜&quot;", '价格"便宜"'),
        ("&#8203;纠纷", "纠纷"),  # an entity for a zero-width space is dropped too
        ("&#65313;&#65314;", "AB"),  # and one for full-width letters is folded
    ],
)
def test_normalize_unescapes_entities(raw: str, expected: str) -> None:
    assert _norm(raw) == expected


@pytest.mark.parametrize("raw", ["AT&T公司", "&foo;", "a&b;c", "&copyright声明", "P&G"])
def test_normalize_keeps_ampersands_that_are_not_entities(raw: str) -> None:
    assert _norm(raw) == raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("第一行<br>第二行", "第一行\n第二行"),
        ("第一行<br/>第二行<BR />第三行", "第一行\n第二行\n第三行"),
        ("<p class=x>段落</p>", "段落"),
        ('<span style="color:red">红字</span>', "红字"),
        ("<p>甲</p><p>乙</p>", "甲\n乙"),
        ("<b>加粗</b>文字", "加粗文字"),
        ("前<!-- 注释 -->后", "前后"),
        ("前<o:p></o:p>后", "前后"),
        ("<font color=red size=3>字</font>", "字"),
    ],
)
def test_normalize_strips_html_tags(raw: str, expected: str) -> None:
    assert _norm(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "电话<PHONE>，身份证<ID>，卡号<BANKCARD>，车牌<PLATE>",
        "如果a<b则c",
        "x<b and c>d",
        "住址<ADDRESS>",
        "<未知>标签",
        "<td nowrap>",
    ],
)
def test_normalize_keeps_angle_brackets_that_are_not_markup(raw: str) -> None:
    assert _norm(raw) == raw


# --- characters and whitespace ----------------------------------------------------------------


def test_normalize_folds_full_width_letters_digits_and_ideographic_space() -> None:
    assert _norm("ＡＢＣａｂｃ０１２\u3000号") == "ABCabc012 号"


def test_normalize_keeps_chinese_full_width_punctuation() -> None:
    text = "他说，今天。真的！为什么？注：（一）；完"
    assert _norm(text) == text


def test_normalize_maps_compatibility_ideographs_to_unified() -> None:
    assert _norm("新\uf92c\uf9dc") == "新\u90ce\u9686"  # 郎 隆


@pytest.mark.parametrize(
    "junk",
    [
        "\x00",
        "\x07",
        "\x1b",
        "\x7f",
        "\x9f",
        "\u200b",
        "\u200d",
        "\u202e",
        "\u2060",
        "\ufeff",
        "\ufffd",
        "\ue000",
        "\uf8ff",
        "\U000f0000",
        "\U0010fffd",
        "\ud800",
        "\xad",
        "\ufe0f",
    ],
)
def test_normalize_drops_invisible_and_junk_characters(junk: str) -> None:
    assert _norm(f"纠{junk}纷{junk}") == "纠纷"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  双方   发生\t\t纠纷  ", "双方 发生 纠纷"),
        ("第一行\r\n\r\n   第二行", "第一行\n第二行"),
        ("甲 \n \n 乙\u2028丙", "甲\n乙\n丙"),
        ("甲\u00a0\u3000乙", "甲 乙"),
        ("\n\n甲\n\n", "甲"),
    ],
)
def test_normalize_collapses_whitespace_keeping_one_line_break(raw: str, expected: str) -> None:
    assert _norm(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("救命！！！！", "救命！"),
        ("为什么？？？", "为什么？"),
        ("完了。。。", "完了。"),
        ("甲，，乙", "甲，乙"),
        ("help!!!", "help!"),
        ("真的？！", "真的？！"),
        ("他说……", "他说……"),
        ("他说…", "他说…"),
        ("他说…………", "他说……"),
        ("约3.5万元", "约3.5万元"),
    ],
)
def test_normalize_collapses_repeated_punctuation(raw: str, expected: str) -> None:
    assert _norm(raw) == expected


# --- pinyin -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("發(fā)生糾(jiū)紛(fēn)", "发生纠纷"),
        ("发（fā）生", "发生"),
        ("发(fa1)生(sheng1)", "发生"),
        ("发(fa)生(sheng)", "发生"),
        ("女(nǚ)子(zi)", "女子"),
        ("绿(lv4)化", "绿化"),
        ("女(nü)", "女"),
        ("发(fā)(fā)生", "发生"),
        ("发(fā）生", "发生"),
        ("啊(ā)", "啊"),
        ("嗯(ng2)", "嗯"),
    ],
)
def test_normalize_removes_pinyin_after_han_characters(raw: str, expected: str) -> None:
    assert _norm(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "报警人(男,45岁)称",
        "在（2019）年",
        "当事人(报警人)称",
        "方案(A)可行",
        "费用(注：已付)",
        "方案(a)可行",  # toneless single vowels read as list markers
        "手机(phone)",
        "(fā)开头",  # not after a Han character
        "abc(fa)",
        "发 (fā)",  # a space breaks the link
        "发(FA)",  # upper case is not pinyin
        "发(fǎā)",  # two tone marks
        "发(fā1)",  # a tone mark and a digit
        "发(xyz)",
    ],
)
def test_normalize_keeps_ordinary_parentheses(raw: str) -> None:
    assert _norm(raw) == raw


def test_pinyin_syllable_file_matches_pypinyin() -> None:
    expected = {to_normal(p, v_to_u=False) for v in pinyin_dict.values() for p in v.split(",")}
    expected.discard("ê")
    assert set(_norm_pinyin.syllables()) == expected
    assert {s for s, needs_tone in _norm_pinyin.syllables().items() if needs_tone} == {
        "a",
        "e",
        "o",
        "m",
        "n",
        "ng",
        "hm",
        "hng",
    }


# --- script conversion ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("計程車", "出租车"),
        ("軟體", "软件"),
        ("網路", "网络"),
        ("影片", "影片"),  # no Traditional character: could be Simplified, left alone
        ("他上傳了一段影片", "他上传了一段视频"),
        ("計程車司機說軟體有問題", "出租车司机说软件有问题"),
        ("行動電話被偷，隨身碟也不見了", "移动电话被偷，U盘也不见了"),
        ("他看著對方", "他看着对方"),
    ],
)
def test_normalize_converts_taiwan_text_with_vocabulary(raw: str, expected: str) -> None:
    assert _norm(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("唔該，佢冇嚟", "唔该，佢冇嚟"),
        ("佢哋喺屋企門口嗌交咗", "佢哋喺屋企门口嗌交咗"),
        ("呢個係乜嘢", "呢个系乜嘢"),
        ("衞生間", "卫生间"),
        ("敍述", "叙述"),
        ("枱面", "台面"),
    ],
)
def test_normalize_converts_hong_kong_text_keeping_cantonese_words(raw: str, expected: str) -> None:
    assert _norm(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2023年5月1日，报警人张某称其与邻居李某因宅基地边界发生纠纷。",
        "他看了一部影片，按程序处理，呼叫救护车。",
        "他把门打坏了，破坏土地，还说了什么。",
        "乾隆年间的著名建筑，于是伙同他人。",
        "乾安县、乾县、乾陵和蚌埠市的派出所。",
        "哈萨克族村民反映停用的文件资料被复制。",
        "社区民警建立档案，执行专案任务。",
    ],
)
def test_normalize_leaves_simplified_text_unchanged(text: str) -> None:
    assert _norm(text) == text


def test_normalize_maps_stray_traditional_characters_one_by_one() -> None:
    # One Traditional character in a long Simplified report: no phrase rules (影片 stays).
    text = "报警人称其看了一部影片后与邻居李某因宅基地边界问题发生糾纷，双方在村口争吵"
    assert _norm(text) == text.replace("糾", "纠")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("依程序處理", "依程序处理"),
        ("呼叫救護車", "呼叫救护车"),
        ("請求支援", "请求支援"),
        ("強制執行", "强制执行"),
        ("通話記錄顯示", "通话记录显示"),
        ("哈薩克族村民", "哈萨克族村民"),
        ("外埠車輛", "外埠车辆"),
        ("為什么", "为什么"),
        ("打壞門窗，他說破坏土地", "打坏门窗，他说破坏土地"),
    ],
)
def test_normalize_keeps_protected_terms_in_traditional_text(raw: str, expected: str) -> None:
    assert _norm(raw) == expected


def test_normalize_converts_what_opencc_gets_right_without_protection() -> None:
    # The traditional spellings OpenCC already handles, so no list entry is needed for them.
    assert _norm("瀋陽市鬱南縣於都縣") == "沈阳市郁南县于都县"


@cache
def _to_traditional() -> tuple[opencc.OpenCC, ...]:
    return tuple(opencc.OpenCC(config) for config in ("s2t", "s2tw", "s2hk"))


def _protected_names() -> list[tuple[str, list[str]]]:
    return [
        (columns[0], columns[1:]) for _, columns in _norm_data.read_rows("protected_places.txt")
    ]


def test_protected_places_file_documents_itself_and_lists_the_known_traps() -> None:
    lines = (_DATA / "protected_places.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#")
    names = {name for name, _ in _protected_names()}
    assert {"乾安县", "乾县", "乾陵", "蚌埠"} <= names


@pytest.mark.parametrize(("name", "extra"), _protected_names())
def test_normalize_writes_protected_places_in_official_form(name: str, extra: list[str]) -> None:
    spellings = {name, *extra}
    spellings |= {converter.convert(name) for converter in _to_traditional()}
    for spelling in spellings:
        assert _norm(spelling) == name
        assert _norm(f"報警人稱在{spelling}與鄰居發生糾紛") == f"报警人称在{name}与邻居发生纠纷"
        assert _norm(f"报警人称在{spelling}与邻居发生纠纷") == f"报警人称在{name}与邻居发生纠纷"


def test_protected_places_are_needed_for_the_simplified_qian_names() -> None:
    # The finding the list records: t2s breaks these Simplified names on its own.
    converter = opencc.OpenCC("t2s")
    assert converter.convert("乾安县") == "干安县"
    assert converter.convert("乾县") == "干县"
    assert _norm("乾安县") == "乾安县"


def test_normalize_keeps_chinese_county_names_through_traditional_round_trip() -> None:
    dictionary = Path(jieba.__file__).parent / "dict.txt"
    names = [
        parts[0]
        for parts in (line.split() for line in dictionary.read_text(encoding="utf-8").splitlines())
        if len(parts) == 3 and parts[2] == "ns" and parts[0][-1] in "县区镇乡旗"
    ]
    assert len(names) > 1000
    broken = [
        (name, spelling)
        for name in names
        for spelling in {converter.convert(name) for converter in _to_traditional()}
        if name not in _norm(f"報警人稱在{spelling}與鄰居發生糾紛")
    ]
    assert broken == []


def test_script_tables_cover_hong_kong_variants_and_spare_simplified_characters() -> None:
    tables = _norm_script.tables()
    hong_kong = {chr(k): chr(v) for k, v in tables.hong_kong.items()}
    assert hong_kong.items() >= {"衞": "卫", "敍": "叙"}.items()
    simplified = {columns[0] for _, columns in _norm_data.read_rows("norm_simplified_chars.txt")}
    assert "乾" in simplified
    assert not simplified & {chr(code) for code in tables.characters}
    assert tables.characters[ord("後")] == ord("后")


def test_read_rows_reports_a_missing_data_file() -> None:
    with pytest.raises(InputFileError, match="reinstall"):
        _norm_data.read_rows("no_such_file.txt")


def test_read_rows_skips_comments_and_splits_columns() -> None:
    rows = _norm_data.read_rows("protected_places.txt")
    assert all(not columns[0].startswith("#") for _, columns in rows)
    assert ["澄江", "澂江"] in [columns for _, columns in rows]


@pytest.mark.parametrize(
    ("rows", "build"),
    [
        ([(7, ["Fa"])], lambda: _norm_pinyin.syllables.__wrapped__()),
        ([(7, ["fa", "toned"])], lambda: _norm_pinyin.syllables.__wrapped__()),
        ([(7, ["乾隆"])], lambda: _norm_script._simplified_chars()),
        ([(7, ["干安縣"])], lambda: _norm_script._protected(_norm_script.tables().characters)),
        ([(7, ["road"])], lambda: _norm_script._protected(_norm_script.tables().characters)),
        (
            [(7, ["乾县"]), (8, ["乾县"])],
            lambda: _norm_script._protected(_norm_script.tables().characters),
        ),
    ],
)
def test_malformed_data_lines_fail_with_the_line_number(
    monkeypatch: pytest.MonkeyPatch,
    rows: list[tuple[int, list[str]]],
    build: Callable[[], object],
) -> None:
    monkeypatch.setattr(_norm_pinyin, "read_rows", lambda name: rows)
    monkeypatch.setattr(_norm_script, "read_rows", lambda name: rows)
    with pytest.raises(InputFileError, match=r"line [78]\b"):
        build()


# --- offsets ----------------------------------------------------------------------------------


def test_source_span_maps_traditional_words_back() -> None:
    assert _source_of("計程車司機說軟體有問題", "软件") == "軟體"
    assert _source_of("計程車司機說軟體有問題", "出租车司机") == "計程車司機"


def test_source_span_maps_length_changing_conversion_back() -> None:
    text = "他的隨身碟被偷了"
    assert normalize(text) == "他的U盘被偷了"
    assert _source_of(text, "U盘") == "隨身碟"
    assert _source_of(text, "被偷了") == "被偷了"


def test_source_span_maps_entities_back() -> None:
    text = "门口&amp;院子&#20320;们&nbsp;好"
    assert _source_of(text, "&") == "&amp;"
    assert _source_of(text, "你们") == "&#20320;们"
    assert _source_of(text, "们 好") == "们&nbsp;好"


def test_source_span_maps_pinyin_damaged_text_back() -> None:
    text = "對方發(fā)生糾(jiū)紛(fēn)後"
    assert _source_of(text, "纠纷") == "糾(jiū)紛"
    assert _source_of(text, "发生") == "發(fā)生"
    assert _source_of(text, "后") == "後"


def test_source_span_maps_folded_and_cleaned_text_back() -> None:
    text = "  车牌ＡＢ１２\u200b３<br>第二行  "
    result = normalize_with_offsets(text)
    assert result.text == "车牌AB123\n第二行"
    assert _source_of(text, "AB123") == "ＡＢ１２\u200b３"
    assert _source_of(text, "\n") == "<br>"
    assert result.offsets[-1] == len(text)


def test_source_span_of_empty_span_is_empty() -> None:
    result = normalize_with_offsets("發生糾紛")
    assert result.source_span(2, 2) == (2, 2)
    assert result.source_span(4, 4) == (4, 4)


@pytest.mark.parametrize(("start", "end"), [(-1, 1), (2, 1), (0, 5)])
def test_source_span_rejects_spans_outside_the_text(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        normalize_with_offsets("發生糾紛").source_span(start, end)


def test_normalized_text_validates_offsets() -> None:
    with pytest.raises(ValueError, match="offsets"):
        NormalizedText(source="ab", text="ab", offsets=(0, 1))
    with pytest.raises(ValueError, match="ends"):
        NormalizedText(source="ab", text="ab", offsets=(0, 1, 2), ends=(1,))


def test_normalized_text_without_ends_spans_to_next_offset() -> None:
    result = NormalizedText(source="a b", text="ab", offsets=(0, 2, 3))
    assert result.source_span(0, 1) == (0, 2)


# --- properties -------------------------------------------------------------------------------

_TRADITIONAL = (
    "計程車軟體網路影片發生糾紛乾安縣蚌埠於潜唔該嘅冇咗佢衞生間後山程序呼叫資料壞么麼著乾淨鬱瀋藉"
)
_SIMPLIFIED = "发生纠纷邻居土地工资债务打坏破坏报警人称其与乾隆影片程序什么乾县"
_pieces = st.one_of(
    st.text(st.sampled_from(_TRADITIONAL + _SIMPLIFIED), max_size=12),
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=8),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8),
    st.text(st.sampled_from("ＡＢＣａｂ０１２\u3000，。！？：；（）…、!?,;～ \t\n\r"), max_size=6),
    st.sampled_from(
        [
            "&nbsp;",
            "&amp;",
            "&#20320;",
            "&lt;",
            "&gt;",
            "&amp;lt;",
            "&",
            ";",
            "&#x4F60;",
            "<br>",
            "<p class=x>",
            "</span>",
            "<PHONE>",
            "<",
            ">",
            "(fā)",
            "（jiū）",
            "(fa1)",
            "(fa)",
            "(A)",
            "(",
            ")",
            "（",
            "）",
            "\u200b",
            "\ufeff",
            "\ufffd",
            "\ue000",
            "\U000f0001",
            "\x00",
            "\u2028",
            "\ud800",
            "\uf900",
        ]
    ),
    st.text(max_size=6),
)
mixed_text = st.lists(_pieces, max_size=10).map("".join)


@_PROPERTY
@given(text=mixed_text)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@_PROPERTY
@given(text=mixed_text)
def test_normalize_equals_normalize_with_offsets(text: str) -> None:
    assert normalize_with_offsets(text).text == normalize(text)


@_PROPERTY
@given(text=mixed_text)
def test_normalize_with_offsets_maps_every_character_inside_the_source(text: str) -> None:
    result = normalize_with_offsets(text)
    assert len(result.offsets) == len(result.text) + 1
    assert result.offsets[-1] == len(text)
    assert list(result.offsets) == sorted(result.offsets)
    for index in range(len(result.text)):
        begin, end = result.source_span(index, index + 1)
        assert 0 <= begin < end <= len(text)


def _gb2312_level_one() -> list[str]:
    """The 3,755 commonest Simplified characters, less the few that are Traditional in practice."""
    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    traditional = _norm_script.tables().characters
    return [char for char in chars if ord(char) not in traditional]


_simplified_chars = st.sampled_from(_gb2312_level_one())


@_PROPERTY
@given(
    text=st.lists(st.text(_simplified_chars, min_size=1, max_size=15), max_size=6).map("，".join)
)
def test_normalize_passes_simplified_text_through(text: str) -> None:
    assert normalize(text) == text


@_PROPERTY
@given(text=st.text(st.sampled_from(_TRADITIONAL + "，"), max_size=40))
def test_normalize_leaves_no_traditional_only_character(text: str) -> None:
    tables = _norm_script.tables()
    assert not re.search(tables.traditional, normalize(text))


# --- shortcuts -----------------------------------------------------------------------------------

_clean_pieces = st.one_of(
    st.sampled_from(["发生纠纷", "報警人稱", "乾县", "濬县", "程序", "衞生", "打坏", "。", "，"]),
    st.text(st.sampled_from(_TRADITIONAL + _SIMPLIFIED + "，。！？ \n"), max_size=8),
)


@_PROPERTY
@given(text=mixed_text | st.lists(_clean_pieces, max_size=8).map("".join))
def test_normalize_shortcuts_equal_running_every_step(text: str) -> None:
    assert normalize_with_offsets(text) == _all_steps_with_offsets(text)
    assert normalize(text) == _all_steps(text)


@pytest.mark.parametrize(
    ("text", "characters_idle", "script_idle"),
    [
        ("报警人称邻居吵架。\n要求处理", True, True),
        ("報警人稱鄰居吵架", True, False),
        ("在濬县发生纠纷", True, False),
        ("a  b", False, True),
        (" 开头有空格", False, True),
        ("全角１２３", False, True),
        ("好！！", False, True),
        ("发(fā)生", False, True),
        ("&amp;", False, True),
        ("\u200b", False, True),
        ("𠮷", False, True),
        ("……", True, True),
        ("（以下简称甲方）", True, True),
    ],
)
def test_norm_fast_checks(text: str, characters_idle: bool, script_idle: bool) -> None:
    assert _norm_fast.character_steps_idle(text) is characters_idle
    assert _norm_fast.script_step_idle(text) is script_idle


def test_norm_fast_whitespace_class_is_what_the_regex_engine_calls_whitespace() -> None:
    others = {c for c in map(chr, range(0x10000)) if re.match(r"\s", c)} - {" ", "\n"}
    assert set(_norm_fast._other_whitespace()) == others


@_PROPERTY
@given(text=st.text(st.sampled_from(_TRADITIONAL + _SIMPLIFIED + "，a1"), max_size=30))
def test_map_characters_equals_translate(text: str) -> None:
    tables = _norm_script.tables()
    assert _norm_script._map_characters(tables, text) == text.translate(tables.characters)


@pytest.mark.parametrize(("start", "stop"), [(0, 0), (0, 1), (1, 91), (0, 4097), (1, 5000)])
def test_identity_offsets_equal_a_range(start: int, stop: int) -> None:
    assert _norm_edits.identity(start, stop) == tuple(range(start, stop))

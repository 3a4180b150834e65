"""Tests of word segmentation: lossless cuts, domain words, placeholders, registry, dictionary."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp import _seg_backends, _seg_dict
from nlp.errors import InputFileError, InvalidRecordError, UnknownComponentError
from nlp.segment import (
    DEFAULT_SEGMENTER,
    PLACEHOLDER_PATTERN,
    SEGMENTERS,
    Segmenter,
    domain_dictionary_sha256,
    get_segmenter,
)

BACKENDS = SEGMENTERS.names()
PLACEHOLDERS = ("<PHONE>", "<ID>", "<BANKCARD>", "<PLATE>")

# Each sentence holds domain words that must come out as single tokens.
DOMAIN_SENTENCES = {
    "村民反映邻居挪动宅基地界桩，双方调解未果": ("宅基地", "界桩", "调解未果"),
    "包工头拖欠工资，农民工到工地讨薪": ("包工头", "农民工", "讨薪"),
    "他说他家讨薪村了": ("讨薪",),
    "他说去界桩基了": ("界桩",),
    "对方扬言要喝农药，已通知司法所和劳动监察": ("喝农药", "司法所", "劳动监察"),
    "拆迁款分配不均引发纠纷": ("拆迁款", "纠纷"),
}

_han = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
_ascii = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
_punctuation = st.sampled_from(list("，。！？；：、“”‘’（）《》【】—…·％＋－ \t\r\n\u3000"))
_pieces = st.one_of(
    st.text(st.one_of(_han, _ascii, _punctuation), max_size=30),
    st.sampled_from(PLACEHOLDERS),
    st.sampled_from([word for words in DOMAIN_SENTENCES.values() for word in words]),
    st.text(max_size=10),
)
mixed_text = st.lists(_pieces, max_size=8).map("".join)
_PROPERTY = settings(max_examples=150, deadline=None)


@pytest.fixture(scope="module", params=BACKENDS)
def segmenter(request: pytest.FixtureRequest) -> Segmenter:
    return get_segmenter(request.param)


@_PROPERTY
@given(text=mixed_text)
def test_segment_cut_rejoins_arbitrary_text(segmenter: Segmenter, text: str) -> None:
    tokens = segmenter.cut(text)
    assert "".join(tokens) == text
    assert all(tokens)


@_PROPERTY
@given(text=mixed_text)
def test_segment_cut_keeps_every_placeholder_whole(segmenter: Segmenter, text: str) -> None:
    tokens = segmenter.cut(text)
    placeholder_tokens = [token for token in tokens if PLACEHOLDER_PATTERN.fullmatch(token)]
    assert placeholder_tokens == PLACEHOLDER_PATTERN.findall(text)


@pytest.mark.parametrize(("sentence", "words"), DOMAIN_SENTENCES.items())
def test_segment_cut_keeps_domain_words_whole(
    segmenter: Segmenter, sentence: str, words: tuple[str, ...]
) -> None:
    tokens = segmenter.cut(sentence)
    for word in words:
        assert word in tokens


@pytest.mark.parametrize(
    "text",
    [
        "报警人电话<PHONE>，身份证<ID>，卡号<BANKCARD>，车牌<PLATE>。",
        "<PHONE><ID><BANKCARD><PLATE>",
        "abc<ID>123 <PLATE>x",
        "<PHONE",
        "<phone> < ID >",
    ],
)
def test_segment_cut_splits_off_placeholders(segmenter: Segmenter, text: str) -> None:
    tokens = segmenter.cut(text)
    assert "".join(tokens) == text
    assert [t for t in tokens if t in PLACEHOLDERS] == re.findall(r"<[A-Z]+>", text)


@pytest.mark.parametrize("text", ["\ud800", "宅基地\udfff界桩<PHONE>\ud83d", "a\udc00b"])
def test_segment_cut_rejoins_lone_surrogates(segmenter: Segmenter, text: str) -> None:
    assert "".join(segmenter.cut(text)) == text


def test_segment_cut_of_empty_text_is_empty(segmenter: Segmenter) -> None:
    assert segmenter.cut("") == []


def test_segment_cut_many_matches_cut(segmenter: Segmenter) -> None:
    texts = [*DOMAIN_SENTENCES, "", "<PHONE>"]
    assert segmenter.cut_many(texts) == [segmenter.cut(text) for text in texts]


@pytest.mark.parametrize("value", [b"\xe5\xae\x85", None, 3])
def test_segment_cut_rejects_non_text(segmenter: Segmenter, value: object) -> None:
    with pytest.raises(InvalidRecordError) as caught:
        segmenter.cut(value)  # type: ignore[arg-type]
    assert caught.value.code == "NOT_TEXT"


def test_segment_name_is_registry_key(segmenter: Segmenter) -> None:
    assert segmenter.name in SEGMENTERS
    assert get_segmenter(segmenter.name) is segmenter
    assert isinstance(segmenter, Segmenter)


@settings(max_examples=200, deadline=None)
@given(text=mixed_text)
def test_segment_rjieba_nohmm_agrees_with_jieba_nohmm(text: str) -> None:
    # The default backend is chosen on the claim that it reproduces jieba exactly.
    reference = get_segmenter("segment.jieba_nohmm.v1")
    assert get_segmenter("segment.rjieba_nohmm.v1").cut(text) == reference.cut(text)


def test_get_segmenter_default_is_registered() -> None:
    assert DEFAULT_SEGMENTER in SEGMENTERS
    assert get_segmenter().name == DEFAULT_SEGMENTER


def test_get_segmenter_unknown_name_lists_registered_names() -> None:
    with pytest.raises(UnknownComponentError) as caught:
        get_segmenter("segment.nonexistent.v1")
    assert caught.value.code == "UNKNOWN_COMPONENT"
    assert DEFAULT_SEGMENTER in caught.value.message


@pytest.mark.parametrize("module_name", ["rjieba", "jieba"])
def test_segment_missing_backend_fails_without_fallback(
    monkeypatch: pytest.MonkeyPatch, module_name: str
) -> None:
    monkeypatch.setitem(sys.modules, module_name, None)
    entries = _seg_dict.read_user_dict(_seg_dict.user_dict_path())
    with pytest.raises(UnknownComponentError, match="pip install"):
        if module_name == "rjieba":
            _seg_backends.build_rjieba(entries)
        else:
            _seg_backends.build_jieba_tokenizer(module_name, entries)


@pytest.mark.parametrize("module_name", ["jieba"])
def test_segment_jieba_build_touches_no_temp_file_and_prints_nothing(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    module_name: str,
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    entries = _seg_dict.read_user_dict(_seg_dict.user_dict_path())
    tokenizer = _seg_backends.build_jieba_tokenizer(module_name, entries)
    segmenter = _seg_backends.JiebaSegmenter("test", tokenizer, hmm=True)
    assert "界桩" in segmenter.cut("他说去界桩基了")
    assert list(tmp_path.iterdir()) == []
    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_read_user_dict_parses_shipped_dictionary() -> None:
    entries = _seg_dict.read_user_dict(_seg_dict.user_dict_path())
    words = {entry.word for entry in entries}
    assert len(words) == len(entries) >= 300
    assert {"宅基地", "界桩", "包工头", "讨薪", "调解未果", "同归于尽"} <= words
    assert all(entry.freq > 0 and entry.tag for entry in entries)


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("宅基地 500 n\n界桩 n\n", 2),
        ("宅基地 500 n\n界桩 0 n\n", 2),
        ("宅基地 500 n\n\n", 2),
        ("宅基地  500 n\n", 1),
        ("\ufeff宅基地 500 n\n", 1),
        ("宅基地 500 n\n界桩 500 n\n宅基地 600 n\n", 3),
    ],
)
def test_read_user_dict_names_the_bad_line(tmp_path: Path, content: str, line: int) -> None:
    path = tmp_path / "dict.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match=rf"line {line}\b"):
        _seg_dict.read_user_dict(path)


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe\x00"])
def test_read_user_dict_rejects_empty_or_non_utf8_file(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "dict.txt"
    path.write_bytes(raw)
    with pytest.raises(InputFileError):
        _seg_dict.read_user_dict(path)


def test_read_user_dict_rejects_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="cannot read"):
        _seg_dict.read_user_dict(tmp_path / "absent.txt")


def test_domain_dictionary_sha256_matches_file_bytes() -> None:
    import hashlib

    expected = hashlib.sha256(_seg_dict.user_dict_path().read_bytes()).hexdigest()
    assert domain_dictionary_sha256() == expected


def test_segment_placeholder_pattern_covers_pii_placeholders() -> None:
    from nlp.pii import PLACEHOLDERS as PII_PLACEHOLDERS

    for placeholder in PII_PLACEHOLDERS.values():
        assert PLACEHOLDER_PATTERN.fullmatch(placeholder)

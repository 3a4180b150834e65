"""Character vocabularies and the tokenizer built on them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from models.transformer.tokenizer import (
    PLACEHOLDER_TOKENS,
    SPECIAL_TOKENS,
    build_vocabulary,
    make_tokenizer,
    model_text,
)


def test_build_vocabulary_orders_specials_then_placeholders_then_frequent_characters():
    vocabulary = build_vocabulary(["邻居吵架", "邻居打架", "<PHONE>邻"], min_count=2)
    fixed = len(SPECIAL_TOKENS) + len(PLACEHOLDER_TOKENS)
    assert vocabulary[:fixed] == [*SPECIAL_TOKENS, *PLACEHOLDER_TOKENS]
    assert vocabulary[fixed:] == ["邻", "居", "架"]


def test_build_vocabulary_adds_continuations_for_latin_and_digits_only():
    vocabulary = build_vocabulary(["ab12 ab12 邻邻"], min_count=1)
    assert {"##a", "##1"} <= set(vocabulary)
    assert "##邻" not in vocabulary


def test_tokenizer_keeps_placeholders_whole_and_offsets_exact():
    text = model_text("邻居电话13812345678吵架")
    tokenizer = make_tokenizer(build_vocabulary([text], 1), 64)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"])
    assert "<PHONE>" in tokens
    assert "[UNK]" not in tokens
    for token, (start, end) in zip(tokens, encoded["offset_mapping"], strict=True):
        assert text[start:end] == token


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet="邻居吵架欠款工资ab12，。 <>PHONE", min_size=1, max_size=40))
def test_tokenizer_offsets_stay_inside_the_text(text):
    tokenizer = make_tokenizer(build_vocabulary([text], 1), 64)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    for start, end in encoded["offset_mapping"]:
        assert 0 <= start < end <= len(text)

import pytest

from nlp.errors import InvalidRecordError
from nlp.validate import validate_text

SECRET = "张三打了李四一拳"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "NOT_TEXT"),
        (42, "NOT_TEXT"),
        (["a"], "NOT_TEXT"),
        ("", "EMPTY_TEXT"),
        ("  \n\t", "EMPTY_TEXT"),
    ],
)
def test_validate_text_rejects_bad_values_with_stable_codes(value, code):
    with pytest.raises(InvalidRecordError) as caught:
        validate_text(value)
    assert caught.value.code == code


def test_validate_text_too_long_message_never_contains_text():
    with pytest.raises(InvalidRecordError) as caught:
        validate_text(SECRET * 10, max_chars=20)
    assert caught.value.code == "TEXT_TOO_LONG"
    assert SECRET not in caught.value.message


def test_validate_text_returns_valid_text_unchanged():
    assert validate_text(SECRET) == SECRET

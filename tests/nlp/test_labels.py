import pytest

from nlp.errors import UnknownLabelError
from nlp.labels import (
    DEFAULT_GRADE_COLOURS,
    DISPUTE_TYPES,
    RISK_GRADES,
    parse_dispute_type,
    parse_escalation,
    parse_risk_grade,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("land", "land"), ("土地", "land"), (" Wages ", "wages"), ("其他", "other")],
)
def test_parse_dispute_type_accepts_ids_and_display_names(value, expected):
    assert parse_dispute_type(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("一般", "general"), ("复杂", "complex"), ("疑难", "difficult"), ("difficult", "difficult")],
)
def test_parse_risk_grade_accepts_ids_and_display_names(value, expected):
    assert parse_risk_grade(value) == expected


@pytest.mark.parametrize("value", ["", "土地纠纷", None, 3, "red"])
def test_parse_label_rejects_unknown_values(value):
    with pytest.raises(UnknownLabelError):
        parse_dispute_type(value)
    with pytest.raises(UnknownLabelError):
        parse_risk_grade(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (0, False), ("true", True), ("是", True), ("否", False), ("no", False)],
)
def test_parse_escalation_accepts_truth_values(value, expected):
    assert parse_escalation(value) is expected


@pytest.mark.parametrize("value", ["maybe", 2, None, 0.5])
def test_parse_escalation_rejects_other_values(value):
    with pytest.raises(UnknownLabelError):
        parse_escalation(value)


def test_labels_declare_display_names_and_colours_for_every_grade():
    assert list(DISPUTE_TYPES) == ["land", "neighbour", "debt", "wages", "other"]
    assert set(DEFAULT_GRADE_COLOURS) == set(RISK_GRADES)
    assert all(
        name and not name.isascii() for name in [*DISPUTE_TYPES.values(), *RISK_GRADES.values()]
    )

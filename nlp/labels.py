"""The label schema: stable English ids with their Chinese display names, declared once.

Definitions, examples and hard cases are in ``datasets/LABELS.md``.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from nlp.errors import UnknownLabelError

DISPUTE_TYPES: Final = MappingProxyType(
    {"land": "土地", "neighbour": "邻里", "debt": "债务", "wages": "工资", "other": "其他"}
)
"""Dispute type id -> display name, in a fixed order."""

RISK_GRADES: Final = MappingProxyType({"general": "一般", "complex": "复杂", "difficult": "疑难"})
"""Risk grade id -> display name, ordered from least to most serious."""

DEFAULT_GRADE_COLOURS: Final = MappingProxyType(
    {"general": "绿", "complex": "黄", "difficult": "红"}
)
"""Default colour per risk grade; localities override it in configuration."""

DISPUTE_TYPE_IDS: Final = tuple(DISPUTE_TYPES)
RISK_GRADE_IDS: Final = tuple(RISK_GRADES)

_TRUE_WORDS: Final = frozenset({"true", "1", "yes", "y", "是", "有", "真"})
_FALSE_WORDS: Final = frozenset({"false", "0", "no", "n", "否", "无", "没有", "假"})


def _parse(value: object, labels: MappingProxyType[str, str], field: str) -> str:
    if isinstance(value, str):
        key = value.strip()
        if key.lower() in labels:
            return key.lower()
        for label_id, display in labels.items():
            if key == display:
                return label_id
    known = ", ".join(f"{k} ({v})" for k, v in labels.items())
    raise UnknownLabelError(
        f"{field} must be one of {known}; got a value of type {type(value).__name__}"
    )


def parse_dispute_type(value: object) -> str:
    """Stable id of a dispute type given as id (``"land"``) or display name (``"土地"``).

    Raises:
        UnknownLabelError: the value is neither.
    """
    return _parse(value, DISPUTE_TYPES, "dispute_type")


def parse_risk_grade(value: object) -> str:
    """Stable id of a risk grade given as id (``"complex"``) or display name (``"复杂"``).

    Raises:
        UnknownLabelError: the value is neither.
    """
    return _parse(value, RISK_GRADES, "risk_grade")


def parse_escalation(value: object) -> bool:
    """Return the escalation flag given as a bool, 0/1, or a yes/no word in English or Chinese.

    Raises:
        UnknownLabelError: the value is not a recognised truth value.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise UnknownLabelError("escalation must be true/false (or 1/0, 是/否)")


ESCALATION_NAMES: Final = MappingProxyType({True: "是", False: "否"})
"""Escalation flag -> Chinese display name."""


def _canonical(value: object, labels: MappingProxyType[str, str], field: str) -> str:
    if isinstance(value, str):
        if value in labels:
            return value
        for label_id, display in labels.items():
            if value == display:
                return label_id
    known = ", ".join(f"{k} ({v})" for k, v in labels.items())
    raise UnknownLabelError(
        f"{field} must be exactly one of {known}; got another value of type {type(value).__name__}"
    )


def canonical_dispute_type(value: object) -> str:
    """Stable id of a dispute type given exactly as its id or its Chinese display name.

    Unlike ``parse_dispute_type`` nothing is folded: ``"LAND"`` or ``" land"`` is refused.

    Raises:
        UnknownLabelError: the value is neither.
    """
    return _canonical(value, DISPUTE_TYPES, "dispute_type")


def canonical_risk_grade(value: object) -> str:
    """Stable id of a risk grade given exactly as its id or its Chinese display name.

    Raises:
        UnknownLabelError: the value is neither.
    """
    return _canonical(value, RISK_GRADES, "risk_grade")


def canonical_escalation(value: object) -> bool:
    """The escalation flag given as a JSON boolean or its Chinese name (``是``/``否``).

    Unlike ``parse_escalation``, ``1``, ``"yes"`` or ``"真"`` are refused.

    Raises:
        UnknownLabelError: the value is neither.
    """
    if isinstance(value, bool):
        return value
    for flag, display in ESCALATION_NAMES.items():
        if isinstance(value, str) and value == display:
            return flag
    raise UnknownLabelError("escalation must be true or false (or 是/否)")

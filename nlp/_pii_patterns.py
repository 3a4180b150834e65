"""Regular expressions for the personal data ``nlp.pii`` masks, built once from ``pii_chars.txt``.

The text is already normalised, so digits are ASCII. ``*`` and ``＊`` are masking characters
(``135****8820``); a masked number is still a number of that kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from nlp._norm_data import read_rows
from nlp.errors import InputFileError

CHARS_FILE: Final = "pii_chars.txt"
_ROLES: Final = ("provinces", "plate_suffixes", "amount_units", "extension_marks")

_MASK: Final = "*＊"
_NO_DIGIT_BEFORE: Final = f"(?<![0-9{_MASK}])"
_NO_DIGIT_AFTER: Final = f"(?![0-9{_MASK}])"
_BIRTH_DATE: Final = r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_PLATE_LETTER: Final = "A-HJ-NP-Za-hj-np-z"  # plates never use I or O


@dataclass(frozen=True, slots=True)
class PiiPattern:
    """One way a kind of personal data is written; ``priority`` breaks ties (lower wins)."""

    kind: str
    priority: int
    regex: re.Pattern[str]
    min_digits: int = 0
    """Fewest ASCII digits a match must hold (plates: 2, so 京A·BCDEF-like words stay)."""


@cache
def _chars() -> dict[str, str]:
    roles: dict[str, str] = {}
    for number, columns in read_rows(CHARS_FILE):
        if len(columns) != 2 or columns[0] not in _ROLES or columns[0] in roles:
            raise InputFileError(
                f"nlp/data/{CHARS_FILE} line {number}: expected ROLE<TAB>CHARACTERS with ROLE one "
                f"of {', '.join(_ROLES)}, each once; fix the line"
            )
        roles[columns[0]] = columns[1]
    missing = [role for role in _ROLES if role not in roles]
    if missing:
        raise InputFileError(f"nlp/data/{CHARS_FILE} lacks the roles {', '.join(missing)}")
    return roles


@cache
def patterns() -> tuple[PiiPattern, ...]:
    """All patterns, most specific kind first."""
    chars = _chars()
    provinces = re.escape(chars["provinces"])
    suffixes = re.escape(chars["plate_suffixes"])
    # 万 and 亿 also begin ordinary words (万一, 亿万), so only units that end an amount keep a
    # phone-shaped number unmasked: a leaked phone number costs more than a masked amount.
    closing_units = "".join(unit for unit in chars["amount_units"] if unit not in "万亿")
    not_amount = f"(?!\\s?[{re.escape(closing_units)}])"
    digit_or_mask = f"[0-9{_MASK}]"
    mobile = f"(?:(?:\\+|00)86[- ]?)?1[3-9][0-9](?:[- ]?{digit_or_mask}{{4}}){{2}}"
    extension = f"(?:[-{re.escape(chars['extension_marks'])}][0-9]{{1,5}})?"
    landline = r"(?:[(（]0[0-9]{2,3}[)）][- ]?|0[0-9]{2,3}[- ]?)[0-9]{7,8}" + extension
    id_18 = f"[1-9][0-9]{{5}}{_BIRTH_DATE}[0-9]{{3}}[0-9Xx]"
    id_15 = r"[1-9][0-9]{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}"  # YYMMDD
    id_masked = (
        f"[1-9][0-9]{{3}}(?=[0-9{_MASK}]*[{_MASK}])"
        f"(?:{digit_or_mask}{{13}}[0-9Xx{_MASK}]|{digit_or_mask}{{11}})"
    )
    bank_card = f"[0-9]{{4}}(?:[- ]?{digit_or_mask}{{4}}){{3}}(?:[- ]?[0-9]{{1,3}})?"
    plate = (
        f"(?<![A-Za-z0-9])[{provinces}][{_PLATE_LETTER}][·•・.\\- ]?"
        f"(?:[0-9{_PLATE_LETTER}]{{5,6}}|[0-9{_PLATE_LETTER}]{{4}}[{suffixes}])(?![A-Za-z0-9])"
    )
    return (
        PiiPattern("id_number", 0, re.compile(f"{_NO_DIGIT_BEFORE}(?:{id_18}|{id_15})(?![0-9])")),
        PiiPattern("id_number", 1, re.compile(f"{_NO_DIGIT_BEFORE}{id_masked}{_NO_DIGIT_AFTER}")),
        PiiPattern("bank_card", 2, re.compile(f"{_NO_DIGIT_BEFORE}{bank_card}{_NO_DIGIT_AFTER}")),
        PiiPattern(
            "phone", 3, re.compile(f"{_NO_DIGIT_BEFORE}{mobile}{_NO_DIGIT_AFTER}{not_amount}")
        ),
        PiiPattern(
            "phone", 4, re.compile(f"{_NO_DIGIT_BEFORE}{landline}{_NO_DIGIT_AFTER}{not_amount}")
        ),
        PiiPattern("plate", 5, re.compile(plate), min_digits=2),
    )

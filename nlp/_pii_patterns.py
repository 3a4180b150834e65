"""Regular expressions for the personal data ``nlp.pii`` masks, built once from ``pii_chars.txt``.

The text is already normalised, so digits are ASCII. ``*`` and ``＊`` are masking characters
(``135****8820``); a masked number is still a number of that kind. A mobile number read out
in Chinese digits (``一三九一二三四五六七八``, ``幺`` for 1, ``〇``/``零`` for 0) is a phone
number too, unless the run touches a number word (``十``, ``百``...) that makes it an ordinary
number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Final

from nlp._cue_scan import scanner_source
from nlp._norm_data import read_rows
from nlp.errors import InputFileError

CHARS_FILE: Final = "pii_chars.txt"
_ROLES: Final = (
    "provinces",
    "plate_suffixes",
    "amount_units",
    "extension_marks",
    "chinese_digits",
    "chinese_mobile_starts",
    "chinese_mobile_seconds",
    "chinese_number_words",
)

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
    scanner: re.Pattern[str] | None = None
    """``regex`` as a scanner, for ``nlp._cue_scan.scan``: each pattern starts with a
    look-behind, which keeps the regex engine from skipping ahead to the next digit."""


def _pattern(kind: str, priority: int, source: str, min_digits: int = 0) -> PiiPattern:
    scanner = scanner_source(f"(?:{source})(?P<end>)")
    return PiiPattern(
        kind,
        priority,
        re.compile(source),
        min_digits,
        None if scanner is None else re.compile(scanner),
    )


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
    separator = "[·•・.\\- ]"
    plate_body = (
        f"(?:[0-9{_PLATE_LETTER}]{{5,6}}|[0-9{_PLATE_LETTER}]{{4}}[{suffixes}])(?![A-Za-z0-9])"
    )
    plate = f"[{provinces}][{_PLATE_LETTER}]{separator}?{plate_body}"
    cn_digits = re.escape(chars["chinese_digits"])
    number_words = chars["chinese_number_words"]
    cn_not_before = f"[0-9{cn_digits}{re.escape(number_words)}]"
    # As for ASCII numbers, 万 and 亿 after the run may begin a word (万一), so they do not
    # make it an ordinary number.
    cn_not_after = f"[0-9{cn_digits}{re.escape(number_words.replace('万', '').replace('亿', ''))}]"
    # ASCII and Chinese digits may mix (139一二三四五六七八); an all-ASCII number matches the
    # mobile pattern above as well and wins the tie on priority.
    cn_mobile = (
        f"(?<!{cn_not_before})(?=[- 0-9{_MASK}]{{0,12}}[{cn_digits}])"
        f"[1{re.escape(chars['chinese_mobile_starts'])}]"
        f"[3-9{re.escape(chars['chinese_mobile_seconds'])}][0-9{cn_digits}]"
        f"(?:[- ]?[0-9{cn_digits}{_MASK}]{{4}}){{2}}(?!{cn_not_after}){not_amount}"
    )
    return (
        _pattern("id_number", 0, f"{_NO_DIGIT_BEFORE}(?:{id_18}|{id_15})(?![0-9])"),
        _pattern("id_number", 1, f"{_NO_DIGIT_BEFORE}{id_masked}{_NO_DIGIT_AFTER}"),
        _pattern("bank_card", 2, f"{_NO_DIGIT_BEFORE}{bank_card}{_NO_DIGIT_AFTER}"),
        _pattern("phone", 3, f"{_NO_DIGIT_BEFORE}{mobile}{_NO_DIGIT_AFTER}{not_amount}"),
        _pattern("phone", 4, f"{_NO_DIGIT_BEFORE}{landline}{_NO_DIGIT_AFTER}{not_amount}"),
        _pattern("phone", 4, cn_mobile),
        _pattern("plate", 5, f"(?<![A-Za-z0-9]){plate}", min_digits=2),
        # A plate written right after another (京A12345京B67890) follows a letter or digit; it
        # is still a plate when what it follows ends a plate. One pattern per look-behind width.
        *(
            _pattern("plate", 5, f"(?<={behind}){plate}", min_digits=2)
            for behind in _plate_ends(provinces, suffixes, separator)
        ),
    )


def _plate_ends(provinces: str, suffixes: str, separator: str) -> tuple[str, ...]:
    """Fixed-width look-behind bodies for "a plate ends here", grouped by width."""
    start = f"[{provinces}][{_PLATE_LETTER}]"
    last = f"[0-9{_PLATE_LETTER}{suffixes}]"
    body_5 = f"[0-9{_PLATE_LETTER}]{{4}}{last}"
    body_6 = f"[0-9{_PLATE_LETTER}]{{5}}{last}"
    return (
        f"{start}{body_5}",
        f"{start}{body_6}|{start}{separator}{body_5}",
        f"{start}{separator}{body_6}",
    )


@cache
def prefilter() -> re.Pattern[str]:
    """Finds something in every text in which one of ``patterns()`` can match.

    Each pattern needs a run that this finds: an ID number or a landline at least seven
    consecutive digits, a masked ID or a bank card four digits then four digits or masking
    characters (one separator allowed), a mobile ``1[3-9]`` and a digit then the same, a plate a
    province and a letter, a mobile in Chinese digits its first two (``一三``, ``幺8``) or, mixed
    with ASCII digits, an ASCII digit then a Chinese one. Most records hold none of these (a date
    or an amount is too short), and one search is much cheaper than running every pattern.

    Every run starts with a digit or a province, so the alternation sits behind a look-behind
    on that first character: ``[F](?<=(?=runs)[F])`` lets the regex engine skip to the next
    candidate with a table look-up instead of trying the alternation at every position (about
    ten times faster; see ``nlp._cue_scan.scanner_source``).
    """
    provinces = re.escape(_chars()["provinces"])
    digit_or_mask = f"[0-9{_MASK}]"
    starts = re.escape(_chars()["chinese_mobile_starts"])
    seconds = re.escape(_chars()["chinese_mobile_seconds"])
    cn_digits = re.escape(_chars()["chinese_digits"])
    runs = "|".join(
        (
            "[0-9]{7}",
            f"[0-9]{{4}}[- ]?{digit_or_mask}{{4}}",
            f"1[3-9][0-9][- ]?{digit_or_mask}{{4}}",
            f"[{provinces}][{_PLATE_LETTER}]",
            f"[{starts}][3-9{seconds}]",
            f"[0-9][- ]?[{cn_digits}]",
        )
    )
    first = f"[0-9{provinces}{starts}]"
    return re.compile(f"{first}(?<=(?=(?:{runs})){first})")

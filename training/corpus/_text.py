"""Number, amount, duration and date rendering in the styles Chinese records use.

Every function takes the generator's ``random.Random`` so that the choice of style is part of the
seeded stream; none of them reads global state.
"""

from __future__ import annotations

import random
from typing import Final

_DIGITS: Final = "零一二三四五六七八九"
_FULLWIDTH: Final = str.maketrans("0123456789", "０１２３４５６７８９")

SMALL_SUM_LIMIT: Final = 10_000
"""Amounts below this (yuan) are small stakes (datasets/LABELS.md: 1万元)."""

LARGE_SUM_LIMIT: Final = 100_001
"""Amounts at or above this (yuan) are large sums (datasets/LABELS.md: above 10万元)."""


def to_fullwidth(text: str) -> str:
    """Return ``text`` with ASCII digits replaced by full-width digits."""
    return text.translate(_FULLWIDTH)


def _below_10000(n: int, *, liang: bool) -> str:
    """Chinese numeral for 1..9999; ``liang`` writes a leading 2 of 百/千 as 两."""
    parts: list[str] = []
    units = ((1000, "千"), (100, "百"), (10, "十"))
    zero_pending = False
    for value, unit in units:
        digit = n // value % 10
        if digit:
            if zero_pending:
                parts.append("零")
                zero_pending = False
            if digit == 2 and liang and not parts and unit in ("千", "百"):
                parts.append("两")
            elif digit == 1 and unit == "十" and not parts:
                parts.append("")
            else:
                parts.append(_DIGITS[digit])
            parts.append(unit)
        elif parts:
            zero_pending = True
    last = n % 10
    if last:
        if zero_pending:
            parts.append("零")
        parts.append(_DIGITS[last])
    return "".join(parts)


def zh_number(n: int, *, liang: bool = True) -> str:
    """Write a non-negative integer below 10^12 in Chinese numerals (``12000`` -> ``一万二千``).

    Args:
        n: the number.
        liang: write a leading 2 as 两 (两万, 两千), as speech does; counting forms keep 二.

    Returns:
        The numeral; ``2`` alone is 两 when ``liang`` is set (两个, 两次).
    """
    if n < 0 or n >= 10**12:
        raise ValueError("zh_number takes 0 <= n < 10**12")
    if n == 0:
        return "零"
    if n == 2 and liang:
        return "两"
    groups = ((10**8, "亿"), (10**4, "万"))
    parts: list[str] = []
    rest = n
    for value, unit in groups:
        head = rest // value
        if head:
            text = _below_10000(head, liang=liang)
            if head == 2 and liang:
                text = "两"
            parts.append(text + unit)
            rest %= value
            if rest and rest < value // 10:
                parts.append("零")
    if rest:
        parts.append(_below_10000(rest, liang=liang and not parts))
    return "".join(parts)


def count_text(rng: random.Random, n: int) -> str:
    """A count as speech or records write it: ``3`` -> 三 or 3."""
    return str(n) if rng.random() < 0.35 else zh_number(n)


def round_amount(yuan: float) -> int:
    """Round to two significant figures, as people quote sums (32,417 -> 32,000)."""
    value = max(int(yuan), 100)
    magnitude = 10 ** max(len(str(value)) - 2, 0)
    return max(round(value / magnitude) * magnitude, 100)


def sum_tier(yuan: int) -> str:
    """The stake tier of an amount: ``small``, ``moderate`` or ``large``."""
    if yuan >= LARGE_SUM_LIMIT:
        return "large"
    if yuan >= SMALL_SUM_LIMIT:
        return "moderate"
    return "small"


def sample_amount(rng: random.Random, low: int, high: int) -> int:
    """Draw a rounded amount log-uniformly from ``[low, high]`` (inclusive, yuan)."""
    lo = max(low, 100)
    hi = max(high, lo)
    for _ in range(20):
        value = round_amount(lo * (hi / lo) ** rng.random())
        if lo <= value <= hi:
            return value
    return lo


def amount_text(rng: random.Random, yuan: int, *, oral: bool) -> str:
    """Write an amount in one of the ways records and callers do (3万元, 三万二, 32000块钱).

    Approximate forms (三万多) are used only when the reader's value stays in the same stake tier.

    Args:
        rng: the generator's random stream.
        yuan: a rounded amount (two significant figures).
        oral: caller speech (块, 块钱, 来块) rather than written style (元).

    Returns:
        The amount as text.
    """
    wan, rest = divmod(yuan, 10_000)
    forms: list[str] = []
    if oral:
        forms.append(f"{yuan}块")
        forms.append(f"{zh_number(yuan)}块钱" if yuan % 10_000 else f"{zh_number(yuan)}块")
        if wan and rest and rest % 1000 == 0 and wan < 10:
            forms.append(f"{zh_number(wan)}万{_DIGITS[rest // 1000]}")
        if wan and sum_tier(wan * 10_000) == sum_tier(yuan) and rest:
            forms.append(f"{zh_number(wan)}万多")
        if wan and not rest:
            forms.append(f"{zh_number(wan)}万块钱")
    else:
        forms.append(f"{yuan}元")
        forms.append(f"人民币{yuan}元")
        if wan:
            value = yuan / 10_000
            forms.append(f"{value:g}万元")
            if sum_tier(wan * 10_000) == sum_tier(yuan) and rest:
                forms.append(f"{wan}万余元")
        else:
            forms.append(f"{zh_number(yuan)}元")
    return rng.choice(forms)


def date_text(rng: random.Random, *, with_time: bool, with_year: bool = True) -> str:
    """A calendar date in 2021-2025 as police records write it (2024年5月12日14时许)."""
    year = rng.randint(2021, 2025)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    text = f"{year}年{month}月{day}日" if with_year else f"{month}月{day}日"
    if with_time:
        hour = rng.randint(0, 23)
        minute = rng.choice((0, 5, 10, 15, 20, 30, 40, 45, 50))
        text += f"{hour}时{minute}分" if minute else f"{hour}时"
    return text

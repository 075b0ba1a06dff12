"""Parsing numerals as written in Chinese text: Arabic, full-width, Chinese and mixed forms (1.2万, 4000多).

``parse_numeral(text)`` returns ``(value, value_max)`` or ``None``.  ``value_max`` is set for vague digits
(十几 → 10..19, 几十 → 10..90, 数百 → 200..900).  cn2an converts pure Chinese numerals; the cases it gets
wrong or refuses are normalised here first: full-width digits and separators, spaces, thousands commas,
Arabic + magnitude (3.5万亿, 4000多万), 几/数, and magnitude-only forms (万, 百亿).
"""

from __future__ import annotations

import re

import cn2an

FULLWIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10**4, "亿": 10**8}
MINUS_SIGNS = "-−－—"
_SPACES = re.compile(r"[\s\u2002\u3000\xa0]+")
_ARABIC = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
_ARABIC_PREFIX = re.compile(r"^([+-]?\d+(?:\.\d+)?)(.*)$")
_MAGNITUDE_ONLY = re.compile(r"^[十百千万亿]+$")


def normalise_digits(text: str) -> str:
    """Full-width digits/points/commas to ASCII; drop whitespace and thousands separators."""
    text = _SPACES.sub("", text.translate(FULLWIDTH))
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    if text[:1] in MINUS_SIGNS:
        text = "-" + text[1:]
    return text


def magnitude_value(mag: str) -> float:
    """万 → 1e4, 万亿 → 1e12, 千万 → 1e7, 百亿 → 1e10 (a product of the magnitude characters)."""
    value = 1.0
    for ch in mag:
        value *= SMALL_UNITS.get(ch) or BIG_UNITS[ch]
    return value


def _cn_integer(text: str) -> float | None:
    """A Chinese integer numeral via cn2an (normal mode accepts 两); None when cn2an refuses it."""
    if _MAGNITUDE_ONLY.match(text):
        return magnitude_value(text)
    if text and all(ch in CN_DIGITS for ch in text) and len(text) > 1:
        # digit-by-digit strings (二〇二〇) are years or codes, not amounts
        return None
    try:
        return float(cn2an.cn2an(text, "normal"))
    except (ValueError, KeyError, IndexError):
        return None


def _vague(text: str) -> tuple[float, float] | None:
    """十几, 几十, 二十几, 数百万, 几: a leading 几/数 is 1..9, a trailing one 0..9."""
    lo_text = re.sub(r"^[几数]", "一", text)
    lo_text = re.sub(r"[几数]", "", lo_text)
    hi_text = text.replace("几", "九").replace("数", "九")
    lo, hi = _cn_integer(lo_text), _cn_integer(hi_text)
    if lo is None or hi is None:
        return None
    return lo, hi


def parse_numeral(text: str) -> tuple[float, float | None] | None:
    """Value of a numeral (no unit): ``"1.2万"`` → (12000.0, None), ``"十几"`` → (10.0, 19.0)."""
    text = normalise_digits(text).replace("多", "").replace("余", "")
    if not text:
        return None
    if _ARABIC.match(text):
        return float(text), None
    m = _ARABIC_PREFIX.match(text)
    if m:  # Arabic digits followed by a magnitude: 1.2万, 3.5万亿, 5千
        rest = m.group(2)
        if not _MAGNITUDE_ONLY.match(rest):
            return None
        return float(m.group(1)) * magnitude_value(rest), None
    sign = 1.0
    if text.startswith("-"):
        sign, text = -1.0, text[1:]
    if "点" in text:  # 零点五, 一点二万
        int_part, _, frac = text.partition("点")
        mag = ""
        while frac and frac[-1] in "十百千万亿":
            mag = frac[-1] + mag
            frac = frac[:-1]
        if not frac or any(ch not in CN_DIGITS for ch in frac):
            return None
        whole = _cn_integer(int_part) if int_part else 0.0
        if whole is None:
            return None
        value = float(f"{int(whole)}.{''.join(str(CN_DIGITS[c]) for c in frac)}")
        return sign * value * (magnitude_value(mag) if mag else 1.0), None
    if (
        len(text) == 2
        and all(ch in CN_DIGITS for ch in text)
        and CN_DIGITS[text[1]] == CN_DIGITS[text[0]] + 1
    ):
        return sign * CN_DIGITS[text[0]], sign * CN_DIGITS[text[1]]  # 五六家, 四五个
    if "几" in text or "数" in text:
        vague = _vague(text)
        if vague is None:
            return None
        return sign * vague[0], sign * vague[1]
    integer = _cn_integer(text)
    if integer is None:
        return None
    return sign * integer, None

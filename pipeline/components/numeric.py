"""Rule component for MONEY / QUANTITY / PERCENT: character-level patterns with normalised values.

``parse_numeric(text)`` parses one expression without spaCy; ``find_numeric(text)`` lists every expression
in a text as :class:`NumericValue` with character offsets; the ``numeric_entities`` factory turns them into
spans (``doc.spans[spans_key]``, and ``doc.ents`` when ``set_ents``) carrying ``Span._.value``,
``_.value_max``, ``_.unit``, ``_.currency``, ``_.qualifier``.

Value conventions: money and quantities in base units with the magnitude folded in (450亿元 → 4.5e10, unit
元, currency CNY; 187.3万辆 → 1873000, unit 辆).  Percentages stay in their own unit: 11.4% → 11.4 with unit
"%"; 百分之十, 三成 (→ 30), 三分之一 (→ 33.33) are normalised to "%"; 0.6个百分点 → 0.6 with unit
"个百分点"; ‰ keeps "‰".  Qualifiers: exact, approx (约 左右), over (超 逾 多 余 以上), under (近 不到 以下),
range (100亿至200亿元: value 1e10, value_max 2e10).  Vague numerals (十几) give value 10, value_max 19.
All word lists live in ``numeric.json`` (built in: ``pipeline/resources/``; saved inside a trained model).
"""

# no `from __future__ import annotations`: spaCy resolves the factory's type hints at run time

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import filter_spans

import pipeline.components.scoring  # noqa: F401  (registers the scorer named in the factory's defaults)
from pipeline import NUMERIC_LABELS
from pipeline.components.base import SETTINGS, RuleComponent
from pipeline.components.numerals import magnitude_value, parse_numeral
from pipeline.corpus.alignment import split_tokens_at
from pipeline.resources import read_settings
from pipeline.spans import NUMERIC_EXTENSIONS, NUMERIC_KEY, register_extensions

SETTINGS_FILE = "numeric.json"

_DIG = "0-9０-９"
_CN_DIGITS = "零〇一二三四五六七八九两"
_CN_CHARS = _CN_DIGITS + "十百千万亿几"
_SP = "[ \u2002\u3000\xa0]?"
_PUNCT = set("，。；：、！？,.;:!?（）()《》“”‘’\"'「」【】[]…—\n\r\t ")


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@dataclass
class NumericValue:
    """One numeric expression: label, offsets (when found in a text) and normalised value."""

    text: str
    label: str
    value: float | None
    value_max: float | None = None
    unit: str | None = None
    currency: str | None = None
    qualifier: str = "exact"
    start: int = 0
    end: int = 0
    magnitude_only: bool = field(default=False, repr=False)


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


class NumericRules:
    """Compiled patterns and filters built from the settings of ``numeric.json``."""

    def __init__(self, settings: dict[str, Any]):
        self.s = settings
        self.currencies: dict[str, str] = settings["currencies"]
        self.percent_units: dict[str, str] = settings["percent_units"]
        self.measure_words: set[str] = set(settings["measure_words"])
        self.arabic_only = set(settings["arabic_only_units"])
        self.time_units = sorted(settings["time_units"], key=len, reverse=True)
        self.q_before: dict[str, str | None] = settings["qualifiers_before"]
        self.q_after: dict[str, str] = settings["qualifiers_after"]
        self.approx_suffixes: dict[str, str] = settings["approx_suffixes"]
        self.range_seps: list[str] = settings["range_separators"]
        self.coordinators: set[str] = set(settings["coordinators"])
        self.money_context: list[str] = settings["money_context"]
        self.category_heads = sorted(settings["category_heads"], key=len, reverse=True)
        self.threshold_heads = sorted(settings["threshold_heads"], key=len, reverse=True)
        self.fixed_names: list[str] = settings["fixed_names"]
        self.ranking_units = set(settings["ranking_units"])
        self.money_mags = set(settings["money_magnitude_required"])
        self.all_units = {**dict.fromkeys(self.measure_words, "m"), **dict.fromkeys(self.percent_units, "p")}
        self.all_units.update(dict.fromkeys(self.currencies, "c"))
        self._compile()

    # ----------------------------------------------------------------------------------------- patterns
    def _compile(self) -> None:
        latin = [u for u in self.all_units if u.isascii() and u.isalpha()]
        other = [u for u in self.all_units if u not in latin]
        unit = f"(?:{_alt(other)}|(?:{_alt(latin)})(?![A-Za-z]))"
        mags = _alt(self.s["magnitudes"])
        arabic = rf"(?<![A-Za-z])[{_DIG}]+(?:,[{_DIG}]{{3}}(?![{_DIG}]))*(?:[.．][{_DIG}]+)?"
        cn = rf"(?:数(?=[十百千万亿])|(?<![{_DIG}]))[{_CN_CHARS}]+(?:点[{_CN_DIGITS}]+[万亿]?)?|数(?=倍)"
        number = rf"(?:(?:[{_DIG}]+×)?{arabic}[多余]?(?:{_SP}(?:{mags}))?|{cn})[多余]?"
        blocked = self.s.get("qualifier_blocked_after", {})
        pre = "|".join(
            (f"(?<![{re.escape(blocked[w])}])" if blocked.get(w) else "") + re.escape(w)
            for w in sorted(self.q_before, key=len, reverse=True)
        )
        post = _alt(list(self.q_after))
        seps = _alt(self.range_seps)
        self.main = re.compile(
            rf"(?<![{_DIG}/])(?<![{_DIG}][.．])(?<![{_DIG}][ \u2002])(?P<pre>{pre})?(?P<sign>[-−－](?=[{_DIG}]))?"
            rf"(?P<n1>{number})(?:{_SP}(?P<u1>{unit})(?=(?:{seps})(?:{pre})?[{_DIG}{_CN_CHARS}]))?"
            rf"(?:(?P<sep>{seps})(?P<pre2>{pre})?(?P<n2>{number}))?"
            rf"(?:{_SP}(?P<unit>{unit}))?(?P<suf>[多余](?![\u4e00-\u9fff]))?(?P<post>{post})?"
        )
        pct_num = rf"(?:{arabic}|[{_CN_CHARS}]+(?:点[{_CN_DIGITS}]+)?)"
        self.percent_word = re.compile(
            rf"(?P<pre>{pre})?(?P<kind>百分之|千分之)(?P<n1>{pct_num})"
            rf"(?:(?P<sep>至|到|-|～)(?:百分之|千分之)?(?P<n2>{pct_num}))?(?P<post>{post})?"
        )
        self.fraction = re.compile(
            rf"(?P<pre>{pre})?(?P<den>[{_CN_CHARS}]+)分之(?P<num>[{_CN_CHARS}]+)(?P<post>{post})?"
            rf"|(?<![{_DIG}/.．])(?P<pre_a>{pre})?(?P<num_a>[{_DIG}]+)/(?P<den_a>[{_DIG}]+)(?![{_DIG}/.．])"
            rf"(?P<post_a>{post})?"
        )
        self.tenths = re.compile(
            rf"(?P<pre>{pre})?(?<![{_CN_CHARS}{_DIG}])(?P<n1>[一二三四五六七八九]|[1-9](?:[.．]5)?)"
            rf"(?:(?P<sep>至|到|-)(?P<n2>[一二三四五六七八九十]|[1-9]))?成"
            rf"(?![为立本功果绩效长交熟员型都套品分就材才年人像批片群色家事行千百万不])(?P<post>{post})?"
        )
        self.half = re.compile(rf"(?P<pre>{pre})一半(?P<post>{post})?|一半(?P<post2>以上|左右)")

    # ----------------------------------------------------------------------------------------- helpers
    def _qualifier(self, pre: str | None, post: str | None, suffix_approx: bool, is_range: bool) -> str:
        if is_range:
            return "range"
        if post and self.q_after.get(post):
            return self.q_after[post]
        if pre and self.q_before.get(pre):
            return self.q_before[pre] or "exact"
        return "over" if suffix_approx else "exact"

    def _label_unit(self, unit: str) -> tuple[str, str, str | None]:
        if unit in self.currencies:
            cur = self.currencies[unit]
            shown = "元" if cur == "CNY" else unit
            return "MONEY", shown, cur
        if unit in self.percent_units:
            return "PERCENT", self.percent_units[unit], None
        return "QUANTITY", unit, None

    def _starts_with(self, text: str, pos: int, words: list[str], skip: str = "") -> str | None:
        while pos < len(text) and text[pos] in skip:
            pos += 1
        for w in words:
            if text.startswith(w, pos):
                return w
        return None

    def _in_fixed_name(self, text: str, start: int, end: int) -> bool:
        lo = max(0, start - 8)
        window = text[lo : end + 8]
        for name in self.fixed_names:
            i = window.find(name)
            while i >= 0:
                a, b = lo + i, lo + i + len(name)
                if a < end and start < b:
                    return True
                i = window.find(name, i + 1)
        return False

    def _money_context(self, text: str, start: int) -> bool:
        window = text[max(0, start - 10) : start]
        cut = max((i for i, ch in enumerate(window) if ch in _PUNCT), default=-1)
        window = window[cut + 1 :]
        return any(k in window for k in self.money_context)

    # ----------------------------------------------------------------------------------------- matching
    def _from_main(self, text: str, m: re.Match) -> NumericValue | None:
        n1, unit, u1 = m.group("n1"), m.group("unit"), m.group("u1")
        n2 = m.group("n2")
        if u1 and unit and u1 != unit:
            return None
        if n2 is not None and u1 and not unit:
            return None
        # 十万千瓦: the greedy numeral took the 千 of 千瓦
        if (
            unit
            and n2 is None
            and n1[-1] in "十百千"
            and n1[-1] + unit in self.all_units
            and len(n1) > 1
            and parse_numeral(n1[:-1]) is not None
        ):
            n1, unit = n1[:-1], n1[-1] + unit
        core = re.sub(r"[多余]", "", n1).strip()
        magnitude_only = bool(re.fullmatch(r"[十百千万亿]+", core))
        parsed = parse_numeral(n1)
        if parsed is None:
            return None
        value, value_max = parsed
        if m.group("sign"):
            value = -value
        if n2 is not None:
            parsed2 = parse_numeral(n2)
            if parsed2 is None:
                return None
            value_max = parsed2[1] if parsed2[1] is not None else parsed2[0]
            # 100至200亿元: a magnitude written only on the second number applies to both
            mag2 = re.search(r"(万亿|千亿|百亿|千万|百万|亿|万)$", n2.replace("多", "").replace("余", ""))
            if mag2 and not re.search(r"[万亿]", n1) and value * magnitude_value(mag2.group(1)) <= value_max:
                value *= magnitude_value(mag2.group(1))
        suffix_approx = "多" in n1 or "余" in n1 or bool(m.group("suf")) or (n2 is not None and "多" in n2)
        start, end = m.start(), m.end()
        nv_text = text[start:end]
        qualifier = self._qualifier(m.group("pre"), m.group("post"), suffix_approx, n2 is not None)
        if value_max is not None and n2 is None and qualifier == "exact":
            qualifier = "approx"
        if unit is None:
            return NumericValue(
                nv_text, "", value, value_max, None, None, qualifier, start, end, magnitude_only
            )
        label, unit_norm, currency = self._label_unit(unit)
        return NumericValue(
            nv_text, label, value, value_max, unit_norm, currency, qualifier, start, end, magnitude_only
        )

    def _rejected(self, text: str, nv: NumericValue, m: re.Match | None) -> bool:
        """Exclusions: ordinals, time, bare 一, categories, thresholds, fixed names, rankings, quotes."""
        start, end = nv.start, nv.end
        before = text[start - 1] if start else "\0"
        after = text[end] if end < len(text) else ""
        head = text[max(0, start - 8) : start]
        pure_cn_span = not re.search(f"[{_DIG}]", text[start:end])
        if (before in self.s["demonstratives"] and pure_cn_span) or re.search(r"第[\s\d、，,和至]*$", head):
            return True
        if m is not None:
            n1 = m.group("n1")
            unit = m.group("unit") or m.group("u1")
            pure_cn = not re.search(f"[{_DIG}]", n1)
            if unit and pure_cn and (unit in self.arabic_only or n1 == "二"):
                return True
            # bare 一 + measure word (一批, 一个): kept only before punctuation (产品一项。) and for 倍
            if (
                unit
                and n1 == "一"
                and not m.group("pre")
                and not m.group("post")
                and unit not in self.s["idiom_units_after_one"]
                and (after and after not in _PUNCT)
            ):
                return True
            if unit:
                unit_end = m.end("unit") if m.group("unit") else m.end("u1")
                if self._starts_with(text, unit_end - len(unit), self.s["unit_word_blocks"]):
                    return True
                # time: 两个多月, 3个小时
                if unit in self.s["count_time_units"] and self._starts_with(
                    text, unit_end, self.time_units, "多余半"
                ):
                    return True
                if unit == "分" and re.search(r"[时点][ ]?$", text[: m.start("n1")]):
                    return True
            if unit in self.ranking_units and before in "前后":
                return True
        rest = text[end : end + 3]
        if rest.startswith(("及以上", "及以下", "及以")):
            return True
        if nv.label in ("MONEY", "QUANTITY"):
            span_text = text[start:end]
            # 10亿元以上制造业项目, 110千伏以上输电线路: a class threshold
            if (
                span_text.endswith(("以上", "以下"))
                and after
                and _is_cjk(after)
                and after != "的"
                and nv.unit not in self.s["count_units"]
            ):
                return True
            if nv.label == "QUANTITY" and span_text.endswith(("以上", "以下")) and after == "的":
                return True
            de_punct = after == "的" and (end + 1 >= len(text) or text[end + 1] in _PUNCT)
            if (
                any(head.endswith(w) for w in self.s["threshold_before"])
                and (de_punct or head.endswith("过"))
                and after == "的"
            ):
                return True
            if nv.qualifier in ("over", "under") and de_punct:
                return True
            if nv.label == "MONEY" and self._starts_with(text, end, self.s["money_category_heads"]):
                return True
        # category scale words (千亿元产业, 万亿级, 万元GDP) and class thresholds (5000万元以上项目)
        if nv.magnitude_only:
            if nv.unit == "级" or self._starts_with(text, end, self.category_heads, "的"):
                return True
            if before in "（(" or head.rstrip().endswith(("单位：", "单位:")):
                return True
            if nv.label == "QUANTITY" and after and _is_cjk(after) and after != "的":
                return True
        bounded = nv.qualifier in ("over", "under") and (
            text[start:end].endswith(("以上", "以下")) or text[start:end].startswith(("超", "逾"))
        )
        if bounded and nv.label != "PERCENT":
            if self._starts_with(text, end, self.threshold_heads, "的"):
                return True
            if nv.label == "MONEY" and re.match(rf"的?[{_DIG}{_CN_DIGITS}]", text[end : end + 2]):
                return True
        if self._in_fixed_name(text, start, end):
            return True
        # quoted slogans and names: “18条”, “三个坚持、七项任务”
        open_q = max(text.rfind("“", max(0, start - 30), start), text.rfind("「", max(0, start - 30), start))
        if open_q >= 0 and not any(ch in "”」" for ch in text[open_q:start]):
            close = min((i for i in (text.find("”", end), text.find("」", end)) if i >= 0), default=-1)
            if close >= 0 and close - open_q <= 30 and "。" not in text[open_q:close]:
                return True
        return False

    def find(self, text: str) -> list[NumericValue]:
        """Every numeric expression in ``text``, sorted, without overlaps."""
        found: list[NumericValue] = []
        bare: list[NumericValue] = []
        for m in self.percent_word.finditer(text):
            nv = self._percent_word(text, m)
            if nv:
                found.append(nv)
        for m in self.fraction.finditer(text):
            nv = self._fraction(text, m)
            if nv and not self._rejected(text, nv, None):
                found.append(nv)
        for m in self.tenths.finditer(text):
            nv = self._tenths(text, m)
            if nv and not self._rejected(text, nv, None):
                found.append(nv)
        for m in self.half.finditer(text):
            pre, post = m.group("pre"), m.group("post") or m.group("post2")
            found.append(
                NumericValue(
                    m.group(0),
                    "PERCENT",
                    50.0,
                    None,
                    "%",
                    None,
                    self._qualifier(pre, post, False, False),
                    m.start(),
                    m.end(),
                )
            )
        taken = [(nv.start, nv.end) for nv in found]
        for m in self.main.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            nv = self._from_main(text, m)
            if nv is None or self._rejected(text, nv, m):
                continue
            if nv.label:
                found.append(nv)
            else:
                bare.append(nv)
        found.sort(key=lambda v: v.start)
        found += self._resolve_bare(text, bare, found)
        found.sort(key=lambda v: v.start)
        out: list[NumericValue] = []
        for nv in found:
            while nv.end > nv.start and text[nv.end - 1] in _PUNCT:
                nv.end -= 1
            nv.text = text[nv.start : nv.end]
            if out and nv.start < out[-1].end:
                if nv.end - nv.start <= out[-1].end - out[-1].start:
                    continue
                out.pop()
            out.append(nv)
        return out

    def _resolve_bare(
        self, text: str, bare: list[NumericValue], found: list[NumericValue]
    ) -> list[NumericValue]:
        """Unit-less numbers: shared units (3.1和4.8个百分点, rule 25) and money without 元 (rule 19)."""
        out: list[NumericValue] = []
        by_start = {nv.start: nv for nv in [*found, *bare]}
        for nv in bare:
            # follow a chain of coordinated numbers to the first one with a unit
            cur, ok = nv, None
            for _ in range(6):
                j = cur.end
                if (j < len(text) and text[j] in self.coordinators) or text.startswith(("和", "与", "及"), j):
                    nxt = by_start.get(j + 1)
                else:
                    nxt = None
                if nxt is None:
                    break
                if nxt.label:
                    ok = nxt
                    break
                cur = nxt
            if ok is not None and ok.label in ("PERCENT", "MONEY", "QUANTITY") and ok.unit:
                if ok.label == "QUANTITY" and ok.unit in ("个",):
                    continue
                value = nv.value
                out.append(
                    NumericValue(
                        nv.text,
                        ok.label,
                        value,
                        nv.value_max,
                        ok.unit,
                        ok.currency,
                        nv.qualifier,
                        nv.start,
                        nv.end,
                    )
                )
                continue
            # rule 19: 投资120亿, 引资160亿
            digits = re.sub(r"[多余]", "", nv.text)
            has_mag = any(digits.endswith(mg) for mg in self.money_mags)
            next_char = text[nv.end] if nv.end < len(text) else ""
            money_after = any(text.startswith(w, nv.end + (next_char == "的")) for w in self.money_context)
            if has_mag and nv.value_max is None and (self._money_context(text, nv.start) or money_after):
                if next_char and (next_char.isdigit() or next_char in _CN_CHARS):
                    continue
                if nv.magnitude_only and _is_cjk(next_char) and not money_after:
                    continue
                out.append(
                    NumericValue(
                        nv.text,
                        "MONEY",
                        nv.value,
                        nv.value_max,
                        "元",
                        "CNY",
                        nv.qualifier,
                        nv.start,
                        nv.end,
                        nv.magnitude_only,
                    )
                )
        return out

    def _percent_word(self, text: str, m: re.Match) -> NumericValue | None:
        p1 = parse_numeral(m.group("n1"))
        if p1 is None:
            return None
        unit = "%" if m.group("kind") == "百分之" else "‰"
        vmax = None
        if m.group("n2"):
            p2 = parse_numeral(m.group("n2"))
            vmax = p2[0] if p2 else None
        q = self._qualifier(m.group("pre"), m.group("post"), False, vmax is not None)
        return NumericValue(m.group(0), "PERCENT", p1[0], vmax, unit, None, q, m.start(), m.end())

    def _fraction(self, text: str, m: re.Match) -> NumericValue | None:
        if m.group("den"):
            den, num = parse_numeral(m.group("den")), parse_numeral(m.group("num"))
            pre, post = m.group("pre"), m.group("post")
        else:
            den, num = parse_numeral(m.group("den_a")), parse_numeral(m.group("num_a"))
            pre, post = m.group("pre_a"), m.group("post_a")
            if den is None or num is None or not (2 <= den[0] <= 10) or num[0] >= den[0]:
                return None
        if den is None or num is None or not den[0]:
            return None
        value = round(100.0 * num[0] / den[0], 4)
        q = self._qualifier(pre, post, False, False)
        return NumericValue(m.group(0), "PERCENT", value, None, "%", None, q, m.start(), m.end())

    def _tenths(self, text: str, m: re.Match) -> NumericValue | None:
        p1 = parse_numeral(m.group("n1"))
        if p1 is None:
            return None
        vmax = None
        if m.group("n2"):
            p2 = parse_numeral(m.group("n2"))
            vmax = p2[0] * 10 if p2 else None
        q = self._qualifier(m.group("pre"), m.group("post"), False, vmax is not None)
        return NumericValue(m.group(0), "PERCENT", p1[0] * 10, vmax, "%", None, q, m.start(), m.end())


def load_settings(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> dict:
    """Read the JSON settings (None: the built-in ``numeric.json``) and apply ``overrides`` (single keys)."""
    settings = read_settings(path, SETTINGS_FILE)
    settings.update(overrides or {})
    return settings


@lru_cache(maxsize=1)
def _default_rules() -> NumericRules:
    return NumericRules(load_settings())


def find_numeric(text: str, rules: NumericRules | None = None) -> list[NumericValue]:
    """All MONEY / QUANTITY / PERCENT expressions in ``text`` (offsets in ``start``/``end``)."""
    return (rules or _default_rules()).find(text)


def parse_numeric(text: str, rules: NumericRules | None = None) -> NumericValue | None:
    """Parse ``text`` as one whole numeric expression (``"约84亿元"``); None when it is not one."""
    text = text.strip()
    for nv in find_numeric(text, rules):
        if nv.start == 0 and nv.end == len(text):
            return nv
    return None


class NumericEntities(RuleComponent):
    """Finds numeric expressions in ``doc.text`` and adds them as exact character spans with their values.

    Its word lists (``numeric.json``) are read by :meth:`initialize` and saved with the pipeline.
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "numeric_entities",
        *,
        spans_key: str = NUMERIC_KEY,
        set_ents: bool = False,
        overwrite: bool = False,
        scorer: Callable | None = None,
    ):
        register_extensions()
        self.name = name
        self.spans_key = spans_key
        self.set_ents = set_ents
        self.overwrite = overwrite
        self.scorer = scorer

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
        settings_path: str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        """Read the word lists (``settings_path``; None = built in) with single keys replaced by ``overrides``."""
        self._set({SETTINGS: load_settings(settings_path, overrides)}, str(settings_path or SETTINGS_FILE))

    def _build(self, data: dict[str, Any], source: str) -> None:
        self.rules = NumericRules(data[SETTINGS])

    def __call__(self, doc: Doc) -> Doc:
        self._ready()
        found = self.rules.find(doc.text)
        split_tokens_at(doc, [o for nv in found for o in (nv.start, nv.end)])
        spans = []
        for nv in found:
            span = doc.char_span(nv.start, nv.end, label=nv.label)
            if span is None:
                continue
            span._.value = nv.value
            span._.value_max = nv.value_max
            span._.unit = nv.unit
            span._.currency = nv.currency
            span._.qualifier = nv.qualifier
            spans.append(span)
        doc.spans[self.spans_key] = spans
        if self.set_ents:
            existing = list(doc.ents)
            if self.overwrite:
                keep = [e for e in existing if not any(e.start < s.end and s.start < e.end for s in spans)]
                doc.ents = filter_spans([*keep, *spans])
            else:
                new = [s for s in spans if not any(e.start < s.end and s.start < e.end for e in existing)]
                doc.ents = sorted([*existing, *new], key=lambda s: s.start)
        return doc


@Language.factory(
    "numeric_entities",
    assigns=["doc.spans", *(f"span._.{name}" for name in NUMERIC_EXTENSIONS)],
    retokenizes=True,
    default_config={
        "spans_key": NUMERIC_KEY,
        "set_ents": False,
        "overwrite": False,
        "scorer": {
            "@scorers": "pipeline.span_group_scorer.v1",
            "spans_key": NUMERIC_KEY,
            "labels": list(NUMERIC_LABELS),
        },
    },
    default_score_weights={
        f"spans_{NUMERIC_KEY}_f": 0.0,
        f"spans_{NUMERIC_KEY}_p": 0.0,
        f"spans_{NUMERIC_KEY}_r": 0.0,
        f"spans_{NUMERIC_KEY}_per_type": None,
    },
)
def make_numeric_entities(
    nlp: Language, name: str, spans_key: str, set_ents: bool, overwrite: bool, scorer: Callable | None
) -> NumericEntities:
    """MONEY/QUANTITY/PERCENT with normalised values (word lists loaded by ``initialize`` or ``from_disk``)."""
    return NumericEntities(
        nlp, name, spans_key=spans_key, set_ents=set_ents, overwrite=overwrite, scorer=scorer
    )

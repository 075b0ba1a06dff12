"""Label maps (``configs/label_maps/<format>.json``): source label → our label, GPE/LOC split, mention filters.

A map file::

    {"format": "msra", "labels_provided": ["ORG", "GPE", "LOC"],
     "labels": {"PER": null, "ORG": "ORG", "LOC": "GPE|LOC"},
     "strip": {"CONT": {"prefixes": ["国籍："], "suffixes": ["国籍", "籍"]}},
     "generic": {"ORG": {"mentions": ["公司"], "pattern": "^(本|该)?公司$"}},
     "places": "places.json"}

Targets: one of our labels; ``null`` (drop); ``"GPE|LOC"`` (GPE when the mention is a GPE name, else LOC);
``"GPE|drop"`` (GPE when it is one, else dropped).  A mention that is a chain of known divisions/countries
(广西柳州, 北京市丰台区) becomes one GPE span per division.  ``places`` is a file name (beside the map) or an
inline object: ``gpe_suffixes``, ``non_admin_endings``, ``generic_stems``, ``not_gpe``, ``extra_gpe``,
``gpe_abbreviations``, ``split_gpe_chains``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline import LABELS
from pipeline.corpus.validate import _OK_END, _OK_START, _bad_edge  # the validator's own edge rule
from pipeline.errors import UsageError
from pipeline.gazetteer import is_gpe_name, lookup
from pipeline.io import FileFormatError, read_json
from pipeline.settings import CONFIGS_DIR

LABEL_MAPS_DIR = CONFIGS_DIR / "label_maps"
PLACE_TARGETS = ("GPE|LOC", "GPE|drop")


class MappingError(UsageError, ValueError):
    """A label map file is missing or malformed."""


@dataclass
class PlaceRules:
    """When a place mention is a GPE (see the module docstring)."""

    gpe_suffixes: tuple[str, ...] = ()
    non_admin_endings: tuple[str, ...] = ()
    generic_stems: frozenset[str] = frozenset()
    not_gpe: frozenset[str] = frozenset()
    extra_gpe: frozenset[str] = frozenset()
    gpe_abbreviations: frozenset[str] = frozenset()
    split_gpe_chains: bool = True

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> PlaceRules:
        return cls(
            gpe_suffixes=tuple(obj.get("gpe_suffixes", ())),
            non_admin_endings=tuple(obj.get("non_admin_endings", ())),
            generic_stems=frozenset(obj.get("generic_stems", ())),
            not_gpe=frozenset(obj.get("not_gpe", ())),
            extra_gpe=frozenset(obj.get("extra_gpe", ())),
            gpe_abbreviations=frozenset(obj.get("gpe_abbreviations", ())),
            split_gpe_chains=bool(obj.get("split_gpe_chains", True)),
        )

    def is_known(self, name: str) -> bool:
        """A known division or country (gazetteer, ``extra_gpe``, ``gpe_abbreviations``), not in ``not_gpe``."""
        if name in self.not_gpe:
            return False
        return name in self.extra_gpe or name in self.gpe_abbreviations or is_gpe_name(name)

    def has_admin_suffix(self, name: str) -> bool:
        """Ends with an administrative suffix and is neither a generic term (全市, 城市) nor a zone (开发区)."""
        if name in self.not_gpe or any(name.endswith(x) for x in self.non_admin_endings):
            return False
        for suffix in self.gpe_suffixes:
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)] not in self.generic_stems
        return False

    def is_gpe(self, name: str) -> bool:
        return self.is_known(name) or self.has_admin_suffix(name)

    def is_suffixed_piece(self, piece: str) -> bool:
        """A short all-Chinese name with an administrative suffix (五峰乡, 绍兴县): a chain or address piece."""
        return (
            3 <= len(piece) <= 5
            and _all_han(piece)
            and piece[0] not in self.gpe_suffixes
            and self.has_admin_suffix(piece)
            and not any(self._is_major(piece[:k]) for k in range(2, len(piece) - 1))
        )

    def _is_major(self, name: str) -> bool:
        """A country, province or ``extra_gpe`` name: never the start of a longer suffixed piece (中国青海省)."""
        return name in self.extra_gpe or any(p.level in ("country", "province") for p in lookup(name))

    def gpe_chain(self, name: str) -> list[tuple[int, int]] | None:
        """Offsets of ≥ 2 consecutive GPE names spelling ``name``, or None.

        Pieces are known names (longest first) or short suffixed names (五峰乡); one-character abbreviations
        (中美, 新马泰) only in chains made of known names alone, so 阿拉斯加州 is not 阿 + 拉斯加州.
        """
        if not self.split_gpe_chains:
            return None

        def parts(pos: int, abbreviations: bool) -> list[tuple[int, int]] | None:
            if pos == len(name):
                return []
            for end in range(len(name) - (pos == 0), pos, -1):  # longest piece first
                piece = name[pos:end]
                if len(piece) == 1:
                    ok = abbreviations and self.is_known(piece)
                else:
                    ok = self.is_known(piece) or (not abbreviations and self.is_suffixed_piece(piece))
                if ok:
                    rest = parts(end, abbreviations)
                    if rest is not None:
                        return [(pos, end), *rest]
            return None

        for abbreviations in (True, False):
            found = parts(0, abbreviations)
            if found is not None and len(found) >= 2:
                return found
        return None

    def suffixed_prefix(self, name: str) -> list[tuple[int, int]]:
        """Leading GPE names of an address up to the last one written with its suffix
        (北京市东城区王府井大街 → 北京市, 东城区; 美国加州会议中心 → 美国, 加州; 北京大学 → none)."""
        pieces: list[tuple[int, int]] = []
        pos = 0
        while pos < len(name):
            for end in range(len(name) - (pos == 0), pos + 1, -1):
                piece = name[pos:end]
                if self.is_known(piece) or self.is_suffixed_piece(piece):
                    pieces.append((pos, end))
                    pos = end
                    break
            else:
                break
        while pieces and name[pieces[-1][1] - 1] not in self.gpe_suffixes:
            pieces.pop()
        return pieces


def _all_han(text: str) -> bool:
    return all("\u4e00" <= ch <= "\u9fff" for ch in text)


_OPEN_CLOSE = {
    "（": "）",
    "(": ")",
    "《": "》",
    "“": "”",
    "「": "」",
    "『": "』",
    "【": "】",
    "[": "]",
    "〈": "〉",
    "‘": "’",
}
_CLOSE_OPEN = {v: k for k, v in _OPEN_CLOSE.items()}


def _balanced(surface: str) -> bool:
    stack: list[str] = []
    for ch in surface:
        if ch in _OPEN_CLOSE:
            stack.append(ch)
        elif ch in _CLOSE_OPEN and (not stack or stack.pop() != _CLOSE_OPEN[ch]):
            return False
    return not stack and surface.count('"') % 2 == 0


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Cut whitespace/punctuation off both edges; a trailing or leading bracketed aside goes as a whole
    (中国矿业大学（北京） → 中国矿业大学, （香港）丰诚集团 → 丰诚集团).  May return ``start >= end``."""
    s, e = start, end
    while s < e:
        if text[e - 1] in _CLOSE_OPEN:
            opener = text.rfind(_CLOSE_OPEN[text[e - 1]], s, e - 1)
            if opener > s and _balanced(text[opener:e]):
                e = opener
                continue
        if text[s] in _OPEN_CLOSE and text[s] not in '《“「『‘"':
            closer = text.find(_OPEN_CLOSE[text[s]], s + 1, e)
            if 0 <= closer < e - 1 and _balanced(text[s : closer + 1]):
                s = closer + 1
                continue
        if _bad_edge(text[s], _OK_START):
            s += 1
        elif _bad_edge(text[e - 1], _OK_END):
            e -= 1
        else:
            break
    return s, e


@dataclass
class MappedSpan:
    """The outcome of mapping one source span."""

    spans: list[tuple[int, int, str]] = field(default_factory=list)
    dropped: str | None = None  # reason when nothing is kept
    trimmed: bool = False
    stripped: bool = False
    chain: bool = False  # split into several GPEs
    prefix: bool = False  # only the leading suffixed divisions kept (addresses)


@dataclass
class LabelMap:
    """One corpus's label map."""

    format: str
    labels: dict[str, str | None]
    labels_provided: tuple[str, ...]
    strip: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    generic_mentions: dict[str, frozenset[str]] = field(default_factory=dict)
    generic_patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)
    gpe_prefix: frozenset[str] = frozenset()  # source labels whose leading divisions are kept (addresses)
    places: PlaceRules = field(default_factory=PlaceRules)
    path: Path | None = None

    @classmethod
    def load(cls, path: str | Path) -> LabelMap:
        path = Path(path)
        try:
            return cls.from_json(read_json(path, "label map"), path)
        except FileFormatError as exc:
            raise MappingError(str(exc)) from None

    @classmethod
    def from_json(cls, obj: Any, path: Path | None = None) -> LabelMap:
        where = str(path or "<label map>")
        if not isinstance(obj, dict) or not isinstance(obj.get("labels"), dict):
            raise MappingError(f"{where}: expected an object with a 'labels' object")
        labels: dict[str, str | None] = obj["labels"]
        for src, target in labels.items():
            if target is not None and target not in LABELS and target not in PLACE_TARGETS:
                raise MappingError(
                    f"{where}: {src!r} → {target!r} is not one of {', '.join(LABELS)}, null, {', '.join(PLACE_TARGETS)}"
                )
        provided = tuple(obj.get("labels_provided", ()))
        unknown = [lab for lab in provided if lab not in LABELS]
        if unknown:
            raise MappingError(f"{where}: labels_provided has unknown labels {unknown}")
        places_obj = obj.get("places", {})
        if isinstance(places_obj, str):
            base = path.parent if path else LABEL_MAPS_DIR
            places_obj = _load_places(str(base / places_obj))
        generic = obj.get("generic", {})
        try:
            patterns = {k: re.compile(v["pattern"]) for k, v in generic.items() if v.get("pattern")}
        except re.error as exc:
            raise MappingError(f"{where}: bad generic pattern: {exc}") from exc
        return cls(
            format=str(obj.get("format", path.stem if path else "")),
            labels=labels,
            labels_provided=provided,
            strip={
                k: (tuple(v.get("prefixes", ())), tuple(v.get("suffixes", ())))
                for k, v in obj.get("strip", {}).items()
            },
            generic_mentions={k: frozenset(v.get("mentions", ())) for k, v in generic.items()},
            generic_patterns=patterns,
            gpe_prefix=frozenset(obj.get("gpe_prefix", ())),
            places=PlaceRules.from_json(places_obj),
            path=path,
        )

    def is_generic(self, source_label: str, mention: str) -> bool:
        if mention in self.generic_mentions.get(source_label, ()):
            return True
        pattern = self.generic_patterns.get(source_label)
        return bool(pattern and pattern.search(mention))

    def _strip_affixes(self, text: str, s: int, e: int, source_label: str, place: bool) -> tuple[int, int]:
        """Remove one configured prefix and suffix; for place targets prefer the shortest affix that leaves a
        GPE name (中国籍 → 中国, not 中), else the longest."""
        prefixes, suffixes = self.strip.get(source_label, ((), ()))
        for p in sorted(prefixes, key=len, reverse=True):
            if text.startswith(p, s, e) and e - s > len(p):
                s += len(p)
                break
        fitting = [x for x in suffixes if text.endswith(x, s, e) and e - s > len(x)]
        if not fitting:
            return s, e
        if place:
            for x in sorted(fitting, key=len):
                rest = text[s : e - len(x)]
                if self.places.is_gpe(rest) or self.places.gpe_chain(rest):
                    return s, e - len(x)
        return s, e - max(len(x) for x in fitting)

    def map_span(self, text: str, start: int, end: int, source_label: str) -> MappedSpan:
        """Map one source span: strip affixes, trim edges, filter generic mentions, resolve GPE/LOC."""
        if source_label not in self.labels:
            return MappedSpan(dropped="label not in the map")
        target = self.labels[source_label]
        if target is None:
            return MappedSpan(dropped="mapped to null")
        out = MappedSpan()
        s, e = self._strip_affixes(text, start, end, source_label, target in PLACE_TARGETS)
        out.stripped = (s, e) != (start, end)
        s2, e2 = trim_span(text, s, e)
        out.trimmed = (s2, e2) != (s, e)
        s, e = s2, e2
        if s >= e:
            out.dropped = "empty after trimming"
            return out
        mention = text[s:e]
        if not _balanced(mention):
            out.dropped = "unbalanced brackets or quotes"
            return out
        if self.is_generic(source_label, mention):
            out.dropped = "generic mention"
            return out
        if target in LABELS:
            out.spans = [(s, e, target)]
            return out
        rules = self.places
        if mention in rules.not_gpe:
            label = "LOC"
        elif rules.is_known(mention):
            label = "GPE"
        elif chain := rules.gpe_chain(mention):
            out.spans = [(s + a, s + b, "GPE") for a, b in chain]
            out.chain = True
            return out
        elif rules.has_admin_suffix(mention):
            label = "GPE"
        else:
            label = "LOC"
        if label == "GPE" or target == "GPE|LOC":
            out.spans = [(s, e, label)]
        elif source_label in self.gpe_prefix and (prefix := rules.suffixed_prefix(mention)):
            out.spans = [(s + a, s + b, "GPE") for a, b in prefix]
            out.prefix = True
        else:
            out.dropped = "not a GPE name"
        return out


@lru_cache(maxsize=16)
def _load_places(path: str) -> dict[str, Any]:
    try:
        obj = read_json(path, "place rules")
    except FileFormatError as exc:
        raise MappingError(str(exc)) from None
    if not isinstance(obj, dict):
        raise MappingError(f"{path}: expected an object")
    return obj


def default_map_path(fmt: str) -> Path:
    return LABEL_MAPS_DIR / f"{fmt}.json"

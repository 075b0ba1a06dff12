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
``split_gpe_chains``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline import LABELS
from pipeline.corpus.validate import _OK_END, _OK_START, _bad_edge
from pipeline.gazetteer import is_gpe_name
from pipeline.settings import CONFIGS_DIR

LABEL_MAPS_DIR = CONFIGS_DIR / "label_maps"
PLACE_TARGETS = ("GPE|LOC", "GPE|drop")


class MappingError(ValueError):
    """A label map file is missing or malformed."""


@dataclass
class PlaceRules:
    """When a place mention is a GPE (see the module docstring)."""

    gpe_suffixes: tuple[str, ...] = ()
    non_admin_endings: tuple[str, ...] = ()
    generic_stems: frozenset[str] = frozenset()
    not_gpe: frozenset[str] = frozenset()
    extra_gpe: frozenset[str] = frozenset()
    split_gpe_chains: bool = True

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> PlaceRules:
        return cls(
            gpe_suffixes=tuple(obj.get("gpe_suffixes", ())),
            non_admin_endings=tuple(obj.get("non_admin_endings", ())),
            generic_stems=frozenset(obj.get("generic_stems", ())),
            not_gpe=frozenset(obj.get("not_gpe", ())),
            extra_gpe=frozenset(obj.get("extra_gpe", ())),
            split_gpe_chains=bool(obj.get("split_gpe_chains", True)),
        )

    def is_known(self, name: str) -> bool:
        """A known division or country (gazetteer, or the map's ``extra_gpe``), not excluded."""
        return name not in self.not_gpe and (name in self.extra_gpe or is_gpe_name(name))

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

    def gpe_chain(self, name: str) -> list[tuple[int, int]] | None:
        """Offsets of ≥ 2 consecutive GPE names spelling ``name`` (longest known names first; the last piece
        may be a suffixed name), or None."""
        if not self.split_gpe_chains:
            return None

        def parts(pos: int) -> list[tuple[int, int]] | None:
            if pos == len(name):
                return []
            for end in range(len(name), pos + 1, -1):
                piece = name[pos:end]
                ok = self.is_known(piece) or (end == len(name) and self.has_admin_suffix(piece))
                if ok:
                    rest = parts(end)
                    if rest is not None:
                        return [(pos, end), *rest]
            return None

        found = parts(0)
        return found if found is not None and len(found) >= 2 else None


@dataclass
class MappedSpan:
    """The outcome of mapping one source span."""

    spans: list[tuple[int, int, str]] = field(default_factory=list)
    dropped: str | None = None  # reason when nothing is kept
    trimmed: bool = False
    stripped: bool = False
    chain: bool = False


@dataclass
class LabelMap:
    """One corpus's label map."""

    format: str
    labels: dict[str, str | None]
    labels_provided: tuple[str, ...]
    strip: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    generic_mentions: dict[str, frozenset[str]] = field(default_factory=dict)
    generic_patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)
    places: PlaceRules = field(default_factory=PlaceRules)
    path: Path | None = None

    @classmethod
    def load(cls, path: str | Path) -> LabelMap:
        path = Path(path)
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise MappingError(f"{path}: cannot read label map: {exc.strerror or exc}") from exc
        except json.JSONDecodeError as exc:
            raise MappingError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
        return cls.from_json(obj, path)

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
            places=PlaceRules.from_json(places_obj),
            path=path,
        )

    def is_generic(self, source_label: str, mention: str) -> bool:
        if mention in self.generic_mentions.get(source_label, ()):
            return True
        pattern = self.generic_patterns.get(source_label)
        return bool(pattern and pattern.search(mention))

    def map_span(self, text: str, start: int, end: int, source_label: str) -> MappedSpan:
        """Map one source span: strip affixes, trim edges, filter generic mentions, resolve GPE/LOC."""
        if source_label not in self.labels:
            return MappedSpan(dropped="label not in the map")
        target = self.labels[source_label]
        if target is None:
            return MappedSpan(dropped="mapped to null")
        out = MappedSpan()
        s, e = start, end
        prefixes, suffixes = self.strip.get(source_label, ((), ()))
        for p in sorted(prefixes, key=len, reverse=True):
            if text.startswith(p, s, e) and e - s > len(p):
                s, out.stripped = s + len(p), True
                break
        for x in sorted(suffixes, key=len, reverse=True):
            if text.endswith(x, s, e) and e - s > len(x):
                e, out.stripped = e - len(x), True
                break
        while s < e and _bad_edge(text[s], _OK_START):
            s, out.trimmed = s + 1, True
        while s < e and _bad_edge(text[e - 1], _OK_END):
            e, out.trimmed = e - 1, True
        if s >= e:
            out.dropped = "empty after trimming"
            return out
        mention = text[s:e]
        if self.is_generic(source_label, mention):
            out.dropped = "generic mention"
            return out
        if target in LABELS:
            out.spans = [(s, e, target)]
            return out
        rules = self.places
        if rules.is_known(mention):
            out.spans = [(s, e, "GPE")]
            return out
        chain = rules.gpe_chain(mention)
        if chain:
            out.spans = [(s + a, s + b, "GPE") for a, b in chain]
            out.chain = True
            return out
        if rules.has_admin_suffix(mention):
            out.spans = [(s, e, "GPE")]
        elif target == "GPE|LOC":
            out.spans = [(s, e, "LOC")]
        else:
            out.dropped = "not a GPE name"
        return out


@lru_cache(maxsize=16)
def _load_places(path: str) -> dict[str, Any]:
    try:
        obj = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise MappingError(f"{path}: cannot read place rules: {exc}") from exc
    if not isinstance(obj, dict):
        raise MappingError(f"{path}: expected an object")
    return obj


def default_map_path(fmt: str) -> Path:
    return LABEL_MAPS_DIR / f"{fmt}.json"

"""Place linker: find Chinese divisions and countries in the text, propose them as GPE and link them.

Design of the link data.  ``doc.ents`` builds new ``Span`` objects on every access, so link data cannot live on a
span.  The component stores it on the Doc instead: ``Doc._.place_links`` maps ``"start:end"`` (character offsets)
to ``{"name", "adcode", "level", "province"}`` (``adcode`` etc. ``None`` when the name stays ambiguous); string
keys and plain values keep it serialisable in a DocBin.  ``Span._.adcode``, ``_.level``, ``_.province`` are
getters that read that dict by the span's character offsets, so they work for any Span covering a linked place:
the component's own candidates (``doc.spans[spans_key]``) and GPE entities already in ``doc.ents`` (e.g.
predicted by the statistical NER), which it links as well.

Finding: longest match of gazetteer names (full names, short names, aliases) at character level, left to right;
a trailing administrative suffix that the gazetteer does not know is kept (靖西县 → 靖西市), a suffix that starts
another word is dropped (深圳市场 → 深圳).  One-character abbreviations (桂, 粤, 中, 美) are candidates only in
the contexts of the settings (``places.json``, rule 13).  Candidates overlapping a longer unit (an ORG such as
柳州市工业和信息化局) are left for the merge step: the component proposes GPE only, and with ``set_ents`` it adds
only candidates that overlap no existing entity.

Linking an ambiguous name (鼓楼区 in four cities): a linked place written right before it (福州市鼓楼区), then a
candidate that contains all others (荆州 → 荆州市, not 荆州区), then the provinces of the document's unambiguous
places, then a single province-level reading (吉林 → 吉林省); otherwise the span stays unlinked.
"""

# no `from __future__ import annotations`: spaCy resolves the factory's type hints at run time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import filter_spans

import pipeline.components.scoring  # noqa: F401  (registers the scorer named in the factory's defaults)
from pipeline.components.base import SETTINGS, RuleComponent, settings_from_dict
from pipeline.corpus.alignment import split_tokens_at, token_offsets
from pipeline.gazetteer import Gazetteer, Place, build_gazetteer
from pipeline.resources import read_settings
from pipeline.spans import PLACES_KEY, link_key, register_extensions

SETTINGS_FILE = "places.json"


@dataclass
class Candidate:
    """A proposed GPE: character offsets and the places its text may denote."""

    start: int
    end: int
    places: tuple[Place, ...]
    chosen: Place | None = None
    resolved: bool = field(default=False)


@dataclass
class PlaceSettings:
    """The contents of ``places.json``."""

    suffixes: str
    level_suffixes: dict[str, str]
    town_suffixes: list[str]
    blocked_after_suffix: dict[str, str]
    blocked_words: list[str]
    abbreviation_triggers: str
    abbreviation_heads: dict[str, list[str]]
    abbreviation_heads_excluded: str
    strong_heads_excluded: str
    blocked_head_words: list[str]
    chain_min3: str
    chain_partners: str
    blocked_chains: list[str]
    blocked_next: str


class PlaceFinder:
    """Character-level search for place names and abbreviations in a text."""

    def __init__(self, settings: PlaceSettings, gazetteer: Gazetteer):
        self.s = settings
        self.gazetteer = gazetteer
        self.index = gazetteer.index
        self.abbrevs = gazetteer.abbreviations
        self.automaton = ahocorasick.Automaton()
        for name in self.index:
            if len(name) >= 2:
                self.automaton.add_word(name, len(name))
        self.automaton.make_automaton()

    def blocked_mask(self, text: str) -> list[bool]:
        """Characters inside a blocked word (中华民族): never part of a candidate."""
        blocked = [False] * len(text)
        for word in self.s.blocked_words:
            pos = text.find(word)
            while pos >= 0:
                for k in range(pos, pos + len(word)):
                    blocked[k] = True
                pos = text.find(word, pos + 1)
        return blocked

    def names(self, text: str, blocked: list[bool], words: Sequence[tuple[int, int]] = ()) -> list[Candidate]:
        """Leftmost-longest gazetteer matches, with suffix repair, not starting in a blocked word.

        ``words``: the segmenter's token offsets; a short county/city name that straddles a word boundary is
        skipped (创新|和 → not 新和), so it does not hide a real name after it (衢江区和龙游县 → 龙游县).
        """
        crossing = _crossing_checker(words)
        lengths_at: dict[int, list[int]] = {}
        for end, length in self.automaton.iter(text):
            lengths_at.setdefault(end - length + 1, []).append(length)
        out: list[Candidate] = []
        i, n = 0, len(text)
        while i < n:
            match = None
            for length in sorted(lengths_at.get(i, ()), reverse=True):
                name = text[i : i + length]
                if not crossing(i, i + length, self.index[name], name):
                    match = name
                    break
            if match is None or blocked[i]:
                i += 1
                continue
            end = self._repair_end(text, i, i + len(match))
            places = self.index.get(text[i:end]) or self.index[text[i : end - 1]]
            town = next((t for t in self.s.town_suffixes if text.startswith(t, end)), None)
            if town and places[0].level != "country" and text[end - 1] not in self.s.suffixes:
                # 柳河镇, 印台乡: a town named after its county (not 县乡, 市镇: levels in a row)
                end, places = end + len(town), ()
            out.append(Candidate(i, end, places))
            i = end
        return out

    def _repair_end(self, text: str, start: int, end: int) -> int:
        """Drop a suffix that begins another word (深圳市场); add an unknown suffix that fits the level (靖西县)."""
        last, nxt = text[end - 1], text[end : end + 1]
        if (
            last in self.s.suffixes
            and nxt
            and nxt in self.s.blocked_after_suffix.get(last, "")
            and text[start : end - 1] in self.index
        ):
            return end - 1
        after = text[end + 1 : end + 2]
        levels = {p.level for p in self.index[text[start:end]]}
        fits = "".join(self.s.level_suffixes.get(level, "") for level in levels)
        if (
            nxt
            and nxt in fits
            and last not in self.s.suffixes
            and not (after and after in self.s.blocked_after_suffix.get(nxt, ""))
        ):
            return end + 1
        return end

    def abbreviation_spans(self, text: str, covered: list[bool]) -> list[Candidate]:
        """One-character abbreviations in the contexts of rule 13 (chains, triggers, heads)."""
        out: list[Candidate] = []
        s = self.s
        n = len(text)
        i = 0
        while i < n:
            if covered[i] or (text[i] not in self.abbrevs and text[i] not in s.chain_partners):
                i += 1
                continue
            j = i
            while j < n and not covered[j] and (text[j] in self.abbrevs or text[j] in s.chain_partners):
                j += 1
            run = text[i:j]
            picked = self._from_run(text, i, run)
            out.extend(picked)
            i = j
        return out

    def _from_run(self, text: str, start: int, run: str) -> list[Candidate]:
        s = self.s
        members = [c for c in run if c in self.abbrevs]
        if len(run) >= 2 and len(members) >= 1:
            if any(text.startswith(b, start) for b in s.blocked_chains):
                return []
            strong = any(self.abbrevs[c][1] for c in members)
            domestic = all(any(p.level != "country" for p in self.abbrevs[c][0]) for c in members)
            foreign_pair = run[0] in "中华" and all(
                c in s.chain_partners
                or (
                    c not in s.chain_min3
                    and any(p.level == "country" and p.adcode != "CN" for p in self.abbrevs[c][0])
                )
                for c in run[1:]
            )
            short_chain = len(members) < 3 and any(c in s.chain_min3 for c in members)
            if (strong and domestic and not short_chain) or foreign_pair:
                return [
                    Candidate(start + k, start + k + 1, self.abbrevs[c][0])
                    for k, c in enumerate(run)
                    if c in self.abbrevs
                ]
        if len(run) == 1 and run in self.abbrevs:
            return [Candidate(start, start + 1, self.abbrevs[run][0])] if self._single_ok(text, start) else []
        # a longer run that failed as a chain: single-character contexts at its ends only
        out = []
        for k in (0, len(run) - 1):
            c = run[k]
            if c in self.abbrevs and self._single_ok(text, start + k):
                out.append(Candidate(start + k, start + k + 1, self.abbrevs[c][0]))
        return out

    def _single_ok(self, text: str, pos: int) -> bool:
        s = self.s
        char = text[pos]
        strong = self.abbrevs[char][1]
        prev = text[pos - 1] if pos else ""
        nxt = text[pos + 1 : pos + 2]
        if (
            (strong or char == "华")
            and prev
            and prev in s.abbreviation_triggers
            and not (nxt and nxt in s.blocked_next)
        ):
            return True
        heads = list(s.abbreviation_heads.get("all", ()))
        if strong and char not in s.strong_heads_excluded:
            heads += s.abbreviation_heads.get("strong", ())
        if char in s.abbreviation_heads_excluded:
            return False
        if any(text.startswith(w, pos + 1) for w in s.blocked_head_words):
            return False
        return any(text.startswith(h, pos + 1) for h in heads)

    def find(
        self, text: str, use_abbreviations: bool = True, words: Sequence[tuple[int, int]] = ()
    ) -> list[Candidate]:
        """All candidates in ``text`` (``words``: token offsets of the segmenter, if any)."""
        blocked = self.blocked_mask(text)
        cands = self.names(text, blocked, words)
        if use_abbreviations:
            covered = blocked[:]
            for c in cands:
                for k in range(c.start, c.end):
                    covered[k] = True
            cands += self.abbreviation_spans(text, covered)
        return sorted(cands, key=lambda c: c.start)


def _crossing_checker(words: Sequence[tuple[int, int]]):
    """A test whether a short county/city name straddles a word of the segmenter (平台|中 → not 台中).

    Only partial overlaps count: a name inside a longer token (柳州 in 柳州市委) is kept for the merge step.
    """
    starts = {a: b for a, b in words}
    ends = {b: a for a, b in words}

    def crosses(start: int, end: int, places: tuple[Place, ...], name: str) -> bool:
        if not words or any(p.level in ("province", "country") or p.name == name for p in places):
            return False
        for k in range(start + 1, end):
            if k in ends and ends[k] < start and (end - start) > 1:  # a word ending inside, begun before
                return True
            if k in starts and starts[k] > end:  # a word beginning inside, ending after
                return True
        return False

    return crosses


def _encloses(outer: Place, inner: Place) -> bool:
    if outer.level == "country" or inner.level == "country":
        return outer == inner
    keep = {"province": 2, "city": 4, "county": 6}[outer.level]
    return inner.adcode[:keep] == outer.adcode[:keep]


def _outermost(options: list[Place]) -> list[Place]:
    """The one option that contains all others (吉林 → 吉林省 over 吉林市), else ``options`` unchanged."""
    outer = [p for p in options if all(_encloses(p, q) for q in options)]
    return outer if len(outer) == 1 else options


def resolve(cands: list[Candidate]) -> None:
    """Choose one place per candidate where the document allows it (sets ``chosen``)."""
    for c in cands:  # context-free: one reading, or one reading containing the others (北京市, 荆州)
        options = _outermost(list(c.places)) if c.places else []
        if len(options) == 1:
            c.chosen, c.resolved = options[0], True
    provinces = Counter(c.chosen.adcode[:2] for c in cands if c.chosen and c.chosen.level != "country")
    by_end = {c.end: c for c in cands}
    for c in cands:
        if c.resolved or not c.places:
            continue
        options = list(c.places)
        prev = by_end.get(c.start)
        if prev is not None and prev.chosen is not None:  # 福州市鼓楼区
            inside = [p for p in options if p != prev.chosen and _encloses(prev.chosen, p)]
            if inside:
                options = _outermost(inside)
        if len(options) > 1 and provinces:  # the provinces of the document's unambiguous places
            counts = {p: provinces.get(p.adcode[:2], 0) if p.level != "country" else 0 for p in options}
            best = max(counts.values())
            top = [p for p, k in counts.items() if k == best and k > 0]
            if top:
                options = _outermost(top)
        if len(options) > 1 and all(p.level != "country" for p in options):
            top_level = [p for p in options if p.level == "province"]
            if len(top_level) == 1:  # 海南 → 海南省 rather than 海南藏族自治州
                options = top_level
        if len(options) == 1:
            c.chosen = options[0]
        c.resolved = True


def _link_dict(text: str, place: Place | None) -> dict:
    return {
        "name": place.name if place else text,
        "adcode": place.adcode if place else None,
        "level": place.level if place else None,
        "province": place.province if place else None,
    }


def _linked(key: str, link: dict) -> Candidate:
    """A candidate already linked (``Doc._.place_links`` entry), as context for resolving others."""
    start, end = map(int, key.split(":"))
    place = Place(link["name"], link["adcode"], link["level"], link["province"])
    return Candidate(start, end, (place,), place, True)


class PlaceLinker(RuleComponent):
    """Propose GPE candidates for gazetteer places (``doc.spans[spans_key]``) and link GPE spans to adcodes.

    Its data (the settings of ``places.json`` and the gazetteer index) is read by :meth:`initialize` and saved
    with the pipeline (:meth:`to_disk`); a loaded pipeline never reads the built-in files again.
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "place_linker",
        *,
        spans_key: str = PLACES_KEY,
        set_ents: bool = False,
        use_abbreviations: bool = True,
        propose: bool = True,
        scorer: Callable | None = None,
    ):
        register_extensions()
        self.name = name
        self.propose = propose
        self.spans_key = spans_key
        self.set_ents = set_ents
        self.use_abbreviations = use_abbreviations
        self.scorer = scorer

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
        settings_path: str | None = None,
        gazetteer_path: str | None = None,
    ) -> None:
        """Read the settings (``places.json``) and build the gazetteer (``gazetteer.json``); None = built in."""
        data = {
            SETTINGS: read_settings(settings_path, SETTINGS_FILE),
            "gazetteer": build_gazetteer(gazetteer_path).to_dict(),
        }
        self._set(data, str(settings_path or SETTINGS_FILE))

    def _build(self, data: dict[str, Any], source: str) -> None:
        settings = settings_from_dict(PlaceSettings, data[SETTINGS], source)
        self.finder = PlaceFinder(settings, Gazetteer.from_dict(data["gazetteer"]))

    def candidates(self, text: str) -> list[Candidate]:
        """Candidates with their links resolved against each other (no Doc needed)."""
        self._ready()
        cands = self.finder.find(text, self.use_abbreviations)
        resolve(cands)
        return cands

    def __call__(self, doc: Doc) -> Doc:
        self._ready()
        finder = self.finder
        text = doc.text
        words = token_offsets(doc)
        links = dict(doc._.place_links or {})
        if self.propose:
            cands = finder.find(text, self.use_abbreviations, words)
            context: list[Candidate] = []
        else:  # the links made earlier are the context of the new ones
            cands = []
            context = [_linked(k, v) for k, v in links.items() if v.get("adcode")]
        offsets = {o for c in cands for o in (c.start, c.end)}
        known = {(c.start, c.end) for c in cands} | {tuple(map(int, k.split(":"))) for k in links}
        extra = [
            Candidate(e.start_char, e.end_char, self.places_for(e.text))
            for e in doc.ents
            if e.label_ == "GPE" and (e.start_char, e.end_char) not in known
        ]
        resolve(sorted([*context, *cands, *extra], key=lambda c: (c.start, c.end)))
        for c in [*cands, *extra]:
            links[link_key(c.start, c.end)] = _link_dict(text[c.start : c.end], c.chosen)
        doc._.place_links = links
        if not self.propose:  # linking the GPE entities of other components only
            return doc
        split_tokens_at(doc, offsets)
        found = [doc.char_span(c.start, c.end, label="GPE") for c in cands]
        spans = [s for s in found if s is not None]
        doc.spans[self.spans_key] = spans
        if self.set_ents:
            taken = {t.i for e in doc.ents for t in e}
            new = [s for s in filter_spans(spans) if not any(t.i in taken for t in s)]
            doc.ents = [*doc.ents, *new]
        return doc

    def places_for(self, name: str) -> tuple[Place, ...]:
        """Places for an entity text found by another component (full, short, alias, suffix-less, abbreviation)."""
        self._ready()
        finder = self.finder
        gaz = finder.gazetteer
        name = name.strip()
        found = gaz.lookup(name)
        if not found and len(name) > 2 and name[-1] in finder.s.suffixes:
            found = gaz.lookup(name[:-1])
        if not found and len(name) == 1:
            found = gaz.abbreviation(name)
        return found


@Language.factory(
    "place_linker",
    assigns=["doc.spans", "doc._.place_links", "span._.adcode", "span._.level", "span._.province"],
    retokenizes=True,
    default_config={
        "spans_key": PLACES_KEY,
        "set_ents": False,
        "use_abbreviations": True,
        "propose": True,
        "scorer": {"@scorers": "pipeline.span_group_scorer.v1", "spans_key": PLACES_KEY, "labels": ["GPE"]},
    },
    default_score_weights={
        f"spans_{PLACES_KEY}_f": 0.0,
        f"spans_{PLACES_KEY}_p": 0.0,
        f"spans_{PLACES_KEY}_r": 0.0,
        f"spans_{PLACES_KEY}_per_type": None,
    },
)
def make_place_linker(
    nlp: Language,
    name: str,
    spans_key: str,
    set_ents: bool,
    use_abbreviations: bool,
    propose: bool,
    scorer: Callable | None,
) -> PlaceLinker:
    """GPE candidates from the gazetteer and adcode links (data loaded by ``initialize`` or ``from_disk``).

    ``propose = false``: only link the GPE entities already in ``doc.ents`` (a second instance after the merger).
    """
    return PlaceLinker(
        nlp,
        name,
        spans_key=spans_key,
        set_ents=set_ents,
        use_abbreviations=use_abbreviations,
        propose=propose,
        scorer=scorer,
    )

"""Name grammar: ORG and LOC candidates built from head words, place candidates and level prefixes.

A name ends with a head word that ends a segmenter token: an organisation head (公司 集团 局 厅 委 银行 大学 协会 …)
or a place head (开发区 高新区 园区 新区 港 机场 铁路 水库 景区 …).  Its start is found by walking left from the head
over the *stretch* of name characters (CJK characters, at most ``max_stem``), which ends at punctuation, a digit,
a numeric expression or a boundary word (来自 在 和 的 …; words such as 工业和信息化 keep their 和).  Inside the
stretch the name starts at the leftmost anchor: a place candidate of the place linker (湖北省生态环境厅, 岳阳城陵矶港)
or a level prefix (省 市 县 … 国家 中共: 市财政局).  Without an anchor it starts at the stretch's start when the stretch
reached a boundary within ``max_stem_unanchored`` characters and the head is a strong one (金塘冲水库, 海口奇力制药股份
有限公司); weak heads (站 港 河 科技 药业 …) need an anchor.  Generic stems (龙头企业, 该公司, 各级政府, 省级开发区) are
not names, nor bare bodies without a level (政府, 人大: guideline rules 4 and 23).

Macro-regions and other fixed LOC words (长三角, 西北地区, 黄河流域) are LOC, and the central bodies of the state and
the party (国务院, 党中央, 国家发改委, 人民银行) and well-known enterprises and brands (华为, 宁德时代, 西门子) ORG,
wherever they are whole tokens (or runs of tokens).

Candidates go to ``doc.spans[spans_key]``; the merger decides which reach ``doc.ents`` (they replace the model's
entities they contain, so a place inside a longer name is not left as a stray GPE).
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import ahocorasick
from spacy.language import Language
from spacy.tokens import Doc

import pipeline.components.scoring  # noqa: F401  (registers the scorer named in the factory's defaults)
from pipeline.components.base import SETTINGS, RuleComponent, settings_from_dict
from pipeline.corpus.alignment import split_tokens_at, token_offsets
from pipeline.spans import NAMES_KEY, NUMERIC_KEY, PLACES_KEY

SETTINGS_FILE = "names.json"
PARENTHESISED = re.compile(r"[（(][\u4e00-\u9fff]{1,6}[）)](?=[\u4e00-\u9fff])")
HYPHENS = "-－"


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@dataclass
class NameSettings:
    """The contents of ``names.json``: the head words and the stem limits are required; every other list may be
    left out (empty: that rule is off), so a settings file written before a list existed still loads."""

    org_heads: list[str]
    loc_heads: list[str]
    boundary_words: list[str]
    max_stem: dict[str, int]
    max_stem_unanchored: dict[str, int]
    town_heads: list[str] = field(default_factory=list)
    route_heads: list[str] = field(default_factory=list)
    weak_org_heads: list[str] = field(default_factory=list)
    weak_loc_heads: list[str] = field(default_factory=list)
    macro_regions: list[str] = field(default_factory=list)
    national_bodies: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    level_prefixes: list[str] = field(default_factory=list)
    generic_stems: list[str] = field(default_factory=list)
    generic_starts: list[str] = field(default_factory=list)
    head_blockers: list[str] = field(default_factory=list)
    needs_stem: list[str] = field(default_factory=list)
    generic_ends: list[str] = field(default_factory=list)
    blocked_after: dict[str, list[str]] = field(default_factory=dict)
    not_names: list[str] = field(default_factory=list)
    joined_words: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = SETTINGS_FILE) -> "NameSettings":
        settings = settings_from_dict(cls, data, source)
        labels = set(settings.max_stem) | set(settings.max_stem_unanchored)
        if settings.town_heads and "GPE" not in labels:
            raise ValueError(
                f"{source}:1: bad settings: town_heads need GPE in max_stem and max_stem_unanchored"
            )
        return settings


@dataclass
class NameCandidate:
    start: int
    end: int
    label: str
    anchor: str = "none"  # place | level | none | lexicon


class NameFinder:
    """The grammar on plain text plus token boundaries and place/numeric spans (no Doc needed)."""

    def __init__(self, settings: NameSettings):
        self.s = settings
        heads = [(h, "ORG") for h in settings.org_heads] + [(h, "LOC") for h in settings.loc_heads]
        heads += [(h, "GPE") for h in settings.town_heads]
        self.heads: dict[str, str] = {}
        for h, lab in heads:
            self.heads.setdefault(h, lab)
        self.weak = set(settings.weak_org_heads) | set(settings.weak_loc_heads)
        self.boundary = sorted(set(settings.boundary_words), key=len, reverse=True)
        self.levels = sorted(set(settings.level_prefixes), key=len, reverse=True)
        self.generic = set(settings.generic_stems)
        self.generic_starts = tuple(settings.generic_starts)
        self.not_names = set(settings.not_names)
        self.blockers = set(settings.head_blockers)
        self.coordinated = {"市委", "县委", "省委", "区委", "州委"}
        self.zone_heads = tuple(h for h in settings.loc_heads if h.endswith("区") and len(h) >= 2)
        self.company_heads = ("公司", "集团")
        self.route_heads = set(settings.route_heads)
        self.route_joiners = ("至", "—", "-", "－", "～")
        self.needs_stem = set(settings.needs_stem)
        self.generic_ends = tuple(settings.generic_ends)
        self.blocked_after = {h: tuple(ws) for h, ws in settings.blocked_after.items()}
        self.lexicon = {
            **dict.fromkeys(settings.macro_regions, "LOC"),
            **dict.fromkeys(settings.national_bodies, "ORG"),
        }
        self.head_words = _Words(self.heads)
        self.boundary_words = _Words(self.boundary)
        self.level_words = _Words(self.levels)
        self.stop_heads = _Words([*self.zone_heads, *self.company_heads])
        self.lexicon_words = _Words(self.lexicon)

    def _scan(self, text: str, starts: set[int]) -> "_Scan":
        """Where the word lists match in ``text`` (one pass of each automaton)."""
        scan = _Scan()
        scan.parenthesised = [False] * (len(text) + 1)
        for m in PARENTHESISED.finditer(text):
            for k in range(m.start(), m.end()):
                scan.parenthesised[k] = True
        for end, w in self.head_words.iter(text):
            e = end + 1
            if len(w) > len(scan.heads.get(e, "")):
                scan.heads[e] = w
        scan.boundary_ends = {
            end + 1 for end, w in self.boundary_words.iter(text) if end + 1 - len(w) in starts
        }
        scan.level_starts = {end + 1 - len(w) for end, w in self.level_words.iter(text)}
        scan.stop_ends = {end + 1 for end, _ in self.stop_heads.iter(text)}
        for end, w in self.lexicon_words.iter(text):
            s = end + 1 - len(w)
            if len(w) > len(scan.lexicon.get(s, "")):
                scan.lexicon[s] = w
        return scan

    def _joined_mask(self, text: str) -> list[bool]:
        mask = [False] * (len(text) + 1)
        for w in self.s.joined_words:
            pos = text.find(w)
            while pos >= 0:
                for k in range(pos, pos + len(w) + 1):
                    mask[k] = True
                pos = text.find(w, pos + 1)
        return mask

    def find(
        self,
        text: str,
        words: list[tuple[int, int]],
        places: Iterable[tuple[int, int]] = (),
        blocked: Iterable[tuple[int, int]] = (),
    ) -> list[NameCandidate]:
        """Candidates in ``text``: ``words`` are token offsets, ``places`` place candidates, ``blocked`` spans
        (numeric expressions) no name may overlap."""
        starts = {a for a, _ in words}
        ends = {b for _, b in words}
        token_at_end = {b: text[a:b] for a, b in words}
        places = sorted((a, b) for a, b in places if b - a >= 2)  # one-character abbreviations do not anchor
        no_name = [False] * (len(text) + 1)
        for a, b in blocked:
            for k in range(a, b):
                no_name[k] = True
        joined = self._joined_mask(text)
        scan = self._scan(text, starts)
        found: list[NameCandidate] = []
        for e in sorted(ends):
            head = scan.heads.get(e)
            if head is None or token_at_end[e] in self.blockers:
                continue
            cand = self._from_head(
                text, e - len(head), e, self.heads[head], starts, places, no_name, joined, scan
            )
            if cand is not None:
                found.append(cand)
        for s, word in scan.lexicon.items():
            if s in starts and s + len(word) in ends:
                found.append(NameCandidate(s, s + len(word), self.lexicon[word], "lexicon"))
        return _longest_first(found)

    def _from_head(
        self,
        text: str,
        h: int,
        e: int,
        label: str,
        starts: set[int],
        places: list[tuple[int, int]],
        no_name: list[bool],
        joined: list[bool],
        scan: "_Scan",
    ) -> NameCandidate | None:
        limit = self.s.max_stem.get(label, 0)
        scan.route = label == "LOC" and text[h:e] in self.route_heads
        if scan.route:
            limit += self.s.max_stem.get(label, 0)
        i, reached_boundary = h, False
        while i > 0 and h - i < limit:
            if self._boundary_at(text, i, h, label, no_name, joined, scan):
                reached_boundary = True
                break
            i -= 1
        if i == 0:
            reached_boundary = True
        if not reached_boundary:
            while i < h and i not in starts:
                i += 1
        stretch_start = i
        inside_place = {k for a, b in places for k in range(a, b)}
        place_anchors = [a for a, b in places if i <= a and b <= h and not scan.parenthesised[a]]
        level_anchors = [
            p
            for p in range(i, h)
            if (p in starts or p == stretch_start) and p not in inside_place and p in scan.level_starts
        ]
        if label != "ORG":  # 国家级…园区, 省级开发区: levels are descriptors of zones, not their names' start
            level_anchors = []
        if label == "GPE":  # 阳新县富池镇: a town after its county is a GPE of its own
            place_anchors = []
            i = max([i, *(b for a, b in places if i <= b <= h)])
        head = text[h:e]
        if i == h and head in self.coordinated:  # 市委 on its own (rule 20)
            return NameCandidate(h, e, label, "level")
        if place_anchors or level_anchors:
            start = min(place_anchors or level_anchors)
            anchor = "place" if place_anchors else "level"
        elif (
            reached_boundary
            and 2 <= h - i <= self.s.max_stem_unanchored.get(label, 0)
            and head not in self.weak
        ):
            start, anchor = i, "none"
        else:
            return None
        name, stem = text[start:e], text[start:h]
        if name in self.not_names or stem.endswith(self.generic_ends):
            return None  # 人民政府 alone; 上市公司, 关联公司
        if anchor == "none" and (
            stem in self.generic
            or stem.startswith(self.generic_starts)
            or text.startswith(self.blocked_after.get(head, ()), e)
        ):
            return None  # 龙头企业, 该公司, 国家级开发区; 政府工作报告, 政府投资基金
        if anchor == "place" and head in self.needs_stem and any(a == start and b == h for a, b in places):
            return None  # 靖西景区: a place and a generic head
        if not stem and head not in self.coordinated:  # 市委 alone is a body (rule 20); 公司 alone is not
            return None
        return NameCandidate(start, e, label, anchor)

    def _boundary_at(
        self,
        text: str,
        i: int,
        h: int,
        label: str,
        no_name: list[bool],
        joined: list[bool],
        scan: "_Scan",
    ) -> bool:
        """Whether the stretch before a head (ending at ``h``) cannot extend left past ``i``."""
        ch = text[i - 1]
        if ch in HYPHENS and text.endswith("中国", 0, i - 1) and i < len(text) and _is_cjk(text[i]):
            return False  # 中国-东盟, 中国－中南半岛
        if scan.route and ch in self.route_joiners and i >= 2 and _is_cjk(text[i - 2]):
            return False  # 靖西至那坡高速公路: one route
        if label == "ORG" and scan.parenthesised[i - 1]:
            return False  # 品捷电子（苏州）有限公司
        if not _is_cjk(ch) or no_name[i - 1]:
            return True
        if joined[i]:
            return False
        if i in scan.boundary_ends:
            return True
        # 市委市政府: two coordinated bodies
        if text[i - 2 : i] in self.coordinated and i in scan.level_starts:
            return True
        # 雄安新区中关村科技园: a chain of named zones is split
        return label == "LOC" and i < h and i in scan.stop_ends


@dataclass
class _Scan:
    """Matches of the word lists in one text: heads by end offset, boundary-word ends, level-prefix starts,
    zone/company head ends, lexicon words by start offset."""

    heads: dict[int, str] = field(default_factory=dict)
    boundary_ends: set[int] = field(default_factory=set)
    level_starts: set[int] = field(default_factory=set)
    stop_ends: set[int] = field(default_factory=set)
    lexicon: dict[int, str] = field(default_factory=dict)
    parenthesised: list[bool] = field(default_factory=list)  # inside a short （place） of a company name
    route: bool = False  # the head being expanded is a route (高速公路 …)


class _Words:
    """An Aho-Corasick automaton over a word list: ``iter(text)`` yields (end index, word) of every match."""

    def __init__(self, words: Iterable[str]):
        self.auto = ahocorasick.Automaton()
        for w in words:
            self.auto.add_word(w, w)
        if len(self.auto):
            self.auto.make_automaton()

    def iter(self, text: str) -> Iterable[tuple[int, str]]:
        return self.auto.iter(text) if len(self.auto) and text else ()


def _longest_first(cands: list[NameCandidate]) -> list[NameCandidate]:
    """Drop candidates overlapping a longer one; sorted by start."""
    kept: list[NameCandidate] = []
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), c.start)):
        if not any(c.start < k.end and k.start < c.end for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


class NameGrammar(RuleComponent):
    """ORG/LOC candidates from head words (``doc.spans[spans_key]``); needs the place linker's candidates."""

    settings_file = SETTINGS_FILE

    def __init__(
        self,
        nlp: Language,
        name: str = "name_grammar",
        *,
        spans_key: str = NAMES_KEY,
        places_key: str = PLACES_KEY,
        numeric_key: str = NUMERIC_KEY,
        scorer: Callable | None = None,
    ):
        self.name = name
        self.spans_key = spans_key
        self.places_key = places_key
        self.numeric_key = numeric_key
        self.scorer = scorer

    def _build(self, data: dict[str, Any], source: str) -> None:
        self.finder = NameFinder(NameSettings.from_dict(data[SETTINGS], source))

    def __call__(self, doc: Doc) -> Doc:
        self._ready()
        places = [(s.start_char, s.end_char) for s in doc.spans.get(self.places_key, [])]
        numeric = [(s.start_char, s.end_char) for s in doc.spans.get(self.numeric_key, [])]
        cands = self.finder.find(doc.text, token_offsets(doc), places, numeric)
        split_tokens_at(doc, [o for c in cands for o in (c.start, c.end)])
        spans = [doc.char_span(c.start, c.end, label=c.label) for c in cands]
        doc.spans[self.spans_key] = [s for s in spans if s is not None]
        return doc


@Language.factory(
    "name_grammar",
    assigns=["doc.spans"],
    requires=["doc.spans"],
    retokenizes=True,
    default_config={
        "spans_key": NAMES_KEY,
        "places_key": PLACES_KEY,
        "numeric_key": NUMERIC_KEY,
        "scorer": {
            "@scorers": "pipeline.span_group_scorer.v1",
            "spans_key": NAMES_KEY,
            "labels": ["ORG", "LOC"],
        },
    },
    default_score_weights={
        f"spans_{NAMES_KEY}_f": 0.0,
        f"spans_{NAMES_KEY}_p": 0.0,
        f"spans_{NAMES_KEY}_r": 0.0,
        f"spans_{NAMES_KEY}_per_type": None,
    },
)
def make_name_grammar(
    nlp: Language, name: str, spans_key: str, places_key: str, numeric_key: str, scorer: Callable | None
) -> NameGrammar:
    """ORG/LOC candidates from head words, place candidates and level prefixes (data from ``initialize``)."""
    return NameGrammar(
        nlp, name, spans_key=spans_key, places_key=places_key, numeric_key=numeric_key, scorer=scorer
    )

"""Document-level consistency: a name found in one place of a report is the same name elsewhere in it.

Policy (after the merger, on ``doc.ents``):

1. **Same surface, same label.**  Every entity text with one of ``labels`` (ORG, LOC: places are the
   gazetteer's job) of at least ``min_chars`` characters is looked up in the rest of the document; an occurrence
   that starts and ends on token boundaries and overlaps no entity becomes an entity with that label.  A surface
   found with several labels takes the most frequent one (ties: no propagation).
2. **Short forms of companies.**  From an ORG with a company suffix (阳新娲石水泥有限公司) the short forms are
   derived by removing a leading place candidate (阳新), the company suffix (有限公司, 集团 …) and then trailing
   industry words (水泥): 娲石水泥, 娲石.  A short form of at least ``min_short_chars`` characters, not made of
   industry words only, that occurs elsewhere (as in rule 1) becomes an ORG there.
3. With ``relabel``, mentions of one surface that carry a minority label are relabelled to the majority label.

Surfaces in ``stop_words`` never propagate.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

import pipeline.components.scoring  # noqa: F401  (registers the scorer named in the factory's defaults)
from pipeline.components.base import SETTINGS, RuleComponent, settings_from_dict
from pipeline.corpus.alignment import split_tokens_at, token_offsets
from pipeline.spans import PLACES_KEY

SETTINGS_FILE = "propagation.json"
Ent = tuple[int, int, str]


@dataclass
class PropagationSettings:
    """The contents of ``propagation.json``."""

    labels: list[str]
    min_chars: int
    min_short_chars: int
    company_suffixes: list[str]
    industry_words: list[str]
    stop_words: list[str]
    relabel: bool


class Propagator:
    """The policy on plain text, entity offsets and token boundaries (no Doc needed)."""

    def __init__(self, settings: PropagationSettings):
        self.s = settings
        self.suffixes = sorted(settings.company_suffixes, key=len, reverse=True)
        self.industry = sorted(settings.industry_words, key=len, reverse=True)
        self.stop = set(settings.stop_words)

    def short_forms(self, name: str, place_chars: int = 0) -> list[str]:
        """阳新娲石水泥有限公司 → [娲石水泥, 娲石]: without the leading place (its first ``place_chars``
        characters), the company suffix, then industry words."""
        suffix = next((s for s in self.suffixes if name.endswith(s) and len(name) > len(s)), None)
        if suffix is None:
            return []
        core = name[: -len(suffix)]
        if 0 < place_chars <= len(core) - self.s.min_chars:
            core = core[place_chars:]
        forms = []
        while len(core) >= self.s.min_short_chars:
            forms.append(core)
            word = next((w for w in self.industry if core.endswith(w) and len(core) > len(w)), None)
            if word is None:
                break
            core = core[: -len(word)]
        return [f for f in forms if f not in self.stop and f != name and not self._industry_only(f)]

    def _industry_only(self, form: str) -> bool:
        while form:
            word = next((w for w in self.industry if form.endswith(w)), None)
            if word is None:
                return False
            form = form[: -len(word)]
        return True

    def propagate(
        self, text: str, ents: list[Ent], bounds: set[int], places: Iterable[tuple[int, int]] = ()
    ) -> list[Ent]:
        """The entities after the policy (sorted, non-overlapping); ``places``: place candidates' offsets."""
        place_end: dict[int, int] = {}
        for a, b in places:
            place_end[a] = max(b, place_end.get(a, b))
        labels_of: dict[str, Counter] = {}
        for s, e, lab in ents:
            if lab in self.s.labels:
                labels_of.setdefault(text[s:e], Counter())[lab] += 1
        chosen: dict[str, str] = {}
        for surface, counts in labels_of.items():
            (top, n), *rest = counts.most_common()
            if (
                len(surface) >= self.s.min_chars
                and surface not in self.stop
                and not (rest and rest[0][1] == n)
            ):
                chosen[surface] = top
        if self.s.relabel:
            ents = [(s, e, chosen.get(text[s:e], lab) if lab in self.s.labels else lab) for s, e, lab in ents]
        for s, e, lab in list(ents):
            if lab == "ORG":
                inner = place_end.get(s, s)
                for form in self.short_forms(text[s:e], inner - s if inner < e else 0):
                    chosen.setdefault(form, "ORG")
        current = sorted(ents)
        for surface in sorted(chosen, key=len, reverse=True):
            label = chosen[surface]
            pos = text.find(surface)
            while pos >= 0:
                end = pos + len(surface)
                if pos in bounds and end in bounds:
                    current = _place(current, (pos, end, label))
                pos = text.find(surface, pos + 1)
        return current


def _place(ents: list[Ent], new: Ent) -> list[Ent]:
    """Add ``new`` where it overlaps no entity."""
    s, e, _ = new
    if any(x[0] < e and s < x[1] for x in ents):
        return ents
    return sorted([*ents, new])


class NamePropagation(RuleComponent):
    """Makes names consistent across a document (see the module docstring for the policy)."""

    settings_file = SETTINGS_FILE

    def __init__(
        self,
        nlp: Language,
        name: str = "name_propagation",
        *,
        places_key: str = PLACES_KEY,
        scorer: Callable | None = None,
    ):
        self.name = name
        self.places_key = places_key
        self.scorer = scorer

    def _build(self, data: dict[str, Any], source: str) -> None:
        self.propagator = Propagator(settings_from_dict(PropagationSettings, data[SETTINGS], source))

    def __call__(self, doc: Doc) -> Doc:
        self._ready()
        ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        bounds = {o for a, b in token_offsets(doc) for o in (a, b)}
        places = [(p.start_char, p.end_char) for p in doc.spans.get(self.places_key, [])]
        new = self.propagator.propagate(doc.text, ents, bounds, places)
        if new != ents:
            split_tokens_at(doc, [o for s, e, _ in new for o in (s, e)])
            spans = [doc.char_span(s, e, label=lab) for s, e, lab in new]
            doc.set_ents([sp for sp in spans if sp is not None], default="outside")
        return doc


@Language.factory(
    "name_propagation",
    assigns=["doc.ents"],
    requires=["doc.ents"],
    retokenizes=True,
    default_config={"places_key": PLACES_KEY, "scorer": {"@scorers": "pipeline.entity_scorer.v1"}},
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_name_propagation(
    nlp: Language, name: str, places_key: str, scorer: Callable | None
) -> NamePropagation:
    """Document-level consistency of names (data from ``initialize``)."""
    return NamePropagation(nlp, name, places_key=places_key, scorer=scorer)

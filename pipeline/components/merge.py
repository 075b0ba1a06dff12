"""The merge policy between the statistical NER (``doc.ents``) and the rule components' candidates.

Policy (each step configurable in ``configs/``):

1. Start from the statistical model's entities (``doc.ents``; empty in the rule-only pipeline), only those with
   one of ``model_labels`` (None: all); the model's own entities are kept in ``doc.spans[model_key]``.
2. Numeric expressions (``doc.spans[numeric_key]``): with ``numeric_policy = "rules_first"`` a rule span
   replaces every model entity it overlaps whose label is numeric (MONEY/QUANTITY/PERCENT), and is added where it
   overlaps no name entity; model numeric entities that no rule span overlaps stay (the model's recall).
   ``"model_first"`` adds rule spans only where the model found nothing; ``"off"`` ignores them.
3. Names (``doc.spans[names_key]``, the name grammar's ORG/LOC): with ``names_policy = "contain"`` a candidate
   replaces the entities it contains (the model's GPE 湖北省 inside 湖北省生态环境厅, or its cut ORG 邮政管理局
   inside 省邮政管理局) and is added where it overlaps nothing; a candidate crossing an entity's boundary is
   dropped (the model keeps its reading).  ``"override"`` replaces every (non-numeric) entity a candidate
   overlaps; ``"fill"`` adds candidates only where nothing overlaps; ``"off"``.
4. Places (``doc.spans[places_key]``): with ``places_policy = "fill"`` a gazetteer candidate is added only
   where it overlaps no entity at all (ORG/LOC names containing places win, rule 1 of the guidelines, so no
   stray GPE is left inside a longer name); ``"prefer"`` also replaces the model's GPE entities it overlaps (the
   gazetteer knows the boundaries of divisions better), while ORG/LOC entities still win; ``"off"`` ignores them.
"""

from collections.abc import Callable, Iterable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.training import Example

import pipeline.components.scoring  # noqa: F401  (registers the scorer named in the factory's defaults)
from pipeline import NUMERIC_LABELS
from pipeline.spans import MODEL_KEY, NAMES_KEY, NUMERIC_KEY, PLACES_KEY

POLICIES = {
    "numeric": ("rules_only", "rules_first", "model_first", "off"),
    "names": ("contain", "override", "fill", "off"),
    "places": ("fill", "prefer", "off"),
}


def _overlaps(a: Span, b: Span) -> bool:
    return a.start_char < b.end_char and b.start_char < a.end_char


class EntityMerger:
    """Combines model entities with rule candidates into ``doc.ents`` (see module docstring).

    The statistical model's own entities are kept in ``doc.spans[model_key]`` before merging.
    """

    def __init__(
        self,
        nlp: Language,
        name: str = "entity_merger",
        *,
        numeric_key: str = NUMERIC_KEY,
        places_key: str = PLACES_KEY,
        names_key: str = NAMES_KEY,
        model_key: str = MODEL_KEY,
        numeric_policy: str = "rules_first",
        names_policy: str = "contain",
        places_policy: str = "fill",
        model_labels: list[str] | None = None,
        scorer: Callable | None = None,
    ):
        for kind, value in (("numeric", numeric_policy), ("names", names_policy), ("places", places_policy)):
            if value not in POLICIES[kind]:
                raise ValueError(f"{kind}_policy must be one of {POLICIES[kind]}, not {value!r}")
        self.name = name
        self.numeric_key = numeric_key
        self.places_key = places_key
        self.names_key = names_key
        self.names_policy = names_policy
        self.model_labels = set(model_labels) if model_labels is not None else None
        self.model_key = model_key
        self.numeric_policy = numeric_policy
        self.places_policy = places_policy
        self.scorer = scorer

    def __call__(self, doc: Doc) -> Doc:
        doc.spans[self.model_key] = list(doc.ents)
        ents = [e for e in doc.ents if self.model_labels is None or e.label_ in self.model_labels]
        rule_numeric = list(doc.spans[self.numeric_key]) if self.numeric_key in doc.spans else []
        if self.numeric_policy == "rules_only":
            ents = [e for e in ents if e.label_ not in NUMERIC_LABELS]
            ents += [r for r in rule_numeric if not any(_overlaps(r, e) for e in ents)]
        elif self.numeric_policy == "rules_first":
            ents = [
                e
                for e in ents
                if not (e.label_ in NUMERIC_LABELS and any(_overlaps(e, r) for r in rule_numeric))
            ]
            ents += [r for r in rule_numeric if not any(_overlaps(r, e) for e in ents)]
        elif self.numeric_policy == "model_first":
            ents += [r for r in rule_numeric if not any(_overlaps(r, e) for e in ents)]
        if self.names_policy != "off":
            for cand in doc.spans.get(self.names_key, []):
                hit = [e for e in ents if _overlaps(cand, e)]
                inside = [e for e in hit if cand.start_char <= e.start_char and e.end_char <= cand.end_char]
                if self.names_policy == "override" and not any(e.label_ in NUMERIC_LABELS for e in hit):
                    ents = [e for e in ents if not any(e is x for x in hit)] + [cand]
                elif not hit or (self.names_policy == "contain" and len(inside) == len(hit)):
                    ents = [e for e in ents if not any(e is x for x in inside)] + [cand]
        if self.places_policy != "off" and self.places_key in doc.spans:
            places = list(doc.spans[self.places_key])
            if self.places_policy == "prefer":
                ents = [e for e in ents if not (e.label_ == "GPE" and any(_overlaps(e, c) for c in places))]
            for cand in places:
                if not any(_overlaps(cand, e) for e in ents):
                    ents.append(cand)
        # candidates within one rule group never overlap each other by construction, but be safe
        ents.sort(key=lambda s: (s.start, -len(s)))
        kept: list[Span] = []
        for e in ents:
            if not kept or e.start >= kept[-1].end:
                kept.append(e)
        doc.set_ents([Span(doc, e.start, e.end, label=e.label_) for e in kept], default="outside")
        return doc

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        return self.scorer(examples, **kwargs) if self.scorer else {}


@Language.factory(
    "entity_merger",
    assigns=["doc.ents", "doc.spans"],
    requires=["doc.spans"],
    default_config={
        "numeric_key": NUMERIC_KEY,
        "places_key": PLACES_KEY,
        "names_key": NAMES_KEY,
        "model_key": MODEL_KEY,
        "numeric_policy": "rules_first",
        "names_policy": "contain",
        "places_policy": "fill",
        "model_labels": None,
        "scorer": {"@scorers": "pipeline.merged_entity_scorer.v1", "model_key": MODEL_KEY},
    },
    default_score_weights={
        "ents_f": 1.0,
        "ents_p": 0.0,
        "ents_r": 0.0,
        "ents_per_type": None,
        f"spans_{MODEL_KEY}_f": 0.0,
        f"spans_{MODEL_KEY}_p": 0.0,
        f"spans_{MODEL_KEY}_r": 0.0,
        f"spans_{MODEL_KEY}_per_type": None,
    },
)
def make_entity_merger(
    nlp: Language,
    name: str,
    numeric_key: str,
    places_key: str,
    names_key: str,
    model_key: str,
    numeric_policy: str,
    names_policy: str,
    places_policy: str,
    model_labels: list[str] | None,
    scorer: Callable | None,
) -> EntityMerger:
    """The final ``doc.ents``: model entities merged with the rule candidates by the configured policies."""
    return EntityMerger(
        nlp,
        name,
        numeric_key=numeric_key,
        places_key=places_key,
        names_key=names_key,
        model_key=model_key,
        numeric_policy=numeric_policy,
        names_policy=names_policy,
        places_policy=places_policy,
        model_labels=model_labels,
        scorer=scorer,
    )

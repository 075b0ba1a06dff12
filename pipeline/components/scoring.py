"""Scorers of the components, by exact character offsets (token boundaries may differ between the predicted
and the reference Doc, since components split tokens): registered functions for ``scorer`` settings.

- ``pipeline.entity_scorer.v1``: ``doc.ents`` against the reference entities → ``ents_p/r/f``,
  ``ents_per_type`` (what ``nlp.evaluate`` and spaCy's training loop report for the whole pipeline).
- ``pipeline.merged_entity_scorer.v1``: the same, plus the statistical model's own entities (the merger keeps them
  in ``doc.spans[model_key]``) → ``spans_<model_key>_p/r/f``, so a training config can weigh both.
- ``pipeline.span_group_scorer.v1``: a span group (``doc.spans[key]``) against the reference entities of the
  labels it proposes → ``spans_<key>_p/r/f``, ``spans_<key>_per_type``.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import registry

SpanSet = set[tuple[int, int, int, str]]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"p": p, "r": r, "f": 2 * p * r / (p + r) if p + r else 0.0}


def score_char_spans(
    examples: Iterable[Example],
    predicted: Callable[[Doc], Iterable[Any]],
    prefix: str,
    labels: Sequence[str] | None = None,
) -> dict[str, Any]:
    """P/R/F of ``predicted(eg.predicted)`` against ``eg.reference.ents`` by (start_char, end_char, label).

    ``labels``: score only these labels (None: every label).  Returns ``{prefix}_p``, ``_r``, ``_f`` and
    ``{prefix}_per_type``; None values when there is nothing to score (as spaCy's own scorers do).
    """
    gold: SpanSet = set()
    pred: SpanSet = set()
    for i, eg in enumerate(examples):
        gold |= {(i, e.start_char, e.end_char, e.label_) for e in eg.reference.ents}
        pred |= {(i, s.start_char, s.end_char, s.label_) for s in predicted(eg.predicted)}
    if labels is not None:
        gold = {g for g in gold if g[3] in labels}
        pred = {p for p in pred if p[3] in labels}
    if not gold and not pred:
        return {f"{prefix}_p": None, f"{prefix}_r": None, f"{prefix}_f": None, f"{prefix}_per_type": None}
    per_type = {}
    for lab in sorted({x[3] for x in gold | pred}):
        g = {x for x in gold if x[3] == lab}
        p = {x for x in pred if x[3] == lab}
        per_type[lab] = _prf(len(g & p), len(p - g), len(g - p))
    micro = _prf(len(gold & pred), len(pred - gold), len(gold - pred))
    return {
        f"{prefix}_p": micro["p"],
        f"{prefix}_r": micro["r"],
        f"{prefix}_f": micro["f"],
        f"{prefix}_per_type": per_type,
    }


def score_entities(examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
    """``doc.ents`` of the whole pipeline against the reference, by characters."""
    return score_char_spans(examples, lambda doc: doc.ents, "ents")


@registry.scorers("pipeline.entity_scorer.v1")
def make_entity_scorer() -> Callable[..., dict[str, Any]]:
    return score_entities


@registry.scorers("pipeline.merged_entity_scorer.v1")
def make_merged_entity_scorer(model_key: str) -> Callable[..., dict[str, Any]]:
    """``doc.ents`` and the model's own entities in ``doc.spans[model_key]``, both by characters."""

    def score(examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        examples = list(examples)
        model = score_char_spans(examples, lambda doc: doc.spans.get(model_key, []), f"spans_{model_key}")
        return {**score_entities(examples), **model}

    return score


@registry.scorers("pipeline.span_group_scorer.v1")
def make_span_group_scorer(spans_key: str, labels: list[str]) -> Callable[..., dict[str, Any]]:
    """Score ``doc.spans[spans_key]`` against the reference entities with ``labels``."""

    def score(examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        return score_char_spans(
            examples, lambda doc: doc.spans.get(spans_key, []), f"spans_{spans_key}", labels
        )

    return score

"""Which documents to annotate first (``push --order uncertainty``): where the model and the rules disagree.

Every character of a document gets the model's tag (``B-LABEL``/``I-LABEL`` or none) from the statistical
NER's own entities (``doc.spans[MODEL_KEY]``, kept by the merger) and the set of tags the rule candidates give it (``doc.spans`` of :data:`~pipeline.spans.NUMERIC_KEY`,
:data:`~pipeline.spans.PLACES_KEY`, :data:`~pipeline.spans.NAMES_KEY`).  A character disagrees when the two
differ on a label the rules propose at all (numeric → MONEY QUANTITY PERCENT, places → GPE, names → ORG LOC):
a missed or extra entity, another label, another boundary, or rule candidates that contradict each other.  The
score is the share of the document's characters that disagree, so long and short documents compare fairly.
A pipeline without a statistical NER (the rule-only one) compares its merged ``doc.ents`` with the candidates
instead: how much the merge had to decide.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline.spans import MODEL_KEY, NAMES_KEY, NUMERIC_KEY, PLACES_KEY

RULE_LABELS: dict[str, tuple[str, ...]] = {
    NUMERIC_KEY: ("MONEY", "QUANTITY", "PERCENT"),
    PLACES_KEY: ("GPE",),
    NAMES_KEY: ("ORG", "LOC"),
}


def _tags(spans: Iterable[Span], n_chars: int) -> list[set[str]]:
    """Per character, the tags (``B-LABEL`` at a span's first character, ``I-LABEL`` after) of ``spans``."""
    out: list[set[str]] = [set() for _ in range(n_chars)]
    for span in spans:
        for i in range(span.start_char, span.end_char):
            out[i].add(("B-" if i == span.start_char else "I-") + span.label_)
    return out


def has_rule_candidates(doc: Doc) -> bool:
    """True when the pipeline wrote any rule candidate group (else there is nothing to compare with)."""
    return any(key in doc.spans for key in RULE_LABELS)


def has_statistical_ner(nlp: Language) -> bool:
    """True when ``nlp`` has a statistical NER (a component named ``ner`` or made by the ``ner`` factory)."""
    return any(
        name == "ner" or nlp.get_pipe_meta(name).factory in ("ner", "beam_ner") for name in nlp.pipe_names
    )


def disagreement(doc: Doc, statistical: bool = True) -> float:
    """The share of ``doc``'s characters where the model and the rule candidates disagree (0 to 1); the model
    is the NER's own entities when ``statistical`` and the merger kept them, else ``doc.ents``."""
    n = len(doc.text)
    covered = {label for key, labels in RULE_LABELS.items() if key in doc.spans for label in labels}
    if not n or not covered:
        return 0.0
    model = _tags(doc.spans[MODEL_KEY] if statistical and MODEL_KEY in doc.spans else doc.ents, n)
    rules = _tags([s for key in RULE_LABELS if key in doc.spans for s in doc.spans[key]], n)
    differing = 0
    for mine, theirs in zip(model, rules, strict=True):
        if mine != theirs and any(tag[2:] in covered for tag in mine | theirs):
            differing += 1
    return differing / n

"""Gold JSONL ⇄ spaCy ``Doc``/``DocBin``: tokenise, keep misaligned entities, mark missing labels, split."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from pipeline import NAME_LABELS, NUMERIC_LABELS
from pipeline.corpus.alignment import split_tokens_at
from pipeline.corpus.gold import GoldDoc

if not Doc.has_extension("doc_id"):
    Doc.set_extension("doc_id", default=None)

# Where a corpus without numeric labels may hide an unannotated amount: a numeral run and the unit after it.
_NUMERIC_REGION = re.compile(
    r"[约近逾超]?[0-9０-９零〇一二两三四五六七八九十百千万亿几][0-9０-９.．,，%％‰零〇一二两三四五六七八九十百千万亿几多余]*"
    r"[^\s\d０-９，。、；：！？,.;:!?（）()“”\"'《》]{0,3}"
)


@dataclass
class Misaligned:
    """An entity whose boundary fell inside a pkuseg token (kept by splitting the token)."""

    doc_id: str
    start: int
    end: int
    label: str
    text: str


@dataclass
class BuildReport:
    docs: int = 0
    entities: int = 0
    misaligned: list[Misaligned] = field(default_factory=list)
    tokens_split: int = 0


def gold_to_doc(nlp: Language, gold: GoldDoc, report: BuildReport | None = None) -> Doc:
    """Tokenise ``gold.text`` and set its entities exactly; nothing is dropped.

    Tokens are split at entity boundaries that fall inside them (counted in ``report``).  In partially
    labelled documents, tokens whose labels the source cannot provide are set *missing*, not ``O``.
    """
    doc = nlp.make_doc(gold.text)
    doc._.doc_id = gold.id
    bounds = [o for s, e, _ in gold.spans for o in (s, e)]
    misaligned = [(s, e, lab) for s, e, lab in gold.spans if doc.char_span(s, e) is None]
    n_split = split_tokens_at(doc, bounds) if misaligned else 0
    ents: list[Span] = []
    for s, e, lab in gold.spans:
        span = doc.char_span(s, e, label=lab)
        if span is None:  # only possible when an offset sits inside whitespace that spaCy keeps as trailing
            raise ValueError(
                f"{gold.id}: span [{s}, {e}, {lab}] {gold.text[s:e]!r} cannot be aligned to tokens"
            )
        ents.append(span)
    missing = _missing_tokens(doc, gold, ents)
    doc.set_ents(ents, missing=missing, default="outside")
    if report is not None:
        report.docs += 1
        report.entities += len(ents)
        report.tokens_split += n_split
        report.misaligned += [Misaligned(gold.id, s, e, lab, gold.text[s:e]) for s, e, lab in misaligned]
    return doc


def _missing_tokens(doc: Doc, gold: GoldDoc, ents: Sequence[Span]) -> list[Span]:
    provided = set(gold.labels_provided)
    if not gold.is_partial:
        return []
    covered = {t.i for ent in ents for t in ent}
    if not set(NAME_LABELS) <= provided:
        # names are incomplete somewhere unknown: learn only from the annotated spans
        return [doc[t.i : t.i + 1] for t in doc if t.i not in covered]
    if set(NUMERIC_LABELS) <= provided:
        return []
    out: list[Span] = []
    for m in _NUMERIC_REGION.finditer(doc.text):
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is not None:
            out += [doc[t.i : t.i + 1] for t in span if t.i not in covered]
            covered |= {t.i for t in span}  # two regions expanding to one token (１／３) must not repeat it
    return out


def doc_to_gold(doc: Doc, meta: dict | None = None) -> GoldDoc:
    """The inverse of :func:`gold_to_doc`: entities back to character offsets."""
    spans = [(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
    return GoldDoc(id=str(doc._.doc_id or ""), text=doc.text, spans=spans, meta=dict(meta or {}))


def split_documents(
    docs: Sequence[GoldDoc], dev_fraction: float = 0.2, test_fraction: float = 0.0, seed: int = 0
) -> dict[str, list[GoldDoc]]:
    """Split by document with a fixed seed (a document never spans two splits)."""
    order = sorted(docs, key=lambda d: d.id)
    random.Random(seed).shuffle(order)
    n = len(order)
    n_dev = round(n * dev_fraction)
    n_test = round(n * test_fraction)
    return {"dev": order[:n_dev], "test": order[n_dev : n_dev + n_test], "train": order[n_dev + n_test :]}


def write_docbin(
    nlp: Language,
    docs: Iterable[GoldDoc],
    path: str | Path,
    report: BuildReport | None = None,
    prepare: Callable[[GoldDoc], None] | None = None,
) -> int:
    """Convert gold documents and save them as a ``.spacy`` file; return how many were written.

    ``prepare(gold)`` runs before each document is tokenised (e.g. to switch the tokenizer's user dictionary).
    """
    db = DocBin(store_user_data=True)
    n = 0
    for gold in docs:
        if prepare is not None:
            prepare(gold)
        db.add(gold_to_doc(nlp, gold, report))
        n += 1
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(path)
    return n


def read_docbin(nlp: Language, path: str | Path) -> list[Doc]:
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))

"""Inter-annotator agreement (pairwise exact-span F, micro and per label), disagreements, majority merge.

Scoring is :func:`pipeline.evaluation.score_spans` with one annotator as "gold" and the other as "prediction";
exact-span F is symmetric, so the order of a pair does not matter.  Only documents both annotators have (same
``id`` and same text) are compared, and only on the labels both annotations cover (``labels_provided``).
The merge keeps a span when a strict majority of the annotators who have the document marked it exactly;
since each annotator's spans do not overlap, majority spans cannot overlap either.  With two annotators that is
their agreement; every other span is listed as a disagreement to adjudicate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import LABELS
from pipeline.corpus.gold import GoldDoc
from pipeline.errors import PipelineError, UsageError
from pipeline.evaluation import PRF, score_spans

CONTEXT_CHARS = 20
Annotations = Mapping[str, Sequence[GoldDoc]]  # annotator name -> documents


@dataclass
class PairAgreement:
    a: str
    b: str
    n_docs: int
    scores: dict[str, PRF]


class AgreementError(PipelineError, ValueError):
    """Annotation files cannot be compared; the message names the file and reason."""


def load_annotations(paths: Sequence[str | Path]) -> dict[str, list[GoldDoc]]:
    """Read validated gold files; the annotator is the file name without ``.jsonl``, made unique with its
    directory (``b/ann``) or a number (``ann-2``).  The same file twice is refused."""
    from pipeline.corpus.validate import validate_file

    out: dict[str, list[GoldDoc]] = {}
    seen: set[Path] = set()
    problems: list[str] = []
    for p in paths:
        real = Path(p).resolve()
        if real in seen:
            raise UsageError(f"{p}: the same file is given twice: give each annotator's file once")
        seen.add(real)
        docs, errors = validate_file(p)
        problems += [str(e) for e in errors]
        base = Path(p).name.removesuffix(".jsonl")
        name, n = base, 1
        if name in out:
            name = str(Path(p).parent / base)
        while name in out:
            n += 1
            name = f"{base}-{n}"
        out[name] = docs
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise AgreementError(problems[0] + more)
    return out


def _index(docs: Sequence[GoldDoc]) -> dict[str, GoldDoc]:
    return {d.id: d for d in docs}


def _common(da: GoldDoc, db: GoldDoc) -> tuple[str, ...]:
    return tuple(lab for lab in LABELS if lab in da.labels_provided and lab in db.labels_provided)


def text_conflicts(annotations: Annotations) -> list[str]:
    """One line per document whose text differs between annotators (such documents are not compared)."""
    texts: dict[str, dict[str, str]] = defaultdict(dict)
    for name, docs in annotations.items():
        for d in docs:
            texts[d.id][name] = d.text
    return [
        f"{doc_id}: text differs between {', '.join(sorted(by))}"
        for doc_id, by in sorted(texts.items())
        if len(set(by.values())) > 1
    ]


def pairwise(annotations: Annotations) -> list[PairAgreement]:
    """Exact-span agreement for every pair of annotators on the documents they share."""
    names = list(annotations)
    indexed = {n: _index(annotations[n]) for n in names}
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            gold: list[tuple[str, int, int, str]] = []
            pred: list[tuple[str, int, int, str]] = []
            n = 0
            for doc_id, da in indexed[a].items():
                db = indexed[b].get(doc_id)
                if db is None or db.text != da.text:
                    continue
                n += 1
                labels = _common(da, db)
                gold += [(doc_id, s, e, lab) for s, e, lab in da.spans if lab in labels]
                pred += [(doc_id, s, e, lab) for s, e, lab in db.spans if lab in labels]
            out.append(PairAgreement(a, b, n, score_spans(gold, pred, LABELS)))
    return out


def format_table(results: Sequence[PairAgreement]) -> str:
    """A plain-text table: one row per pair, F (micro and per label) and span counts."""
    cols = ["micro", *LABELS]
    head = (
        f"{'pair':<28} {'docs':>5} "
        + " ".join(f"{c:>8}" for c in cols)
        + f" {'agreed':>7} {'only A':>7} {'only B':>7}"
    )
    lines = [head]
    for r in results:
        cells = []
        for c in cols:
            prf = r.scores[c]
            cells.append(f"{prf.f:8.3f}" if prf.tp + prf.fp + prf.fn else f"{'-':>8}")
        m = r.scores["micro"]
        pair = f"{r.a} ~ {r.b}"
        lines.append(f"{pair:<28} {r.n_docs:>5} " + " ".join(cells) + f" {m.tp:>7} {m.fn:>7} {m.fp:>7}")
    return "\n".join(lines)


def _votes(
    annotations: Annotations,
) -> dict[str, tuple[GoldDoc, list[str], dict[tuple[int, int, str], list[str]]]]:
    """doc_id -> (a document, annotators who have it with the same text, span -> annotators who marked it)."""
    by_doc: dict[str, tuple[GoldDoc, list[str], dict[tuple[int, int, str], list[str]]]] = {}
    conflicted = {line.split(": ")[0] for line in text_conflicts(annotations)}
    for name, docs in annotations.items():
        for d in docs:
            if d.id in conflicted:
                continue
            entry = by_doc.setdefault(d.id, (d, [], defaultdict(list)))
            entry[1].append(name)
            for span in d.spans:
                entry[2][span].append(name)
    return by_doc


def _context(text: str, start: int, end: int) -> str:
    left = text[max(0, start - CONTEXT_CHARS) : start]
    right = text[end : end + CONTEXT_CHARS]
    return f"{left}[{text[start:end]}]{right}".replace("\n", " ")


def disagreements(annotations: Annotations) -> list[dict[str, Any]]:
    """Every span not marked by all annotators of its document, with context, sorted by document/offset."""
    out = []
    for doc_id, (doc, names, votes) in sorted(_votes(annotations).items()):
        if len(names) < 2:
            continue
        for (s, e, lab), who in sorted(votes.items()):
            if len(who) == len(names):
                continue
            out.append(
                {
                    "doc_id": doc_id,
                    "start": s,
                    "end": e,
                    "label": lab,
                    "text": doc.text[s:e],
                    "context": _context(doc.text, s, e),
                    "marked_by": sorted(who),
                    "not_marked_by": sorted(set(names) - set(who)),
                }
            )
    return out


def merge(annotations: Annotations) -> list[GoldDoc]:
    """Adjudicated gold: spans a strict majority of each document's annotators agree on (see module doc)."""
    out = []
    for doc_id, (doc, names, votes) in sorted(_votes(annotations).items()):
        kept = sorted(span for span, who in votes.items() if 2 * len(who) > len(names))
        disputed = sum(1 for who in votes.values() if 2 * len(who) <= len(names))
        meta = {k: v for k, v in doc.meta.items() if k not in ("annotator", "doccano_id", "confirmed")}
        meta["adjudication"] = {"annotators": sorted(names), "rule": "majority", "disputed_spans": disputed}
        out.append(GoldDoc(doc_id, doc.text, kept, meta))
    return out

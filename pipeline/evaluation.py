"""Exact character-span scoring: precision, recall, F per label and micro; used by evaluate and agreement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline import LABELS
from pipeline.corpus.gold import GoldDoc
from pipeline.errors import PipelineError

SpanKey = tuple[str, int, int, str]  # (doc_id, start, end, label)


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    def as_dict(self) -> dict[str, float | int]:
        return {
            "p": self.p,
            "r": self.r,
            "f": self.f,
            "support": self.support,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
        }


def score_spans(
    gold: Iterable[SpanKey], pred: Iterable[SpanKey], labels: Sequence[str] = LABELS
) -> dict[str, PRF]:
    """Count exact matches of (doc, start, end, label); returns ``{"micro": PRF, label: PRF, …}``."""
    gold_set, pred_set = set(gold), set(pred)
    out = {lab: PRF() for lab in labels}
    for key in gold_set | pred_set:
        lab = key[3]
        if lab not in out:
            continue
        if key in gold_set and key in pred_set:
            out[lab].tp += 1
        elif key in pred_set:
            out[lab].fp += 1
        else:
            out[lab].fn += 1
    micro = PRF(
        sum(v.tp for v in out.values()), sum(v.fp for v in out.values()), sum(v.fn for v in out.values())
    )
    return {"micro": micro, **out}


def doc_spans(doc_id: str, spans: Iterable[tuple[int, int, str]]) -> set[SpanKey]:
    return {(doc_id, s, e, lab) for s, e, lab in spans}


def bootstrap_f(
    gold_by_doc: dict[str, set[SpanKey]],
    pred_by_doc: dict[str, set[SpanKey]],
    n: int = 1000,
    seed: int = 0,
    labels: Sequence[str] = LABELS,
) -> tuple[float, float]:
    """95% interval of micro F by resampling documents with replacement."""
    import numpy as np

    ids = sorted(gold_by_doc)
    if not ids:
        return (0.0, 0.0)
    counts = []
    for d in ids:
        prf = score_spans(gold_by_doc[d], pred_by_doc.get(d, set()), labels)["micro"]
        counts.append((prf.tp, prf.fp, prf.fn))
    arr = np.array(counts, dtype=float)
    rng = np.random.default_rng(seed)
    fs = []
    for _ in range(n):
        tp, fp, fn = arr[rng.integers(0, len(ids), len(ids))].sum(axis=0)
        fs.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    lo, hi = np.percentile(fs, [2.5, 97.5])
    return float(lo), float(hi)


def metrics_dict(scores: dict[str, PRF], interval: tuple[float, float] | None = None) -> dict:
    """The metrics JSON: ``{"micro": {p, r, f[, f_ci95]}, "per_label": {LABEL: {p, r, f, support}}}``."""
    micro: dict[str, object] = dict(scores["micro"].as_dict())
    if interval is not None:
        micro["f_ci95"] = [interval[0], interval[1]]
    return {"micro": micro, "per_label": {k: v.as_dict() for k, v in scores.items() if k != "micro"}}


def format_table(scores: dict[str, PRF]) -> str:
    """Per-label P/R/F/support table with the micro total last."""
    lines = [f"{'label':<10} {'P':>6} {'R':>6} {'F':>6} {'support':>8}"]
    for lab, prf in [*((k, v) for k, v in scores.items() if k != "micro"), ("micro", scores["micro"])]:
        lines.append(f"{lab:<10} {prf.p:>6.3f} {prf.r:>6.3f} {prf.f:>6.3f} {prf.support:>8}")
    return "\n".join(lines)


def error_records(
    text_by_doc: dict[str, str], gold: set[SpanKey], pred: set[SpanKey], context: int = 15
) -> list[dict]:
    """Every false positive and false negative with its surroundings (overlapping counterpart noted)."""
    out = []
    for kind, keys, other in (("fp", pred - gold, gold), ("fn", gold - pred, pred)):
        for doc_id, s, e, lab in sorted(keys):
            text = text_by_doc.get(doc_id, "")
            near = [
                {"start": s2, "end": e2, "label": l2, "text": text[s2:e2]}
                for d2, s2, e2, l2 in other
                if d2 == doc_id and s2 < e and s < e2
            ]
            out.append(
                {
                    "type": kind,
                    "doc_id": doc_id,
                    "start": s,
                    "end": e,
                    "label": lab,
                    "text": text[s:e],
                    "context": text[max(0, s - context) : s]
                    + "【"
                    + text[s:e]
                    + "】"
                    + text[e : e + context],
                    "overlaps": near,
                }
            )
    return out


@dataclass
class Evaluation:
    scores: dict[str, PRF]
    interval: tuple[float, float]
    errors: list[dict]
    chars_per_second: float

    def metrics(self) -> dict:
        out = metrics_dict(self.scores, self.interval)
        out["speed"] = {"chars_per_second": round(self.chars_per_second)}
        return out


def select_documents(docs: Sequence[GoldDoc], ids: Path | None, split: str) -> list[GoldDoc]:
    """The documents listed in ``ids`` (a splits JSON ``{split: [ids]}``, or one id per line), all without
    ``ids``; :class:`PipelineError` for an unknown split, listed ids missing from the gold, or no documents."""
    from pipeline.io import read_json, read_lines

    if ids is None:
        wanted = None
    elif ids.suffix == ".json":
        splits = read_json(ids, "splits file")
        if not isinstance(splits, dict) or split not in splits:
            known = ", ".join(splits) if isinstance(splits, dict) else "none: not a JSON object"
            raise PipelineError(f"{ids}: no split {split!r} (splits: {known})")
        wanted = [str(i) for i in splits[split]]
    else:
        try:
            wanted = [w for line in read_lines(ids) for w in line.text.split()]
        except OSError as exc:
            raise PipelineError(f"{ids}: cannot read the id list: {exc.strerror or exc}") from None
    if wanted is not None:
        have = {d.id for d in docs}
        missing = [i for i in wanted if i not in have]
        if missing:
            listed = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            raise PipelineError(
                f"{ids}: {len(missing)} of the {len(wanted)} listed ids are not in the gold files ({listed})"
            )
        keep = set(wanted)
        docs = [d for d in docs if d.id in keep]
    if not docs:
        raise PipelineError("no documents to evaluate")
    return list(docs)


def evaluate_nlp(
    nlp, docs, batch_size: int = 16, progress: bool = False, labels: Sequence[str] = LABELS
) -> Evaluation:
    """Run ``nlp`` over gold documents and score its ``doc.ents`` by exact character spans."""
    import time

    gold_by_doc = {d.id: doc_spans(d.id, d.spans) for d in docs}
    text_by_doc = {d.id: d.text for d in docs}
    pred_by_doc: dict[str, set[SpanKey]] = {}
    start = time.perf_counter()
    texts = (d.text for d in docs)
    if progress:
        from tqdm import tqdm

        texts = tqdm(texts, total=len(docs), desc="evaluate", unit="doc", file=__import__("sys").stderr)
    for gold, pdoc in zip(docs, nlp.pipe(texts, batch_size=batch_size), strict=True):
        pred_by_doc[gold.id] = doc_spans(gold.id, ((e.start_char, e.end_char, e.label_) for e in pdoc.ents))
    elapsed = time.perf_counter() - start
    all_gold = set().union(*gold_by_doc.values()) if gold_by_doc else set()
    all_pred = set().union(*pred_by_doc.values()) if pred_by_doc else set()
    scores = score_spans(all_gold, all_pred, labels)
    interval = bootstrap_f(gold_by_doc, pred_by_doc, labels=labels)
    n_chars = sum(len(t) for t in text_by_doc.values())
    return Evaluation(
        scores, interval, error_records(text_by_doc, all_gold, all_pred), n_chars / max(elapsed, 1e-9)
    )

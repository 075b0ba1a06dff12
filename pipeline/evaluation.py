"""Exact character-span scoring: precision, recall, F per label and micro; used by evaluate and agreement."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline import LABELS

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

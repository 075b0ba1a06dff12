"""Score the numeric_entities rules on the gold reports: P/R/F per numeric label, train and dev separately.

Usage: ``.venv/bin/python benchmarks/numeric_rules.py [--data-dir ../shared] [--errors train]``
Writes ``benchmarks/results/numeric_rules.json``.  Runs on text only (``find_numeric``), which gives the
same spans as the component (the component only splits tokens to place them).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pipeline import NUMERIC_LABELS
from pipeline.components.numeric import find_numeric
from pipeline.corpus.gold import read_jsonl
from pipeline.evaluation import score_spans
from pipeline.settings import resolve_data_dir

RESULTS = Path(__file__).parent / "results" / "numeric_rules.json"


def keys_for(docs) -> tuple[set, set]:
    gold, pred = set(), set()
    for d in docs:
        labels = d.meta.get("labels_provided")
        for s, e, lab in d.spans:
            if lab in NUMERIC_LABELS:
                gold.add((d.id, s, e, lab))
        for nv in find_numeric(d.text):
            if labels and nv.label not in labels:
                continue
            pred.add((d.id, nv.start, nv.end, nv.label))
    return gold, pred


def show_errors(docs, gold: set, pred: set, limit: int) -> None:
    texts = {d.id: d.text for d in docs}

    def ctx(k):
        t = texts[k[0]]
        return (t[max(0, k[1] - 10) : k[1]] + "[" + t[k[1] : k[2]] + "]" + t[k[2] : k[2] + 8]).replace(
            "\n", " "
        )

    for name, keys in (("FP", sorted(pred - gold)), ("FN", sorted(gold - pred))):
        print(f"--- {name} ({len(keys)})")
        for k in keys[:limit]:
            print(name, k[3], ctx(k))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--errors", choices=["train", "dev"], default=None, help="print FP/FN of one split")
    ap.add_argument("--limit", type=int, default=400)
    args = ap.parse_args()
    data = resolve_data_dir(args.data_dir)
    docs = list(read_jsonl(data / "gold" / "reports.jsonl"))
    splits = json.loads((data / "gold" / "splits.json").read_text(encoding="utf-8"))
    results = {}
    for split in ("train", "dev"):
        ids = set(splits[split])
        part = [d for d in docs if d.id in ids]
        gold, pred = keys_for(part)
        scores = score_spans(gold, pred, NUMERIC_LABELS)
        results[split] = {lab: prf.as_dict() for lab, prf in scores.items()}
        print(f"== {split} ({len(part)} docs)")
        for lab, prf in scores.items():
            print(f"{lab:9s} P={prf.p:.3f} R={prf.r:.3f} F={prf.f:.3f} (tp={prf.tp} fp={prf.fp} fn={prf.fn})")
        if args.errors == split:
            show_errors(part, gold, pred, args.limit)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

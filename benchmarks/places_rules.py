"""Benchmark the place_linker component alone against the gold GPE spans.

For each split (train ids are for tuning, dev is what we report) it measures:

- ``gpe``: exact-span P/R/F of the component's candidates (``doc.spans["places"]``) vs gold GPE;
- ``gpe_outside_gold_names``: the same with candidates overlapping a gold ORG/LOC removed, i.e. what a perfect
  merge step could reach (an upper bound for this component inside the full pipeline);
- ``linking``: the gold GPE spans are put into ``doc.ents`` before the component runs; coverage is the share of
  them that get an adcode (and how many stay ambiguous or are unknown to the gazetteer).

Usage: ``.venv/bin/python benchmarks/places_rules.py [--data-dir DIR] [--show-errors train]``
Writes ``benchmarks/results/places_rules.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from pipeline.corpus.alignment import split_tokens_at
from pipeline.corpus.gold import read_jsonl
from pipeline.evaluation import score_spans
from pipeline.settings import resolve_data_dir

RESULTS = Path(__file__).parent / "results" / "places_rules.json"


def _nlp():
    import pipeline.components.places  # noqa: F401  (registers the factory)
    from pipeline.tokenizer import make_nlp

    nlp = make_nlp()
    nlp.add_pipe("place_linker").initialize()
    return nlp


def evaluate(docs, nlp, linker=None, show_errors: bool = False) -> dict:
    """Score ``linker`` (default: ``nlp``'s place_linker) on gold docs tokenised by ``nlp``."""
    linker = linker or nlp.get_pipe("place_linker")
    gold_keys, pred_keys, pred_outside = [], [], []
    linked = ambiguous = unknown = total = 0
    fp_texts: Counter[str] = Counter()
    fn_texts: Counter[str] = Counter()
    for gd in docs:
        gold_gpe = [(s, e) for s, e, lab in gd.spans if lab == "GPE"]
        names = [(s, e) for s, e, lab in gd.spans if lab in ("ORG", "LOC")]
        gold_keys += [(gd.id, s, e, "GPE") for s, e in gold_gpe]
        doc = nlp.make_doc(gd.text)
        split_tokens_at(doc, [o for s, e in gold_gpe for o in (s, e)])
        doc.ents = [doc.char_span(s, e, label="GPE") for s, e in gold_gpe]
        doc = linker(doc)
        for span in doc.spans["places"]:
            key = (gd.id, span.start_char, span.end_char, "GPE")
            pred_keys.append(key)
            if not any(s < span.end_char and span.start_char < e for s, e in names):
                pred_outside.append(key)
        for ent in doc.ents:
            total += 1
            if ent._.adcode:
                linked += 1
            elif (doc._.place_links or {}).get(f"{ent.start_char}:{ent.end_char}"):
                link = doc._.place_links[f"{ent.start_char}:{ent.end_char}"]
                if link["adcode"] is None and linker.places_for(ent.text):
                    ambiguous += 1
                else:
                    unknown += 1
        if show_errors:
            gset = {(s, e) for s, e in gold_gpe}
            pset = {(k[1], k[2]) for k in pred_outside if k[0] == gd.id}
            fp_texts.update(gd.text[s:e] for s, e in pset - gset)
            fn_texts.update(gd.text[s:e] for s, e in gset - pset)
    out = {
        "docs": len(docs),
        "gpe": score_spans(gold_keys, pred_keys, ["GPE"])["GPE"].as_dict(),
        "gpe_outside_gold_names": score_spans(gold_keys, pred_outside, ["GPE"])["GPE"].as_dict(),
        "linking": {
            "gold_gpe": total,
            "linked": linked,
            "coverage": linked / total if total else 0.0,
            "ambiguous_unlinked": ambiguous,
            "unknown_name": unknown,
        },
    }
    if show_errors:
        print("FP:", fp_texts.most_common(80), file=sys.stderr)
        print("FN:", fn_texts.most_common(120), file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--show-errors", choices=["train", "dev"], default=None)
    args = ap.parse_args()
    data = resolve_data_dir(args.data_dir)
    docs = {d.id: d for d in read_jsonl(data / "gold" / "reports.jsonl")}
    splits = json.loads((data / "gold" / "splits.json").read_text(encoding="utf-8"))
    nlp = _nlp()
    t0 = time.perf_counter()
    results = {
        name: evaluate([docs[i] for i in splits[name]], nlp, show_errors=args.show_errors == name)
        for name in ("train", "dev")
    }
    results["seconds"] = round(time.perf_counter() - t0, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for name in ("train", "dev"):
        g, o, lk = results[name]["gpe"], results[name]["gpe_outside_gold_names"], results[name]["linking"]
        print(
            f"{name}: GPE P {g['p']:.3f} R {g['r']:.3f} F {g['f']:.3f} | without ORG/LOC overlaps "
            f"P {o['p']:.3f} F {o['f']:.3f} | linking coverage {lk['coverage']:.3f} "
            f"({lk['linked']}/{lk['gold_gpe']}, ambiguous {lk['ambiguous_unlinked']}, unknown {lk['unknown_name']})"
        )


if __name__ == "__main__":
    main()

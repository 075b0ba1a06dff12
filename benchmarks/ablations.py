"""Ablations and baselines on the shared gold dev documents: rules alone, statistical alone, combined
(per merge policy), characters vs pkuseg words, and jieba.posseg mapped to our labels.

    python benchmarks/ablations.py                      # the default model and models/char-ner
    python benchmarks/ablations.py --model "pkuseg words, no user dictionary=models/nodict/model-best"

Every ``--model NAME=PATH`` is scored statistical alone and combined; the merge-policy variants are scored for
the default model (``pkuseg words``) only.

Writes ``benchmarks/results/ablations.json`` and ``ablations.md`` (the table quoted in the README).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from pipeline import LABELS
from pipeline.corpus.gold import GoldDoc, read_jsonl
from pipeline.evaluation import doc_spans, format_table, metrics_dict, score_spans
from pipeline.nlp import load_nlp
from pipeline.settings import resolve_data_dir

RULE_PIPES = ["numeric_entities", "place_linker", "entity_merger"]
RESULTS = Path(__file__).parent / "results"


def dev_docs(data_dir: Path) -> list[GoldDoc]:
    ids = set(json.loads((data_dir / "gold" / "splits.json").read_text(encoding="utf-8"))["dev"])
    return [d for d in read_jsonl(data_dir / "gold" / "reports.jsonl") if d.id in ids]


def jieba_spans(text: str) -> list[tuple[int, int, str]]:
    """jieba.posseg baseline: ns → GPE, nt → ORG, numeral (m) + measure word (q) → QUANTITY/MONEY/PERCENT."""
    import jieba.posseg as pseg

    out, pos, words = [], 0, []
    for w in pseg.cut(text):
        words.append((pos, pos + len(w.word), w.word, w.flag))
        pos += len(w.word)
    i = 0
    while i < len(words):
        s, e, word, flag = words[i]
        if flag == "ns":
            out.append((s, e, "GPE"))
        elif flag == "nt":
            out.append((s, e, "ORG"))
        elif flag == "m" and any(c.isdigit() for c in word):
            end, label = e, "QUANTITY"
            if word.endswith(("%", "％")):
                label = "PERCENT"
            elif (i + 1 < len(words) and words[i + 1][3] in ("q", "m")) or (
                i + 1 < len(words) and words[i + 1][2] in ("元", "亿元", "万元", "美元", "%")
            ):
                end = words[i + 1][1]
                nxt = words[i + 1][2]
                label = "MONEY" if "元" in nxt else "PERCENT" if nxt in ("%", "％") else "QUANTITY"
                i += 1
            if "元" in word:
                label = "MONEY"
            out.append((s, end, label))
        i += 1
    return out


def score_system(name: str, docs: list[GoldDoc], predict) -> dict:
    gold, pred = set(), set()
    start = time.perf_counter()
    for d in docs:
        gold |= doc_spans(d.id, d.spans)
        pred |= doc_spans(d.id, predict(d.text))
    secs = time.perf_counter() - start
    scores = score_spans(gold, pred, LABELS)
    print(f"\n== {name}\n{format_table(scores)}")
    out = metrics_dict(scores)
    out["chars_per_second"] = round(sum(len(d.text) for d in docs) / secs)
    return out


def nlp_predictor(nlp):
    def predict(text: str):
        return [(e.start_char, e.end_char, e.label_) for e in nlp(text).ents]

    return predict


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--char-model", default="models/char-ner/model-best")
    ap.add_argument("--pkuseg-model", default="models/default/model-best", help="the default model")
    ap.add_argument("--model", action="append", default=[], help="more models: NAME=PATH (repeatable)")
    ap.add_argument("--output", default=str(RESULTS / "ablations.json"))
    args = ap.parse_args()
    data_dir = resolve_data_dir(args.data_dir)
    docs = dev_docs(data_dir)
    results: dict[str, dict] = {}
    results["jieba.posseg baseline"] = score_system("jieba.posseg", docs, jieba_spans)
    results["rules alone"] = score_system("rules alone", docs, nlp_predictor(load_nlp("rules")))
    models = [("characters", args.char_model), ("pkuseg words", args.pkuseg_model)]
    models += [tuple(item.split("=", 1)) for item in args.model]  # type: ignore[misc]
    for tag, path in models:
        if not Path(path).exists():
            print(f"skipping {tag}: {path} not found")
            continue
        full = load_nlp(path)
        has_rules = all(p in full.pipe_names for p in RULE_PIPES)
        stat = load_nlp(path)
        for p in RULE_PIPES:
            if p in stat.pipe_names:
                stat.remove_pipe(p)
        results[f"statistical alone ({tag})"] = score_system(
            f"statistical alone ({tag})", docs, nlp_predictor(stat)
        )
        if has_rules:
            merger = full.get_pipe("entity_merger")
            name = (
                f"combined ({tag}), numeric {merger.numeric_policy}, places {merger.places_policy} [default]"
            )
            results[name] = score_system(name, docs, nlp_predictor(full))
            if tag != "pkuseg words":
                continue
            default = (merger.numeric_policy, merger.places_policy)
            for numeric, places in (
                ("model_first", default[1]),
                (default[0], "off"),
                (default[0], "prefer"),
                (default[0], "fill"),
            ):
                if (numeric, places) == default:
                    continue
                merger.numeric_policy, merger.places_policy = numeric, places
                name = f"combined ({tag}), numeric {numeric}, places {places}"
                results[name] = score_system(name, docs, nlp_predictor(full))
            merger.numeric_policy, merger.places_policy = default
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "dev_documents": len(docs),
        "dev_characters": sum(len(d.text) for d in docs),
        "systems": results,
    }
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = [
        "| system | micro P | micro R | micro F | "
        + " | ".join(f"{lab} F" for lab in LABELS)
        + " | chars/s |",
        "|---" * (5 + len(LABELS)) + "|",
    ]
    for name, m in results.items():
        mi = m["micro"]
        per = " | ".join(f"{m['per_label'][lab]['f']:.3f}" for lab in LABELS)
        lines.append(
            f"| {name} | {mi['p']:.3f} | {mi['r']:.3f} | {mi['f']:.3f} | {per} | {m['chars_per_second']:,} |"
        )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

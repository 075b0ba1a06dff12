"""Cross-validation over documents: k folds of the shared gold reports, each trained with the same config.

The 75 gold reports are shuffled (fixed seed) and dealt into ``--folds`` folds; fold *i* is scored with a model
trained by ``pipeline train`` on the other folds (plus the config's other training sources: the seed gold and
the public corpora).  Everything else, including the pkuseg user dictionary (built from each fold's own
training documents), follows the config.  Reports per fold, mean ± standard deviation over folds, and the
pooled score over all 75 documents (every document scored once, by the model that did not see it).

    .venv/bin/python benchmarks/cross_validation.py                 # configs/ner.cfg, 5 folds, 1 job
    .venv/bin/python benchmarks/cross_validation.py --jobs 2        # two trainings side by side

Trained models go to ``models/cv/fold<i>/`` (a fold with a model already there is only re-scored; pass
``--retrain`` to train again).  Writes ``benchmarks/results/cross_validation.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import LABELS  # noqa: E402
from pipeline.corpus.gold import GoldDoc, read_jsonl  # noqa: E402
from pipeline.evaluation import PRF, doc_spans, metrics_dict, score_spans  # noqa: E402
from pipeline.settings import resolve_data_dir  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def make_folds(ids: list[str], k: int, seed: int) -> list[list[str]]:
    """Shuffle ``ids`` with ``seed`` and deal them into ``k`` folds of (nearly) equal size."""
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def train_fold(config: Path, out: Path, splits: Path, data_dir: Path, extra: list[str]) -> float:
    """Run ``pipeline train`` for one fold in a subprocess; return its wall time in seconds."""
    cmd = [sys.executable, "-m", "pipeline.cli", "train", "--config", str(config), "--output", str(out)]
    cmd += ["--data-dir", str(data_dir), "--set", f"pipeline_data.splits={splits}"]
    for item in extra:
        cmd += ["--set", item]
    start = time.time()
    with (out / "train.log").open("w", encoding="utf-8") as log:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise SystemExit(f"training {out} failed (exit {proc.returncode}); see {out / 'train.log'}")
    return round(time.time() - start, 1)


def predict(model: Path, docs: list[GoldDoc]) -> dict[str, set]:
    from pipeline.nlp import load_nlp

    nlp = load_nlp(model)
    return {
        gold.id: doc_spans(gold.id, ((e.start_char, e.end_char, e.label_) for e in doc.ents))
        for gold, doc in zip(docs, nlp.pipe(d.text for d in docs), strict=True)
    }


def _sd(values: list[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, default=ROOT / "configs" / "ner.cfg")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1, help="trainings run side by side")
    ap.add_argument("--data-dir", default=None, help="the shared data directory (default: ../shared)")
    ap.add_argument("--models", type=Path, default=ROOT / "models" / "cv")
    ap.add_argument("--retrain", action="store_true", help="train folds that already have a model")
    ap.add_argument(
        "--set", dest="overrides", action="append", default=[], help="config override for training"
    )
    ap.add_argument("--output", type=Path, default=RESULTS / "cross_validation.json")
    args = ap.parse_args(argv)

    data_dir = resolve_data_dir(args.data_dir)
    docs = read_jsonl(data_dir / "gold" / "reports.jsonl")
    by_id = {d.id: d for d in docs}
    folds = make_folds(list(by_id), args.folds, args.seed)

    def run(i: int) -> float | None:
        out = args.models / f"fold{i}"
        out.mkdir(parents=True, exist_ok=True)
        splits = out / "splits.json"
        train_ids = [d for j, f in enumerate(folds) if j != i for d in f]
        splits.write_text(json.dumps({"train": train_ids, "dev": folds[i]}, indent=1), encoding="utf-8")
        if (out / "model-best").exists() and not args.retrain:
            return None
        print(f"fold {i}: training on {len(train_ids)} reports", file=sys.stderr)
        return train_fold(args.config, out, splits, data_dir, args.overrides)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        seconds = list(pool.map(run, range(args.folds)))

    rows, gold_all, pred_all = [], set(), set()
    for i, fold in enumerate(folds):
        fold_docs = [by_id[d] for d in fold]
        pred = predict(args.models / f"fold{i}" / "model-best", fold_docs)
        gold = set().union(*(doc_spans(d.id, d.spans) for d in fold_docs))
        preds = set().union(*pred.values())
        gold_all |= gold
        pred_all |= preds
        scores = score_spans(gold, preds, LABELS)
        train_time = json.loads((args.models / f"fold{i}" / "train_time.json").read_text())["seconds"]
        rows.append(
            {
                "fold": i,
                "documents": len(fold),
                "chars": sum(len(d.text) for d in fold_docs),
                "train_seconds": seconds[i] if seconds[i] is not None else train_time,
                **metrics_dict(scores),
            }
        )
        print(f"fold {i}: micro F {scores['micro'].f:.3f}", file=sys.stderr)

    def summary(key: str) -> dict[str, float]:
        values = [r["micro"]["f"] if key == "micro" else r["per_label"][key]["f"] for r in rows]
        return {"mean": round(statistics.mean(values), 4), "sd": round(_sd(values), 4)}

    pooled: dict[str, PRF] = score_spans(gold_all, pred_all, LABELS)
    report = {
        "benchmark": "cross_validation",
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "config": str(args.config.relative_to(ROOT) if args.config.is_relative_to(ROOT) else args.config),
        "overrides": args.overrides,
        "folds": args.folds,
        "seed": args.seed,
        "documents": len(docs),
        "fold_ids": folds,
        "per_fold": rows,
        "mean_sd": {key: summary(key) for key in ["micro", *LABELS]},
        "pooled": metrics_dict(pooled),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    md = markdown(report)
    args.output.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)
    return 0


def markdown(report: dict) -> str:
    labels = list(LABELS)
    head = "| fold | docs | train min | micro F | " + " | ".join(labels) + " |"
    lines = [
        f"{report['folds']}-fold cross-validation over the {report['documents']} shared gold reports "
        f"({report['config']}; each fold's model scored on the reports it did not see; exact spans).",
        "",
        head,
        "|" + "---|" * (4 + len(labels)),
    ]
    for r in report["per_fold"]:
        cells = " | ".join(f"{r['per_label'][lab]['f']:.3f}" for lab in labels)
        lines.append(
            f"| {r['fold']} | {r['documents']} | {r['train_seconds'] / 60:.1f} | {r['micro']['f']:.3f} | {cells} |"
        )
    ms = report["mean_sd"]
    cells = " | ".join(f"{ms[lab]['mean']:.3f} ± {ms[lab]['sd']:.3f}" for lab in labels)
    lines.append(f"| mean ± sd | | | {ms['micro']['mean']:.3f} ± {ms['micro']['sd']:.3f} | {cells} |")
    pooled = report["pooled"]
    cells = " | ".join(f"{pooled['per_label'][lab]['f']:.3f}" for lab in labels)
    lines.append(f"| pooled | {report['documents']} | | {pooled['micro']['f']:.3f} | {cells} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())

"""Cross-validation over documents: k folds of the shared gold reports, each trained with the same config.

The 75 gold reports are shuffled (fixed seed) and dealt into ``--folds`` folds; fold *i* is scored with a model
trained by ``pipeline train`` on the other folds (plus the config's other training sources: the seed gold and
the public corpora).  Inside each fold's training reports, the config's ``tune_fraction`` is held out to choose
``model-best``, so the scored reports are never seen in training nor in that choice.  Reports per fold,
mean ± standard deviation over folds, the pooled score over all 75 documents (every document scored once, by
the model that did not see it), training time and the whole pipeline's throughput while scoring.

    .venv/bin/python benchmarks/cross_validation.py                          # configs/ner.cfg, 5 folds
    .venv/bin/python benchmarks/cross_validation.py --jobs 2                 # two trainings side by side
    .venv/bin/python benchmarks/cross_validation.py --name no-msra \\
        --description "without MSRA" --pipeline_data.sources.msra.enabled false   # an ablation row

Any ``--section.key value`` pair is a training config override.  ``--load section.key=value`` changes the
trained pipeline when it is loaded for scoring (e.g. ``components.entity_merger.places_policy=prefer``), so
settings of the rule components are compared without training again (``--reuse NAME`` scores the models of an
earlier row).  Trained models go to ``models/cv/<name>/fold<i>/`` (a fold with a model is only re-scored;
``--retrain`` trains again); each fold's predictions are written next to it (``predictions.jsonl``).  Results:
``benchmarks/results/cv/<name>.json`` and ``.md``.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from pipeline import LABELS  # noqa: E402
from pipeline.corpus.gold import GoldDoc, read_jsonl  # noqa: E402
from pipeline.evaluation import PRF, doc_spans, metrics_dict, score_spans  # noqa: E402
from pipeline.settings import resolve_data_dir  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "cv"


def make_folds(ids: list[str], k: int, seed: int) -> list[list[str]]:
    """Shuffle ``ids`` with ``seed`` and deal them into ``k`` folds of (nearly) equal size."""
    order = sorted(ids)
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def train_fold(config: Path, out: Path, splits: Path, data_dir: Path, overrides: list[str]) -> float:
    """Run ``pipeline train`` for one fold in a subprocess; return its wall time in seconds."""
    cmd = [sys.executable, "-m", "pipeline.cli", "train", "--config", str(config), "--output", str(out)]
    cmd += ["--data-dir", str(data_dir), "--pipeline_data.splits", str(splits), *overrides]
    start = time.time()
    with (out / "train.log").open("w", encoding="utf-8") as log:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise SystemExit(f"training {out} failed (exit {proc.returncode}); see {out / 'train.log'}")
    return round(time.time() - start, 1)


def load_config_overrides(items: list[str]) -> dict[str, Any]:
    """``section.key=value`` pairs (values parsed as JSON when they can be) for ``spacy.load(config=…)``."""
    out: dict[str, Any] = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def predict(
    model: Path, docs: list[GoldDoc], load: dict[str, Any], disable: list[str] = ()
) -> tuple[dict[str, dict], float]:
    """Per document: the whole pipeline's entities and the statistical model's own (``doc.spans["ner"]``);
    and the pipeline's throughput (chars/s, loading excluded)."""
    import spacy

    from pipeline.nlp import check_model_dir, register_components
    from pipeline.spans import MODEL_KEY

    register_components()
    check_model_dir(model)
    nlp = (
        spacy.load(model, config=load, disable=list(disable))
        if load
        else spacy.load(model, disable=list(disable))
    )
    start = time.perf_counter()
    out = {
        gold.id: {
            "label": [(e.start_char, e.end_char, e.label_) for e in doc.ents],
            "model": [(e.start_char, e.end_char, e.label_) for e in doc.spans.get(MODEL_KEY, [])],
        }
        for gold, doc in zip(docs, nlp.pipe(d.text for d in docs), strict=True)
    }
    seconds = time.perf_counter() - start
    return out, sum(len(d.text) for d in docs) / seconds


def predict_untrained(kind: str, docs: list[GoldDoc]) -> tuple[dict[str, dict], float]:
    """Predictions of a system that is not trained per fold: the rule-only pipeline or jieba.posseg."""
    start = time.perf_counter()
    if kind == "jieba":
        from baselines import jieba_spans

        out = {d.id: {"label": jieba_spans(d.text), "model": []} for d in docs}
    else:
        from pipeline.nlp import load_nlp

        nlp = load_nlp("rules")
        start = time.perf_counter()
        out = {
            d.id: {"label": [(e.start_char, e.end_char, e.label_) for e in doc.ents], "model": []}
            for d, doc in zip(docs, nlp.pipe(d.text for d in docs), strict=True)
        }
    return out, sum(len(d.text) for d in docs) / (time.perf_counter() - start)


def _sd(values: list[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", type=Path, default=ROOT / "configs" / "ner.cfg")
    ap.add_argument("--name", default="default", help="the row's name (results and model folders)")
    ap.add_argument("--description", default="", help="what this row changes")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1, help="trainings run side by side")
    ap.add_argument("--data-dir", default=None, help="the shared data directory (default: ../shared)")
    ap.add_argument("--models", type=Path, default=ROOT / "models" / "cv")
    ap.add_argument("--reuse", default=None, help="score the models of this earlier row (no training)")
    ap.add_argument(
        "--untrained",
        choices=["rules", "jieba"],
        default=None,
        help="a row without training: the rule-only pipeline, or the jieba.posseg baseline",
    )
    ap.add_argument("--retrain", action="store_true", help="train folds that already have a model")
    ap.add_argument("--load", action="append", default=[], help="section.key=value applied when loading")
    ap.add_argument("--disable", action="append", default=[], help="a component left out when scoring")
    ap.add_argument("--output-dir", type=Path, default=RESULTS)
    args, overrides = ap.parse_known_args(argv)
    if any(not o.startswith("--") for o in overrides[::2]) or len(overrides) % 2:
        ap.error(f"config overrides must be --section.key value pairs, got {overrides}")

    data_dir = resolve_data_dir(args.data_dir)
    docs = read_jsonl(data_dir / "gold" / "reports.jsonl")
    by_id = {d.id: d for d in docs}
    folds = make_folds(list(by_id), args.folds, args.seed)
    models = args.models / (args.reuse or args.name)

    def run(i: int) -> float | None:
        if args.untrained:
            return None
        out = models / f"fold{i}"
        out.mkdir(parents=True, exist_ok=True)
        splits = out / "splits.json"
        train_ids = [d for j, f in enumerate(folds) if j != i for d in f]
        splits.write_text(json.dumps({"train": train_ids, "dev": folds[i]}, indent=1), encoding="utf-8")
        if args.reuse or ((out / "train_time.json").exists() and not args.retrain):
            return None
        print(f"fold {i}: training on {len(train_ids)} reports", file=sys.stderr)
        return train_fold(args.config, out, splits, data_dir, overrides)

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        list(pool.map(run, range(args.folds)))

    load = load_config_overrides(args.load)
    rows, gold_all, pred_all = [], set(), set()
    for i, fold in enumerate(folds):
        fold_docs = [by_id[d] for d in fold]
        fold_dir = models / f"fold{i}"
        if args.untrained:
            predicted, chars_per_second = predict_untrained(args.untrained, fold_docs)
        else:
            predicted, chars_per_second = predict(fold_dir / "model-best", fold_docs, load, args.disable)
            suffix = f"-{args.name}" if args.reuse else ""
            with (fold_dir / f"predictions{suffix}.jsonl").open("w", encoding="utf-8") as fh:
                for d in fold_docs:
                    row = {"id": d.id, "text": d.text, **predicted[d.id]}
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        gold = set().union(*(doc_spans(d.id, d.spans) for d in fold_docs))
        preds = set().union(*(doc_spans(d, p["label"]) for d, p in predicted.items()))
        gold_all |= gold
        pred_all |= preds
        scores = score_spans(gold, preds, LABELS)
        train_time = (
            0.0 if args.untrained else json.loads((fold_dir / "train_time.json").read_text())["seconds"]
        )
        rows.append(
            {
                "fold": i,
                "documents": len(fold),
                "chars": sum(len(d.text) for d in fold_docs),
                "train_seconds": train_time,
                "chars_per_second": round(chars_per_second),
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
        "name": args.name,
        "description": args.description,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "config": str(args.config.relative_to(ROOT) if args.config.is_relative_to(ROOT) else args.config),
        "overrides": overrides,
        "load": args.load,
        "disable": args.disable,
        "models": str(models.relative_to(ROOT) if models.is_relative_to(ROOT) else models),
        "folds": args.folds,
        "seed": args.seed,
        "documents": len(docs),
        "fold_ids": folds,
        "per_fold": rows,
        "mean_sd": {key: summary(key) for key in ["micro", *LABELS]},
        "pooled": metrics_dict(pooled),
        "train_minutes_mean": round(statistics.mean(r["train_seconds"] for r in rows) / 60, 1),
        "untrained": args.untrained,
        "chars_per_second_mean": round(statistics.mean(r["chars_per_second"] for r in rows)),
    }
    args.output_dir.mkdir(parents=True, exist_ok=True)
    out = args.output_dir / f"{args.name}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    md = markdown(report)
    out.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)
    return 0


def markdown(report: dict) -> str:
    labels = list(LABELS)
    head = "| fold | docs | train min | chars/s | micro F | " + " | ".join(labels) + " |"
    what = report["description"] or report["name"]
    lines = [
        f"{report['folds']}-fold cross-validation over the {report['documents']} shared gold reports: {what} "
        f"({report['config']}; each fold's model scored on the reports it did not see; exact spans).",
        "",
        head,
        "|" + "---|" * (5 + len(labels)),
    ]
    for r in report["per_fold"]:
        cells = " | ".join(f"{r['per_label'][lab]['f']:.3f}" for lab in labels)
        lines.append(
            f"| {r['fold']} | {r['documents']} | {r['train_seconds'] / 60:.1f} | {r['chars_per_second']:,} "
            f"| {r['micro']['f']:.3f} | {cells} |"
        )
    ms = report["mean_sd"]
    cells = " | ".join(f"{ms[lab]['mean']:.3f} ± {ms[lab]['sd']:.3f}" for lab in labels)
    lines.append(f"| mean ± sd | | | | {ms['micro']['mean']:.3f} ± {ms['micro']['sd']:.3f} | {cells} |")
    pooled = report["pooled"]
    cells = " | ".join(f"{pooled['per_label'][lab]['f']:.3f}" for lab in labels)
    lines.append(f"| pooled | {report['documents']} | | | {pooled['micro']['f']:.3f} | {cells} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())

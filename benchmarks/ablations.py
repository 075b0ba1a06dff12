"""The ablation table: every cross-validation row (``benchmarks/results/cv/*.json``) in one table.

Each row of ``benchmarks/cross_validation.py`` is one lever tried (data sources, pretraining, features, merge
policies, rules alone, a baseline): 5-fold cross-validation over the 75 gold reports, micro F (mean ± sd over
folds), pooled F per label, training minutes per fold and the whole pipeline's throughput while scoring.  Rows
that did not help stay in the table.

    .venv/bin/python benchmarks/ablations.py            # writes benchmarks/results/ablations.{md,json}
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import LABELS  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def load_rows(folder: Path = RESULTS / "cv") -> list[dict]:
    """Every CV result, oldest first."""
    rows = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    return sorted(rows, key=lambda r: r["date"])


def table(rows: list[dict]) -> str:
    head = "| row | what changed | micro F (mean ± sd) | " + " | ".join(LABELS) + " | train min | chars/s |"
    lines = [head, "|" + "---|" * (5 + len(LABELS))]
    for r in rows:
        ms, pooled = r["mean_sd"], r["pooled"]["per_label"]
        cells = " | ".join(f"{pooled[lab]['f']:.3f}" for lab in LABELS)
        train = f"{r['train_minutes_mean']:.0f}" if r["train_minutes_mean"] else "–"
        lines.append(
            f"| {r['name']} | {r['description']} | {ms['micro']['mean']:.3f} ± {ms['micro']['sd']:.3f} | {cells} "
            f"| {train} | {r['chars_per_second_mean']:,} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    rows = load_rows()
    md = (
        "5-fold cross-validation over the 75 shared gold reports (the same folds in every row; each report scored "
        "by a model that saw neither it in training nor in choosing model-best). Micro F: mean ± sd over folds; "
        "per label: pooled over all reports. Train min: minutes per fold on this 2-core machine with another "
        "training beside it. chars/s: the whole pipeline scoring a fold, one process.\n\n" + table(rows)
    )
    (RESULTS / "ablations.md").write_text(md, encoding="utf-8")
    (RESULTS / "ablations.json").write_text(
        json.dumps([{k: r[k] for k in ("name", "description", "mean_sd", "pooled")} for r in rows], indent=1)
        + "\n",
        encoding="utf-8",
    )
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

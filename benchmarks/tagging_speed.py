"""Tagging throughput: the full ``pipeline tag`` run (1 and 2 processes) next to jieba.posseg and plain pkuseg.

Every measurement runs in a fresh subprocess on the same text (the reports of
``<data dir>/reports/gov-work-reports.jsonl``, ~1.09 M characters; ``--limit-chars`` for a quick run), so that its
load time and peak memory (``ru_maxrss`` of the process and of its worker processes) are its own.  Throughput is
characters of input text per second of processing, model loading excluded (reported separately).  The machine's
load average is recorded too: on a shared machine the numbers are only comparable within one run.

    .venv/bin/python benchmarks/tagging_speed.py                      # rules pipeline, whole file
    .venv/bin/python benchmarks/tagging_speed.py --limit-chars 200000 # quick
    .venv/bin/python benchmarks/tagging_speed.py --model training/model-best
    .venv/bin/python benchmarks/tagging_speed.py --stages jieba,pkuseg,segmenter   # segmenters only

Plain pkuseg is measured twice: spacy-pkuseg (``pkuseg``, what spaCy's ChineseTokenizer calls) and the
project's segmenter (``segmenter``, :mod:`pipeline.segmenter`: the same model and words, compiled); both must
give the same number of words.

Writes ``benchmarks/results/tagging_speed.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from pipeline.io import read_jsonl  # noqa: E402
from pipeline.tagging.workers import DEFAULT_BATCH_SIZE  # noqa: E402

DEFAULT_RESULTS = ROOT / "benchmarks" / "results" / "tagging_speed.json"
REPORTS = Path("reports") / "gov-work-reports.jsonl"


def load_texts(path: Path, limit_chars: int | None) -> list[dict]:
    """The reports (id, text), cut so that their texts add up to at most ``limit_chars`` characters."""
    docs = []
    total = 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            obj = json.loads(line)
            text = obj["text"]
            if limit_chars is not None:
                text = text[: max(0, limit_chars - total)]
            if not text:
                break
            docs.append({"id": obj["id"], "text": text})
            total += len(text)
    return docs


def _peak_rss_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": round(own, 1), "peak_rss_workers_mb": round(children, 1)}


def measure(stage: str, corpus: Path, model: str, processes: int, batch_size: int) -> dict:
    """Run one measurement in this process (called in a fresh subprocess by :func:`main`)."""
    docs = [line.value for line in read_jsonl(corpus)]
    texts = [d["text"] for d in docs]
    chars = sum(map(len, texts))
    extra: dict = {}
    t0 = time.perf_counter()
    if stage == "pipeline":
        sys.path.insert(0, str(ROOT))
        from pipeline.nlp import load_nlp
        from pipeline.tagging.runner import run_tagging

        nlp = load_nlp(model)
        loaded = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            summary = run_tagging(
                [corpus],
                Path(tmp) / "out.parquet",
                nlp,
                n_process=processes,
                batch_size=batch_size,
                progress=False,
                log=lambda msg: None,
            )
        done = time.perf_counter()
        assert summary.done == len(docs), summary.line()
        extra = {"entities": summary.entities, "components": nlp.pipe_names}
    elif stage == "dask":
        sys.path.insert(0, str(ROOT))
        from pipeline.tagging.runner import run_tagging

        loaded = time.perf_counter()  # the model loads on the workers: start-up is part of the run here
        with tempfile.TemporaryDirectory() as tmp:
            summary = run_tagging(
                [corpus],
                Path(tmp) / "out.parquet",
                model,
                engine="dask",
                n_process=processes,
                batch_size=batch_size,
                progress=False,
                log=lambda msg: None,
            )
        done = time.perf_counter()
        assert summary.done == len(docs), summary.line()
        extra = {"entities": summary.entities}
    elif stage == "components":
        sys.path.insert(0, str(ROOT))
        from pipeline.nlp import load_nlp
        from pipeline.tagging.splitting import DEFAULT_SPLIT_CHARS, split_text

        nlp = load_nlp(model)
        loaded = time.perf_counter()
        pieces = [piece for t in texts for _, piece in split_text(t, DEFAULT_SPLIT_CHARS)]
        start = time.perf_counter()
        docs = [nlp.make_doc(p) for p in pieces]
        per_stage = {"tokenizer": time.perf_counter() - start}
        for name, proc in nlp.pipeline:
            start = time.perf_counter()
            if hasattr(proc, "pipe"):
                docs = list(proc.pipe(docs, batch_size=batch_size))
            else:
                docs = [proc(d) for d in docs]
            per_stage[name] = time.perf_counter() - start
        done = time.perf_counter()
        extra = {
            "stage_chars_per_second": {k: round(chars / v) for k, v in per_stage.items()},
            "stage_share": {k: round(v / sum(per_stage.values()), 3) for k, v in per_stage.items()},
        }
    elif stage == "jieba":
        import jieba
        import jieba.posseg as pseg

        jieba.setLogLevel(60)
        jieba.initialize()
        loaded = time.perf_counter()
        n_words = sum(1 for t in texts for _ in pseg.cut(t))
        done = time.perf_counter()
        extra = {"words": n_words}
    elif stage == "pkuseg":
        import spacy_pkuseg

        sys.path.insert(0, str(ROOT))
        from pipeline.settings import PKUSEG_DIR

        seg = spacy_pkuseg.pkuseg(model_name=str(PKUSEG_DIR))
        loaded = time.perf_counter()
        n_words = sum(len(seg.cut(t)) for t in texts)
        done = time.perf_counter()
        extra = {"words": n_words}
    elif stage == "segmenter":
        sys.path.insert(0, str(ROOT))
        from pipeline.segmenter.segmenter import PkusegSegmenter
        from pipeline.settings import PKUSEG_DIR

        segmenter = PkusegSegmenter.load(PKUSEG_DIR)  # its compact form, memory-mapped
        loaded = time.perf_counter()
        n_words = sum(len(segmenter.cut(t)) for t in texts)
        done = time.perf_counter()
        extra = {"words": n_words}
    else:
        raise SystemExit(f"unknown stage {stage}")
    seconds = done - loaded
    return {
        "load_seconds": round(loaded - t0, 2),
        "seconds": round(seconds, 2),
        "chars": chars,
        "chars_per_second": round(chars / seconds),
        **_peak_rss_mb(),
        **extra,
    }


STAGES = [
    ("pipeline", 1, "pipeline tag (full pipeline), 1 process"),
    ("pipeline", 2, "pipeline tag (full pipeline), 2 processes"),
    ("components", 1, "full pipeline stage by stage, 1 process"),
    ("dask", 1, "pipeline tag --engine dask, 1 worker (start-up included)"),
    ("dask", 2, "pipeline tag --engine dask, 2 workers (start-up included)"),
    ("jieba", 1, "jieba.posseg, 1 process"),
    ("pkuseg", 1, "pkuseg segmentation only, 1 process"),
    ("segmenter", 1, "pkuseg segmentation (project's segmenter), 1 process"),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="rules", help="model directory or 'rules' (default)")
    ap.add_argument("--data-dir", default=None, help="the shared data directory (default: ../shared)")
    ap.add_argument("--limit-chars", type=int, default=None, help="use only the first N characters")
    ap.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    ap.add_argument("--output", type=Path, default=DEFAULT_RESULTS)
    ap.add_argument(
        "--stages", help="comma-separated subset of: " + ", ".join(dict.fromkeys(s for s, _, _ in STAGES))
    )
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--processes", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.stage:  # child: one measurement, JSON on stdout
        print(json.dumps(measure(args.stage, args.corpus, args.model, args.processes, args.batch_size)))
        return 0

    sys.path.insert(0, str(ROOT))
    from pipeline.settings import resolve_data_dir

    source = resolve_data_dir(args.data_dir) / REPORTS
    docs = load_texts(source, args.limit_chars)
    chars = sum(len(d["text"]) for d in docs)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        corpus.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
        wanted = set(args.stages.split(",")) if args.stages else {s for s, _, _ in STAGES}
        for stage, processes, name in STAGES:
            if stage not in wanted:
                continue
            load_before = os.getloadavg()[0]
            cmd = [sys.executable, __file__, "--stage", stage, "--corpus", str(corpus), "--model", args.model]
            cmd += ["--processes", str(processes), "--batch-size", str(args.batch_size)]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                raise SystemExit(f"{name}: failed")
            row = {"name": name, "stage": stage, "processes": processes, **json.loads(proc.stdout)}
            row["load_average_before"] = round(load_before, 2)
            results.append(row)
            print(f"{name}: {row['chars_per_second']:,} chars/s", file=sys.stderr)

    speed = {(r["stage"], r["processes"]): r["chars_per_second"] for r in results}
    pairs = {
        "pipeline_2_vs_1_process": (("pipeline", 2), ("pipeline", 1)),
        "dask_2_vs_1_worker": (("dask", 2), ("dask", 1)),
        "pipeline_2_processes_vs_jieba_posseg": (("pipeline", 2), ("jieba", 1)),
        "pipeline_2_processes_vs_pkuseg_alone": (("pipeline", 2), ("pkuseg", 1)),
        "pkuseg_alone_vs_jieba_posseg": (("pkuseg", 1), ("jieba", 1)),
        "segmenter_vs_pkuseg_alone": (("segmenter", 1), ("pkuseg", 1)),
        "segmenter_vs_jieba_posseg": (("segmenter", 1), ("jieba", 1)),
    }
    ratios = {k: round(speed[a] / speed[b], 2) for k, (a, b) in pairs.items() if a in speed and b in speed}
    words = {r["stage"]: r["words"] for r in results if r["stage"] in ("pkuseg", "segmenter")}
    if len(words) == 2 and words["pkuseg"] != words["segmenter"]:
        raise SystemExit(f"the segmenters disagree: {words}")
    report = {
        "benchmark": "tagging_speed",
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "model": args.model,
        "text": {"source": f"<data dir>/{REPORTS.as_posix()}", "documents": len(docs), "chars": chars},
        "limit_chars": args.limit_chars,
        "batch_size": args.batch_size,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "results": results,
        "ratios": ratios,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(table(report))
    print(f"\nwritten to {args.output}", file=sys.stderr)
    return 0


def table(report: dict) -> str:
    head = f"{'method':<54} {'chars/s':>10} {'load s':>7} {'run s':>7} {'peak MB':>8} {'workers MB':>10} {'loadavg':>7}"
    lines = [
        f"{report['text']['chars']:,} characters in {report['text']['documents']} reports; model {report['model']}",
        head,
        "-" * len(head),
    ]
    for r in report["results"]:
        lines.append(
            f"{r['name']:<54} {r['chars_per_second']:>10,} {r['load_seconds']:>7.1f} {r['seconds']:>7.1f} "
            f"{r['peak_rss_mb']:>8.0f} {r['peak_rss_workers_mb']:>10.0f} {r['load_average_before']:>7.2f}"
        )
    lines.append("")
    lines += [f"{k}: {v}" for k, v in report["ratios"].items()]
    for r in report["results"]:
        if "stage_chars_per_second" in r:
            lines.append("\nstage by stage (chars/s alone, share of the time):")
            for name, cps in r["stage_chars_per_second"].items():
                lines.append(f"  {name:<20} {cps:>10,} {r['stage_share'][name]:>7.1%}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())

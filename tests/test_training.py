"""Real spaCy training end to end on a small gold set, then `pipeline evaluate` on it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.corpus.build import chunk_document
from pipeline.corpus.gold import read_jsonl, write_jsonl
from pipeline.nlp import load_nlp
from pipeline.settings import CONFIGS_DIR, PROJECT_ROOT
from pipeline.training import data_plan, train

SEED = PROJECT_ROOT / "annotations" / "gx-industry-2021.jsonl"


def test_data_plan_reads_sources(tmp_path: Path) -> None:
    from spacy import util

    cfg = util.load_config(CONFIGS_DIR / "ner_char.cfg", interpolate=False)
    public = [name for name, src in cfg["pipeline_data"]["sources"].items() if src.get("format")]
    assert {"peoples_daily", "msra", "uner"} <= set(public)
    for name in public:
        cfg["pipeline_data"]["sources"][name]["enabled"] = False
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "reports.jsonl").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    plan = data_plan(cfg, tmp_path)
    by_name = {s.path.name: s for s in plan.sources}
    assert set(by_name) == {"reports.jsonl", "gx-industry-2021.jsonl"}
    assert by_name["gx-industry-2021.jsonl"].split == "train" and plan.segmenter == "char"
    assert plan.splits_file == tmp_path / "gold" / "splits.json"
    assert plan.user_dict is None  # characters: no word dictionary
    pkuseg_cfg = util.load_config(CONFIGS_DIR / "ner.cfg", interpolate=False)
    for name in public:
        pkuseg_cfg["pipeline_data"]["sources"][name]["enabled"] = False
    assert data_plan(pkuseg_cfg, tmp_path).user_dict is None  # off by default (README: ablations)
    pkuseg_cfg["pipeline_data"]["user_dict"]["enabled"] = True
    pkuseg_plan = data_plan(pkuseg_cfg, tmp_path)
    assert pkuseg_plan.user_dict is not None and pkuseg_plan.user_dict.gazetteer
    assert pkuseg_plan.user_dict.held_out_folds == 5
    assert tuple(pkuseg_plan.user_dict.labels) == ("ORG", "GPE", "LOC")
    with pytest.raises(FileNotFoundError, match="needs the shared data directory"):
        data_plan(cfg, None)
    (tmp_path / "gold" / "reports.jsonl").unlink()
    with pytest.raises(FileNotFoundError, match=r"\[pipeline_data.sources.reports\].*does not exist"):
        data_plan(cfg, tmp_path)


@pytest.mark.slow
def test_train_then_evaluate(tmp_path: Path) -> None:
    pieces = []
    for doc in read_jsonl(SEED):
        pieces += chunk_document(doc, 300)
    for p in pieces:
        p.id = p.id.replace("#", "-")
    gold = tmp_path / "pieces.jsonl"
    write_jsonl(pieces, gold)
    overrides = {
        "pipeline_data.sources.reports.enabled": False,
        "pipeline_data.sources.peoples_daily.enabled": False,
        "pipeline_data.sources.msra.enabled": False,
        "pipeline_data.sources.uner.enabled": False,
        "pipeline_data.sources.seed.path": str(gold),
        "pipeline_data.sources.seed.split": None,
        "pipeline_data.splits": None,
        "pipeline_data.dev_fraction": 0.3,
        "training.max_steps": 300,
        "training.optimizer.learn_rate": 0.003,
        "training.eval_frequency": 100,
        "pipeline_data.user_dict.enabled": True,
    }
    best = train(CONFIGS_DIR / "ner.cfg", tmp_path / "model", data_dir=tmp_path, overrides=overrides)
    assert (best / "meta.json").exists() and (tmp_path / "model" / "model-last").exists()
    build = json.loads((tmp_path / "model" / "corpus" / "build.json").read_text(encoding="utf-8"))
    assert build["counts"]["train"] + build["counts"]["dev"] == len(pieces)
    # the pkuseg user dictionary: training names (and the gazetteer) saved in the model, used when tagging
    words = (tmp_path / "model" / "corpus" / "user_words.txt").read_text(encoding="utf-8").split()
    assert build["user_words"] == len(words) and "柳州市" in words
    nlp = load_nlp(best)
    assert nlp.pipe_names[-1] == "entity_merger"
    train_ids = set((tmp_path / "model" / "corpus" / "train.ids.txt").read_text(encoding="utf-8").split())
    trained_names = {
        p.text[start:end] for p in pieces if p.id in train_ids for start, end, lab in p.spans if lab == "ORG"
    }
    trained_names = {n for n in trained_names if n.isalpha()}  # not 川⏎⏎恒集团 (a layout break: rule 11)
    assert trained_names and trained_names <= set(words)
    longest = max(trained_names, key=len)
    assert nlp.make_doc(longest + "。")[0].text == longest

    metrics, errors = tmp_path / "metrics.json", tmp_path / "errors.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "evaluate",
            "--model",
            str(best),
            "--gold",
            str(gold),
            "--output",
            str(metrics),
            "--errors",
            str(errors),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "micro" in proc.stdout and "95% bootstrap interval" in proc.stdout
    m = json.loads(metrics.read_text(encoding="utf-8"))
    assert set(m["per_label"]) == {"ORG", "GPE", "LOC", "MONEY", "QUANTITY", "PERCENT"}
    assert m["per_label"]["QUANTITY"]["support"] == sum(
        1 for p in pieces for s in p.spans if s[2] == "QUANTITY"
    )
    lo, hi = m["micro"]["f_ci95"]
    assert 0.0 <= lo <= m["micro"]["f"] <= hi <= 1.0
    assert m["micro"]["f"] > 0.2  # it learned something from 300 steps on its own training text
    n_err = sum(1 for _ in errors.open(encoding="utf-8"))
    per = m["per_label"]
    assert n_err == sum(v["fp"] + v["fn"] for v in per.values())


def test_public_corpus_source_is_converted(tmp_path: Path, shared_dir: Path) -> None:
    from spacy import util

    cfg = util.load_config(CONFIGS_DIR / "ner_char.cfg", interpolate=False)
    plan = data_plan(cfg, shared_dir, tmp_path / "converted")
    uner = next(s for s in plan.sources if s.path.name == "uner.jsonl")
    docs = read_jsonl(uner.path)
    assert uner.split == "train" and uner.weight < 1
    assert len(docs) == 3997 and all(d.is_partial for d in docs)


def test_cross_validation_folds_partition_documents() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("cv", PROJECT_ROOT / "benchmarks" / "cross_validation.py")
    assert spec is not None and spec.loader is not None
    cv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cv)
    ids = [f"doc{i}" for i in range(75)]
    folds = cv.make_folds(ids, 5, seed=0)
    assert sorted(d for f in folds for d in f) == sorted(ids)
    assert [len(f) for f in folds] == [15] * 5
    assert folds == cv.make_folds(list(reversed(ids)), 5, seed=0)  # order of input does not matter
    assert folds != cv.make_folds(ids, 5, seed=1)

"""Real spaCy training end to end on a small gold set, then `pipeline evaluate` on it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipeline.corpus.build import chunk_document
from pipeline.corpus.gold import read_jsonl, write_jsonl
from pipeline.nlp import load_nlp
from pipeline.settings import CONFIGS_DIR, PROJECT_ROOT
from pipeline.training import ConfigError, load_training_config, resolve_data_spec, resolve_sources, train

SEED = PROJECT_ROOT / "annotations" / "gx-industry-2021.jsonl"


def _config_without_public_corpora(path: Path = CONFIGS_DIR / "ner.cfg", **more: Any):
    overrides = {f"pipeline_data.sources.{n}.enabled": False for n in ("peoples_daily", "msra", "uner")}
    return load_training_config(path, {**overrides, **more})


def test_data_spec_reads_sources(tmp_path: Path) -> None:
    full = resolve_data_spec(load_training_config(CONFIGS_DIR / "ner.cfg"))
    assert {"peoples_daily", "msra", "uner"} <= {n for n, s in full.sources.items() if s.format}
    spec = resolve_data_spec(_config_without_public_corpora())
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "reports.jsonl").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    by_name = {s.path.name: s for s in resolve_sources(spec, tmp_path, None)}
    assert set(by_name) == {"reports.jsonl", "gx-industry-2021.jsonl"}
    assert by_name["gx-industry-2021.jsonl"].split == "train" and by_name["reports.jsonl"].user_words
    assert spec.splits == "data:gold/splits.json" and spec.tune_fraction == 0.1
    assert spec.user_dict is None  # off by default (README: ablations)
    on = resolve_data_spec(_config_without_public_corpora(**{"pipeline_data.user_dict.enabled": True}))
    assert on.user_dict is not None and on.user_dict.gazetteer and on.user_dict.held_out_folds == 5
    assert tuple(on.user_dict.labels) == ("ORG", "GPE", "LOC")
    with pytest.raises(FileNotFoundError, match="needs the shared data directory"):
        resolve_sources(spec, None, None)
    (tmp_path / "gold" / "reports.jsonl").unlink()
    with pytest.raises(FileNotFoundError, match=r"\[pipeline_data.sources.reports\].*does not exist"):
        resolve_sources(spec, tmp_path, None)


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"pipeline_data.tune_fractio": 0.2}, "pipeline_data.tune_fractio: extra fields not permitted"),
        ({"pipeline_data.sources.msra.wieght": 1}, "pipeline_data.sources.msra.wieght: extra fields"),
        (
            {"pipeline_data.sources.msra.weight": "x"},
            "pipeline_data.sources.msra.weight: value is not a valid",
        ),
        ({"pipeline_data.sources.msra.split": "tset"}, "split must be train, dev, test or null"),
        ({"pipeline_data.tune_fraction": 1.5}, "tune_fraction must be in"),
    ],
)
def test_a_typo_in_pipeline_data_is_an_error(override: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        resolve_data_spec(load_training_config(CONFIGS_DIR / "ner.cfg", override))


def test_a_config_extends_its_base() -> None:
    base = load_training_config(CONFIGS_DIR / "ner.cfg")
    char = load_training_config(CONFIGS_DIR / "ner_char.cfg")
    assert (
        char["nlp"]["tokenizer"]["segmenter"] == "char" and base["nlp"]["tokenizer"]["segmenter"] == "pkuseg"
    )
    assert char["components"]["tok2vec"]["model"]["encode"]["width"] == 128
    assert (
        char["components"]["tok2vec"]["model"]["encode"]["depth"]
        == base["components"]["tok2vec"]["model"]["encode"]["depth"]
    )
    assert char["nlp"]["pipeline"] == base["nlp"]["pipeline"]  # the whole pipeline, rules included
    assert "base" not in char
    with pytest.raises(ConfigError, match="config file not found"):
        load_training_config(CONFIGS_DIR / "nope.cfg")


def test_tune_documents_come_from_training_documents_only(tmp_path: Path) -> None:
    from pipeline.corpus.build import Source, assign_splits
    from pipeline.corpus.gold import GoldDoc

    docs = [GoldDoc(f"d{i}", "文本", [], {}) for i in range(20)]
    splits = tmp_path / "splits.json"
    splits.write_text(
        json.dumps({"train": [f"d{i}" for i in range(15)], "dev": [f"d{i}" for i in range(15, 20)]})
    )
    parts = assign_splits([(Source(tmp_path / "x.jsonl"), docs)], splits, tune_fraction=0.2)
    ids = {k: {d.id for d in v} for k, v in parts.items()}
    assert len(ids["tune"]) == 3 and len(ids["train"]) == 12
    assert ids["dev"] == {f"d{i}" for i in range(15, 20)}
    assert not (ids["tune"] & ids["dev"]) and not (ids["tune"] & ids["train"])


@pytest.mark.slow
def test_train_then_evaluate(tmp_path: Path, small_vectors: Path) -> None:
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
        "paths.vectors": str(small_vectors),
    }
    best = train(CONFIGS_DIR / "ner.cfg", tmp_path / "model", data_dir=tmp_path, overrides=overrides)
    assert (best / "meta.json").exists() and (tmp_path / "model" / "model-last").exists()
    build = json.loads((tmp_path / "model" / "corpus" / "build.json").read_text(encoding="utf-8"))
    counts = build["counts"]
    assert counts["train"] + counts["tune"] + counts["dev"] == len(pieces) and counts["tune"] >= 1
    # one config: model-best is the whole pipeline, chosen by spaCy's loop on the merged doc.ents
    meta = json.loads((best / "meta.json").read_text(encoding="utf-8"))
    assert meta["pipeline"] == [
        "numeric_entities",
        "place_linker",
        "name_grammar",
        "tok2vec",
        "ner",
        "entity_merger",
        "name_propagation",
        "place_links",
    ]
    assert "ents_f" in meta["performance"] and "spans_numeric_f" in meta["performance"]
    # the pkuseg user dictionary: training names (and the gazetteer) saved in the model, used when tagging
    words = (tmp_path / "model" / "corpus" / "user_words.txt").read_text(encoding="utf-8").split()
    assert build["user_words"] == len(words) and "柳州市" in words
    nlp = load_nlp(best)
    assert nlp.pipe_names[-1] == "place_links"
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
    spec = resolve_data_spec(load_training_config(CONFIGS_DIR / "ner.cfg"))
    sources = resolve_sources(spec, shared_dir, tmp_path / "converted")
    uner = next(s for s in sources if s.path.name == "uner.jsonl")
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

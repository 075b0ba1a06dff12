"""A trained model is an ordinary spaCy pipeline: metadata, scoring, `pipeline package`, and `spacy.load` in a
fresh virtualenv that has only this project's wheel and the packaged model's wheel, outside the checkout."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
import spacy
from spacy.training import Example

from pipeline.corpus.build import chunk_document
from pipeline.corpus.gold import read_jsonl, write_jsonl
from pipeline.errors import ModelError
from pipeline.nlp import load_nlp
from pipeline.settings import CONFIGS_DIR, PROJECT_ROOT

SEED = PROJECT_ROOT / "annotations" / "gx-industry-2021.jsonl"
TEXT = "2021年广西柳州市工业总产值达到450亿元，增长11.4%。湖北省生态环境厅和东风柳汽新增产能3万辆，出口美国5000万美元。"
PIPELINE = [
    "numeric_entities",
    "place_linker",
    "name_grammar",
    "tok2vec",
    "ner",
    "entity_merger",
    "name_propagation",
    "place_links",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory, small_vectors: Path) -> Path:
    """A real (short) training of configs/ner.cfg on pieces of the seed report: the complete model-best."""
    from pipeline.training import train

    out = tmp_path_factory.mktemp("trained")
    pieces = [p for d in read_jsonl(SEED) for p in chunk_document(d, 300)]
    for p in pieces:
        p.id = p.id.replace("#", "-")
    write_jsonl(pieces, out / "pieces.jsonl")
    overrides = {
        f"pipeline_data.sources.{n}.enabled": False for n in ("reports", "peoples_daily", "msra", "uner")
    }
    overrides.update(
        {
            "pipeline_data.sources.seed.path": str(out / "pieces.jsonl"),
            "pipeline_data.sources.seed.split": None,
            "pipeline_data.splits": None,
            "pipeline_data.dev_fraction": 0.3,
            "training.max_steps": 30,
            "paths.vectors": str(small_vectors),
            "training.eval_frequency": 10,
        }
    )
    return train(CONFIGS_DIR / "ner.cfg", out / "model", overrides=overrides)


def _entities(doc) -> list[dict]:
    return [
        {
            "text": e.text,
            "label": e.label_,
            "value": e._.value,
            "currency": e._.currency,
            "adcode": e._.adcode,
        }
        for e in doc.ents
    ]


@pytest.mark.slow
def test_model_best_is_the_whole_pipeline_with_metadata_and_scores(trained: Path) -> None:
    nlp = spacy.load(trained)  # plain spaCy: components found through the package's entry points
    assert nlp.pipe_names == PIPELINE
    summary = nlp.analyze_pipes()["summary"]
    assert (
        summary["numeric_entities"]["retokenizes"]
        and "span._.value" in summary["numeric_entities"]["assigns"]
    )
    assert "doc._.place_links" in summary["place_linker"]["assigns"]
    assert summary["entity_merger"]["assigns"] == ["doc.ents", "doc.spans"]
    gold = read_jsonl(SEED)[0]
    example = Example.from_dict(nlp.make_doc(gold.text), {"entities": gold.spans})
    scores = nlp.evaluate([example])
    assert {"ents_f", "spans_numeric_f", "spans_places_f", "spans_names_f"} <= set(scores)
    assert scores["spans_numeric_p"] > 0.8  # the word lists live in the model: numbers are found
    ents = _entities(nlp(TEXT))
    money = next(e for e in ents if e["text"] == "450亿元")
    assert (money["label"], money["value"], money["currency"]) == ("MONEY", 4.5e10, "CNY")
    assert next(e for e in ents if e["text"] == "柳州市")["adcode"] == "450200000000"
    # the component data is in the model directory, not read from the checkout
    for name in ("numeric_entities", "place_linker", "name_grammar", "name_propagation"):
        assert (trained / name / "settings.json").is_file()
    assert (trained / "place_linker" / "gazetteer.msgpack").is_file()


@pytest.mark.slow
def test_incomplete_or_foreign_model_dirs_are_refused(trained: Path, tmp_path: Path) -> None:
    broken = tmp_path / "copy"
    shutil.copytree(trained, broken)
    shutil.rmtree(broken / "place_linker")
    with pytest.raises(ModelError, match="place_linker is missing or empty"):
        load_nlp(broken)
    (broken / "meta.json").unlink()
    with pytest.raises(ModelError, match=r"meta.json is missing"):
        load_nlp(broken)
    foreign = tmp_path / "foreign"
    spacy.blank("zh").to_disk(foreign)
    with pytest.raises(ModelError, match="lacks the components numeric_entities"):
        load_nlp(foreign)
    truncated = tmp_path / "truncated"
    shutil.copytree(trained, truncated)
    model_file = truncated / "ner" / "model"
    model_file.write_bytes(model_file.read_bytes()[:100])
    with pytest.raises(ModelError, match=r"truncated/ner cannot be loaded"):
        load_nlp(truncated)


@pytest.mark.slow
def test_packaged_model_loads_in_a_fresh_venv_outside_the_checkout(trained: Path, tmp_path: Path) -> None:
    from pipeline.packaging import package_model

    wheel = package_model(trained, tmp_path / "packages")
    meta = json.loads((tmp_path / "packages" / "zh_reports_ner-0.1.0" / "meta.json").read_text())
    assert (meta["name"], meta["version"]) == ("reports_ner", "0.1.0")
    assert "research" in meta["license"] and "pkuseg" in meta["license"]
    assert meta["requirements"][0].startswith("pipeline>=")
    build = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path / "dist"), str(PROJECT_ROOT)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (project_wheel,) = (tmp_path / "dist").glob("pipeline-*.whl")
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(project_wheel), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    copied = tmp_path / "elsewhere" / "model"
    shutil.copytree(trained, copied)
    script = (
        "import json, sys, spacy\n"
        "out = {}\n"
        "for key, name in (('package', 'zh_reports_ner'), ('dir', sys.argv[1])):\n"
        "    doc = spacy.load(name)(sys.argv[2])\n"
        "    out[key] = [{'text': e.text, 'label': e.label_, 'value': e._.value, 'currency': e._.currency,\n"
        "                 'adcode': e._.adcode} for e in doc.ents]\n"
        "print(json.dumps(out, ensure_ascii=False))\n"
    )
    outside = tmp_path / "elsewhere"
    run = subprocess.run(
        [str(python), "-c", script, str(copied), TEXT], capture_output=True, text=True, cwd=outside
    )
    assert run.returncode == 0, run.stderr[-2000:]
    loaded = json.loads(run.stdout)
    # the same entities as `pipeline tag` with the model directory
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "t", "text": TEXT}, ensure_ascii=False) + "\n", encoding="utf-8")
    tag = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "tag",
            str(src),
            "-m",
            str(trained),
            "-o",
            str(tmp_path / "o.jsonl"),
        ],
        capture_output=True,
        text=True,
    )
    assert tag.returncode == 0, tag.stderr[-2000:]
    tagged = json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()[0])["entities"]
    expected = [
        {"text": e["text"], "label": e["label"], **{k: e.get(k) for k in ("value", "currency", "adcode")}}
        for e in tagged
    ]
    assert loaded["package"] == loaded["dir"] == expected
    assert any(e["currency"] == "CNY" and e["value"] == 4.5e10 for e in expected)
    assert any(e["adcode"] == "450200000000" for e in expected)

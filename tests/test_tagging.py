"""``pipeline tag``: output formats, broken inputs, long documents, failures, resume, processes, Dask, CLI.

A real small pipeline is built here: the rule-only pipeline + an ``entity_ruler`` (saved to a model directory so
that ``--model PATH``, subprocesses and Dask workers load it), plus, in memory only, a component that sets the
normalised span fields and a test-only component that raises on marked documents.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from spacy.language import Language
from spacy.tokens import Span
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.corpus.validate import validate_file
from pipeline.tagging.checkpoint import RunFiles
from pipeline.tagging.records import ROW_COLUMNS
from pipeline.tagging.runner import run_tagging

DATA = Path(__file__).parent / "data" / "tagging"
INPUTS = [DATA / "reports", DATA / "docs.jsonl", DATA / "docs.csv"]
FAIL_MARK = "【测试故障】"
CRASH_MARK = "【测试中断】"
TEST_COMPONENTS = ["tagging_test_values", "tagging_test_faults"]
_crash_armed = {"on": False}

PATTERNS = [
    *({"label": "GPE", "pattern": p} for p in ("北京市", "上海市", "北京", "广东省", "浙江省")),
    *({"label": "ORG", "pattern": p} for p in ("国务院", "中国人民银行")),
    {"label": "MONEY", "pattern": [{"TEXT": {"REGEX": r"^[0-9.]+(万亿|亿|万)?$"}}, {"TEXT": "元"}]},
    {"label": "PERCENT", "pattern": [{"TEXT": {"REGEX": r"^[0-9.]+%$"}}]},
]
_MULT = {"万亿": 1e12, "亿": 1e8, "万": 1e4}

for _name in ("value", "unit", "currency"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)


@Language.component("tagging_test_values")
def _set_values(doc):
    """Normalised values for the ruler's MONEY/PERCENT spans (as the numeric component would)."""
    for ent in doc.ents:
        if ent._.value is not None:  # set by numeric_entities already
            continue
        if ent.label_ == "MONEY":
            number = ent[0].text
            mult = next((m for suffix, m in _MULT.items() if number.endswith(suffix)), 1.0)
            ent._.value = float(number.rstrip("万亿")) * mult
            ent._.unit, ent._.currency = "元", "CNY"
        elif ent.label_ == "PERCENT":
            ent._.value, ent._.unit = float(ent.text.rstrip("%")), "%"
    return doc


@Language.component("tagging_test_faults")
def _faults(doc):
    if FAIL_MARK in doc.text:
        raise ValueError("test fault")
    if CRASH_MARK in doc.text and _crash_armed["on"]:
        raise KeyboardInterrupt  # as if the run were killed here
    return doc


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Language, Path]:
    """The pipeline (saved to disk before the in-memory test components are added) and its directory.

    The rule-only pipeline with an ``entity_ruler`` standing in for the statistical NER before the rules.
    """
    from pipeline.nlp import assemble

    nlp = assemble()
    nlp.add_pipe("entity_ruler", first=True).add_patterns(PATTERNS)
    path = tmp_path_factory.mktemp("tagging") / "model"
    nlp.to_disk(path)
    for name in TEST_COMPONENTS:
        nlp.add_pipe(name)
    return nlp, path


@pytest.fixture(scope="module")
def model_dir(built) -> Path:
    return built[1]


@pytest.fixture(scope="module")
def nlp(built) -> Language:
    return built[0]


def _tag(nlp, inputs, out, **kwargs):
    kwargs.setdefault("max_chars", 2000)
    return run_tagging(inputs, out, nlp, progress=False, log=lambda msg: None, **kwargs)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _many_docs(n: int, marks: dict[int, str] | None = None) -> list[dict]:
    texts = [
        "国务院批准北京市发行地方政府专项债券3000亿元。",
        "上海市全年进出口总额4.27万亿元，增长1.3%。",
        "中国人民银行向市场提供长期流动性约1万亿元，广东省和浙江省受益。",
    ]
    marks = marks or {}
    return [{"id": f"d{i}", "text": texts[i % 3] + marks.get(i, ""), "meta": {"n": i}} for i in range(n)]


EXPECTED_SKIPPED = {
    "docs.csv:3": "empty 'text'",
    "docs.jsonl:3": "invalid JSON",
    "docs.jsonl:4": "no 'text' field",
    "docs.jsonl:7": "empty 'text'",
    "binary.txt": "binary file",
    "blank.txt": "empty file",
    "empty.txt": "empty file",
    "gbk.txt": "not UTF-8",
    "huge.txt": "too large",
}


def test_jsonl_output_is_valid_gold_with_normalised_fields(nlp, tmp_path):
    out = tmp_path / "out.jsonl"
    summary = _tag(nlp, INPUTS, out)
    docs, errors = validate_file(out)
    assert errors == []
    assert [d.id for d in docs] == ["c1", "c2", "r1", "r2", "docs.jsonl:6", "a.txt", "sub/b.txt"]
    assert summary.done == 7 and summary.n_skipped == len(EXPECTED_SKIPPED) and summary.n_failed == 0
    raw = out.read_text(encoding="utf-8")
    assert "国务院" in raw and "\\u" not in raw  # Chinese stays readable
    r1 = next(o for o in _jsonl(out) if o["id"] == "r1")
    assert r1["meta"] == {"year": 2024, "title": "专项债"}
    assert r1["label"] == [[0, 3, "ORG"], [5, 8, "GPE"], [18, 24, "MONEY"]]
    assert r1["entities"][2] == {
        "start": 18,
        "end": 24,
        "text": "3000亿元",
        "label": "MONEY",
        "value": 3e11,
        "unit": "元",
        "currency": "CNY",
        "qualifier": "exact",
    }
    assert not RunFiles(out).state_dir.exists()


def test_broken_files_are_listed_and_the_rest_tagged(nlp, tmp_path):
    out = tmp_path / "out.jsonl"
    summary = _tag(nlp, INPUTS, out)
    listed = [json.loads(line) for line in summary.skipped_path.read_text(encoding="utf-8").splitlines()]
    assert summary.skipped_path == tmp_path / "out.jsonl.skipped.jsonl"
    got = {Path(r["source"]).name: r["reason"] for r in listed}
    assert got.keys() == EXPECTED_SKIPPED.keys()
    for name, reason in EXPECTED_SKIPPED.items():
        assert got[name].startswith(reason), (name, got[name])
    # every input document exactly once: in the output or in the list
    tagged = [o["id"] for o in _jsonl(out)]
    assert len(tagged) == len(set(tagged)) == 7
    assert summary.done + len(listed) == 16


def test_csv_and_parquet_have_the_same_rows(nlp, tmp_path):
    _tag(nlp, INPUTS, tmp_path / "out.jsonl")
    _tag(nlp, INPUTS, tmp_path / "out.csv")
    _tag(nlp, INPUTS, tmp_path / "out.parquet")
    assert (tmp_path / "out.csv").read_bytes().startswith("\ufeffdoc_id,start".encode())
    csv_rows = pd.read_csv(tmp_path / "out.csv", dtype={"adcode": str})
    pq_rows = pd.read_parquet(tmp_path / "out.parquet")
    assert list(csv_rows.columns) == list(pq_rows.columns) == list(ROW_COLUMNS)
    pd.testing.assert_frame_equal(csv_rows, pq_rows, check_dtype=False)
    expected = [
        (o["id"], e["start"], e["end"], e["text"], e["label"], e.get("value"))
        for o in _jsonl(tmp_path / "out.jsonl")
        for e in o["entities"]
    ]
    got = [
        (r.doc_id, r.start, r.end, r.text, r.label, None if pd.isna(r.value) else r.value)
        for r in pq_rows.itertuples()
    ]
    assert got == expected
    row = pq_rows[(pq_rows.doc_id == "a.txt") & (pq_rows.label == "PERCENT")].iloc[1]
    assert (row.text, row.value, row.unit) == ("1.3%", 1.3, "%")
    assert row.context == "上海市全年进出口总额4.27万亿元，增长1.3%。"


def test_long_documents_are_split_and_offsets_mapped_back(nlp, tmp_path):
    paragraph = "国务院今天发布消息，北京市地区生产总值达到4.98万亿元，比上年增长5.2%。上海市全年进出口总额4.27万亿元。"
    text = "\n\n".join(paragraph * (1 + i % 4) for i in range(60))
    src = _write_jsonl(tmp_path / "long.jsonl", [{"id": "long", "text": text}])
    _tag(nlp, [src], tmp_path / "whole.jsonl", split_chars=len(text), max_chars=10**6)
    _tag(nlp, [src], tmp_path / "split.jsonl", split_chars=300, max_chars=10**6)
    [whole], [split] = _jsonl(tmp_path / "whole.jsonl"), _jsonl(tmp_path / "split.jsonl")
    assert len(text) > 10 * 300 and split == whole
    assert len(split["entities"]) == 150 * 6
    assert all(text[e["start"] : e["end"]] == e["text"] for e in split["entities"])


def test_a_failing_document_is_reported_and_the_others_tagged(nlp, tmp_path):
    rows = _many_docs(7, {3: FAIL_MARK})
    long_bad = {"id": "long-bad", "text": ("上海市增长5%。\n" * 200) + FAIL_MARK}  # fails in its last piece
    src = _write_jsonl(tmp_path / "in.jsonl", [*rows, long_bad])
    out = tmp_path / "out.jsonl"
    summary = _tag(nlp, [src], out, batch_size=2, split_chars=500)
    assert [o["id"] for o in _jsonl(out)] == ["d0", "d1", "d2", "d4", "d5", "d6"]
    assert [(s.key.rsplit(":", 1)[1], s.status) for s in summary.skipped] == [
        ("4", "failed"),
        ("8", "failed"),
    ]
    assert "d3: ValueError: test fault" in summary.skipped[0].reason
    assert summary.n_failed == 2 and summary.n_skipped == 0


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_interrupted_run_resumes_to_the_same_output(nlp, tmp_path, suffix):
    src = _write_jsonl(tmp_path / "in.jsonl", _many_docs(40, {25: CRASH_MARK, 7: FAIL_MARK}))
    inputs = [src, DATA / "reports"]
    reference = tmp_path / f"reference{suffix}"
    _tag(nlp, inputs, reference)

    out = tmp_path / f"out{suffix}"
    _crash_armed["on"] = True
    try:
        with pytest.raises(KeyboardInterrupt):
            _tag(nlp, inputs, out, checkpoint_every=4, batch_size=3)
    finally:
        _crash_armed["on"] = False
    state = RunFiles(out).state_dir
    assert not out.exists() and len(list(state.glob("part-*.done.json"))) >= 5

    summary = _tag(nlp, inputs, out, resume=True, checkpoint_every=4, batch_size=3)
    assert summary.resumed_from >= 20 and summary.done == 39 + 2
    assert not state.exists()
    if suffix == ".parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(reference))
    else:
        assert out.read_bytes() == reference.read_bytes()
    ref_skipped = Path(f"{reference}.skipped.jsonl").read_text(encoding="utf-8")
    assert Path(f"{out}.skipped.jsonl").read_text(encoding="utf-8") == ref_skipped


def test_resume_refuses_other_options_and_fresh_run_starts_over(nlp, tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", _many_docs(10, {5: CRASH_MARK}))
    out = tmp_path / "out.jsonl"
    _crash_armed["on"] = True
    try:
        with pytest.raises(KeyboardInterrupt):
            _tag(nlp, [src], out, checkpoint_every=2, batch_size=1)
    finally:
        _crash_armed["on"] = False
    from pipeline.tagging.checkpoint import ResumeError

    with pytest.raises(ResumeError, match="split_chars"):
        _tag(nlp, [src], out, resume=True, split_chars=999)
    summary = _tag(nlp, [src], out)  # without --resume: starts over, same result
    assert summary.resumed_from == 0 and [o["id"] for o in _jsonl(out)] == [f"d{i}" for i in range(10)]


def test_cli_strict_exit_code_and_summary(model_dir, tmp_path):
    out = tmp_path / "out.parquet"
    args = ["tag", *map(str, INPUTS), "--model", str(model_dir), "-o", str(out), "--max-chars", "2000"]
    result = CliRunner().invoke(app, [*args, "--strict", "--no-progress"])
    assert result.exit_code == 1, result.output
    assert "done 7 documents" in result.output and "skipped 9; failed 0" in result.output
    assert "skipped " + str(DATA / "reports" / "gbk.txt") + ": not UTF-8" in result.output
    assert len(pd.read_parquet(out)) > 10  # the output is complete all the same
    bad = CliRunner().invoke(
        app, ["tag", str(tmp_path / "nothing"), "--model", str(model_dir), "-o", str(out)]
    )
    assert bad.exit_code == 2 and "no such file or directory" in bad.output


@pytest.mark.slow
def test_cli_killed_mid_run_then_resumed(nlp, model_dir, tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", _many_docs(800))
    out = tmp_path / "out.csv"
    cmd = [sys.executable, "-m", "pipeline.cli", "tag", str(src), "-m", str(model_dir), "-o", str(out)]
    cmd += ["--checkpoint-every", "10", "--batch-size", "4"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    state = RunFiles(out).state_dir
    deadline = time.time() + 120
    while len(list(state.glob("part-*.done.json"))) < 3 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()
    assert not out.exists() and state.exists()

    resumed = subprocess.run([*cmd, "--resume", "--no-progress"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming: " in resumed.stderr and "done 800 documents" in resumed.stderr
    plain = nlp.select_pipes(disable=TEST_COMPONENTS)
    try:
        _tag(nlp, [src], tmp_path / "reference.csv")
    finally:
        plain.restore()
    assert out.read_bytes() == (tmp_path / "reference.csv").read_bytes()


@pytest.mark.slow
def test_two_processes_give_the_same_output(nlp, tmp_path):
    rows = _many_docs(60, {10: FAIL_MARK})
    rows.append({"id": "long", "text": "\n".join(r["text"] for r in rows[:40])})
    src = _write_jsonl(tmp_path / "in.jsonl", rows)
    one = _tag(nlp, [src], tmp_path / "one.jsonl", n_process=1, batch_size=8, split_chars=200)
    two = _tag(nlp, [src], tmp_path / "two.jsonl", n_process=2, batch_size=8, split_chars=200)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    assert [s.key for s in one.skipped] == [s.key for s in two.skipped] and two.n_failed == 2
    assert '"value": 300000000000.0' in (tmp_path / "two.jsonl").read_text(encoding="utf-8")


def test_dask_engine_output_equals_local_output(nlp, model_dir, tmp_path):
    src = _write_jsonl(tmp_path / "in.jsonl", _many_docs(9))
    inputs = [src, *INPUTS]
    summary = run_tagging(
        inputs,
        tmp_path / "dask.parquet",
        model_dir,
        engine="dask",
        n_process=1,
        engine_options={"processes": False, "partition_docs": 4},
        max_chars=2000,
        checkpoint_every=5,
        progress=False,
        log=lambda msg: None,
    )
    plain = nlp.select_pipes(disable=TEST_COMPONENTS)
    try:
        local = _tag(nlp, inputs, tmp_path / "local.parquet")
    finally:
        plain.restore()
    dask_rows = pd.read_parquet(tmp_path / "dask.parquet")
    local_rows = pd.read_parquet(tmp_path / "local.parquet")
    assert len(local_rows) > 30
    pd.testing.assert_frame_equal(dask_rows, local_rows)
    assert (summary.done, summary.entities) == (local.done, local.entities)
    assert [s.key for s in summary.skipped] == [s.key for s in local.skipped]


def test_rules_pipeline_fills_normalised_fields(tmp_path):
    from pipeline.nlp import load_nlp

    rules = load_nlp("rules")
    out = tmp_path / "out.parquet"
    _tag(rules, [DATA / "docs.jsonl", DATA / "reports"], out)
    rows = pd.read_parquet(out)
    money = rows[(rows.doc_id == "r1") & (rows.label == "MONEY")].iloc[0]
    assert (money.text, money.value, money.currency) == ("3000亿元", 3e11, "CNY")

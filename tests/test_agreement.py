"""Pairwise agreement, disagreements and majority merge on small real annotation files (tests/data/agreement)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.agreement import (
    AgreementError,
    disagreements,
    format_table,
    load_annotations,
    merge,
    pairwise,
    text_conflicts,
)
from pipeline.cli import app
from pipeline.corpus.gold import GoldDoc, write_jsonl
from pipeline.corpus.validate import validate_file

DATA = Path(__file__).parent / "data" / "agreement"
FILES = [DATA / "ann_a.jsonl", DATA / "ann_b.jsonl", DATA / "ann_c.jsonl"]


@pytest.fixture()
def annotations():
    return load_annotations(FILES)


def test_pairwise_counts_and_f_per_label(annotations):
    results = {(r.a, r.b): r for r in pairwise(annotations)}
    ab = results[("ann_a", "ann_b")]
    assert ab.n_docs == 3
    m = ab.scores["micro"]
    # agreed: 4 in d1, 601万标箱 in d2, 南宁市 in d3; A only: 北部湾港 LOC, １５万户; B only: 北部湾港 ORG
    assert (m.tp, m.fn, m.fp) == (6, 2, 1)
    assert m.f == pytest.approx(2 * 6 / (2 * 6 + 2 + 1))
    assert ab.scores["GPE"].f == 1.0 and ab.scores["LOC"].f == 0.0 and ab.scores["ORG"].f == 0.0
    assert ab.scores["QUANTITY"].f == pytest.approx(2 / 3)
    ac = results[("ann_a", "ann_c")]
    assert ac.n_docs == 2  # C has no d3: only shared documents are compared
    assert (ac.scores["GPE"].tp, ac.scores["GPE"].fp, ac.scores["GPE"].fn) == (1, 1, 1)  # 柳州 vs 柳州市
    table = format_table(list(results.values()))
    assert "ann_a ~ ann_b" in table.splitlines()[1] and "0.800" in table.splitlines()[1]


def test_agreement_is_symmetric(annotations):
    (fwd,) = pairwise({"a": annotations["ann_a"], "b": annotations["ann_b"]})
    (rev,) = pairwise({"b": annotations["ann_b"], "a": annotations["ann_a"]})
    assert fwd.scores["micro"].f == rev.scores["micro"].f


def test_disagreements_list_who_marked_what_with_context(annotations):
    dis = disagreements(annotations)
    keys = {(d["doc_id"], d["start"], d["end"], d["label"]) for d in dis}
    assert keys == {
        ("d1", 25, 27, "GPE"),
        ("d1", 25, 28, "GPE"),
        ("d2", 0, 4, "LOC"),
        ("d2", 0, 4, "ORG"),
        ("d3", 9, 13, "QUANTITY"),
    }
    liuzhou = next(d for d in dis if d["end"] == 28)
    assert liuzhou["marked_by"] == ["ann_a", "ann_b"] and liuzhou["not_marked_by"] == ["ann_c"]
    assert liuzhou["text"] == "柳州市" and "[柳州市]完成投资" in liuzhou["context"]


def test_majority_merge_is_valid_gold(annotations, tmp_path):
    merged = {d.id: d for d in merge(annotations)}
    assert merged["d1"].spans == [(0, 7, "GPE"), (19, 24, "PERCENT"), (25, 28, "GPE"), (32, 37, "MONEY")]
    assert merged["d2"].spans == [(0, 4, "LOC"), (11, 17, "QUANTITY")]
    # two annotators: only what both marked survives; the rest is in the disagreement list
    assert merged["d3"].spans == [(0, 3, "GPE")]
    assert merged["d3"].meta["adjudication"]["annotators"] == ["ann_a", "ann_b"]
    write_jsonl(merged.values(), tmp_path / "merged.jsonl")
    docs, errors = validate_file(tmp_path / "merged.jsonl")
    assert errors == [] and len(docs) == 3


def test_documents_whose_text_differs_are_not_compared():
    a = [GoldDoc("x", "柳州市工业", [(0, 3, "GPE")])]
    b = [GoldDoc("x", "柳州工业", [(0, 2, "GPE")])]
    ann = {"a": a, "b": b}
    assert text_conflicts(ann) == ["x: text differs between a, b"]
    (pair,) = pairwise(ann)
    assert pair.n_docs == 0 and merge(ann) == [] and disagreements(ann) == []


def test_invalid_file_gives_one_line_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "d1", "text": "南宁市", "label": [[0, 9, "GPE"]]}\n', encoding="utf-8")
    with pytest.raises(AgreementError, match=r"bad.jsonl:1: d1: span \[0, 9, GPE\] is out of range"):
        load_annotations([FILES[0], bad])
    result = CliRunner().invoke(app, ["agreement", str(FILES[0]), str(bad)])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "out of range" in result.stderr


def test_cli_writes_disagreements_and_merged(tmp_path):
    out, merged = tmp_path / "dis.jsonl", tmp_path / "merged.jsonl"
    result = CliRunner().invoke(
        app, ["agreement", *map(str, FILES), "--output", str(out), "--merged", str(merged)]
    )
    assert result.exit_code == 0, result.output
    assert "ann_a ~ ann_c" in result.stdout and "5 disagreement(s)" in result.stdout
    assert len(out.read_text(encoding="utf-8").splitlines()) == 5
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["doc_id"] == "d1"
    assert [d.id for d in validate_file(merged)[0]] == ["d1", "d2", "d3"]

"""Gold validation, DocBin build (misaligned entities kept), round trip, splits, chunking and stats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.corpus.build import Source, build_corpus, chunk_document
from pipeline.corpus.docbin import (
    BuildReport,
    doc_to_gold,
    gold_to_doc,
    read_docbin,
    split_documents,
    write_docbin,
)
from pipeline.corpus.gold import GoldDoc, GoldFormatError, read_jsonl, write_jsonl
from pipeline.corpus.stats import corpus_stats
from pipeline.corpus.validate import validate_file

BAD = Path(__file__).parent / "data" / "bad_gold"
SEED = Path(__file__).parent.parent / "annotations" / "gx-industry-2021.jsonl"

EXPECTED = {
    "invalid_json.jsonl": (2, "invalid JSON"),
    "empty_text.jsonl": (2, "missing or empty 'text'"),
    "missing_text.jsonl": (2, "missing or empty 'text'"),
    "duplicate_id.jsonl": (2, "duplicate id 'a' (first on line 1)"),
    "unknown_label.jsonl": (1, "unknown label 'PROVINCE'"),
    "out_of_range.jsonl": (1, "out of range"),
    "start_ge_end.jsonl": (1, "start >= end"),
    "whitespace_edge.jsonl": (1, "starts with whitespace or punctuation"),
    "punctuation_edge.jsonl": (1, "ends with whitespace or punctuation"),
    "overlap.jsonl": (1, "overlap"),
    "not_utf8.jsonl": (1, "not UTF-8"),
    "empty.jsonl": (1, "file is empty"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_file_gives_one_line_error(name: str) -> None:
    line, fragment = EXPECTED[name]
    _, errors = validate_file(BAD / name)
    assert len(errors) == 1, errors
    err = str(errors[0])
    assert err.startswith(f"{BAD / name}:{line}: ") and fragment in err and "\n" not in err


def test_bad_suite_covers_every_fixture() -> None:
    assert {p.name for p in BAD.iterdir()} == set(EXPECTED)


def test_cli_validate_prints_every_error_and_fails(tmp_path: Path) -> None:
    files = [str(BAD / n) for n in sorted(EXPECTED)]
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "corpus", "validate", *files], capture_output=True, text=True
    )
    assert proc.returncode == 1
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith(str(BAD))]
    assert len(lines) == len(EXPECTED)


def test_cli_validate_passes_on_project_gold() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "corpus", "validate", str(SEED)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 document(s)" in proc.stdout


def test_several_errors_in_one_document_all_reported(tmp_path: Path) -> None:
    f = tmp_path / "multi.jsonl"
    f.write_text(
        json.dumps({"id": "x", "text": "柳州市", "label": [[0, 9, "GPE"], [0, 1, "FOO"]]}) + "\n",
        encoding="utf-8",
    )
    _, errors = validate_file(f)
    assert len(errors) == 2
    with pytest.raises(GoldFormatError, match="and 1 more"):
        read_jsonl(f)


def test_gold_to_doc_keeps_entities_inside_tokens(nlp_pkuseg) -> None:
    text = "安徽简称皖，皖江城市带发展很快。"
    gold = GoldDoc("t", text, [(0, 2, "GPE"), (4, 5, "GPE"), (6, 7, "GPE")])
    assert nlp_pkuseg.make_doc(text).char_span(6, 7) is None  # pkuseg keeps 皖江 together
    report = BuildReport()
    doc = gold_to_doc(nlp_pkuseg, gold, report)
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == gold.spans
    assert any(m.text == "皖" for m in report.misaligned) and report.tokens_split >= 1
    assert doc.text == text


def test_partial_documents_mark_numbers_missing(nlp_pkuseg) -> None:
    text = "北京市去年投资120亿元建设新区。"
    gold = GoldDoc("p", text, [(0, 3, "GPE")], {"labels_provided": ["ORG", "GPE", "LOC"]})
    doc = gold_to_doc(nlp_pkuseg, gold)
    iob = {t.text: t.ent_iob_ for t in doc}
    assert iob["北京市"] == "B"
    assert iob["新区"] == "O"
    assert any(t.ent_iob_ == "" and "120" in t.text for t in doc)  # missing, not O
    positive_only = gold_to_doc(nlp_pkuseg, GoldDoc("q", text, [(0, 3, "GPE")], {"labels_provided": []}))
    assert {t.ent_iob_ for t in positive_only if t.i > 0} == {""}


def test_round_trip_seed_gold(nlp_pkuseg, tmp_path: Path) -> None:
    docs = read_jsonl(SEED)
    write_docbin(nlp_pkuseg, docs, tmp_path / "seed.spacy")
    back = [
        doc_to_gold(d, meta=g.meta)
        for d, g in zip(read_docbin(nlp_pkuseg, tmp_path / "seed.spacy"), docs, strict=True)
    ]
    write_jsonl(back, tmp_path / "back.jsonl")
    again = read_jsonl(tmp_path / "back.jsonl")
    assert [(d.id, d.text, sorted(d.spans)) for d in again] == [(d.id, d.text, sorted(d.spans)) for d in docs]


def test_split_is_by_document_and_seeded() -> None:
    docs = [GoldDoc(f"d{i}", "柳州", [(0, 2, "GPE")]) for i in range(20)]
    a, b = split_documents(docs, 0.2, 0.1, seed=3), split_documents(docs, 0.2, 0.1, seed=3)
    assert [d.id for d in a["dev"]] == [d.id for d in b["dev"]]
    assert (len(a["train"]), len(a["dev"]), len(a["test"])) == (14, 4, 2)
    ids = [d.id for part in a.values() for d in part]
    assert sorted(ids) == sorted(d.id for d in docs)
    assert [d.id for d in split_documents(docs, 0.2, seed=4)["dev"]] != [d.id for d in a["dev"]]


def test_chunking_never_cuts_a_span() -> None:
    text = "第一段柳州市。\n第二段南宁市。\n第三段桂林市增长5%。\n" * 5
    spans = []
    for i in range(len(text)):
        for name in ("柳州市", "南宁市", "桂林市"):
            if text.startswith(name, i):
                spans.append((i, i + 3, "GPE"))
    doc = GoldDoc("c", text, spans)
    pieces = chunk_document(doc, 20)
    assert len(pieces) > 3
    assert "".join(p.text for p in pieces) == text
    rebuilt = sorted(
        (s + p.meta["offset"], e + p.meta["offset"], lab) for p in pieces for s, e, lab in p.spans
    )
    assert rebuilt == sorted(spans)


def test_build_corpus_with_fixed_split(nlp_pkuseg, tmp_path: Path) -> None:
    docs = [GoldDoc(f"d{i}", f"柳州市第{i}号文件。", [(0, 3, "GPE")]) for i in range(10)]
    write_jsonl(docs, tmp_path / "g.jsonl")
    splits = tmp_path / "splits.json"
    splits.write_text(
        json.dumps({"dev": ["d1", "d2"], "train": [f"d{i}" for i in range(3, 10)]}), encoding="utf-8"
    )
    res = build_corpus(nlp_pkuseg, [Source(tmp_path / "g.jsonl")], tmp_path / "out", splits_file=splits)
    dev_ids = (tmp_path / "out" / "dev.ids.txt").read_text(encoding="utf-8").split()
    assert set(dev_ids) >= {"d1", "d2"} and "d3" not in dev_ids
    assert res.counts["train"] + res.counts["dev"] == 10


def test_stats_counts(nlp_pkuseg) -> None:
    docs = read_jsonl(SEED)
    st = corpus_stats(docs, nlp_pkuseg).as_dict()
    assert st["documents"] == 1 and st["characters"] == len(docs[0].text)
    assert st["entities_total"] == len(docs[0].spans)
    assert sum(st["misaligned"].values()) <= st["entities_total"]


@pytest.mark.slow
def test_build_shared_gold_keeps_every_entity(nlp_pkuseg, shared_dir: Path, tmp_path: Path) -> None:
    gold = shared_dir / "gold" / "reports.jsonl"
    docs = read_jsonl(gold)
    report = BuildReport()
    write_docbin(nlp_pkuseg, docs, tmp_path / "all.spacy", report)
    back = read_docbin(nlp_pkuseg, tmp_path / "all.spacy")
    assert sum(len(d.ents) for d in back) == sum(len(d.spans) for d in docs) == report.entities
    assert all(doc_to_gold(b).spans == sorted(g.spans) for b, g in zip(back, docs, strict=True))
    assert len(report.misaligned) > 0  # listed, not dropped


def test_split_tokens_keeps_span_groups_on_their_characters(nlp_pkuseg) -> None:
    from pipeline.corpus.alignment import split_tokens_at

    doc = nlp_pkuseg.make_doc("工业强桂战略实施以来投资增长11.4%。")
    start = doc.text.index("投资")
    doc.spans["g"] = [doc.char_span(start, start + 2, label="X")]
    assert split_tokens_at(doc, [3, 4]) >= 1
    (span,) = doc.spans["g"]
    assert (span.text, span.label_) == ("投资", "X")

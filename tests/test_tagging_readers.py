"""Readers and document splitting of ``pipeline tag`` (no model needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.tagging.readers import (
    InputDoc,
    InputError,
    Skipped,
    count_documents,
    find_input_files,
    iter_documents,
)
from pipeline.tagging.splitting import split_text

DATA = Path(__file__).parent / "data" / "tagging"
REPORTS = DATA / "reports"


def _read(inputs, **kwargs):
    return list(iter_documents(find_input_files(inputs, kwargs.pop("glob", None)), **kwargs))


def test_directory_is_searched_recursively_and_broken_files_are_named():
    items = _read([REPORTS], max_chars=2000)
    docs = {d.id: d for d in items if isinstance(d, InputDoc)}
    skipped = {Path(s.key).name: s.reason for s in items if isinstance(s, Skipped)}
    assert set(docs) == {"a.txt", "sub/b.txt"}
    assert docs["a.txt"].text.startswith("国务院今天发布消息")
    assert skipped.keys() == {"binary.txt", "blank.txt", "empty.txt", "gbk.txt", "huge.txt"}
    assert skipped["binary.txt"].startswith("binary file")
    assert skipped["empty.txt"] == "empty file"
    assert skipped["blank.txt"].startswith("empty file")
    assert skipped["gbk.txt"].startswith("not UTF-8 (byte 0xb1 at offset 0")
    assert skipped["huge.txt"].startswith("too large")
    # notes.md has no supported suffix: not an input inside a directory
    assert all("notes.md" not in i.key for i in items)


def test_too_large_counts_characters_after_decoding(tmp_path):
    text = "增长百分之五。" * 100  # 700 characters, 2,100 bytes
    (tmp_path / "r.txt").write_text(text, encoding="utf-8")
    [item] = _read([tmp_path], max_chars=699)
    assert isinstance(item, Skipped) and item.reason.startswith("too large (700 characters")
    [item] = _read([tmp_path], max_chars=700)
    assert isinstance(item, InputDoc) and item.text == text


def test_glob_option_and_patterns(tmp_path):
    assert [f.name for f in find_input_files([REPORTS], glob="b*.txt")] == [
        "binary.txt",
        "blank.txt",
        "sub/b.txt",
    ]
    assert [f.name for f in find_input_files([str(REPORTS / "*.md")])] == ["notes.md"]
    with pytest.raises(InputError, match="no such file"):
        find_input_files([tmp_path / "missing.txt"])
    with pytest.raises(InputError, match="matches no file"):
        find_input_files([str(tmp_path / "*.jsonl")])


def test_unsupported_file_named_explicitly_is_skipped():
    [item] = _read([REPORTS / "notes.md"])
    assert isinstance(item, Skipped) and "unsupported file type .md" in item.reason


def test_jsonl_ids_meta_and_bad_lines():
    items = _read([DATA / "docs.jsonl"])
    by_key = {i.key.rsplit(":", 1)[1]: i for i in items}
    assert by_key["1"].id == "r1"
    assert by_key["1"].meta == {"year": 2024, "title": "专项债"}
    assert by_key["3"].reason.startswith("invalid JSON")
    assert by_key["4"].reason == "no 'text' field (fields: id, body)"
    assert by_key["6"].id == "docs.jsonl:6"  # no id: FILE:LINE
    assert by_key["7"].reason == "empty 'text'"
    assert "5" not in by_key  # a blank line is not a document
    assert count_documents(find_input_files([DATA / "docs.jsonl"])) == len(items)


def test_jsonl_bad_utf8_line_is_skipped_alone(tmp_path):
    path = tmp_path / "mixed.jsonl"
    good = json.dumps({"id": "ok", "text": "北京市"}, ensure_ascii=False).encode()
    path.write_bytes(good + b"\n" + '{"id": "bad", "text": "上海"}'.encode("gb18030") + b"\n" + good + b"\n")
    items = _read([path])
    assert [type(i).__name__ for i in items] == ["InputDoc", "Skipped", "InputDoc"]
    assert items[1].key.endswith("mixed.jsonl:2") and items[1].reason.startswith("not UTF-8")


def test_custom_text_and_id_fields_csv_and_parquet(tmp_path):
    frame = pd.DataFrame(
        {"doc": ["p1", "p2"], "body": ["国务院召开会议。", "上海市增长5%。"], "year": [2023, 2024]}
    )
    frame.to_parquet(tmp_path / "in.parquet")
    frame.to_csv(tmp_path / "in.csv", index=False, encoding="utf-8-sig")
    for name in ("in.parquet", "in.csv"):
        items = _read([tmp_path / name], text_field="body", id_field="doc")
        assert [(d.id, d.text) for d in items] == [("p1", "国务院召开会议。"), ("p2", "上海市增长5%。")]
        assert str(items[1].meta["year"]) == "2024"
        [missing] = _read([tmp_path / name])
        assert (
            isinstance(missing, Skipped) and "no column 'text' (columns: doc, body, year)" in missing.reason
        )


def test_csv_rows_and_empty_text():
    items = _read([DATA / "docs.csv"])
    assert [i.id for i in items if isinstance(i, InputDoc)] == ["c1", "c2"]
    assert items[0].meta == {"source": "新闻"}
    assert isinstance(items[2], Skipped) and items[2].key.endswith("docs.csv:3")


def test_non_utf8_csv_row_is_skipped_alone(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("id,text\n1,北京市\n".encode("gb18030") + "2,上海市\n".encode())
    bad, good = _read([path])
    assert isinstance(bad, Skipped) and bad.key == f"{path}:1" and bad.reason.startswith("line 2: not UTF-8")
    assert isinstance(good, InputDoc) and (good.id, good.text) == ("2", "上海市")


def test_broken_parquet_is_skipped(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    [item] = _read([path])
    assert isinstance(item, Skipped) and "not a readable Parquet file" in item.reason


@pytest.mark.parametrize("limit", [30, 100, 1000])
def test_split_text_covers_text_and_respects_limit(limit):
    para = (
        "国务院今天发布消息，北京市地区生产总值达到4.98万亿元，比上年增长5.2%。上海市全年进出口总额增长1.3%！"
    )
    text = "\n\n".join([para * 3, "没有标点的一段很长很长" * 30, para]) + "\n"
    pieces = split_text(text, limit)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= limit for _, p in pieces)
    assert [off for off, _ in pieces] == [sum(len(p) for _, p in pieces[:i]) for i in range(len(pieces))]


def test_split_text_prefers_paragraphs_then_sentences():
    text = "第一段。\n第二段第一句。第二段第二句。\n"
    assert split_text(text, 100) == [(0, text)]
    assert [p for _, p in split_text(text, 10)] == ["第一段。\n", "第二段第一句。", "第二段第二句。\n"]

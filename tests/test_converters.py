"""Converters of public NER corpora: tag decoding, each format on tiny fixtures, label maps, errors, real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.corpus.converters import CONVERTERS, convert_file, decode_tags, load_label_map
from pipeline.corpus.converters.base import TagError
from pipeline.corpus.gold import read_jsonl
from pipeline.corpus.validate import validate_file

DATA = Path(__file__).parent / "data" / "converters"


def convert(tmp_path: Path, fmt: str, *inputs: Path, mapping: Path | None = None):
    out = tmp_path / f"{fmt}.jsonl"
    report = convert_file(fmt, list(inputs), out, mapping)
    docs = read_jsonl(out) if report.documents else []
    return report, docs


def surfaces(doc) -> list[tuple[str, str]]:
    return [(doc.text[s:e], lab) for s, e, lab in doc.spans]


# --- tag decoding -------------------------------------------------------------------------------------------


def test_decode_bio_and_repairs():
    spans, repaired = decode_tags(["I-ORG", "I-ORG", "O", "B-LOC", "I-LOC", "I-PER", "B-LOC", "B-LOC"])
    assert spans == [(0, 2, "ORG"), (3, 5, "LOC"), (5, 6, "PER"), (6, 7, "LOC"), (7, 8, "LOC")]
    assert repaired == 2  # I-ORG at the start, I-PER after LOC


def test_decode_bmes():
    spans, repaired = decode_tags(["B-ORG", "M-ORG", "E-ORG", "S-ORG", "S-LOC", "O", "B-NAME", "E-NAME"])
    assert spans == [(0, 3, "ORG"), (3, 4, "ORG"), (4, 5, "LOC"), (6, 8, "NAME")]
    assert repaired == 0
    # E- closes: a following M- starts a new entity (counted as a repair)
    assert decode_tags(["B-X", "E-X", "M-X", "E-X"]) == ([(0, 2, "X"), (2, 4, "X")], 1)


@pytest.mark.parametrize("tag", ["X-ORG", "B-", "ORG", "B_ORG"])
def test_decode_rejects_unknown_tags(tag):
    with pytest.raises(TagError):
        decode_tags(["O", tag])


# --- formats on tiny fixtures --------------------------------------------------------------------------------


def test_msra_tab_file(tmp_path):
    report, docs = convert(tmp_path, "msra", DATA / "msra_tab.txt")
    assert [e.line for e in report.errors] == [25]  # the bad line, named by file and line
    assert "msra_tab.txt:25:" in str(report.errors[0])
    assert [d.id for d in docs] == ["msra-msra-tab-000001", "msra-msra-tab-000002", "msra-msra-tab-000004"]
    assert surfaces(docs[0]) == [("广西", "GPE"), ("柳州市", "GPE")]
    assert surfaces(docs[1]) == [("中共中央", "ORG"), ("长江", "LOC")]  # I-ORG without B-ORG still an entity
    assert report.repaired == 1
    assert report.source_counts == {"LOC": 4, "PER": 1, "ORG": 1}
    assert report.dropped == {"PER": 1}
    meta = docs[0].meta
    assert meta["source"] == {"corpus": "msra", "file": "msra_tab.txt", "line": 1}
    assert meta["labels_provided"] == ["ORG", "GPE", "LOC"]
    assert meta["partial"] is True and meta["dropped"] == {"PER": 1}


def test_msra_parallel_files_any_way_given(tmp_path):
    by_folder, docs = convert(tmp_path, "msra", DATA / "msra_val")
    by_files, docs2 = convert(
        tmp_path, "msra", DATA / "msra_val" / "sentences.txt", DATA / "msra_val" / "tags.txt"
    )
    assert [d.to_json() for d in docs] == [d.to_json() for d in docs2]
    assert by_folder.documents == by_files.documents == 2
    assert docs[0].id == "msra-val-000001" and docs[0].meta["source"]["file"] == "msra_val/sentences.txt"
    assert surfaces(docs[0]) == [("上海", "GPE")]
    assert surfaces(docs[1]) == [("中", "GPE"), ("美", "GPE")]  # one-character abbreviations (rule 13)


def test_msra_parallel_length_mismatch(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "sentences.txt").write_text("中 国\n北 京 市\n", encoding="utf-8")
    (tmp_path / "s" / "tags.txt").write_text("B-LOC I-LOC\nB-LOC I-LOC\n", encoding="utf-8")
    report, docs = convert(tmp_path, "msra", tmp_path / "s")
    assert len(docs) == 1 and len(report.errors) == 1
    assert report.errors[0].line == 2 and "3 characters" in report.errors[0].reason


def test_peoples_daily(tmp_path):
    report, docs = convert(tmp_path, "peoples_daily", DATA / "peoples_daily.txt")
    assert surfaces(docs[0]) == [("新华社", "ORG"), ("北京", "GPE")]
    assert surfaces(docs[1]) == [("贺州市高新区", "LOC")]  # a named zone, not a division
    assert report.source_characters == report.characters == 12


def test_weibo_strips_position_digits_and_keeps_names_only(tmp_path):
    report, docs = convert(tmp_path, "weibo", DATA / "weibo.txt")
    (doc,) = docs
    assert doc.text == "我在广州的公司www3腾讯黄山"  # w12 → w, 30 → 3
    assert surfaces(doc) == [("广州", "GPE"), ("腾讯", "ORG"), ("黄山", "LOC")]  # LOC.NAM stays LOC
    assert report.dropped == {"ORG.NOM": 1}


def test_resume_bmes_generic_org_and_nationality(tmp_path):
    report, docs = convert(tmp_path, "resume", DATA / "resume.bmes")
    assert surfaces(docs[0]) == [("中国", "GPE")]  # 中国国籍 → 中国
    assert surfaces(docs[1]) == [("柳工", "ORG"), ("中国矿业大学", "ORG")]  # （北京） aside cut off
    assert report.dropped_reasons[("ORG", "generic mention")] == 2  # 公司 and S-ORG 厂
    assert report.stripped == 1 and report.trimmed == 1
    assert docs[0].meta["labels_provided"] == ["ORG"]


def test_cluener_inclusive_ends_addresses_overlaps(tmp_path):
    report, docs = convert(tmp_path, "cluener", DATA / "cluener.jsonl")
    assert [e.line for e in report.errors] == [3]  # offsets not matching the mention
    assert surfaces(docs[0]) == [("浙商银行", "ORG"), ("北京市", "GPE"), ("东城区", "GPE")]
    assert surfaces(docs[1]) == [("故宫", "LOC"), ("上海", "GPE"), ("国务院", "ORG")]
    assert surfaces(docs[2]) == [("招商银行：投资永隆银行", "ORG")]  # the longer of two overlapping spans
    assert report.dropped_reasons[("company", "overlaps a longer span")] == 1
    assert report.prefixes == 1
    assert report.source_counts["address"] == 2  # the failed line is not counted


def test_uner_words_to_characters(tmp_path):
    report, docs = convert(tmp_path, "uner", DATA / "uner.iob2")
    assert docs[0].text == "他在美国纽约的Game Informer公司工作。"  # the space from '# text' is kept
    assert surfaces(docs[0]) == [("美国", "GPE"), ("纽约", "GPE"), ("Game Informer公司", "ORG")]
    assert report.chains == 1
    assert docs[1].text == "长江流经武汉"  # no '# text': words joined
    assert surfaces(docs[1]) == [("长江", "LOC"), ("武汉", "GPE")]
    assert report.source_characters == len(docs[0].text) - 1 + len(docs[1].text)


def test_cfsc_array_with_crlf_and_a_broken_element(tmp_path):
    report, docs = convert(tmp_path, "cfsc", DATA / "cfsc.json")
    assert [d.id for d in docs] == ["cfsc-cfsc-000001", "cfsc-cfsc-000003"]  # reading resumed after the error
    assert [e.line for e in report.errors] == [21]
    assert surfaces(docs[0]) == [("贵州茅台", "ORG")]
    assert docs[0].meta["labels_provided"] == []


# --- label maps -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mention", "expected"),
    [
        ("北京", [("北京", "GPE")]),
        ("柳州市", [("柳州市", "GPE")]),
        ("某某镇", [("某某镇", "GPE")]),  # unknown, but an administrative suffix
        ("全市", [("全市", "LOC")]),  # generic, not a GPE
        ("长江", [("长江", "LOC")]),
        ("京津冀", [("京津冀", "LOC")]),  # a macro-region, not split
        ("贺州市高新技术产业开发区", [("贺州市高新技术产业开发区", "LOC")]),
        ("广西柳州", [("广西", "GPE"), ("柳州", "GPE")]),
        ("北京市丰台区", [("北京市", "GPE"), ("丰台区", "GPE")]),
        ("阿拉斯加州", [("阿拉斯加州", "GPE")]),  # not 阿 + 拉斯加州
    ],
)
def test_gpe_loc_split(mention, expected):
    label_map = load_label_map("msra")
    mapped = label_map.map_span(mention, 0, len(mention), "LOC")
    assert [(mention[s:e], lab) for s, e, lab in mapped.spans] == expected


def test_every_format_has_a_valid_map():
    for fmt in CONVERTERS:
        label_map = load_label_map(fmt)
        assert label_map.format == fmt
        assert not {"MONEY", "QUANTITY", "PERCENT"} & set(label_map.labels_provided)
        assert label_map.places.gpe_suffixes  # the suffix list lives in the config


def test_mapping_override(tmp_path):
    custom = json.loads((load_label_map("msra").path).read_text(encoding="utf-8"))
    custom["labels"]["PER"] = "ORG"
    custom["places"] = {}
    path = tmp_path / "map.json"
    path.write_text(json.dumps(custom), encoding="utf-8")
    _, docs = convert(tmp_path, "msra", DATA / "msra_val", mapping=path)
    assert surfaces(docs[0]) == [("小明", "ORG"), ("上海", "GPE")]


def test_bad_mapping_is_one_clear_error(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"labels": {"PER": "PERSON"}}', encoding="utf-8")
    result = CliRunner().invoke(
        app, ["corpus", "convert", "-f", "msra", "--mapping", str(path), str(DATA / "msra_val"), "x.jsonl"]
    )
    assert result.exit_code == 2 and "'PER' → 'PERSON'" in result.output


# --- command line -------------------------------------------------------------------------------------------------


def test_cli_summary_and_exit_code(tmp_path):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app, ["corpus", "convert", "-f", "msra", str(DATA / "msra_tab.txt"), str(out)]
    )
    assert result.exit_code == 1  # one bad line
    assert "msra_tab.txt:25: expected" in result.output
    assert "3 documents" in result.output
    assert "labels not provided: MONEY QUANTITY PERCENT" in result.output
    assert "dropped: PER 1 (mapped to null 1)" in result.output
    assert validate_file(out)[1] == []
    ok = CliRunner().invoke(app, ["corpus", "convert", "-f", "msra", str(DATA / "msra_val"), str(out)])
    assert ok.exit_code == 0, ok.output


def test_cli_missing_input_is_reported(tmp_path):
    result = CliRunner().invoke(
        app, ["corpus", "convert", "-f", "weibo", str(tmp_path / "nope.txt"), str(tmp_path / "o.jsonl")]
    )
    assert result.exit_code == 1 and "nope.txt:0: file not found" in result.output


# --- the real corpora (counts copied from each folder's SOURCE.md) --------------------------------------------

REAL = [
    ("msra", "msra_ner/msra_test_bio.txt", 3442, 172601, {"LOC": 2886, "PER": 1973, "ORG": 1331}),
    ("msra", "msra_ner/val", 3000, 142980, {"LOC": 2414, "PER": 1203, "ORG": 1394}),
    ("peoples_daily", "peoples_daily_ner/example.dev", 2318, 109870, {"LOC": 1951, "ORG": 984, "PER": 884}),
    (
        "peoples_daily",
        "peoples_daily_ner/example.test",
        4636,
        219197,
        {"LOC": 3658, "ORG": 2185, "PER": 1864},
    ),
    (
        "weibo",
        "weibo_ner/weiboNER_2nd_conll.train",
        1350,
        73778,
        {"PER.NOM": 772, "PER.NAM": 578, "GPE.NAM": 205, "ORG.NAM": 183, "LOC.NAM": 56, "LOC.NOM": 51}
        | {"ORG.NOM": 42, "GPE.NOM": 8},
    ),
    (
        "weibo",
        "weibo_ner/weiboNER_2nd_conll.dev",
        270,
        14509,
        {"PER.NOM": 208, "PER.NAM": 90, "GPE.NAM": 26, "ORG.NAM": 47, "LOC.NAM": 6, "LOC.NOM": 6}
        | {"ORG.NOM": 5, "GPE.NOM": 1},
    ),
    (
        "weibo",
        "weibo_ner/weiboNER_2nd_conll.test",
        270,
        14842,
        {"PER.NOM": 172, "PER.NAM": 113, "GPE.NAM": 47, "ORG.NAM": 39, "LOC.NAM": 19, "LOC.NOM": 9}
        | {"ORG.NOM": 17, "GPE.NOM": 2},
    ),
    (
        "resume",
        "resume_ner/train.char.bmes",
        3821,
        124099,
        {
            "TITLE": 6308,
            "ORG": 4613,
            "NAME": 952,
            "EDU": 858,
            "PRO": 287,
            "CONT": 260,
            "RACE": 115,
            "LOC": 47,
        },
    ),
    (
        "resume",
        "resume_ner/dev.char.bmes",
        463,
        13890,
        {"TITLE": 690, "ORG": 523, "NAME": 110, "EDU": 106, "PRO": 18, "CONT": 33, "RACE": 15, "LOC": 2},
    ),
    (
        "resume",
        "resume_ner/test.char.bmes",
        477,
        15100,
        {"TITLE": 772, "ORG": 553, "NAME": 112, "EDU": 112, "PRO": 33, "CONT": 28, "RACE": 14, "LOC": 6},
    ),
    (
        "cluener",
        "cluener2020/train.json",
        10748,
        401764,
        {"name": 3755, "organization": 3210, "position": 3141, "company": 2980, "address": 2891}
        | {"game": 2376, "government": 1835, "scene": 1521, "book": 1139, "movie": 1123},
    ),
    (
        "cluener",
        "cluener2020/dev.json",
        1343,
        50260,
        {"name": 465, "organization": 367, "position": 433, "company": 378, "address": 373}
        | {"game": 295, "government": 247, "scene": 209, "book": 154, "movie": 151},
    ),
    (
        "cfsc",
        "cfsc_ner/val.json",
        1067,
        97479,
        {"Stock": 989, "Economy": 743, "Market": 670, "Corporate": 419},
    ),
    (
        "cfsc",
        "cfsc_ner/test.json",
        1067,
        91916,
        {"Stock": 1143, "Economy": 745, "Market": 677, "Corporate": 361},
    ),
    (
        "uner",
        "uner_zh_gsdsimp/zh_gsdsimp-ud-train.iob2",
        3997,
        156297,
        {"LOC": 2858, "PER": 2148, "ORG": 1112},
    ),
    ("uner", "uner_zh_gsdsimp/zh_gsdsimp-ud-dev.iob2", 500, 20000, {"LOC": 375, "PER": 245, "ORG": 133}),
    ("uner", "uner_zh_gsdsimp/zh_gsdsimp-ud-test.iob2", 500, 19206, {"LOC": 429, "PER": 205, "ORG": 129}),
]


@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "rel", "sentences", "chars", "counts"), REAL, ids=[r[1] for r in REAL])
def test_real_corpus_counts_match_source_md(shared_dir, tmp_path, fmt, rel, sentences, chars, counts):
    path = shared_dir / "external" / rel
    if not path.exists():
        pytest.skip(f"{path} absent")
    out = tmp_path / "out.jsonl"
    report = convert_file(fmt, [path], out)
    assert report.errors == []
    assert report.documents == report.source_sentences == sentences
    assert report.source_characters == chars
    assert dict(report.source_counts) == counts
    # every source entity is either written (possibly as several GPEs) or counted as dropped
    assert (
        sum(report.dropped.values())
        <= sum(counts.values())
        <= sum(report.spans.values()) + sum(report.dropped.values())
    )
    docs, errors = validate_file(out)
    assert errors == [] and len(docs) == sentences
    assert not {"MONEY", "QUANTITY", "PERCENT"} & set(report.labels_provided)
    assert all(d.meta["partial"] and d.id.startswith(CONVERTERS[fmt].corpus + "-") for d in docs)


@pytest.mark.slow
def test_real_round_trip_through_docbin(shared_dir, tmp_path, nlp_pkuseg):
    from pipeline.corpus.docbin import doc_to_gold, read_docbin, write_docbin

    path = shared_dir / "external" / "msra_ner" / "val"
    if not path.exists():
        pytest.skip(f"{path} absent")
    out = tmp_path / "msra-val.jsonl"
    convert_file("msra", [path], out)
    golds = read_jsonl(out)[:500]
    write_docbin(nlp_pkuseg, golds, tmp_path / "msra.spacy")
    back = [doc_to_gold(d) for d in read_docbin(nlp_pkuseg, tmp_path / "msra.spacy")]
    assert [(g.id, g.text, sorted(g.spans)) for g in back] == [(g.id, g.text, sorted(g.spans)) for g in golds]
    assert sum(len(g.spans) for g in golds) > 500

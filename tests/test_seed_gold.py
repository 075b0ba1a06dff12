"""The seed gold (annotations/gx-industry-2021.jsonl): valid, reproducible from its script, and right on key spans."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.corpus.gold import read_jsonl
from pipeline.corpus.validate import validate_file
from pipeline.settings import PROJECT_ROOT

GOLD = PROJECT_ROOT / "annotations" / "gx-industry-2021.jsonl"
TEXT = PROJECT_ROOT / "corpus" / "gx-industry-2021.txt"
SCRIPT = PROJECT_ROOT / "scripts" / "annotate_seed.py"


@pytest.fixture(scope="module")
def seed():
    docs = read_jsonl(GOLD)
    assert len(docs) == 1
    return docs[0]


@pytest.fixture(scope="module")
def annotate_seed():
    """The script imported as a module (it is not part of the package)."""
    spec = importlib.util.spec_from_file_location("annotate_seed", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def surfaces(doc, label: str) -> list[str]:
    return [doc.text[s:e] for s, e, lab in doc.spans if lab == label]


def test_seed_gold_validates():
    docs, errors = validate_file(GOLD)
    assert [str(e) for e in errors] == []
    assert [d.id for d in docs] == ["gx-industry-2021"]


def test_cli_validate_passes():
    pipeline_exe = Path(sys.executable).with_name("pipeline")
    result = subprocess.run(
        [str(pipeline_exe), "corpus", "validate", str(GOLD)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_text_is_the_corpus_file_unchanged(seed):
    assert seed.text == TEXT.read_text(encoding="utf-8")
    assert seed.meta["source"] == "corpus/gx-industry-2021.txt"
    assert seed.meta["guidelines"] == "v1.5"
    assert seed.meta["region"] == "广西壮族自治区" and seed.meta["year"] == 2021


def test_gold_equals_script_output(tmp_path):
    out = tmp_path / "seed.jsonl"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8") == GOLD.read_text(encoding="utf-8")


def test_spans_are_sorted_and_all_labels_used(seed):
    assert seed.spans == sorted(seed.spans)
    assert {lab for _, _, lab in seed.spans} == {"ORG", "GPE", "LOC", "MONEY", "QUANTITY", "PERCENT"}


@pytest.mark.parametrize(
    ("surface", "label"),
    [
        ("柳州市委", "ORG"),
        ("全国人大", "ORG"),
        ("人民大会堂", "LOC"),
        ("北京", "GPE"),
        ("广西代表团", "ORG"),
        ("东风柳汽", "ORG"),
        ("20 万辆", "QUANTITY"),
        ("超 20 亿元", "MONEY"),
        ("187.3 万辆", "QUANTITY"),
        ("198.2%", "PERCENT"),
        ("柳州市柳江区工业和信息化局", "ORG"),
        ("贺州市高新技术产业开发区", "LOC"),
        ("粤桂智能家电产业集聚区", "LOC"),
        ("柳州津晶公司", "ORG"),
        ("4000多台", "QUANTITY"),
        ("一万台", "QUANTITY"),
        ("约370辆", "QUANTITY"),
        ("90%以上", "PERCENT"),
        ("近10%", "PERCENT"),
        ("约84亿元", "MONEY"),
        ("两张", "QUANTITY"),
        ("桂", "GPE"),
        ("自治区人大常委会", "ORG"),
        ("世界银行", "ORG"),
    ],
)
def test_known_span(seed, surface, label):
    assert surface in surfaces(seed, label)


def test_short_names_and_places_counted_per_mention(seed):
    assert surfaces(seed, "ORG").count("玉柴") == 3  # 玉柴发动机, 玉柴的销售, 玉柴仍创造
    assert surfaces(seed, "GPE").count("桂") == 4  # every 工业强桂, not the 桂 inside 粤桂…集聚区
    assert surfaces(seed, "GPE").count("广西") == 6
    assert surfaces(seed, "ORG").count("柳州市委") == 2


def test_no_nesting_inside_longer_names(seed):
    """柳州 inside 柳州市委 / 柳州市 and 广西 inside 广西玉柴集团 are not separate spans."""
    starts = {s: (e, lab) for s, e, lab in seed.spans}
    for name in ("柳州市委", "广西玉柴集团", "广西祥云亿航智能科技有限公司"):
        pos = seed.text.find(name)
        assert starts[pos] == (pos + len(name), "ORG")


@pytest.mark.parametrize(
    "non_span",
    [
        "五菱宏光",
        "MINIEV",
        "螺蛳粉",
        "200 天",
        "10 秒钟",
        "两会",
        "第18次",
        "千亿产业",
        "四大",
        "一张",
        "ED3.1",
    ],
)
def test_no_span_covers(seed, non_span):
    pos = seed.text.find(non_span)
    assert pos != -1
    while pos != -1:
        end = pos + len(non_span)
        assert not [sp for sp in seed.spans if sp[0] < end and pos < sp[1]], non_span
        pos = seed.text.find(non_span, pos + 1)


def test_locate_fails_loudly(annotate_seed):
    text = TEXT.read_text(encoding="utf-8")
    with pytest.raises(annotate_seed.AnnotationError, match="ambiguous"):
        annotate_seed.locate(text, annotate_seed.M("玉柴", "ORG"))
    with pytest.raises(annotate_seed.AnnotationError, match="not found"):
        annotate_seed.locate(text, annotate_seed.M("南宁市", "GPE"))
    with pytest.raises(annotate_seed.AnnotationError, match="expected 3 matches"):
        annotate_seed.locate(text, annotate_seed.M("柳州市委", "ORG", occ=(1, 3)))
    # context disambiguates: the bare 柳州 is not the one inside 柳州市委
    start, end = annotate_seed.locate(text, annotate_seed.M("柳州", "GPE", left="介绍"))
    assert text[start - 2 : end + 1] == "介绍柳州要"

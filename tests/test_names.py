"""Name grammar, the merger's names policy and document-level propagation, on real pkuseg tokens."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from pipeline.components.base import settings_from_dict
from pipeline.components.names import NameFinder, NameSettings
from pipeline.components.propagation import PropagationSettings, Propagator
from pipeline.corpus.alignment import split_tokens_at, token_offsets
from pipeline.resources import read_settings


@pytest.fixture(scope="module")
def rules():
    from pipeline.nlp import load_nlp

    return load_nlp("rules")


def ents(doc: Doc) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in doc.ents]


def names(doc: Doc) -> list[tuple[str, str]]:
    return [(s.text, s.label_) for s in doc.spans["names"]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a level prefix starts a government body, also inside a token (来自省)
        ("邮政数据来自省邮政管理局；", [("省邮政管理局", "ORG")]),
        ("据市财政局统计，", [("市财政局", "ORG")]),
        # a place candidate starts the name (no stray GPE inside it)
        ("湖北省生态环境厅暂未安排", [("湖北省生态环境厅", "ORG")]),
        ("阳新娲石水泥有限公司生产水泥", [("阳新娲石水泥有限公司", "ORG")]),
        ("岳阳城陵矶港外贸集装箱吞吐量增长", [("岳阳城陵矶港", "LOC")]),
        # 和 inside a department's name
        ("自治区工业和信息化厅发布", [("自治区工业和信息化厅", "ORG")]),
        # coordinated bodies are split
        ("在市委市政府的坚强领导下", [("市委", "ORG"), ("市政府", "ORG")]),
        # macro-regions
        ("西北地区和长三角", [("西北地区", "LOC"), ("长三角", "LOC")]),
        # a chain of named zones is split
        ("重庆两江新区鱼复工业园区", [("重庆两江新区", "LOC"), ("鱼复工业园区", "LOC")]),
    ],
)
def test_grammar_finds_names(rules, text, expected):
    assert names(rules(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "经济社会大局和谐稳定，发展格局逐步形成。",  # 局 ending common words
        "市长作政府工作报告，新设政府投资基金。",  # 政府 in terms
        "龙头企业和该公司、各级政府、上市公司",  # generic stems
        "部署实施，举办活动，国家级旅游度假区",  # 部/办 in verbs; a generic zone
        "广东能源供应能力和靖西景区游客",  # weak heads after a bare place
    ],
)
def test_grammar_leaves_generic_words(rules, text):
    assert names(rules(text)) == []


def test_candidates_replace_contained_entities_and_leave_no_stray_gpe(rules):
    doc = rules("湖北省生态环境厅和岳阳城陵矶港")
    assert ents(doc) == [("湖北省生态环境厅", "ORG"), ("岳阳城陵矶港", "LOC")]
    assert [(s.text, s.label_) for s in doc.spans["places"]] == [("湖北省", "GPE"), ("岳阳", "GPE")]


def test_merger_names_policy(rules):
    nlp = spacy.blank("zh")
    nlp.tokenizer = rules.tokenizer
    merger = nlp.add_pipe("entity_merger", config={"names_policy": "contain"})
    fill = nlp.add_pipe("entity_merger", name="fill", config={"names_policy": "fill"})
    text = "来自省邮政管理局的数据"

    def make(model_span: tuple[int, int, str]) -> Doc:
        doc = nlp.make_doc(text)
        split_tokens_at(doc, [0, 2, 3, 8])
        doc.ents = [doc.char_span(*model_span)]
        doc.spans["names"] = [doc.char_span(2, 8, label="ORG")]  # the grammar's 省邮政管理局
        return doc

    for component, expected in ((merger, [("省邮政管理局", "ORG")]), (fill, [("邮政管理局", "ORG")])):
        doc = component(make((3, 8, "ORG")))  # the model's cut name 邮政管理局
        assert ents(doc) == expected
        assert [(s.text, s.label_) for s in doc.spans["ner"]] == [("邮政管理局", "ORG")]  # the model's own
    assert ents(merger(make((0, 3, "GPE")))) == [("来自省", "GPE")]  # crossing: the model's reading stays


def test_propagation_short_forms_and_same_surface():
    settings = settings_from_dict(
        PropagationSettings, read_settings(None, "propagation.json"), "propagation.json"
    )
    prop = Propagator(settings)
    assert prop.short_forms("阳新娲石水泥有限公司", 2) == ["娲石水泥", "娲石"]
    assert prop.short_forms("吉林紫鑫药业股份有限公司", 2) == ["紫鑫药业", "紫鑫"]
    assert prop.short_forms("江西稀土冶炼公司", 2) == []  # industry words only
    assert prop.short_forms("国务院", 0) == []  # no company suffix
    text = "阳新娲石水泥有限公司成立。娲石产量增长，娲石水泥销往湖北。国际绣球城开放，国际绣球城游客多。"
    bounds = set(range(len(text) + 1))
    loc = text.index("国际绣球城")
    found = [(0, 10, "ORG"), (loc, loc + 5, "LOC")]
    out = prop.propagate(text, found, bounds, places=[(0, 2)])
    assert [(text[s:e], lab) for s, e, lab in out] == [
        ("阳新娲石水泥有限公司", "ORG"),
        ("娲石", "ORG"),
        ("娲石水泥", "ORG"),
        ("国际绣球城", "LOC"),
        ("国际绣球城", "LOC"),
    ]
    # an occurrence that does not sit on token boundaries is left alone
    first = text.index("娲石产量")
    assert (first, first + 2, "ORG") not in prop.propagate(text, found, bounds - {first}, places=[(0, 2)])


def test_propagation_component_in_the_pipeline(rules):
    doc = rules("吉林紫鑫药业股份有限公司是龙头企业。紫鑫药业产值增长11.4%，紫鑫新建厂房。")
    assert ents(doc) == [
        ("吉林紫鑫药业股份有限公司", "ORG"),
        ("紫鑫药业", "ORG"),
        ("11.4%", "PERCENT"),
        ("紫鑫", "ORG"),
    ]


def test_settings_are_validated_and_saved(rules, tmp_path):
    grammar = rules.get_pipe("name_grammar")
    grammar.to_disk(tmp_path / "g")
    loaded = spacy.blank("zh").add_pipe("name_grammar").from_disk(tmp_path / "g")
    assert loaded._ready() == grammar._ready() and loaded.finder.s == grammar.finder.s
    bad = tmp_path / "names.json"
    bad.write_text('{"org_heads": []}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"names.json:1: bad settings: unknown keys \[\], missing keys"):
        spacy.blank("zh").add_pipe("name_grammar").initialize(settings_path=str(bad))


def test_finder_works_on_plain_text(rules):
    finder = NameFinder(NameSettings.from_dict(read_settings(None, "names.json")))
    text = "来自县统计局"
    words = token_offsets(rules.make_doc(text))
    assert [(text[c.start : c.end], c.label, c.anchor) for c in finder.find(text, words)] == [
        ("县统计局", "ORG", "level")
    ]

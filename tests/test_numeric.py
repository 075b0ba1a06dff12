"""The numeric_entities rules: forms, exclusions, normalised values, and exact spans inside a pkuseg nlp."""

import json

import pytest
import spacy

from pipeline.components.numerals import parse_numeral
from pipeline.components.numeric import find_numeric, parse_numeric


def spans(text: str) -> list[tuple[str, str]]:
    return [(nv.text, nv.label) for nv in find_numeric(text)]


# ------------------------------------------------------------------------------------------- numerals / cn2an
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一百二十", (120.0, None)),
        ("两", (2.0, None)),  # cn2an strict mode refuses 两
        ("两千三百万", (23_000_000.0, None)),
        ("十几", (10.0, 19.0)),  # cn2an refuses 十几 and 几
        ("几", (1.0, 9.0)),
        ("几十", (10.0, 90.0)),
        ("数百", (100.0, 900.0)),
        ("五六", (5.0, 6.0)),
        ("４０００", (4000.0, None)),  # full-width digits
        ("4000多", (4000.0, None)),  # cn2an refuses 4000多
        ("187.3 万", (1_873_000.0, None)),  # cn2an refuses the space
        ("1.2万", (12_000.0, None)),
        ("3.5万亿", (3.5e12, None)),  # cn2an refuses 万亿 after digits
        ("4000多万", (4e7, None)),
        ("1,234", (1234.0, None)),
        ("０．８", (0.8, None)),
        ("零点五", (0.5, None)),
        ("－３", (-3.0, None)),
        ("百亿", (1e10, None)),
    ],
)
def test_parse_numeral(text, expected):
    value, vmax = parse_numeral(text)
    assert value == pytest.approx(expected[0])
    assert vmax == (pytest.approx(expected[1]) if expected[1] is not None else None)


@pytest.mark.parametrize("text", ["二〇二〇", "三成", "abc", ""])
def test_parse_numeral_rejects(text):
    assert parse_numeral(text) is None


# ------------------------------------------------------------------------------------------- whole expressions
@pytest.mark.parametrize(
    ("text", "label", "value", "value_max", "unit", "currency", "qualifier"),
    [
        ("450亿元", "MONEY", 4.5e10, None, "元", "CNY", "exact"),
        ("5000万美元", "MONEY", 5e7, None, "美元", "USD", "exact"),
        ("1.2万亿元", "MONEY", 1.2e12, None, "元", "CNY", "exact"),
        ("约84亿元", "MONEY", 8.4e9, None, "元", "CNY", "approx"),
        ("超20亿元", "MONEY", 2e9, None, "元", "CNY", "over"),
        ("100亿至200亿元", "MONEY", 1e10, 2e10, "元", "CNY", "range"),
        ("3亿欧元以上", "MONEY", 3e8, None, "欧元", "EUR", "over"),
        ("2000万英镑", "MONEY", 2e7, None, "英镑", "GBP", "exact"),
        ("10亿港元", "MONEY", 1e9, None, "港元", "HKD", "exact"),
        ("5000万日元", "MONEY", 5e7, None, "日元", "JPY", "exact"),
        ("187.3万辆", "QUANTITY", 1_873_000, None, "辆", None, "exact"),
        ("4000多台", "QUANTITY", 4000, None, "台", None, "over"),
        ("3-5个", "QUANTITY", 3, 5, "个", None, "range"),
        ("十几个", "QUANTITY", 10, 19, "个", None, "approx"),
        ("一百家", "QUANTITY", 100, None, "家", None, "exact"),
        ("1700万吨", "QUANTITY", 1.7e7, None, "吨", None, "exact"),
        ("10万千瓦", "QUANTITY", 1e5, None, "千瓦", None, "exact"),
        ("十万千瓦", "QUANTITY", 1e5, None, "千瓦", None, "exact"),
        ("1.6倍", "QUANTITY", 1.6, None, "倍", None, "exact"),
        ("近300万亩", "QUANTITY", 3e6, None, "亩", None, "under"),
        ("1万吨左右", "QUANTITY", 1e4, None, "吨", None, "approx"),
        ("11.4%", "PERCENT", 11.4, None, "%", None, "exact"),
        ("近10%", "PERCENT", 10, None, "%", None, "under"),
        ("90%以上", "PERCENT", 90, None, "%", None, "over"),
        ("10%～20%", "PERCENT", 10, 20, "%", None, "range"),
        ("-3.2%", "PERCENT", -3.2, None, "%", None, "exact"),
        ("１５．３％", "PERCENT", 15.3, None, "%", None, "exact"),
        ("0.6个百分点", "PERCENT", 0.6, None, "个百分点", None, "exact"),
        ("百分之十", "PERCENT", 10, None, "%", None, "exact"),
        ("三成", "PERCENT", 30, None, "%", None, "exact"),
        ("超七成", "PERCENT", 70, None, "%", None, "over"),
        ("三分之一", "PERCENT", 100 / 3, None, "%", None, "exact"),
        ("6.94‰", "PERCENT", 6.94, None, "‰", None, "exact"),
        ("超过一半", "PERCENT", 50, None, "%", None, "over"),
    ],
)
def test_parse_numeric_values(text, label, value, value_max, unit, currency, qualifier):
    nv = parse_numeric(text)
    assert nv is not None, text
    assert (nv.label, nv.unit, nv.currency, nv.qualifier) == (label, unit, currency, qualifier)
    assert nv.value == pytest.approx(value, rel=1e-4)
    assert nv.value_max == (pytest.approx(value_max) if value_max is not None else None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # rule 7: qualifiers inside, verbs outside
        (
            "增长11.4%，突破20万辆，达到1700万吨",
            [("11.4%", "PERCENT"), ("20万辆", "QUANTITY"), ("1700万吨", "QUANTITY")],
        ),
        # rule 8: the counted noun stays outside
        (
            "新增规上工业企业133家，3个城市，30条正负面清单",
            [("133家", "QUANTITY"), ("3个", "QUANTITY"), ("30条", "QUANTITY")],
        ),
        # rule 26: spaces between the characters belong to the span; full-width digits are kept
        ("突破 20 万辆", [("20 万辆", "QUANTITY")]),
        ("苏州高新区投资１２０亿元", [("１２０亿元", "MONEY")]),
        # rule 25: shared unit → separate spans with the same label; ranges are one span
        ("分别降低3.1和4.8个百分点", [("3.1", "PERCENT"), ("4.8个百分点", "PERCENT")]),
        (
            "比上年提高3.9、2.0、2.9个百分点",
            [("3.9", "PERCENT"), ("2.0", "PERCENT"), ("2.9个百分点", "PERCENT")],
        ),
        # rule 19: money without 元 in a monetary context; per-unit amounts cut at the slash
        ("今年完成投资85亿开工建设", [("85亿", "MONEY")]),
        ("人均94.5万元/人", [("94.5万元", "MONEY")]),
        ("能耗1.1578吨标准煤", [("1.1578吨", "QUANTITY")]),
        ("时速100公里/小时", [("100公里", "QUANTITY")]),
        # rule 16 / 24: bracketed unit and 级 stay outside
        ("销售141.2万台（件）", [("141.2万台", "QUANTITY")]),
        ("26兆瓦级风机", [("26兆瓦", "QUANTITY")]),
        # rule 16: 一 inside a larger numeral; figurative counts; digit 1
        (
            "一万台设备，打好两张牌，民办早教机构1所",
            [("一万台", "QUANTITY"), ("两张", "QUANTITY"), ("1所", "QUANTITY")],
        ),
        # rule 21: comparison words outside
        ("高于40公斤", [("40公斤", "QUANTITY")]),
        # a count before a category scale word is annotated, the scale word is not (rule 10)
        ("培育10个千亿元产业", [("10个", "QUANTITY")]),
        # an amount actually reached is annotated (rulings)
        ("发放超亿元的大礼包，重回万亿元规模", [("超亿元", "MONEY"), ("万亿元", "MONEY")]),
    ],
)
def test_spans_in_text(text, expected):
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2020年，3月6日，200天，10秒钟，三年，两个多月，几个月，3个小时",  # time (rule 11)
        "第18次，第一，第 3 条",  # ordinals
        "全国前五，十四五，二〇二〇",  # bare numbers, fixed names, years in Chinese digits
        "四大产业，七大行业，两大平台，十一国，六方面",  # numeral + 大 / + noun (rule 16)
        "一个生动实践，一批项目，一张清单",  # bare 一 + measure word
        "千亿元产业，万亿级产业集群，百亿元企业，千亿产业",  # category scale words (rule 10)
        "5000万元以上项目，亿元以上项目，投资超亿元的企业",  # class thresholds
        "万元地区生产总值能耗下降",  # intensity base
        "世界500强，中央八项规定，五个一工程，千项万亿",  # fixed names (rule 22)
        "年龄78.5岁",  # ages are time (rule 24)
        "“四个基础”和“18条”",  # quoted slogans
        "千家万户，千方百计",  # idioms
    ],
)
def test_exclusions(text):
    assert spans(text) == []


def test_parse_numeric_requires_whole_text():
    assert parse_numeric("增长11.4%") is None
    assert parse_numeric("2020年") is None


# ------------------------------------------------------------------------------------------- spaCy component
@pytest.fixture(scope="module")
def nlp_numeric(nlp_pkuseg):
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "pkuseg"}}})
    nlp.tokenizer = nlp_pkuseg.tokenizer
    nlp.add_pipe("numeric_entities", config={"set_ents": True}).initialize()
    return nlp


def test_component_exact_spans_across_pkuseg_tokens(nlp_numeric):
    text = "柳州市汽车产量突破 20 万辆，增长11.4%，总投资120亿，生产四千多台车。"
    # pkuseg makes one token of 台车, so the span 四千多台 ends inside a token before the component runs
    start = text.index("四千多台")
    assert nlp_numeric.make_doc(text).char_span(start, start + 4) is None
    doc = nlp_numeric(text)
    got = [(s.text, s.label_) for s in doc.spans["numeric"]]
    assert got == [
        ("20 万辆", "QUANTITY"),
        ("11.4%", "PERCENT"),
        ("120亿", "MONEY"),
        ("四千多台", "QUANTITY"),
    ]
    assert [(e.text, e.label_) for e in doc.ents] == got
    assert doc.text == text
    assert [t.text for t in doc[-3:]] == ["台", "车", "。"]
    money, count = doc.spans["numeric"][2], doc.spans["numeric"][3]
    assert (money._.value, money._.unit, money._.currency, money._.qualifier) == (
        1.2e10,
        "元",
        "CNY",
        "exact",
    )
    assert (count._.value, count._.unit, count._.currency, count._.qualifier) == (4000, "台", None, "over")
    assert doc.spans["numeric"][0]._.value == 200000


def test_component_keeps_existing_entities(nlp_pkuseg):
    from pipeline.components.numeric import NumericRules, load_settings

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "pkuseg"}}})
    nlp.tokenizer = nlp_pkuseg.tokenizer
    nlp.add_pipe(
        "numeric_entities", config={"set_ents": True, "overwrite": False, "spans_key": "num"}
    ).initialize()
    doc = nlp.make_doc("投资120亿元建设3个园区")
    doc.ents = [doc.char_span(0, 2, label="ORG") or doc[0:1]]
    existing = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    doc = nlp.get_pipe("numeric_entities")(doc)
    ents = [(e.text, e.label_) for e in doc.ents]
    assert ents[0][1] == "ORG" and (existing[0][0], existing[0][2]) == (0, "ORG")
    assert ("3个", "QUANTITY") in ents
    assert [s.text for s in doc.spans["num"]] == ["120亿元", "3个"]
    # inline settings override the JSON file
    rules = NumericRules(load_settings(None, {"fixed_names": ["3个园区"]}))
    assert [nv.text for nv in rules.find("投资120亿元建设3个园区")] == ["120亿元"]


def test_component_spans_only(nlp_pkuseg):
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "pkuseg"}}})
    nlp.tokenizer = nlp_pkuseg.tokenizer
    nlp.add_pipe("numeric_entities", config={"set_ents": False}).initialize()
    doc = nlp("增长11.4%")
    assert list(doc.ents) == [] and [s.text for s in doc.spans["numeric"]] == ["11.4%"]


def test_rules_config_declares_component():
    from spacy import util

    from pipeline.nlp import RULES_CONFIG
    from pipeline.resources import resource_path

    cfg = util.load_config(RULES_CONFIG)
    assert cfg["nlp"]["pipeline"][0] == "numeric_entities"
    assert cfg["components"]["numeric_entities"]["factory"] == "numeric_entities"
    settings = json.loads(resource_path("numeric.json").read_text(encoding="utf-8"))
    assert settings["currencies"]["美元"] == "USD"


def test_word_lists_are_saved_in_the_model(nlp_numeric, tmp_path):
    """numeric_entities keeps its word lists in the model dir; initialize() reads them with overrides."""
    nlp = spacy.blank("zh")
    pipe = nlp.add_pipe("numeric_entities")
    with pytest.raises(ValueError, match="has no data"):
        pipe(nlp("3个园区"))
    pipe.initialize(overrides={"fixed_names": ["3个园区"]})

    def found(component, text):
        doc = component(nlp.make_doc(text))
        return [s.text for s in doc.spans["numeric"]]

    assert found(pipe, "建设3个园区") == []
    pipe.to_disk(tmp_path / "numeric")
    saved = json.loads((tmp_path / "numeric" / "settings.json").read_text(encoding="utf-8"))
    assert saved["fixed_names"] == ["3个园区"]
    loaded = spacy.blank("zh").add_pipe("numeric_entities").from_disk(tmp_path / "numeric")
    assert found(loaded, "建设3个园区") == []
    assert found(loaded, "建设4个园区") == ["4个"]


def test_bad_settings_file(tmp_path):
    from pipeline.components.numeric import load_settings
    from pipeline.io import FileFormatError

    bad = tmp_path / "numeric.json"
    bad.write_text('{"currencies": ', encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"numeric.json:1: invalid JSON"):
        load_settings(bad)
    with pytest.raises(FileFormatError, match=r"missing\.json: cannot read settings file"):
        load_settings(tmp_path / "missing.json")


def test_gold_train_precision(shared_dir):
    """On the train split the rules keep precision and recall above 0.95 for each numeric label."""
    from pipeline import NUMERIC_LABELS
    from pipeline.corpus.gold import read_jsonl
    from pipeline.evaluation import score_spans

    ids = set(json.loads((shared_dir / "gold" / "splits.json").read_text(encoding="utf-8"))["train"])
    gold, pred = set(), set()
    for d in read_jsonl(shared_dir / "gold" / "reports.jsonl"):
        if d.id not in ids:
            continue
        gold |= {(d.id, s, e, lab) for s, e, lab in d.spans if lab in NUMERIC_LABELS}
        pred |= {(d.id, nv.start, nv.end, nv.label) for nv in find_numeric(d.text)}
    scores = score_spans(gold, pred, NUMERIC_LABELS)
    for lab in NUMERIC_LABELS:
        assert scores[lab].p > 0.95 and scores[lab].r > 0.95, (lab, scores[lab].as_dict())

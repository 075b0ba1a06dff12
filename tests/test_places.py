"""The place_linker component: GPE candidates, linking, ambiguity, abbreviations, exclusions."""

from __future__ import annotations

import importlib.util
import json

import pytest
from spacy.tokens import Doc

from pipeline.components.places import PlaceLinker  # registers the factory
from pipeline.corpus.alignment import split_tokens_at
from pipeline.io import FileFormatError
from pipeline.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def linker(nlp_pkuseg) -> PlaceLinker:
    pipe = nlp_pkuseg.create_pipe("place_linker")
    pipe.initialize()
    return pipe


@pytest.fixture(scope="module")
def run(nlp_pkuseg, linker):
    def run_text(text: str) -> Doc:
        return linker(nlp_pkuseg(text))

    return run_text


def places(doc: Doc) -> list[tuple[str, str | None]]:
    return [(s.text, s._.adcode) for s in doc.spans["places"]]


def test_city_with_and_without_suffix(run):
    doc = run("柳州市工业增长，柳州汽车产量居全国前列。")
    assert places(doc) == [("柳州市", "450200000000"), ("柳州", "450200000000")]
    for span in doc.spans["places"]:
        assert span.label_ == "GPE"
        assert span._.level == "city"
        assert span._.province == "广西壮族自治区"


def test_province_is_its_own_parent(run):
    doc = run("广西工业")
    (span,) = doc.spans["places"]
    assert (span.text, span._.level, span._.province) == ("广西", "province", "广西壮族自治区")


def test_countries(run):
    doc = run("产品出口美国和德国。")
    assert [(s.text, s._.adcode, s._.level, s._.province) for s in doc.spans["places"]] == [
        ("美国", "US", "country", None),
        ("德国", "DE", "country", None),
    ]


def test_unknown_suffix_is_kept_and_suffix_starting_a_word_is_dropped(run):
    assert places(run("靖西县")) == [("靖西县", "451081000000")]  # now 靖西市
    assert places(run("深圳市场主体")) == [("深圳", "440300000000")]


def test_ambiguous_name_resolved_by_prefix(run):
    doc = run("福州市鼓楼区和南京市鼓楼区")
    assert places(doc) == [
        ("福州市", "350100000000"),
        ("鼓楼区", "350102000000"),
        ("南京市", "320100000000"),
        ("鼓楼区", "320106000000"),
    ]


def test_ambiguous_name_resolved_by_document_context(run):
    doc = run("北京市加快发展。朝阳的数字经济增长较快。")
    assert places(doc)[-1] == ("朝阳", "110105000000")
    assert doc.spans["places"][-1]._.province == "北京市"
    doc = run("辽宁省振兴。朝阳的工业增长较快。")  # 朝阳市 contains 朝阳县: the city wins
    assert places(doc)[-1] == ("朝阳", "211300000000")


def test_ambiguous_name_without_context_stays_unlinked(run):
    doc = run("鼓楼区的数字经济增长较快。")
    (span,) = doc.spans["places"]
    assert (span.text, span.label_, span._.adcode, span._.level) == ("鼓楼区", "GPE", None, None)


def test_containing_division_wins(run):
    assert places(run("荆州的产业")) == [("荆州", "421000000000")]  # not 荆州区


def test_abbreviations_in_context(run):
    assert places(run("推进工业强桂战略")) == [("桂", "450000000000")]
    assert places(run("在湘高校技术合同成交额")) == [("湘", "430000000000")]
    doc = run("促进渝桂新南向通道建设")
    assert [s.text for s in doc.spans["places"]] == ["渝", "桂", "新"]
    assert doc.spans["places"][2]._.adcode is None  # 新: Singapore or Xinjiang
    assert [text for text, _ in places(run("外商及港澳台商投资企业"))] == ["港", "澳", "台"]
    assert places(run("中美旅游高层对话")) == [("中", "CN"), ("美", "US")]


def test_abbreviations_outside_their_contexts_are_ignored(run):
    assert places(run("其中新开工面积下降")) == []
    assert places(run("在港口建设和矿藏资源")) == []
    assert places(run("粤港澳大湾区")) == []  # one LOC (rule 1)
    assert places(run("京津冀协同发展")) == []  # macro-region (rule 24)


def test_pronouns_and_bare_levels_are_not_places(run):
    assert places(run("全区工业增长，我区和全省，自治区党委、政府高度重视")) == []


def test_common_words_are_not_county_names(run):
    assert places(run("资源节约，比如合作，创新和发展，工作平台中")) == []


def test_spans_are_exact_when_tokens_cross_boundaries(nlp_pkuseg, linker):
    text = "推进工业强桂，外商及港澳台商投资"
    doc = nlp_pkuseg(text)
    assert "强桂" in [t.text for t in doc]  # pkuseg puts the abbreviation inside a word
    doc = linker(doc)
    spans = doc.spans["places"]
    assert [(s.start_char, s.end_char, s.text) for s in spans] == [
        (5, 6, "桂"),
        (10, 11, "港"),
        (11, 12, "澳"),
        (12, 13, "台"),
    ]
    assert doc.text == text


def test_existing_gpe_entities_are_linked_and_never_overwritten(nlp_pkuseg):
    linker = nlp_pkuseg.create_pipe("place_linker", config={"set_ents": True})
    linker.initialize()
    text = "柳州市工业和信息化局发布，桂产品出口美国"
    doc = nlp_pkuseg(text)
    gui = text.index("桂")
    split_tokens_at(doc, [0, 10, gui, gui + 1])
    org = doc.char_span(0, 10, label="ORG")
    gpe = doc.char_span(gui, gui + 1, label="GPE")  # 桂 found by another component (no rule context here)
    doc.ents = [org, gpe]
    doc = linker(doc)
    ents = [(e.text, e.label_) for e in doc.ents]
    assert ents == [("柳州市工业和信息化局", "ORG"), ("桂", "GPE"), ("美国", "GPE")]
    assert [e._.adcode for e in doc.ents] == [None, "450000000000", "US"]
    assert "柳州市" in [s.text for s in doc.spans["places"]]  # the candidate stays for the merge step


def test_links_survive_serialisation(run):
    doc = run("柳州市")
    restored = Doc(doc.vocab).from_bytes(doc.to_bytes())
    assert restored.spans["places"][0]._.adcode == "450200000000"


def test_factory_config_is_respected(nlp_pkuseg):
    linker = nlp_pkuseg.create_pipe("place_linker", config={"spans_key": "gpe", "use_abbreviations": False})
    linker.initialize()
    doc = linker(nlp_pkuseg("工业强桂，广西"))
    assert [span.text for span in doc.spans["gpe"]] == ["广西"]


def test_bad_settings_file_names_file_and_line(nlp_pkuseg, tmp_path):
    bad = tmp_path / "places.json"
    bad.write_text('{"suffixes": "省"\n,,}', encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"places.json:2: invalid JSON"):
        nlp_pkuseg.create_pipe("place_linker").initialize(settings_path=str(bad))
    bad.write_text('{"suffixes": "省"}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"places.json:1: bad settings: unknown keys \[\], missing keys"):
        nlp_pkuseg.create_pipe("place_linker").initialize(settings_path=str(bad))


def test_component_without_data_says_so(nlp_pkuseg):
    with pytest.raises(ValueError, match=r"has no data: call nlp\.initialize"):
        nlp_pkuseg.create_pipe("place_linker")(nlp_pkuseg("广西"))


def test_data_is_saved_in_the_model_and_read_from_there(nlp_pkuseg, linker, tmp_path):
    """The settings and the gazetteer live in the model dir: editing the built-in files changes nothing."""
    linker.to_disk(tmp_path / "place_linker")
    assert json.loads((tmp_path / "place_linker" / "settings.json").read_text(encoding="utf-8"))["suffixes"]
    settings = json.loads((tmp_path / "place_linker" / "settings.json").read_text(encoding="utf-8"))
    settings["blocked_words"].append("柳州")
    (tmp_path / "place_linker" / "settings.json").write_text(json.dumps(settings, ensure_ascii=False))
    loaded = nlp_pkuseg.create_pipe("place_linker").from_disk(tmp_path / "place_linker")
    assert places(loaded(nlp_pkuseg("柳州和南宁"))) == [("南宁", "450100000000")]
    again = nlp_pkuseg.create_pipe("place_linker").from_bytes(linker.to_bytes())
    assert places(again(nlp_pkuseg("柳州和南宁"))) == places(linker(nlp_pkuseg("柳州和南宁")))


def test_gold_dev_quality(shared_dir, nlp_pkuseg, linker):
    """The benchmark on the dev documents: GPE candidates outside gold ORG/LOC are accurate and complete."""
    spec = importlib.util.spec_from_file_location("places_rules", PROJECT_ROOT / "benchmarks/places_rules.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    from pipeline.corpus.gold import read_jsonl

    docs = {d.id: d for d in read_jsonl(shared_dir / "gold" / "reports.jsonl")}
    dev = json.loads((shared_dir / "gold" / "splits.json").read_text(encoding="utf-8"))["dev"]
    result = bench.evaluate([docs[i] for i in dev], nlp_pkuseg, linker)
    assert result["gpe_outside_gold_names"]["p"] > 0.9
    assert result["gpe_outside_gold_names"]["r"] > 0.85
    assert result["linking"]["coverage"] > 0.85

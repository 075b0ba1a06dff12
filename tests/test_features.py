"""The rule candidates as NER features, and linking the model's own GPEs after the merge."""

from __future__ import annotations

import numpy
import spacy
from spacy.strings import get_string_id

from pipeline.features import OUTSIDE, RuleFeatureEmbed, span_features


def test_span_features_mark_bilu_positions(nlp_pkuseg):
    doc = nlp_pkuseg.make_doc("湖北省生态环境厅在武汉")
    doc.spans["names"] = [doc.char_span(0, 8, label="ORG", alignment_mode="expand")]
    doc.spans["places"] = [doc.char_span(9, 11, label="GPE", alignment_mode="expand")]
    names = span_features(doc, "names")
    n = len(doc.spans["names"][0])
    assert n >= 2
    assert names[0] == get_string_id("names:B-ORG") and names[n - 1] == get_string_id("names:L-ORG")
    assert all(v == OUTSIDE for v in names[n:])
    places = span_features(doc, "places")
    assert places[-1] == get_string_id("places:U-GPE") and places[0] == OUTSIDE
    assert span_features(doc, "numeric").tolist() == [OUTSIDE] * len(doc)


def test_embedding_depends_on_the_candidates(nlp_pkuseg):
    model = RuleFeatureEmbed(16, ["NORM", "SHAPE"], [100, 50], ["names"], 20, False)
    with_span = nlp_pkuseg.make_doc("省邮政管理局发布")
    without = nlp_pkuseg.make_doc("省邮政管理局发布")
    with_span.spans["names"] = [with_span.char_span(0, 6, label="ORG", alignment_mode="expand")]
    model.initialize(X=[with_span, without])
    a, b = model.predict([with_span, without])
    assert a.shape == b.shape == (len(with_span), 16)
    assert not numpy.allclose(a[0], b[0])  # the same token with and without a candidate
    assert numpy.allclose(a[-1], b[-1])  # outside the candidate: the same
    empty = nlp_pkuseg.make_doc("")
    assert model.predict([empty])[0].shape == (0, 16)


def test_place_links_link_the_models_gpes_and_keep_earlier_links(nlp_pkuseg):
    nlp = spacy.blank("zh")
    nlp.tokenizer = nlp_pkuseg.tokenizer
    linker = nlp.add_pipe("place_linker")
    links = nlp.add_pipe("place_linker", name="place_links", config={"propose": False})
    linker.initialize()
    links.initialize()
    doc = linker(nlp.make_doc("柳州市工业增长，鼓楼区"))
    before = dict(doc._.place_links)
    assert before["0:3"]["adcode"] == "450200000000"
    from pipeline.corpus.alignment import split_tokens_at

    split_tokens_at(doc, [2])
    doc.ents = [doc.char_span(0, 2, label="GPE")]  # the model's own GPE, another boundary than the candidate
    places_before = [(s.start_char, s.end_char) for s in doc.spans["places"]]
    doc = links(doc)
    assert doc.ents[0]._.adcode == "450200000000" and doc.ents[0]._.province == "广西壮族自治区"
    assert all(doc._.place_links[k] == v for k, v in before.items())  # earlier links kept
    assert [(s.start_char, s.end_char) for s in doc.spans["places"]] == places_before  # no new candidates

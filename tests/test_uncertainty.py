"""``push --order uncertainty``: model/rule disagreement per character, on Docs whose spans are set by hand."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from pipeline.doccano.uncertainty import disagreement, has_rule_candidates, has_statistical_ner
from pipeline.spans import MODEL_KEY, NAMES_KEY, NUMERIC_KEY, PLACES_KEY

TEXT = "北京市和上海市增长5%。"  # 12 characters


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("zh")  # one token per character: any character span is a token span


def _doc(nlp, model=(), ents=(), **groups) -> Doc:
    doc = nlp.make_doc(TEXT)
    if model is not None:
        doc.spans[MODEL_KEY] = [doc.char_span(s, e, label=lab) for s, e, lab in model]
    doc.ents = [doc.char_span(s, e, label=lab) for s, e, lab in ents]
    for key, spans in groups.items():
        doc.spans[key] = [doc.char_span(s, e, label=lab) for s, e, lab in spans]
    return doc


PLACES = [(0, 3, "GPE"), (4, 7, "GPE")]
NUMBERS = [(9, 11, "PERCENT")]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ([*PLACES, *NUMBERS], 0),  # full agreement
        ([(0, 3, "GPE"), *NUMBERS], 3),  # the model misses 上海市
        ([(0, 2, "GPE"), (4, 7, "GPE"), *NUMBERS], 1),  # 北京 vs 北京市: one character
        ([(0, 3, "ORG"), (4, 7, "GPE"), *NUMBERS], 3),  # another label
        ([(0, 7, "GPE"), *NUMBERS], 2),  # one span over both: 和, and the boundary at 上
        ([], 8),  # the model finds nothing the rules find
        ([*PLACES, *NUMBERS, (11, 12, "LOC")], 0),  # a LOC no rule group proposes: not compared
    ],
)
def test_disagreement_counts_characters(nlp, model, expected):
    doc = _doc(nlp, model, **{PLACES_KEY: PLACES, NUMERIC_KEY: NUMBERS})
    assert disagreement(doc) == pytest.approx(expected / len(TEXT))


def test_names_group_makes_org_and_loc_count(nlp):
    model = [*PLACES, *NUMBERS, (11, 12, "LOC")]
    doc = _doc(nlp, model, **{PLACES_KEY: PLACES, NUMERIC_KEY: NUMBERS, NAMES_KEY: []})
    assert disagreement(doc) == pytest.approx(1 / len(TEXT))


def test_contradicting_rule_candidates_count(nlp):
    groups = {PLACES_KEY: PLACES, NUMERIC_KEY: NUMBERS, NAMES_KEY: [(1, 3, "ORG")]}
    doc = _doc(nlp, [*PLACES, *NUMBERS], **groups)
    assert disagreement(doc) == pytest.approx(2 / len(TEXT))  # 京 and 市 are a GPE and an ORG to the rules


def test_without_a_statistical_ner_doc_ents_stand_for_the_model(nlp):
    doc = _doc(nlp, None, ents=[(0, 3, "GPE")], **{PLACES_KEY: PLACES, NUMERIC_KEY: NUMBERS})
    assert MODEL_KEY not in doc.spans
    assert disagreement(doc) == pytest.approx(5 / len(TEXT))
    doc = _doc(nlp, [], ents=[(0, 3, "GPE")], **{PLACES_KEY: PLACES, NUMERIC_KEY: NUMBERS})
    assert disagreement(doc, statistical=True) == pytest.approx(8 / len(TEXT))  # the NER's own: nothing
    assert disagreement(doc, statistical=False) == pytest.approx(5 / len(TEXT))  # the merged entities


def test_the_rule_pipeline_has_no_statistical_ner():
    from pipeline.nlp import load_nlp

    assert not has_statistical_ner(load_nlp("rules"))
    blank = spacy.blank("zh")
    blank.add_pipe("ner")
    assert has_statistical_ner(blank)


def test_no_rule_groups_nothing_to_compare(nlp):
    doc = _doc(nlp, [*PLACES])
    assert not has_rule_candidates(doc) and disagreement(doc) == 0.0

"""The merge policy between statistical entities and rule candidates (pipeline/components/merge.py)."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Span

import pipeline.components.merge  # noqa: F401  (registers entity_merger)

TEXT = "柳州市工业和信息化局称柳州投资约120亿元，增长11.4%。"


def _doc(nlp, ents, numeric=(), places=()):
    doc = nlp.make_doc(TEXT)

    def span(s, e, lab):
        sp = doc.char_span(s, e, label=lab)
        assert sp is not None, (s, e)
        return sp

    doc.ents = [span(*x) for x in ents]
    doc.spans["numeric"] = [span(*x) for x in numeric]
    doc.spans["places"] = [span(*x) for x in places]
    return doc


def ents(doc):
    return [(e.start_char, e.end_char, e.label_) for e in doc.ents]


@pytest.fixture
def nlp():
    return spacy.blank("zh")  # character tokens: every offset is a boundary


ORG = (0, 10, "ORG")
PLACE_IN_ORG = (0, 3, "GPE")
PLACE = (11, 13, "GPE")
RULE_MONEY = (15, 22, "MONEY")  # 约120亿元
MODEL_MONEY = (16, 22, "MONEY")  # 120亿元 (missed the qualifier)
RULE_PCT = (25, 30, "PERCENT")


def test_rules_first_replaces_overlapping_model_numbers(nlp) -> None:
    merger = nlp.add_pipe("entity_merger")
    doc = merger(_doc(nlp, [ORG, MODEL_MONEY], numeric=[RULE_MONEY, RULE_PCT], places=[PLACE_IN_ORG, PLACE]))
    assert ents(doc) == [ORG, PLACE, RULE_MONEY, RULE_PCT]


def test_model_first_keeps_model_numbers(nlp) -> None:
    merger = nlp.add_pipe("entity_merger", config={"numeric_policy": "model_first"})
    doc = merger(_doc(nlp, [ORG, MODEL_MONEY], numeric=[RULE_MONEY, RULE_PCT]))
    assert ents(doc) == [ORG, MODEL_MONEY, RULE_PCT]


def test_places_never_override_model_names(nlp) -> None:
    merger = nlp.add_pipe("entity_merger", config={"places_policy": "fill"})
    doc = merger(_doc(nlp, [ORG], places=[PLACE_IN_ORG]))
    assert ents(doc) == [ORG]


def test_policies_off(nlp) -> None:
    merger = nlp.add_pipe("entity_merger", config={"numeric_policy": "off", "places_policy": "off"})
    doc = merger(_doc(nlp, [MODEL_MONEY], numeric=[RULE_PCT], places=[PLACE]))
    assert ents(doc) == [MODEL_MONEY]


def test_rule_number_does_not_replace_a_name(nlp) -> None:
    merger = nlp.add_pipe("entity_merger")
    doc = _doc(nlp, [(11, 17, "ORG")], numeric=[RULE_MONEY])  # an (odd) model ORG overlapping the amount
    assert ents(merger(doc)) == [(11, 17, "ORG")]


def test_unknown_policy_is_an_error(nlp) -> None:
    with pytest.raises(ValueError, match="numeric_policy"):
        nlp.add_pipe("entity_merger", config={"numeric_policy": "vote"})


def test_works_without_candidate_groups(nlp) -> None:
    merger = nlp.add_pipe("entity_merger")
    doc = nlp.make_doc(TEXT)
    doc.ents = [Span(doc, 0, 3, label="GPE")]
    assert ents(merger(doc)) == [(0, 3, "GPE")]


def test_places_prefer_fixes_model_gpe_boundaries_but_not_names(nlp) -> None:
    merger = nlp.add_pipe("entity_merger", config={"places_policy": "prefer"})
    model_gpe = (11, 14, "GPE")  # 柳州投 (a boundary error)
    doc = merger(_doc(nlp, [ORG, model_gpe], places=[PLACE_IN_ORG, PLACE]))
    assert ents(doc) == [ORG, PLACE]

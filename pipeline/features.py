"""The rule candidates as features of the statistical model (stacking).

``pipeline.RuleFeatureEmbed.v1`` is spaCy's ``MultiHashEmbed`` with one more embedding table per span group: each
token gets the position and label of the rule candidate covering it (``places:B-GPE``, ``names:I-ORG``,
``numeric:L-MONEY``, or ``O``).  The rule components run before the tok2vec (and during training, as
``annotating_components``), so the NER learns from context when a grammar or gazetteer candidate is right, where
its boundaries are wrong, and what the rules miss, instead of the merger guessing afterwards.
"""

from typing import cast

import numpy
from spacy.ml.featureextractor import FeatureExtractor
from spacy.ml.staticvectors import StaticVectors
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.util import registry
from thinc.api import HashEmbed, Maxout, Model, chain, concatenate, list2ragged, ragged2list, with_array
from thinc.types import Floats2d, Ints2d, Ragged

OUTSIDE = get_string_id("O")


def span_features(doc: Doc, key: str) -> numpy.ndarray:
    """One id per token: the BILU position and label of the ``doc.spans[key]`` span covering it, else ``O``."""
    out = numpy.full(len(doc), OUTSIDE, dtype="uint64")
    for span in doc.spans.get(key, []):
        n = span.end - span.start
        for k, i in enumerate(range(span.start, span.end)):
            pos = "U" if n == 1 else "B" if k == 0 else "L" if k == n - 1 else "I"
            out[i] = get_string_id(f"{key}:{pos}-{span.label_}")
    return out


def RuleSpanFeatures(spans_keys: list[str]) -> Model[list[Doc], list[Ints2d]]:
    """Per doc, an (n_tokens, len(spans_keys)) array of :func:`span_features` ids."""

    def forward(model: Model, docs: list[Doc], is_train: bool):
        feats = [
            model.ops.asarray2i(
                cast(
                    Ints2d,
                    numpy.stack([span_features(doc, key) for key in spans_keys], axis=1)
                    if len(doc) and spans_keys
                    else numpy.zeros((len(doc), len(spans_keys)), dtype="uint64"),
                ),
                dtype="uint64",
            )
            for doc in docs
        ]
        return feats, lambda d_feats: []

    return Model("rule_span_features", forward, attrs={"spans_keys": spans_keys})


def _concat_features(
    token_attrs: Model[list[Doc], list[Ints2d]], spans: Model[list[Doc], list[Ints2d]]
) -> Model[list[Doc], list[Ints2d]]:
    def forward(model: Model, docs: list[Doc], is_train: bool):
        a, _ = token_attrs(docs, is_train)
        b, _ = spans(docs, is_train)
        return [model.ops.xp.hstack((x, y)) for x, y in zip(a, b, strict=True)], lambda d: []

    return Model("token_and_span_features", forward, layers=[token_attrs, spans])


@registry.architectures("pipeline.RuleFeatureEmbed.v1")
def RuleFeatureEmbed(
    width: int,
    attrs: list[str],
    rows: list[int],
    spans_keys: list[str],
    span_rows: int,
    include_static_vectors: bool,
) -> Model[list[Doc], list[Floats2d]]:
    """``MultiHashEmbed`` over ``attrs`` plus one ``span_rows``-row table per span group in ``spans_keys``."""
    if len(rows) != len(attrs):
        raise ValueError(f"Mismatched lengths: {len(rows)} rows vs {len(attrs)} attrs")
    all_rows = [*rows, *([span_rows] * len(spans_keys))]
    embeddings: list[Model] = [
        HashEmbed(width, n, column=i, seed=8 + i, dropout=0.0) for i, n in enumerate(all_rows)
    ]
    concat_size = width * (len(embeddings) + include_static_vectors)
    max_out: Model[Ragged, Ragged] = with_array(Maxout(width, concat_size, nP=3, dropout=0.0, normalize=True))
    features: Model = chain(
        _concat_features(FeatureExtractor(list(attrs)), RuleSpanFeatures(list(spans_keys))),
        cast(Model[list[Ints2d], Ragged], list2ragged()),
        with_array(concatenate(*embeddings)),
    )
    if include_static_vectors:
        features = concatenate(features, StaticVectors(width, dropout=0.0))
    return chain(features, max_out, ragged2list())

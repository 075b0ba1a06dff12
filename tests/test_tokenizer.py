"""The pkuseg domain user dictionary: which words, how training data and trained models use it."""

import json
from pathlib import Path

import spacy
from spacy import util
from spacy.training import Example

from pipeline.corpus.build import Source, build_corpus
from pipeline.corpus.gold import GoldDoc, write_jsonl
from pipeline.nlp import register_components
from pipeline.settings import CONFIGS_DIR
from pipeline.tokenizer import UserDictionary, ensure_pkuseg_model, make_nlp, read_words, write_words


def _tokens(nlp, text: str) -> list[str]:
    return [t.text for t in nlp.make_doc(text)]


def test_user_dictionary_words_filters_labels_and_non_names() -> None:
    doc = GoldDoc(
        "d",
        "东风柳汽在柳州投资12亿元，增长5%，北部湾港。",
        [(0, 4, "ORG"), (5, 7, "GPE"), (9, 13, "MONEY"), (16, 18, "PERCENT"), (19, 23, "LOC")],
    )
    words = UserDictionary(gazetteer=False).words([doc])
    assert words == {"东风柳汽", "柳州", "北部湾港"}
    assert UserDictionary(labels=("ORG",), gazetteer=False).words([doc]) == {"东风柳汽"}
    assert UserDictionary(min_chars=3, gazetteer=False).words([doc]) == {"东风柳汽", "北部湾港"}
    odd = GoldDoc("o", "A1公司（柳州）", [(0, 4, "ORG"), (4, 8, "ORG")])
    assert UserDictionary(gazetteer=False).words([odd]) == set()  # digits, punctuation
    with_gazetteer = UserDictionary().words([doc])
    assert {"柳州市", "广西壮族自治区", "东风柳汽"} <= with_gazetteer


def test_user_words_keep_names_whole() -> None:
    assert _tokens(make_nlp(), "东风柳汽今年增长。")[:2] == ["东风", "柳汽"]  # pkuseg alone splits it
    assert _tokens(make_nlp(user_words=["东风柳汽"]), "东风柳汽今年增长。")[0] == "东风柳汽"


def test_build_corpus_user_dictionary_holds_out_each_documents_own_names(tmp_path: Path) -> None:
    from pipeline.corpus.build import _fold_of

    train = [GoldDoc(f"t{i}", f"东风柳汽第{i}季度增长。", [(0, 4, "ORG")]) for i in range(6)]
    solo = GoldDoc("solo", "北部湾港今年增长。", [(0, 4, "LOC")])  # its only occurrence in training
    dev = GoldDoc("d0", "玉柴集团和北部湾港今年增长。", [(0, 4, "ORG"), (5, 9, "LOC")])
    public = GoldDoc("p0", "柳工集团今年增长。", [(0, 4, "ORG")])
    write_jsonl([*train, solo, dev], tmp_path / "g.jsonl")
    write_jsonl([public], tmp_path / "public.jsonl")
    splits = tmp_path / "splits.json"
    splits.write_text(json.dumps({"train": [d.id for d in [*train, solo]], "dev": ["d0"]}), encoding="utf-8")
    nlp = make_nlp()
    sources = [
        Source(tmp_path / "g.jsonl"),
        Source(tmp_path / "public.jsonl", split="train", user_words=False),
    ]
    user_dict = UserDictionary(gazetteer=False, held_out_folds=5)
    res = build_corpus(nlp, sources, tmp_path / "out", splits, user_dict=user_dict)
    assert read_words(res.files["user_words"]) == ["东风柳汽", "北部湾港"]  # not dev's 玉柴集团, not public
    train_docs = {
        doc._.doc_id: [t.text for t in doc]
        for doc in spacy.tokens.DocBin().from_disk(res.files["train"]).get_docs(nlp.vocab)
    }
    assert train_docs["solo"][:2] == ["北部湾", "港"]  # held out: tokenised as a new report would be
    assert train_docs["p0"][:2] == ["柳工", "集团"]
    folds = {d.id: _fold_of(d.id, 5) for d in train}
    for d in train:  # whole exactly when another document in another fold has the name
        seen_elsewhere = any(folds[o] != folds[d.id] for o in folds)
        assert (train_docs[d.id][0] == "东风柳汽") == seen_elsewhere
    assert any(tokens[0] == "东风柳汽" for tokens in train_docs.values())
    dev_doc = next(spacy.tokens.DocBin().from_disk(res.files["dev"]).get_docs(nlp.vocab))
    assert [t.text for t in dev_doc][:5] == ["玉柴", "集团", "和", "北部湾港", "今年"]
    assert _tokens(nlp, "北部湾港")[0] == "北部湾港"  # the full dictionary is back on the tokenizer


def test_config_callback_adds_words_and_model_keeps_them(tmp_path: Path, small_vectors: Path) -> None:
    register_components()
    words = write_words(["东风柳汽", "北部湾港"], tmp_path / "user_words.txt")
    overrides = {
        "paths.user_words": str(words),
        "paths.pkuseg_model": str(ensure_pkuseg_model()),
        "paths.vectors": str(small_vectors),
    }
    config = util.load_config(CONFIGS_DIR / "ner.cfg", overrides=overrides, interpolate=False)
    nlp = util.load_model_from_config(config, auto_fill=True)
    text = "东风柳汽和北部湾港今年增长。"
    nlp.initialize(lambda: [Example.from_dict(nlp.make_doc(text), {"entities": [(0, 4, "ORG")]})])
    assert _tokens(nlp, text)[:3] == ["东风柳汽", "和", "北部湾港"]
    nlp.to_disk(tmp_path / "model")
    assert _tokens(spacy.load(tmp_path / "model"), text)[:3] == ["东风柳汽", "和", "北部湾港"]

"""The project's pkuseg segmenter against spacy-pkuseg, the reference: same words, same Docs, on every text."""

from __future__ import annotations

import json
import pickle
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import spacy
from spacy.util import get_words_and_spaces

from pipeline.segmenter import compact
from pipeline.segmenter.reference import UnknownFormat, external_texts, shared_texts
from pipeline.segmenter.segmenter import PkusegSegmenter
from pipeline.segmenter.tokenizer import NotInitialized, PkusegTokenizer
from pipeline.settings import PROJECT_ROOT
from pipeline.tokenizer import ensure_pkuseg_model, make_nlp

SEED = PROJECT_ROOT / "corpus" / "gx-industry-2021.txt"

TRICKY = [
    "",
    " ",
    "   \n\n\t  ",
    "\u2028",
    "中\u2028文",
    "一\u3000二\u00a0三\x85四\x1c五\u2029六\u200b七",  # ideographic, no-break, NEL, FS, PS; ZWSP is not a space
    " 开头与结尾 ",
    "a b\r\nc",
    "\n\n第一段。\n\n第二段。\n",
    "２０２１年１２月３１日，ＧＤＰ增长８．１％，ｊａｖａ与ｊＱｕｅｒｙ",
    "2021年GDP增长8.1%，CPI上涨2.5个百分点，abc123def，iPhone13Pro售价5999元。",
    "a-b.c_d,e|f/g*h:i&j",
    "3.14159-2,718|1/2*3:4",
    "**Num**Letter**noWord*ww.l.c-1c.",
    "😀😀中国𠀀𠀁abc🇨🇳👨‍👩‍👧",
    "几二三四五六七八九十千万亿兆零",
    "／・－ＡＢＣａｂｃ",
    "，。、；：？！“”‘’（）《》【】……——",
    "中",
    "中国",
    "x",
    "一" * 300,
    "的" * 7 + "是" * 7,
    "柳州市柳州市柳州市",
]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return ensure_pkuseg_model()


@pytest.fixture(scope="module")
def ref_nlp(model_dir):
    """spaCy's ChineseTokenizer on spacy-pkuseg: the reference."""
    return make_nlp("spacy-pkuseg", model_dir=model_dir)


@pytest.fixture(scope="module")
def seg(model_dir) -> PkusegSegmenter:
    return PkusegSegmenter.load(model_dir)


@pytest.fixture
def nlps(ref_nlp, model_dir):
    """(ours, reference) pipelines whose user dictionaries are emptied again after the test."""
    ours = make_nlp(model_dir=model_dir)
    yield ours, ref_nlp
    ref_nlp.tokenizer.pkuseg_update_user_dict([], reset=True)


def _doc_tokens(nlp, text: str) -> list[tuple[str, str]]:
    return [(t.text, t.whitespace_) for t in nlp(text)]


def _long_line() -> str:
    return "".join(SEED.read_text(encoding="utf-8").split()) * 6  # ~20,000 characters without whitespace


def test_constants_are_spacy_pkusegs() -> None:
    from spacy_pkuseg.config import config
    from spacy_pkuseg.feature_extractor import FeatureExtractor

    assert set(compact.KEYWORDS) == set(FeatureExtractor.keywords)
    assert set(compact.NUM_CHARS) == FeatureExtractor.num
    assert set(compact.LETTER_CHARS) == FeatureExtractor.letter
    assert (config.wordMin, config.wordMax) == (compact.WORD_MIN, compact.WORD_MAX)
    assert config.numLetterNorm and config.wordFeature


def test_seed_article_identical(seg, ref_nlp, nlps) -> None:
    text = SEED.read_text(encoding="utf-8")
    ref = ref_nlp.tokenizer.pkuseg_seg
    assert seg.cut(text) == ref.cut(text)
    for paragraph in text.split("\n"):
        assert seg.cut(paragraph) == ref.cut(paragraph)
    ours, _ = nlps
    assert _doc_tokens(ours, text) == _doc_tokens(ref_nlp, text)


@pytest.mark.parametrize("text", [*TRICKY, "LONG"], ids=lambda t: repr(t[:12]))
def test_tricky_strings_identical(text: str, seg, ref_nlp, nlps) -> None:
    if text == "LONG":
        text = _long_line()
    ref = ref_nlp.tokenizer.pkuseg_seg
    assert seg.cut(text) == ref.cut(text)
    words = ref.cut(text)
    assert seg.words_and_spaces(text) == get_words_and_spaces(words, text)
    assert seg.spans(text) == [(s, s + len(w)) for s, w in zip(_starts(text, words), words, strict=True)]
    ours, _ = nlps
    assert _doc_tokens(ours, text) == _doc_tokens(ref_nlp, text)


def _starts(text: str, words: list[str]) -> list[int]:
    starts, pos = [], 0
    for w in words:
        pos = text.index(w, pos)
        starts.append(pos)
        pos += len(w)
    return starts


def test_random_strings_identical(seg, ref_nlp) -> None:
    """Fuzz: random mixtures of Chinese, digits, letters, keywords, punctuation, whitespace and emoji."""
    rng = random.Random(14)
    seed = "".join(SEED.read_text(encoding="utf-8").split())
    alphabet = (
        list(seed[:400]) + list("0123456789.０１２ABCabcＡａ-._,|/*:&%％，。、 \n\t\u3000😀𠀀") + ["**Num"]
    )
    ref = ref_nlp.tokenizer.pkuseg_seg
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        assert seg.cut(text) == ref.cut(text), text
        start = rng.randrange(len(seed))
        text = seed[start : start + rng.randint(1, 200)]
        assert seg.cut(text) == ref.cut(text), text


def test_long_dictionary_words_identical(seg, ref_nlp) -> None:
    """The post-processing merges words into the dictionary's longest entries (> 16 characters) as well."""
    ref = ref_nlp.tokenizer.pkuseg_seg
    longest = sorted(compact.default_dictionary(), key=len)[-300:]
    assert len(longest[0]) > 16
    for word in longest:
        for text in (word, f"在{word}的", word + word[:5]):
            assert seg.cut(text) == ref.cut(text), text


def test_user_words_as_spacy_pkuseg(nlps) -> None:
    ours, ref = nlps
    texts = ["东风柳汽今年增长。", "abcx abcd ab abc", "北部湾港和北部湾", "柳州市 柳州", "ab"]
    words = ["东风柳汽", "ab", "abcd", "北部湾港", " 柳州 ", "", "港和北"]
    for nlp in (ours, ref):
        nlp.tokenizer.pkuseg_update_user_dict(words)
    for text in texts:
        assert _doc_tokens(ours, text) == _doc_tokens(ref, text)
    # spacy-pkuseg quirk kept: with "ab" and "abcd", "abcx" gives "abc" (the walk ends at the first miss)
    assert ours("abcx")[0].text == "abc"
    for nlp in (ours, ref):
        nlp.tokenizer.pkuseg_update_user_dict(["柳汽今年"], reset=True)
    for text in texts:
        assert _doc_tokens(ours, text) == _doc_tokens(ref, text)
    assert ours.tokenizer.segmenter.user_words == ["柳汽今年"]


def test_random_user_words_as_spacy_pkuseg(nlps) -> None:
    ours, ref = nlps
    rng = random.Random(7)
    text = SEED.read_text(encoding="utf-8")
    flat = "".join(text.split())
    words = [flat[i : i + rng.randint(1, 6)] for i in (rng.randrange(len(flat)) for _ in range(300))]
    for nlp in (ours, ref):
        nlp.tokenizer.pkuseg_update_user_dict(words)
    assert _doc_tokens(ours, text) == _doc_tokens(ref, text)


def test_add_user_words_and_make_nlp(model_dir) -> None:
    from pipeline.tokenizer import add_user_words

    nlp = make_nlp(user_words=["东风柳汽"], model_dir=model_dir)
    assert isinstance(nlp.tokenizer, PkusegTokenizer)
    assert [t.text for t in nlp("东风柳汽今年增长。")][:2] == ["东风柳汽", "今年"]
    assert add_user_words(nlp, [" 柳汽今年 ", ""]) == 1
    assert add_user_words(nlp, [], reset=True) == 0
    assert nlp.tokenizer.segmenter.user_words == []
    assert add_user_words(make_nlp("char"), ["东风柳汽"]) == 0
    with pytest.raises(ValueError, match="unknown segmenter"):
        make_nlp("jieba")


def test_disk_and_bytes_round_trip(tmp_path, model_dir) -> None:
    nlp = make_nlp(user_words=["东风柳汽"], model_dir=model_dir)
    text = "东风柳汽今年增长。 柳州市投资5亿元。"
    expected = _doc_tokens(nlp, text)
    nlp.to_disk(tmp_path / "m")
    assert compact.is_compact(tmp_path / "m" / "tokenizer" / "pkuseg")
    loaded = spacy.load(tmp_path / "m")
    assert isinstance(loaded.tokenizer, PkusegTokenizer)
    assert _doc_tokens(loaded, text) == expected
    loaded.tokenizer.pkuseg_update_user_dict(["柳州市投资"])
    loaded.to_disk(tmp_path / "m")  # over the memory-mapped files it was loaded from
    again = spacy.load(tmp_path / "m")
    assert again.tokenizer.segmenter.user_words == ["东风柳汽", "柳州市投资"]
    assert "柳州市投资" in [t.text for t in again(text)]
    assert _doc_tokens(loaded, text) == _doc_tokens(again, text)

    tok = PkusegTokenizer(nlp.vocab).from_bytes(nlp.tokenizer.to_bytes())
    assert [(t.text, t.whitespace_) for t in tok(text)] == expected
    clone = pickle.loads(pickle.dumps(nlp.tokenizer))
    assert [(t.text, t.whitespace_) for t in clone(text)] == expected


def test_uninitialised_tokenizer(tmp_path) -> None:
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "pipeline.pkuseg_tokenizer.v1"}}})
    with pytest.raises(NotInitialized):
        nlp("中文")
    nlp.to_disk(tmp_path / "blank")
    with pytest.raises(NotInitialized):
        spacy.load(tmp_path / "blank")("中文")
    with pytest.raises(ValueError, match="pkuseg tokenizer"):
        spacy.blank(
            "zh",
            config={
                "nlp": {"tokenizer": {"@tokenizers": "pipeline.pkuseg_tokenizer.v1", "segmenter": "char"}}
            },
        )


def test_config_initialize_and_user_dict_file(tmp_path, model_dir) -> None:
    """``[initialize.tokenizer]`` settings: pkuseg_model, pkuseg_user_dict (a pkuseg file), user_words."""
    (tmp_path / "dict.txt").write_text("东风柳汽\tnt\n\n北部湾港\n", encoding="utf-8")
    (tmp_path / "words.txt").write_text("柳州市投资\n", encoding="utf-8")
    config = {
        "nlp": {"tokenizer": {"@tokenizers": "pipeline.pkuseg_tokenizer.v1", "segmenter": "pkuseg"}},
        "initialize": {
            "tokenizer": {
                "pkuseg_model": str(model_dir),
                "pkuseg_user_dict": str(tmp_path / "dict.txt"),
                "user_words": str(tmp_path / "words.txt"),
            }
        },
    }
    nlp = spacy.blank("zh", config=config)
    nlp.initialize()
    assert nlp.tokenizer.segmenter.user_words == ["", "东风柳汽", "北部湾港", "柳州市投资"]
    assert [t.text for t in nlp("东风柳汽和北部湾港")] == ["东风柳汽", "和", "北部湾港"]


def test_spacy_load_in_a_fresh_process(tmp_path, model_dir) -> None:
    """A saved blank pipeline loads with plain ``spacy.load`` (the entry point finds the tokenizer)."""
    nlp = make_nlp(user_words=["东风柳汽"], model_dir=model_dir)
    nlp.to_disk(tmp_path / "blank")
    code = (
        "import json, sys, spacy\n"
        "nlp = spacy.load(sys.argv[1])\n"
        "print(json.dumps([type(nlp.tokenizer).__name__, [t.text for t in nlp('东风柳汽今年增长。')]]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "blank")], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["PkusegTokenizer", ["东风柳汽", "今年", "增长", "。"]]


def test_external_reader_refuses_unknown_formats(tmp_path) -> None:
    (tmp_path / "new_corpus.xml").write_text("<doc/>", encoding="utf-8")
    with pytest.raises(UnknownFormat):
        list(external_texts(tmp_path / "new_corpus.xml"))
    (tmp_path / "weiboNER.dev").write_text("口0\tO\n腔1\tO\n\n好0\tO\n", encoding="utf-8")
    assert list(external_texts(tmp_path / "weiboNER.dev")) == ["口腔", "好"]


@pytest.mark.slow
def test_identical_on_all_shared_texts(shared_dir, seg, ref_nlp) -> None:
    """Every text of ../shared (gold, reports, public corpora: ~4 M characters): same words as spacy-pkuseg,
    same Doc words and spaces; and at least 3× spacy-pkuseg's throughput in the same run."""
    pairs = list(shared_texts(shared_dir))
    texts = [text for _, text in pairs]
    sources = {source for source, _ in pairs}
    assert {"gold/reports.jsonl", "reports/gov-work-reports.jsonl"} <= sources
    assert any(s.startswith("external/") for s in sources) and any(
        s.startswith("reports/raw/") for s in sources
    )
    chars = sum(map(len, texts))
    assert chars > 3_000_000
    ref = ref_nlp.tokenizer.pkuseg_seg
    start = time.perf_counter()
    ours = [seg.cut(t) for t in texts]
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    theirs = [ref.cut(t) for t in texts]
    ref_s = time.perf_counter() - start
    different = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if a != b]
    assert not different, f"{len(different)} texts differ, first: {texts[different[0]][:200]!r}"
    for text, words in zip(texts, theirs, strict=True):
        if len(text) <= 20_000:  # get_words_and_spaces is quadratic in the text's length
            assert seg.words_and_spaces(text) == get_words_and_spaces(words, text)
    print(f"\n{chars:,} chars: ours {chars / ours_s:,.0f} chars/s, spacy-pkuseg {chars / ref_s:,.0f} chars/s")
    assert ref_s / ours_s >= 3


@pytest.mark.slow
def test_compact_tables_hold_exactly_the_model_features(model_dir, ref_nlp) -> None:
    """Decode every entry of the compact tables back into its feature string: each is a model feature with the
    same weights bit for bit, none twice, and together (with feature 0) they are all of the model's features —
    so no two features share a key and no key stands for a string that is not that feature."""
    model = compact.CompactModel.load(compact.ensure_compact(model_dir))
    arrays, values = model.arrays, model.arrays["values"]
    reference = ref_nlp.tokenizer.pkuseg_seg  # spacy-pkuseg's own reading of the model files
    n_tag, w = reference.model.n_tag, reference.model.w
    f2i = reference.feature_extractor.feature_to_idx
    seen: set[str] = set()

    def check(feature: str, codes) -> None:
        idx = f2i[feature]
        assert feature not in seen
        seen.add(feature)
        assert values[codes].tobytes() == w[idx * n_tag : (idx + 1) * n_tag].tobytes(), feature

    singles, pairs = ["c.", "c-1.", "c1.", "c-2.", "c2."], ["c-1c.", "cc1.", "c-2c-1."]
    for sym, j in _entries(arrays["chars"]):
        for k, prefix in enumerate(singles):
            if arrays["char_kinds"][j] >> k & 1:
                check(prefix + _symbol(sym), arrays["char_codes"][j, k])
    for key, j in _entries(arrays["pairs"]):
        a, b = key >> 29, key & compact._core.NOWORD
        for k, prefix in enumerate(pairs):
            if arrays["pair_kinds"][j] >> k & 1:
                check(f"{prefix}{_symbol(a)}.{_symbol(b)}", arrays["pair_codes"][j, k])
    words = _word_strings(arrays["words"])
    for node, word in words.items():
        for k, prefix in enumerate(["w-1.", "w1."]):
            if node < len(arrays["word_kinds"]) and arrays["word_kinds"][node] >> k & 1:
                check(prefix + word, arrays["word_codes"][node, k])
    for key, j in _entries(arrays["features"]):
        kind, a, b = key >> 58, (key >> 29) & compact._core.NOWORD, key & compact._core.NOWORD
        check(f"{_PREFIX[kind]}{words[a]}*{words[b]}", arrays["ww_codes"][j, 0])
    feature_0 = next(f for f, i in f2i.items() if i == 0)
    assert values[arrays["start_codes"][0, 0]].tobytes() == w[:n_tag].tobytes()
    assert seen | {feature_0} == set(f2i)


_PREFIX = {v: k for k, v in compact._core.KINDS.items()}


def _entries(table) -> list[tuple[int, int]]:
    import numpy as np

    return table[table[:, 0] != np.uint64(compact._core.EMPTY_KEY)].tolist()


def _symbol(sym: int) -> str:
    return {compact._core.SYMBOL_NUM: "**Num", compact._core.SYMBOL_LETTER: "**Letter"}.get(sym) or chr(sym)


def _word_strings(table) -> dict[int, str]:
    """Word id → word, from the window-word trie."""
    parent_of = {val & 0xFFFFFFFF: (key >> 22, key & ((1 << 22) - 1)) for key, val in _entries(table)}

    def spell(node: int) -> str:
        out = []
        while node:
            node, sym = parent_of[node]
            out.append(_symbol(sym))
        return "".join(reversed(out))

    words = {val & 0xFFFFFFFF: spell(val & 0xFFFFFFFF) for key, val in _entries(table) if val >> 32}
    words[0] = ""
    words[compact._core.NOWORD] = "**noWord"
    return words

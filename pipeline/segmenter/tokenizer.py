"""The spaCy tokenizer ``pipeline.pkuseg_tokenizer.v1``: spaCy's ChineseTokenizer(segmenter="pkuseg"), compiled.

The same Doc as ``spacy.lang.zh.ChineseTokenizer`` with ``segmenter = "pkuseg"`` for every text (words and
spaces), the same ``initialize`` settings and the same user dictionary API (``pkuseg_update_user_dict``); the
model is kept in its compact form (:mod:`pipeline.segmenter.compact`) inside the pipeline's directory::

    [nlp.tokenizer]
    @tokenizers = "pipeline.pkuseg_tokenizer.v1"
    segmenter = "pkuseg"

    [initialize.tokenizer]
    pkuseg_model = ${paths.pkuseg_model}
    pkuseg_user_dict = "default"

(kept free of ``from __future__ import annotations``: spaCy validates ``initialize``'s settings by signature).
"""

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example, validate_examples
from spacy.util import DummyTokenizer, from_bytes, from_disk, registry, to_bytes, to_disk
from spacy.vocab import Vocab

from pipeline.segmenter.compact import CompactModel, is_compact
from pipeline.segmenter.segmenter import PkusegSegmenter

MODEL_DIR = "pkuseg"  # the compact model's folder inside the tokenizer's directory


class NotInitialized(ValueError):
    """The tokenizer has no model yet: ``nlp.initialize()`` (or ``initialize(pkuseg_model=...)``) first."""


@registry.tokenizers("pipeline.pkuseg_tokenizer.v1")
def create_pkuseg_tokenizer(segmenter: str = "pkuseg") -> Callable[[Language], "PkusegTokenizer"]:
    """``[nlp.tokenizer]``; ``segmenter`` only says "pkuseg", as ChineseTokenizer's config does (code reading
    ``[nlp.tokenizer].segmenter`` keeps working)."""
    if segmenter != "pkuseg":
        raise ValueError(f'pipeline.pkuseg_tokenizer.v1 is a pkuseg tokenizer: segmenter = "{segmenter}"')

    def make(nlp: Language) -> PkusegTokenizer:
        return PkusegTokenizer(nlp.vocab)

    return make


def read_user_dict(path: str | Path) -> list[str]:
    """The words of a pkuseg user dictionary file (``word[<TAB>tag]`` per line), as ``Preprocesser`` reads it."""
    with open(path, encoding="utf-8") as fh:
        return [line.strip().split("\t")[0].strip() for line in fh.readlines()]


class PkusegTokenizer(DummyTokenizer):
    """Words from :class:`PkusegSegmenter`, spaces as ``spacy.util.get_words_and_spaces`` gives them."""

    def __init__(self, vocab: Vocab, segmenter: PkusegSegmenter | None = None) -> None:
        self.vocab = vocab
        self.segmenter = segmenter

    def __call__(self, text: str) -> Doc:
        if self.segmenter is None:
            raise NotInitialized("the pkuseg tokenizer has no model: initialize it with pkuseg_model first")
        words, spaces = self.segmenter.words_and_spaces(text)
        return Doc(self.vocab, words=words, spaces=spaces)

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Example]] | None = None,
        *,
        nlp: Language | None = None,
        pkuseg_model: str | None = None,
        pkuseg_user_dict: str | None = "default",
        user_words: str | list[str] | None = None,
    ) -> None:
        """Load the model and the user dictionary.

        ``pkuseg_model``: a pkuseg model directory (``features.msgpack`` + ``weights.npz``; its compact form is
        built once into ``<dir>/compact``) or a compact model; None: the project's model (``models/pkuseg``).
        ``pkuseg_user_dict``: ``"default"`` (none) or a pkuseg user dictionary file, as for ChineseTokenizer.
        ``user_words``: more user words, a list or a file with one word per line.
        """
        if pkuseg_model is None:
            from pipeline.tokenizer import ensure_pkuseg_model

            pkuseg_model = str(ensure_pkuseg_model())
        segmenter = PkusegSegmenter.load(pkuseg_model)
        if pkuseg_user_dict not in (None, "default"):
            segmenter.update_user_dict(read_user_dict(pkuseg_user_dict))
        if isinstance(user_words, str):
            from pipeline.tokenizer import read_words

            user_words = read_words(user_words)
        segmenter.update_user_dict(user_words or [])
        self.segmenter = segmenter

    def pkuseg_update_user_dict(self, words: list[str], reset: bool = False) -> None:
        """As ChineseTokenizer's: add ``words`` to the user dictionary (``reset``: empty it first)."""
        if self.segmenter is None:
            raise NotInitialized("the pkuseg tokenizer has no model: initialize it with pkuseg_model first")
        self.segmenter.update_user_dict(words, reset=reset)

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        validate_examples(examples, "PkusegTokenizer.score")
        return Scorer.score_tokenization(examples)

    # serialisation: cfg, the compact model (a folder / its bytes) and the user words
    def _cfg(self) -> dict[str, Any]:
        return {"segmenter": "pkuseg", "initialized": self.segmenter is not None}

    def to_disk(self, path: str | Path, **kwargs: Any) -> None:
        path = Path(path)
        seg = self.segmenter
        serializers: dict[str, Callable[[Path], Any]] = {"cfg": lambda p: srsly.write_json(p, self._cfg())}
        if seg is not None:
            serializers[MODEL_DIR] = lambda p: seg.model.save(p)
            serializers["user_words"] = lambda p: srsly.write_json(p, seg.user_words)
        elif (path / MODEL_DIR).exists():
            shutil.rmtree(path / MODEL_DIR)
        to_disk(path, serializers, [])

    def from_disk(self, path: str | Path, **kwargs: Any) -> "PkusegTokenizer":
        path = Path(path)
        data: dict[str, Any] = {}
        deserializers: dict[str, Callable[[Path], Any]] = {
            "cfg": lambda p: data.update(cfg=srsly.read_json(p)),
            MODEL_DIR: lambda p: data.update(model=CompactModel.load(p) if is_compact(p) else None),
            "user_words": lambda p: data.update(words=srsly.read_json(p) if p.exists() else []),
        }
        from_disk(path, deserializers, [])
        self._restore(data.get("model"), data.get("words", []))
        return self

    def to_bytes(self, **kwargs: Any) -> bytes:
        seg = self.segmenter
        serializers: dict[str, Callable[[], bytes]] = {
            "cfg": lambda: srsly.json_dumps(self._cfg()),
            "model": lambda: seg.model.to_bytes() if seg is not None else b"",
            "user_words": lambda: srsly.json_dumps(seg.user_words if seg is not None else []),
        }
        return to_bytes(serializers, [])

    def from_bytes(self, data: bytes, **kwargs: Any) -> "PkusegTokenizer":
        got: dict[str, Any] = {}
        deserializers: dict[str, Callable[[bytes], Any]] = {
            "cfg": lambda b: got.update(cfg=srsly.json_loads(b)),
            "model": lambda b: got.update(model=CompactModel.from_bytes(b) if b else None),
            "user_words": lambda b: got.update(words=srsly.json_loads(b)),
        }
        from_bytes(data, deserializers, [])
        self._restore(got.get("model"), got.get("words", []))
        return self

    def _restore(self, model: CompactModel | None, words: list[str]) -> None:
        self.segmenter = None if model is None else PkusegSegmenter(model, words)

"""``PkusegSegmenter``: spacy-pkuseg's ``pkuseg.cut`` on a compact model, with its user dictionary."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipeline.segmenter.compact import CompactModel, open_compact


class PkusegSegmenter:
    """Segments text exactly as ``spacy_pkuseg.pkuseg(model, user_dict="default").cut`` does.

    The user dictionary behaves as spacy-pkuseg's ``Preprocesser``: words are only ever added
    (``update_user_dict``), ``reset=True`` empties it first.
    """

    def __init__(self, model: CompactModel, user_words: Iterable[str] = ()) -> None:
        self.model = model
        self._core = model.core()
        self._user_words: set[str] = set()
        self.update_user_dict(user_words)

    @classmethod
    def load(cls, path: str | Path, user_words: Iterable[str] = (), mmap: bool = True) -> PkusegSegmenter:
        """From a compact model directory, or a pkuseg model directory (compacted once, next to it)."""
        return cls(open_compact(path, mmap=mmap), user_words)

    def __reduce__(self):  # the compiled core does not pickle: rebuild it from the model and the words
        return (PkusegSegmenter, (self.model, self.user_words))

    @property
    def user_words(self) -> list[str]:
        """The user dictionary, sorted (after ``strip()``, as spacy-pkuseg stores its words)."""
        return sorted(self._user_words)

    def update_user_dict(self, words: Iterable[str], reset: bool = False) -> None:
        """spaCy's ``pkuseg_update_user_dict``: ``Preprocesser.insert(word.strip(), "")`` for each word."""
        if reset:
            self._core.reset_user_words()
            self._user_words = set()
        for word in words:
            word = word.strip()
            self._core.user.insert(word)
            self._user_words.add(word)

    def cut(self, text: str) -> list[str]:
        """The words of ``text`` (whitespace dropped), as ``pkuseg.cut``."""
        return self._core.cut(text)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The ``(start, end)`` character offsets of the words of ``text``."""
        return self._core.spans(text)

    def words_and_spaces(self, text: str) -> tuple[list[str], list[bool]]:
        """``spacy.util.get_words_and_spaces(self.cut(text), text)``, computed from the offsets."""
        return self._core.words_and_spaces(text)

"""spaCy registry functions used from ``configs/*.cfg`` (kept free of ``from __future__ import annotations``,
which would hide their signatures from spaCy's config validation)."""

from collections.abc import Callable

from spacy.language import Language
from spacy.util import registry

from pipeline.tokenizer import add_user_words, read_words


@registry.callbacks("pipeline.pkuseg_user_words.v1")
def pkuseg_user_words(path: str | None = None) -> Callable[[Language], Language]:
    """``[initialize.after_init]``: add the words of ``path`` (one per line) to the pkuseg user dictionary."""

    def add(nlp: Language) -> Language:
        if path:
            add_user_words(nlp, read_words(path))
        return nlp

    return add

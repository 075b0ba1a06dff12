"""floret vectors trained on text, turned into spaCy vectors, used by a training config."""

from __future__ import annotations

from pathlib import Path

import numpy
import spacy

from pipeline.settings import PROJECT_ROOT
from pipeline.vectors import FloretSettings, ensure_vectors, train_vectors

SEED_TEXT = (PROJECT_ROOT / "corpus" / "gx-industry-2021.txt").read_text(encoding="utf-8")
SMALL = FloretSettings(dim=16, bucket=2000, epoch=2, min_count=1)


def test_vectors_cover_unseen_words_through_their_characters(tmp_path: Path) -> None:
    lines = [line for line in SEED_TEXT.split("\n") if line.strip()] * 3
    dest = train_vectors(lines, tmp_path / "vectors", SMALL)
    nlp = spacy.load(dest)
    vectors = nlp.vocab.vectors
    assert vectors.mode == "floret" and vectors.shape == (2000, 16)
    seen, unseen = (
        nlp.vocab["柳州"].vector,
        nlp.vocab["柳州港务"].vector,
    )  # the second never occurs in the text
    assert numpy.any(seen) and numpy.any(unseen)
    assert (dest / "vectors_source.json").is_file()
    assert ensure_vectors(dest, None) == dest  # cached: nothing to build


def test_missing_vectors_need_the_data_dir(tmp_path: Path) -> None:
    import pytest

    with pytest.raises(FileNotFoundError, match="shared data directory is needed"):
        ensure_vectors(tmp_path / "none", None)

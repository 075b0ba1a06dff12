"""Static word vectors trained on unlabelled public text (floret: words plus character n-grams).

The text is the pretraining text of :mod:`pipeline.pretraining` (national government work reports and the
sentences of every public corpus; not the gold reports), segmented with the pipeline's tokenizer.  floret learns
a vector for every word *and* for its character n-grams (1–3 characters here), hashed into a fixed table, so a
company or place name never seen in training still gets a vector from its characters.  ``spacy init vectors``
turns the table into a spaCy vectors directory that a training config names in ``[initialize] vectors``; the
trained pipeline then carries the table (``vocab/vectors``).

Built once and cached: :func:`ensure_vectors` (called by ``pipeline train`` when the config names vectors that
do not exist yet, and by ``make vectors``).  Deterministic for a given text and settings (one thread).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.settings import MODELS_DIR

VECTORS_DIR = MODELS_DIR / "vectors"


@dataclass(frozen=True)
class FloretSettings:
    """floret's training settings (see floret's ``train_unsupervised``)."""

    dim: int = 100
    bucket: int = 50000
    minn: int = 1
    maxn: int = 3
    hash_count: int = 2
    epoch: int = 5
    min_count: int = 2
    model: str = "cbow"


def write_segmented_text(texts: Iterable[str], out: Path) -> tuple[int, int]:
    """One paragraph a line, words separated by spaces; returns (lines, words)."""
    from pipeline.tokenizer import make_nlp

    nlp = make_nlp()
    lines = words = 0
    with out.open("w", encoding="utf-8") as fh:
        for doc in nlp.pipe(texts, batch_size=256):
            tokens = [t.text for t in doc if not t.is_space]
            if tokens:
                fh.write(" ".join(tokens) + "\n")
                lines += 1
                words += len(tokens)
    return lines, words


def build_vectors(
    data_dir: Path, dest: Path = VECTORS_DIR, settings: FloretSettings = FloretSettings()
) -> Path:
    """Train floret on the public text of ``data_dir`` and write a spaCy vectors directory at ``dest``."""
    from pipeline.pretraining import unlabelled_texts

    return train_vectors(unlabelled_texts(data_dir), dest, settings)


def train_vectors(texts: Iterable[str], dest: Path, settings: FloretSettings = FloretSettings()) -> Path:
    """Segment ``texts``, train floret on them and write a spaCy vectors directory at ``dest``."""
    import floret
    import spacy
    from spacy.training.initialize import convert_vectors

    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "text.txt"
        lines, words = write_segmented_text(texts, text)
        model = floret.train_unsupervised(
            str(text),
            model=settings.model,
            mode="floret",
            dim=settings.dim,
            bucket=settings.bucket,
            minn=settings.minn,
            maxn=settings.maxn,
            hashCount=settings.hash_count,
            epoch=settings.epoch,
            minCount=settings.min_count,
            thread=1,
            verbose=0,
        )
        table = Path(tmp) / "vectors.floret"
        model.save_floret_vectors(str(table))
        nlp = spacy.blank("zh")
        convert_vectors(nlp, table, truncate=0, prune=-1, mode="floret")  # what `spacy init vectors` does
        staged = Path(tmp) / "out"
        nlp.to_disk(staged)
        (staged / "vectors_source.json").write_text(
            json.dumps({"lines": lines, "words": words, "floret": asdict(settings)}, indent=1),
            encoding="utf-8",
        )
        if dest.exists():
            shutil.rmtree(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staged, dest)
    return dest


def ensure_vectors(dest: Path, data_dir: Path | None) -> Path:
    """``dest`` if it holds vectors, else build them there from the public text in ``data_dir``."""
    if (dest / "vocab" / "vectors").exists() or (dest / "vocab" / "vectors.cfg").exists():
        return dest
    if data_dir is None:
        raise FileNotFoundError(
            f"vectors {dest} do not exist and the shared data directory is needed to build them"
        )
    return build_vectors(data_dir, dest)

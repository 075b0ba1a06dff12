"""The pkuseg word segmenter: fetch the model from PyPI once, convert it, build the Chinese tokenizer.

The ``pkuseg==0.0.25`` wheel on PyPI carries pkuseg's default model (``pkuseg/models/default/``:
``features.pkl`` + ``weights.npz``).  :func:`ensure_pkuseg_model` downloads the wheel with pip, checks its
SHA-256, converts ``features.pkl`` to spacy-pkuseg's ``features.msgpack`` with an unpickler that refuses every
class (the file holds only builtin containers), and stores both files in ``models/pkuseg/`` (outside git).
Nothing loads that pickle at run time.  pkuseg's models are released for research use.  The project's own
segmenter (:mod:`pipeline.segmenter`, the spaCy tokenizer ``pipeline.pkuseg_tokenizer.v1``) runs the model from
a compact form built once into ``models/pkuseg/compact/``; its words are spacy-pkuseg's (see
benchmarks/tagging_speed.py for the speed).

A domain user dictionary (:class:`UserDictionary`: ORG/GPE/LOC surfaces of the training gold plus gazetteer
names) keeps names such as 东风柳汽 whole; training writes it next to the data and the
``pipeline.pkuseg_user_words.v1`` callback adds it at initialisation, so it is saved inside the trained model.
Training documents themselves are tokenised with the names of the *other* documents only (held-out folds):
otherwise every training name would be one token and the NER would learn that names are single tokens, which
they are not in new reports.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import srsly

from pipeline.settings import PKUSEG_DIR

if TYPE_CHECKING:
    from spacy.language import Language

    from pipeline.corpus.gold import GoldDoc

PKUSEG_WHEEL = "pkuseg-0.0.25-cp37-cp37m-manylinux1_x86_64.whl"
PKUSEG_WHEEL_SHA256 = "6fc2f97d0f66cc6722cf772e65dbcde1b01d8cc53b66ac4aa7bce639de79588f"
_MODEL_MEMBERS = ("pkuseg/models/default/features.pkl", "pkuseg/models/default/weights.npz")


class PkusegModelError(RuntimeError):
    """The pkuseg model could not be fetched or converted."""


class _NoClassUnpickler(pickle.Unpickler):
    """Unpickles builtin containers only; any class reference is refused."""

    def find_class(self, module: str, name: str):  # type: ignore[override]
        raise PkusegModelError(f"features.pkl references {module}.{name}: refusing to unpickle it")


def convert_features(pkl_bytes: bytes, dest: Path) -> None:
    """Convert pkuseg's ``features.pkl`` into ``features.msgpack`` (the format spacy-pkuseg reads first)."""
    data = _NoClassUnpickler(io.BytesIO(pkl_bytes)).load()
    out = {
        "unigram": sorted(data["unigram"]),
        "bigram": sorted(data["bigram"]),
        "feature_to_idx": dict(data["feature_to_idx"]),
        "tag_to_idx": dict(data["tag_to_idx"]),
    }
    srsly.write_msgpack(dest / "features.msgpack", out)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _download_wheel(workdir: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--python-version",
        "3.7",
        "--platform",
        "manylinux1_x86_64",
        "pkuseg==0.0.25",
        "-d",
        str(workdir),
        "-q",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wheel = workdir / PKUSEG_WHEEL
    if proc.returncode != 0 or not wheel.exists():
        raise PkusegModelError(f"pip could not download {PKUSEG_WHEEL}: {proc.stderr.strip()[-500:]}")
    return wheel


def install_from_wheel(wheel: Path, dest: Path = PKUSEG_DIR) -> Path:
    """Check the wheel's hash, extract and convert the default model into ``dest``."""
    digest = sha256_of(wheel)
    if digest != PKUSEG_WHEEL_SHA256:
        raise PkusegModelError(f"{wheel}: SHA-256 {digest} does not match the expected {PKUSEG_WHEEL_SHA256}")
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        convert_features(zf.read(_MODEL_MEMBERS[0]), dest)
        with zf.open(_MODEL_MEMBERS[1]) as src, (dest / "weights.npz").open("wb") as out:
            shutil.copyfileobj(src, out)
    (dest / "SOURCE.txt").write_text(
        f"pkuseg default model from PyPI {PKUSEG_WHEEL} (sha256 {PKUSEG_WHEEL_SHA256}).\n"
        "features.pkl converted to features.msgpack; weights.npz unchanged. pkuseg models are for research use.\n",
        encoding="utf-8",
    )
    return dest


def pkuseg_model_ready(dest: Path = PKUSEG_DIR) -> bool:
    return (dest / "features.msgpack").is_file() and (dest / "weights.npz").is_file()


def ensure_pkuseg_model(dest: Path = PKUSEG_DIR) -> Path:
    """Return the converted model directory, fetching and converting it (and compacting it) on first use."""
    from pipeline.segmenter.compact import ensure_compact

    if not pkuseg_model_ready(dest):
        with tempfile.TemporaryDirectory() as tmp:
            wheel = _download_wheel(Path(tmp))
            install_from_wheel(wheel, dest)
    ensure_compact(dest)
    return dest


SEGMENTERS = ("pkuseg", "char", "spacy-pkuseg")


def make_nlp(segmenter: str = "pkuseg", user_words: Iterable[str] = (), model_dir: Path | None = None):
    """A blank Chinese ``Language`` with the pkuseg (or per-character) tokenizer, user words added.

    ``pkuseg``: the project's segmenter (``pipeline.pkuseg_tokenizer.v1``); ``spacy-pkuseg``: spaCy's
    ChineseTokenizer on spacy-pkuseg, the reference (same tokens, slower); ``char``: one token per character.
    """
    import spacy

    if segmenter not in SEGMENTERS:
        raise ValueError(f"unknown segmenter {segmenter!r} (one of {', '.join(SEGMENTERS)})")
    if segmenter == "char":
        return spacy.blank("zh")
    model = str(model_dir or ensure_pkuseg_model())
    if segmenter == "spacy-pkuseg":
        from spacy.lang.zh import ChineseTokenizer

        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "pkuseg"}}})
        assert isinstance(nlp.tokenizer, ChineseTokenizer)  # the zh tokenizer factory always builds one
        nlp.tokenizer.initialize(pkuseg_model=model)
    else:
        from pipeline.segmenter.tokenizer import PkusegTokenizer

        tok = {"@tokenizers": "pipeline.pkuseg_tokenizer.v1", "segmenter": "pkuseg"}
        nlp = spacy.blank("zh", config={"nlp": {"tokenizer": tok}})
        assert isinstance(nlp.tokenizer, PkusegTokenizer)
        nlp.tokenizer.initialize(pkuseg_model=model)
    add_user_words(nlp, user_words)
    return nlp


def add_user_words(nlp: Language, words: Iterable[str], reset: bool = False) -> int:
    """Add ``words`` to the pkuseg user dictionary of ``nlp`` (no-op for other segmenters); return how many.

    ``reset=True`` makes them the whole dictionary (spacy-pkuseg's "default" dictionary is empty).
    """
    from spacy.lang.zh import ChineseTokenizer

    from pipeline.segmenter.tokenizer import PkusegTokenizer

    tokenizer = nlp.tokenizer
    if isinstance(tokenizer, PkusegTokenizer):
        ready = tokenizer.segmenter is not None
    else:
        ready = isinstance(tokenizer, ChineseTokenizer) and tokenizer.pkuseg_seg is not None
    if not ready:
        return 0
    clean = sorted({w.strip() for w in words if w and w.strip()})
    if clean or reset:
        tokenizer.pkuseg_update_user_dict(clean, reset=reset)  # type: ignore[union-attr]
    return len(clean)


def _is_name_word(word: str, min_chars: int) -> bool:
    """Worth a dictionary entry: long enough, no digits, spaces or punctuation (those are not names' parts)."""
    if len(word) < min_chars:
        return False
    return all(unicodedata.category(ch)[0] in "LM" for ch in word)


@dataclass
class UserDictionary:
    """Which words go into the pkuseg user dictionary (``[pipeline_data.user_dict]`` of a training config)."""

    labels: Sequence[str] = ("ORG", "GPE", "LOC")
    min_chars: int = 2
    gazetteer: bool = True
    held_out_folds: int = 5  # training documents are tokenised without their own names (0: with them)

    def words(self, docs: Iterable[GoldDoc]) -> set[str]:
        """Entity surfaces with ``labels`` in ``docs`` plus (optionally) every gazetteer name."""
        found = {d.text[s:e] for d in docs for s, e, lab in d.spans if lab in self.labels}
        if self.gazetteer:
            from pipeline.gazetteer import default_gazetteer

            found.update(default_gazetteer().index)
        return {w for w in found if _is_name_word(w, self.min_chars)}


def read_words(path: str | Path) -> list[str]:
    """One word per line (blank lines ignored)."""
    return [w.strip() for w in Path(path).read_text(encoding="utf-8").splitlines() if w.strip()]


def write_words(words: Iterable[str], path: Path) -> Path:
    path.write_text("".join(f"{w}\n" for w in sorted(set(words))), encoding="utf-8")
    return path

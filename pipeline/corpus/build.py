"""Build spaCy training data: gold JSONL sources → train/dev(/test) DocBins, split by document."""

from __future__ import annotations

import itertools
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language

from pipeline.corpus.docbin import BuildReport, split_documents, write_docbin
from pipeline.corpus.gold import GoldDoc
from pipeline.io import FileFormatError, read_json
from pipeline.tokenizer import UserDictionary, add_user_words, write_words


@dataclass
class Source:
    """One gold source: a JSONL file, a sampling weight, and an optional fixed split."""

    path: Path
    weight: float = 1.0  # < 1: fraction of documents sampled; > 1: documents repeated
    split: str | None = None  # "train" | "dev" | "test" | None (= split by fraction / splits file)
    user_words: bool = True  # its training documents' names feed the pkuseg user dictionary


@dataclass
class BuildResult:
    files: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    report: BuildReport = field(default_factory=BuildReport)


def chunk_document(doc: GoldDoc, max_chars: int) -> list[GoldDoc]:
    """Cut a long document at line breaks into pieces of at most ``max_chars`` (when possible).

    Spans never cross the cuts (a cut inside a span is skipped); offsets are shifted into each piece.
    """
    if max_chars <= 0 or len(doc.text) <= max_chars:
        return [doc]
    inside: set[int] = set()
    for s, e, _ in doc.spans:
        inside.update(range(s + 1, e))
    cuts, start = [], 0
    last_break = None
    for i, ch in enumerate(doc.text):
        if ch == "\n" and (i + 1) not in inside:
            last_break = i + 1
        if i - start >= max_chars and last_break and last_break > start:
            cuts.append(last_break)
            start = last_break
    bounds = [0, *cuts, len(doc.text)]
    pieces = []
    for k, (a, b) in enumerate(itertools.pairwise(bounds)):
        text = doc.text[a:b]
        if not text.strip():
            continue
        spans = [(s - a, e - a, lab) for s, e, lab in doc.spans if a <= s and e <= b]
        pieces.append(GoldDoc(f"{doc.id}#{k}", text, spans, dict(doc.meta, parent_id=doc.id, offset=a)))
    return pieces


def assign_splits(
    sources: Sequence[tuple[Source, list[GoldDoc]]],
    splits_file: Path | None = None,
    dev_fraction: float = 0.2,
    test_fraction: float = 0.0,
    seed: int = 0,
    tune_fraction: float = 0.0,
) -> dict[str, list[GoldDoc]]:
    """Put each document in train/tune/dev/test: a fixed split per source, else the splits file, else by fraction.

    ``tune``: a ``tune_fraction`` of the training documents of sources without a fixed split, held out of
    training to choose the best checkpoint (so the choice never sees the dev/test documents).
    """
    fixed: dict[str, str] = {}
    if splits_file is not None:
        splits = read_json(splits_file, "splits file")
        if not isinstance(splits, dict) or any(
            name not in ("train", "tune", "dev", "test") for name in splits
        ):
            raise FileFormatError(f'{splits_file}: expected {{"train"|"tune"|"dev"|"test": [ids]}}')
        for name, ids in splits.items():
            fixed.update({str(doc_id): name for doc_id in ids})
    out: dict[str, list[GoldDoc]] = {"train": [], "tune": [], "dev": [], "test": []}
    rng = random.Random(seed)
    for source, docs in sources:
        if source.split:
            out[source.split] += docs
            continue
        own: dict[str, list[GoldDoc]] = {"train": [], "dev": [], "test": []}
        for d in docs:
            if d.id in fixed:
                own[fixed[d.id]].append(d)
        rest = [d for d in docs if d.id not in fixed]
        if rest:
            for name, part in split_documents(rest, dev_fraction, test_fraction, seed).items():
                own[name] += part
        if tune_fraction > 0 and own["train"]:
            held = split_documents(own["train"], tune_fraction, 0.0, seed)
            own["train"], out["tune"] = held["train"], out["tune"] + held["dev"]
        for name, part in own.items():
            out[name] += part
    # weights apply to training documents only
    weighted: list[GoldDoc] = []
    by_id = {id(d): s for s, docs in sources for d in docs}
    for d in out["train"]:
        w = by_id[id(d)].weight
        reps = int(w) + (1 if rng.random() < w - int(w) else 0)
        weighted += [d] * reps
    out["train"] = weighted
    return out


def build_corpus(
    nlp: Language,
    sources: Sequence[Source],
    output_dir: Path,
    splits_file: Path | None = None,
    dev_fraction: float = 0.2,
    test_fraction: float = 0.0,
    seed: int = 0,
    chunk_chars: int = 0,
    user_dict: UserDictionary | None = None,
    *,
    tune_fraction: float = 0.0,
) -> BuildResult:
    """Read (validated) sources, split by document, chunk training documents, write ``{split}.spacy``.

    With ``user_dict`` (pkuseg only), the names of the training documents (of sources with ``user_words``)
    and the gazetteer form the tokenizer's user dictionary, written to ``user_words.txt``
    (``result.files["user_words"]``) for the training config to load; dev/test documents are tokenised with
    it.  Training documents are dealt into ``user_dict.held_out_folds`` folds by document id and each fold is
    tokenised with the names of the other folds only, as a new report would be.
    """
    from pipeline.corpus.gold import read_jsonl

    loaded = [(s, read_jsonl(s.path)) for s in sources]
    parts = assign_splits(loaded, splits_file, dev_fraction, test_fraction, seed, tune_fraction)
    result = BuildResult()
    output_dir.mkdir(parents=True, exist_ok=True)
    prepare_train = None
    if user_dict is not None:
        eligible = {id(d) for s, docs in loaded if s.user_words for d in docs}
        named = [d for d in parts["train"] if id(d) in eligible]
        all_words = user_dict.words(named)
        result.files["user_words"] = write_words(all_words, output_dir / "user_words.txt")
        add_user_words(nlp, all_words, reset=True)
        if user_dict.held_out_folds > 1:
            prepare_train = _held_out_dictionaries(nlp, user_dict, named, all_words)
    for name, docs in parts.items():
        if not docs and name in ("test", "tune"):
            continue
        if name == "train" and chunk_chars:
            docs = [piece for d in docs for piece in chunk_document(d, chunk_chars)]
        path = output_dir / f"{name}.spacy"
        prepare = prepare_train if name == "train" else None
        result.counts[name] = write_docbin(nlp, docs, path, result.report, prepare)
        result.files[name] = path
        (output_dir / f"{name}.ids.txt").write_text("\n".join(d.id for d in docs) + "\n", encoding="utf-8")
        if prepare is not None:
            add_user_words(nlp, all_words, reset=True)
    return result


def _fold_of(doc_id: str, folds: int) -> int:
    return zlib.crc32(doc_id.encode("utf-8")) % folds


def _held_out_dictionaries(
    nlp: Language, user_dict: UserDictionary, named: list[GoldDoc], all_words: set[str]
) -> Callable[[GoldDoc], None]:
    """A ``prepare`` hook for :func:`write_docbin`: before a training document (or a chunk of one) from fold
    *k* is tokenised, the dictionary becomes the names of the other folds; other documents get ``all_words``."""
    folds = user_dict.held_out_folds
    named_ids = {d.id for d in named}
    words = {k: user_dict.words(d for d in named if _fold_of(d.id, folds) != k) for k in range(folds)}
    current: list[int | None] = [None]

    def prepare(gold: GoldDoc) -> None:
        root = str(gold.meta.get("parent_id", gold.id))
        fold = _fold_of(root, folds) if root in named_ids else None
        if fold != current[0]:
            add_user_words(nlp, all_words if fold is None else words[fold], reset=True)
            current[0] = fold

    return prepare

"""Pretraining the tok2vec layer on unlabelled text with ``spacy pretrain`` (characters objective).

The text: the national government work reports (``reports/gov-work-reports.jsonl``) and the sentences of every
public corpus in ``external/`` (NER corpora through their readers, the SIGHAN 2005 segmented texts, the UD
treebank's sentences) — about 3.5 million characters of public news and report text.  The 75 gold reports are
*not* used, so cross-validation over them stays honest.  The text is segmented once (the pipeline's tokenizer)
into ``corpus.spacy``; ``spacy pretrain`` then reads those tokens every epoch (``gold_preproc``).

``configs/pretrain.cfg`` extends the training config with the ``[pretraining]`` settings, so the pretrained
weights fit its tok2vec exactly; the result is saved as ``models/pretrained/tok2vec.bin`` (committed, ~2 MB) and
named by ``[initialize] init_tok2vec`` of the training config.  ``make pretrain`` rebuilds it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

from spacy.tokens import DocBin

from pipeline.settings import MODELS_DIR

PRETRAINED = MODELS_DIR / "pretrained" / "tok2vec.bin"
# public NER corpora: (converter, files relative to the data dir)
NER_TEXTS: dict[str, list[str]] = {
    "msra": ["external/msra_ner/msra_test_bio.txt", "external/msra_ner/val"],
    "peoples_daily": ["external/peoples_daily_ner/example.dev", "external/peoples_daily_ner/example.test"],
    "weibo": [f"external/weibo_ner/weiboNER_2nd_conll.{s}" for s in ("train", "dev", "test")],
    "resume": [f"external/resume_ner/{s}.char.bmes" for s in ("train", "dev", "test")],
    "cluener": ["external/cluener2020/train.json", "external/cluener2020/dev.json"],
    "cfsc": ["external/cfsc_ner/val.json", "external/cfsc_ner/test.json"],
    "uner": [f"external/uner_zh_gsdsimp/zh_gsdsimp-ud-{s}.iob2" for s in ("train", "dev", "test")],
}
SEGMENTED_TEXTS = [f"external/sighan2005_cws/{n}_test_gold.utf8" for n in ("pku", "msr")]
CONLLU_TEXTS = [f"external/ud_zh_gsdsimp/zh_gsdsimp-ud-{s}.conllu" for s in ("dev", "test")]
REPORTS = "reports/gov-work-reports.jsonl"


def _paragraphs(text: str, max_chars: int) -> Iterator[str]:
    """Non-empty lines, long ones cut after sentence ends into pieces of about ``max_chars``."""
    for line in text.split("\n"):
        line = line.strip()
        while len(line) > max_chars:
            cut = max(line.rfind(p, 0, max_chars) for p in "。！？；")
            cut = cut + 1 if cut > 0 else max_chars
            yield line[:cut]
            line = line[cut:].strip()
        if line:
            yield line


def unlabelled_texts(data_dir: Path, max_chars: int = 500) -> Iterator[str]:
    """Every unlabelled text of the public data (see the module docstring), as paragraphs."""
    from pipeline.corpus.converters import CONVERTERS
    from pipeline.corpus.converters.base import SourceDoc

    with (data_dir / REPORTS).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield from _paragraphs(json.loads(line)["text"], max_chars)
    for fmt, files in NER_TEXTS.items():
        converter = CONVERTERS[fmt]
        for unit in converter.units([data_dir / f for f in files]):
            for item in converter.read(unit):
                if isinstance(item, SourceDoc) and item.text.strip():
                    yield from _paragraphs(item.text, max_chars)
    for name in SEGMENTED_TEXTS:
        for line in (data_dir / name).read_text(encoding="utf-8").split("\n"):
            yield from _paragraphs("".join(line.split()), max_chars)
    for name in CONLLU_TEXTS:
        for line in (data_dir / name).read_text(encoding="utf-8").split("\n"):
            if line.startswith("# text = "):
                yield from _paragraphs(line[len("# text = ") :], max_chars)


def build_pretraining_corpus(data_dir: Path, out: Path, segmenter: str = "pkuseg") -> tuple[int, int]:
    """Segment the unlabelled texts into a DocBin at ``out``; returns (paragraphs, characters)."""
    from pipeline.tokenizer import make_nlp

    nlp = make_nlp(segmenter)
    db = DocBin(attrs=["ORTH"], store_user_data=False)
    n = chars = 0
    for doc in nlp.pipe(unlabelled_texts(data_dir), batch_size=256):
        db.add(doc)
        n += 1
        chars += len(doc.text)
    out.parent.mkdir(parents=True, exist_ok=True)
    db.to_disk(out)
    return n, chars


def pretrain(config_path: Path, output: Path, data_dir: Path, dest: Path = PRETRAINED) -> Path:
    """Build the corpus (once), run ``spacy pretrain`` with ``config_path`` and copy the last weights to ``dest``."""
    from spacy import util
    from spacy.training.pretrain import pretrain as spacy_pretrain

    from pipeline.nlp import register_components
    from pipeline.tokenizer import ensure_pkuseg_model
    from pipeline.training import load_training_config, segmenter_of

    register_components()
    config = load_training_config(config_path)
    corpus = output / "corpus.spacy"
    if not corpus.exists():
        n, chars = build_pretraining_corpus(data_dir, corpus, segmenter_of(config))
        (output / "corpus.json").write_text(
            json.dumps({"paragraphs": n, "characters": chars}), encoding="utf-8"
        )
    overrides = {"paths.pretrain_corpus": str(corpus), "paths.pkuseg_model": str(ensure_pkuseg_model())}
    config = config.merge(util.dot_to_dict(overrides))
    config = util.load_config_from_str(config.to_str(), interpolate=True)
    spacy_pretrain(config, output, silent=False)
    epochs = sorted(output.glob("model*.bin"), key=lambda p: p.stat().st_mtime)
    if not epochs:
        raise RuntimeError(f"spacy pretrain wrote no weights in {output}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(epochs[-1], dest)
    return dest

"""Training: build the data a config names, then run spaCy's training with the custom code registered.

A training config (``configs/*.cfg``) is a normal spaCy config plus a ``[pipeline_data]`` section naming the
gold sources, their weights and the split; ``pipeline train`` turns those into DocBins under
``<output>/corpus/`` and passes their paths to spaCy as ``paths.train`` / ``paths.dev``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy import util

from pipeline.corpus.build import Source, build_corpus
from pipeline.settings import PROJECT_ROOT, resolve_data_dir
from pipeline.tokenizer import UserDictionary, read_words


@dataclass
class DataPlan:
    sources: list[Source]
    splits_file: Path | None
    dev_fraction: float
    seed: int
    chunk_chars: int
    segmenter: str
    user_dict: UserDictionary | None = None


def _root_path(value: str, data_dir: Path | None) -> Path:
    """``data:gold/x.jsonl`` is relative to the shared data dir; anything else to the project root."""
    if value.startswith("data:"):
        if data_dir is None:
            raise FileNotFoundError(f"{value}: needs the shared data directory (pass --data-dir)")
        return data_dir / value[len("data:") :]
    p = Path(value)
    return p if p.is_absolute() else PROJECT_ROOT / p


def data_plan(config: dict[str, Any], data_dir: Path | None, converted_dir: Path | None = None) -> DataPlan:
    """Read ``[pipeline_data]`` of a config into sources and split settings.

    A source with ``format = "msra"`` (any converter name) is a public corpus: its files (``path``, several
    separated by ``;``) are converted once into ``converted_dir`` and used as partially labelled gold.
    """
    section = config.get("pipeline_data", {})
    sources = []
    for name, src in section.get("sources", {}).items():
        if not src.get("enabled", True):
            continue
        paths = [_root_path(p.strip(), data_dir) for p in str(src["path"]).split(";")]
        for path in paths:
            if not path.exists():
                raise FileNotFoundError(f"[pipeline_data.sources.{name}] {path} does not exist")
        fmt = src.get("format")
        if fmt:
            if converted_dir is None:
                raise ValueError(
                    f"[pipeline_data.sources.{name}] needs conversion: no output directory given"
                )
            path = _convert_source(name, fmt, paths, converted_dir)
        else:
            path = paths[0]
        user_words = bool(src.get("user_words", not fmt))  # public corpora: not by default
        sources.append(Source(path, float(src.get("weight", 1.0)), src.get("split"), user_words))
    splits = section.get("splits")
    tokenizer = config["nlp"]["tokenizer"]
    segmenter = tokenizer.get("segmenter", "char")
    ud = section.get("user_dict", {})
    user_dict = None
    if ud.get("enabled", False) and segmenter == "pkuseg":
        user_dict = UserDictionary(
            labels=tuple(ud.get("labels", ("ORG", "GPE", "LOC"))),
            min_chars=int(ud.get("min_chars", 2)),
            gazetteer=bool(ud.get("gazetteer", True)),
            held_out_folds=int(ud.get("held_out_folds", 5)),
        )
    return DataPlan(
        sources=sources,
        splits_file=_root_path(splits, data_dir) if splits else None,
        dev_fraction=float(section.get("dev_fraction", 0.2)),
        seed=int(section.get("seed", 0)),
        chunk_chars=int(section.get("chunk_chars", 0)),
        segmenter=segmenter,
        user_dict=user_dict,
    )


def _convert_source(name: str, fmt: str, inputs: list[Path], converted_dir: Path) -> Path:
    from pipeline.corpus.converters import convert_file

    out = converted_dir / f"{name}.jsonl"
    if not out.exists():
        convert_file(fmt, inputs, out)
    return out


def prepare_data(
    config_path: Path, output: Path, data_dir: Path | None, overrides: dict[str, Any] | None = None
) -> dict[str, Path]:
    """Build ``train.spacy``/``dev.spacy`` for a config's ``[pipeline_data]`` under ``output/corpus/``."""
    from pipeline.tokenizer import make_nlp

    data_overrides = {k: v for k, v in (overrides or {}).items() if k.startswith("pipeline_data.")}
    config = util.load_config(config_path, overrides=data_overrides, interpolate=False)
    corpus_dir = output / "corpus"
    plan = data_plan(config, data_dir, corpus_dir / "converted")
    nlp = make_nlp(plan.segmenter)
    res = build_corpus(
        nlp,
        plan.sources,
        corpus_dir,
        plan.splits_file,
        plan.dev_fraction,
        0.0,
        plan.seed,
        plan.chunk_chars,
        plan.user_dict,
    )
    (corpus_dir / "build.json").write_text(
        json.dumps(
            {
                "counts": res.counts,
                "entities": res.report.entities,
                "misaligned": len(res.report.misaligned),
                "tokens_split": res.report.tokens_split,
                "user_words": len(read_words(res.files["user_words"])) if "user_words" in res.files else 0,
                "sources": [str(s.path) for s in plan.sources],
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return res.files


def train(
    config_path: Path,
    output: Path,
    data_dir: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
) -> Path:
    """Build the data, train with spaCy, return ``output/model-best``."""
    from spacy.cli.train import train as spacy_train

    from pipeline.nlp import register_components

    register_components()
    ddir = resolve_data_dir(data_dir, required=False)
    files = prepare_data(config_path, output, ddir, overrides)
    config = util.load_config(config_path, interpolate=False)
    all_overrides: dict[str, Any] = {"paths.train": str(files["train"]), "paths.dev": str(files["dev"])}
    if "user_words" in files:
        all_overrides["paths.user_words"] = str(files["user_words"])
    if config["nlp"]["tokenizer"].get("segmenter") == "pkuseg":
        from pipeline.tokenizer import ensure_pkuseg_model

        all_overrides["paths.pkuseg_model"] = str(ensure_pkuseg_model())
    all_overrides.update(overrides or {})
    start = time.time()
    spacy_train(config_path, output, overrides=all_overrides)
    seconds = round(time.time() - start, 1)
    rules = config.get("pipeline_assemble", {}).get("rules")
    for name in ("model-best", "model-last"):
        if rules and (output / name).exists():
            assemble(output / name, _root_path(rules, None))
    (output / "train_time.json").write_text(json.dumps({"seconds": seconds}), encoding="utf-8")
    return output / "model-best"


def assemble(model_dir: Path, rules_config: Path) -> None:
    """Append the rule components and the merger (``configs/rules.cfg``) to a trained model, in place.

    Training selects ``model-best`` on the statistical NER's own dev score; the assembled pipeline is what
    ``pipeline evaluate`` and ``pipeline tag`` run.
    """
    import spacy

    from pipeline.nlp import add_rule_components

    nlp = spacy.load(model_dir)
    if "entity_merger" in nlp.pipe_names:
        return
    add_rule_components(nlp, rules_config)
    nlp.to_disk(model_dir)

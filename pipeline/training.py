"""Training: build the data a config names, then run spaCy's training loop on the whole pipeline.

A training config (``configs/ner.cfg``) is an ordinary spaCy config listing every component (tokenizer,
tok2vec, ner, the rule components, the merger), so spaCy's loop scores the final ``doc.ents`` and saves complete
``model-best``/``model-last``.  One extra section, ``[pipeline_data]``, is a registered function
(``pipeline.training_data.v1``) with typed arguments, so a misspelt key is an error: it names the gold sources,
their weights and the split.  ``pipeline train`` turns it into DocBins under ``<output>/corpus/`` —
``train.spacy``, ``tune.spacy`` (documents held out of training to choose ``model-best``) and ``dev.spacy``
(the evaluation documents, never seen in training nor in the choice) — and passes them to spaCy as
``paths.train`` / ``paths.dev`` (the tune documents).

A config may extend another one: ``[base] config = "ner.cfg"`` (relative to the config's folder) and only the
sections that differ (``configs/ner_char.cfg``).
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confection import Config, ConfigValidationError
from spacy import util
from spacy.util import registry

from pipeline.corpus.build import Source, build_corpus
from pipeline.errors import PipelineError
from pipeline.settings import PROJECT_ROOT, resolve_data_dir
from pipeline.tokenizer import UserDictionary, read_words


class ConfigError(PipelineError):
    """A training config that cannot be used."""


@dataclass
class SourceSpec:
    """One gold source as written in a config (paths not yet resolved)."""

    path: str  # "data:…" = relative to the shared data dir; else to the project; several joined by ";"
    weight: float = 1.0
    split: str | None = None
    format: str | None = None  # a converter name (public corpora), None for gold JSONL
    user_words: bool | None = None  # names feed the pkuseg user dictionary (default: gold JSONL only)


@dataclass
class DataSpec:
    """The ``[pipeline_data]`` section: sources, split and how training documents are prepared."""

    sources: dict[str, SourceSpec]
    splits: str | None = None
    dev_fraction: float = 0.2
    tune_fraction: float = 0.1
    seed: int = 0
    chunk_chars: int = 400
    user_dict: UserDictionary | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@registry.misc("pipeline.gold_source.v1")
def gold_source(
    path: str,
    weight: float = 1.0,
    split: str | None = None,
    format: str | None = None,
    user_words: bool | None = None,
    enabled: bool = True,
) -> SourceSpec | None:
    """A gold JSONL file, or a public corpus converted on the fly (``format``); None when not ``enabled``."""
    if split not in (None, "train", "dev", "test"):
        raise ValueError(f"split must be train, dev, test or null, not {split!r}")
    return SourceSpec(path, weight, split, format, user_words) if enabled else None


@registry.misc("pipeline.user_dictionary.v1")
def user_dictionary(
    enabled: bool = False,
    labels: list[str] = ["ORG", "GPE", "LOC"],  # noqa: B006  (confection needs literal defaults)
    min_chars: int = 2,
    gazetteer: bool = True,
    held_out_folds: int = 5,
) -> UserDictionary | None:
    """The pkuseg user dictionary built from training names (None when not ``enabled``)."""
    if not enabled:
        return None
    return UserDictionary(tuple(labels), min_chars, gazetteer, held_out_folds)


@registry.misc("pipeline.training_data.v1")
def training_data(
    sources: dict[str, Any],
    splits: str | None = None,
    dev_fraction: float = 0.2,
    tune_fraction: float = 0.1,
    seed: int = 0,
    chunk_chars: int = 400,
    user_dict: Any = None,
) -> DataSpec:
    """What ``pipeline train`` builds: sources (disabled ones dropped), the document split and the tune share.

    ``sources`` are ``pipeline.gold_source.v1`` blocks and ``user_dict`` a ``pipeline.user_dictionary.v1``
    block (typed as Any here because spaCy also validates this section unresolved; each block's own keys are
    checked by its function).
    """
    if not all(s is None or isinstance(s, SourceSpec) for s in sources.values()):
        raise ValueError('every [pipeline_data.sources.*] block must be @misc = "pipeline.gold_source.v1"')
    if user_dict is not None and not isinstance(user_dict, UserDictionary):
        raise ValueError('[pipeline_data.user_dict] must be @misc = "pipeline.user_dictionary.v1"')
    if not 0.0 <= tune_fraction < 1.0:
        raise ValueError(f"tune_fraction must be in [0, 1), not {tune_fraction}")
    active = {name: s for name, s in sources.items() if s is not None}
    return DataSpec(active, splits, dev_fraction, tune_fraction, seed, chunk_chars, user_dict)


def load_training_config(path: Path, overrides: dict[str, Any] | None = None) -> Config:
    """Load a config (merged over its ``[base]`` config, if any) with spaCy-style dotted overrides."""
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        config = util.load_config(path, interpolate=False)
        base = config.pop("base", None)
        if base:
            parent = load_training_config((path.parent / base["config"]).resolve())
            config = Config(parent).merge(config)
        if overrides:
            config = Config(config).merge(Config(util.dot_to_dict(overrides)))
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"{path}: {exc}".splitlines()[0]) from None
    return config


def resolve_data_spec(config: Config) -> DataSpec:
    """Resolve and validate ``[pipeline_data]`` (unknown or mistyped keys raise one-line errors)."""
    if "pipeline_data" not in config:
        raise ConfigError("the config has no [pipeline_data] section")
    try:
        resolved = registry.resolve({"data": config["pipeline_data"]}, validate=True)
    except ConfigValidationError as exc:
        parent = "pipeline_data" + (exc.parent or "data")[len("data") :]
        bad = "; ".join(f"{'.'.join([parent, *map(str, e['loc'])])}: {e['msg']}" for e in exc.errors or [])
        raise ConfigError(bad or str(exc).strip().splitlines()[0]) from None
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"[pipeline_data]: {exc}") from None
    return resolved["data"]


def _root_path(value: str, data_dir: Path | None) -> Path:
    """``data:gold/x.jsonl`` is relative to the shared data dir; anything else to the project root."""
    if value.startswith("data:"):
        if data_dir is None:
            raise FileNotFoundError(f"{value}: needs the shared data directory (pass --data-dir)")
        return data_dir / value[len("data:") :]
    p = Path(value)
    return p if p.is_absolute() else PROJECT_ROOT / p


def resolve_sources(spec: DataSpec, data_dir: Path | None, converted_dir: Path | None) -> list[Source]:
    """Turn source specs into files: public corpora are converted once into ``converted_dir``."""
    out = []
    for name, src in spec.sources.items():
        paths = [_root_path(p.strip(), data_dir) for p in src.path.split(";")]
        for path in paths:
            if not path.exists():
                raise FileNotFoundError(f"[pipeline_data.sources.{name}] {path} does not exist")
        if src.format:
            if converted_dir is None:
                raise ValueError(
                    f"[pipeline_data.sources.{name}] needs conversion: no output directory given"
                )
            path = _convert_source(name, src.format, paths, converted_dir)
        else:
            path = paths[0]
        user_words = src.user_words if src.user_words is not None else not src.format
        out.append(Source(path, src.weight, src.split, user_words))
    return out


def _convert_source(name: str, fmt: str, inputs: list[Path], converted_dir: Path) -> Path:
    from pipeline.corpus.converters import convert_file

    out = converted_dir / f"{name}.jsonl"
    if not out.exists():
        convert_file(fmt, inputs, out)
    return out


def segmenter_of(config: Config) -> str:
    return str(config["nlp"]["tokenizer"].get("segmenter", "char"))


def prepare_data(config: Config, output: Path, data_dir: Path | None) -> dict[str, Path]:
    """Build ``train.spacy``/``tune.spacy``/``dev.spacy`` for a config's ``[pipeline_data]`` in ``output/corpus/``."""
    from pipeline.tokenizer import make_nlp

    spec = resolve_data_spec(config)
    corpus_dir = output / "corpus"
    sources = resolve_sources(spec, data_dir, corpus_dir / "converted")
    segmenter = segmenter_of(config)
    nlp = make_nlp(segmenter)
    res = build_corpus(
        nlp,
        sources,
        corpus_dir,
        _root_path(spec.splits, data_dir) if spec.splits else None,
        spec.dev_fraction,
        0.0,
        spec.seed,
        spec.chunk_chars,
        spec.user_dict if segmenter == "pkuseg" else None,
        tune_fraction=spec.tune_fraction,
    )
    (corpus_dir / "build.json").write_text(
        json.dumps(
            {
                "counts": res.counts,
                "entities": res.report.entities,
                "misaligned": len(res.report.misaligned),
                "tokens_split": res.report.tokens_split,
                "user_words": len(read_words(res.files["user_words"])) if "user_words" in res.files else 0,
                "sources": [str(s.path) for s in sources],
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
    """Build the data, train the whole pipeline with spaCy, return ``output/model-best``.

    The config actually trained (base merged, overrides and data paths filled in) is written to
    ``output/training.cfg``.
    """
    from spacy.cli.train import train as spacy_train

    from pipeline.nlp import register_components

    register_components()
    config = load_training_config(config_path, overrides)
    ddir = resolve_data_dir(data_dir, required=False)
    output.mkdir(parents=True, exist_ok=True)
    files = prepare_data(config, output, ddir)
    tune = files.get("tune", files["dev"])  # without tune documents, the dev documents choose model-best
    paths: dict[str, Any] = {"paths.train": str(files["train"]), "paths.dev": str(tune)}
    if "user_words" in files:
        paths["paths.user_words"] = str(files["user_words"])
    if segmenter_of(config) == "pkuseg":
        from pipeline.tokenizer import ensure_pkuseg_model

        paths["paths.pkuseg_model"] = str(ensure_pkuseg_model())
    if config["paths"].get("init_tok2vec"):
        paths["paths.init_tok2vec"] = str(_root_path(config["paths"]["init_tok2vec"], None))
    if config["paths"].get("vectors"):
        from pipeline.vectors import ensure_vectors

        paths["paths.vectors"] = str(ensure_vectors(_root_path(config["paths"]["vectors"], None), ddir))
    config = Config(config).merge(Config(util.dot_to_dict(paths)))
    training_cfg = output / "training.cfg"
    config.to_disk(training_cfg)
    start = time.time()
    spacy_train(training_cfg, output)
    seconds = round(time.time() - start, 1)
    (output / "train_time.json").write_text(json.dumps({"seconds": seconds}), encoding="utf-8")
    return output / "model-best"

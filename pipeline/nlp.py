"""Loading a pipeline: a trained model directory (checked first), or the rule-only pipeline (``"rules"``).

A trained model is an ordinary spaCy pipeline: ``spacy.load(path)`` works in any session where this package
is installed (its components, scorers and tokenizer are registered through entry points).  :func:`load_nlp`
adds one thing: a directory that is missing, incomplete or lacks the project's components is refused with
one line naming what is wrong (:class:`~pipeline.errors.ModelError`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spacy.language import Language

from pipeline.errors import ModelError
from pipeline.resources import resource_path

RULES = "rules"
RULES_CONFIG = resource_path("rules.cfg")
# the factories every pipeline of this project ends with
REQUIRED_FACTORIES = ("numeric_entities", "place_linker", "name_grammar", "entity_merger", "name_propagation")
# components without data of their own (nothing on disk)
STATELESS_FACTORIES = ("entity_merger",)


def register_components() -> None:
    """Import the modules that register the custom components, scorers and callbacks (entry points do the
    same for a plain ``spacy.load``)."""
    import pipeline.callbacks
    import pipeline.components.merge
    import pipeline.components.names
    import pipeline.components.numeric
    import pipeline.components.places
    import pipeline.components.propagation
    import pipeline.components.scoring
    import pipeline.features  # noqa: F401


def assemble(config_path: Path = RULES_CONFIG, overrides: dict | None = None) -> Language:
    """Build and initialise a pipeline without training (``spacy assemble``), e.g. the rule-only one."""
    from spacy import util

    from pipeline.tokenizer import ensure_pkuseg_model

    register_components()
    config = util.load_config(config_path, overrides={"paths.pkuseg_model": str(ensure_pkuseg_model())})
    nlp = util.load_model_from_config(config, auto_fill=True, validate=True)
    nlp.initialize()
    return nlp


def check_model_dir(path: Path) -> list[str]:
    """The pipe names of a model directory, after checking it is complete; raises :class:`ModelError`."""
    from spacy import util

    if not path.exists():
        raise ModelError(
            f"model {path} does not exist (train one with `pipeline train`, or use --model rules)"
        )
    if not path.is_dir():
        raise ModelError(f"model {path} is not a directory")
    for name in ("config.cfg", "meta.json"):
        if not (path / name).is_file():
            raise ModelError(f"model {path}: {name} is missing (not a spaCy pipeline, or an incomplete copy)")
    try:
        config = util.load_config(path / "config.cfg", interpolate=False)
        pipe_names = list(config["nlp"]["pipeline"])
        factory_of = {n: config["components"][n].get("factory") for n in pipe_names}
    except Exception as exc:
        raise ModelError(f"model {path}: config.cfg cannot be read: {str(exc).splitlines()[0]}") from None
    missing = [f for f in REQUIRED_FACTORIES if f not in factory_of.values()]
    if missing:
        raise ModelError(
            f"model {path} lacks the components {', '.join(missing)}: not a complete pipeline of this project "
            "(train it with `pipeline train`)"
        )
    stored = [n for n in pipe_names if factory_of[n] not in STATELESS_FACTORIES]
    for name in ["vocab", "tokenizer", *stored]:
        p = path / name
        if not p.exists() or (p.is_dir() and not any(p.iterdir())):
            raise ModelError(f"model {path}: {name} is missing or empty (an incomplete copy?)")
    return pipe_names


def _failing_part(path: Path, pipe_names: list[str]) -> str:
    """Which part of a model directory fails to load (for the error message)."""
    from spacy import util

    try:
        nlp = util.load_model_from_config(util.load_config(path / "config.cfg"), auto_fill=True)
    except Exception:
        return "config.cfg"
    parts: list[tuple[str, Any]] = [("vocab", nlp.vocab), ("tokenizer", nlp.tokenizer)]
    parts += [(n, nlp.get_pipe(n)) for n in pipe_names]
    for name, obj in parts:
        try:
            if name == "vocab":
                obj.from_disk(path / name)
            else:
                obj.from_disk(path / name, exclude=["vocab"])
        except Exception:
            return name
    return ""


def load_nlp(model: str | Path = RULES) -> Language:
    """Load ``model``: a directory written by ``pipeline train`` (``…/model-best``), or ``"rules"``."""
    import spacy

    register_components()
    if str(model) == RULES:
        return assemble()
    path = Path(model)
    pipe_names = check_model_dir(path)
    try:
        return spacy.load(path)
    except Exception as exc:
        part = _failing_part(path, pipe_names)
        where = f"{path / part}" if part else str(path)
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ModelError(f"model {where} cannot be loaded (damaged or truncated?): {first}") from None

"""Loading a pipeline: a trained model directory, or the rule-only pipeline built from ``configs/rules.cfg``."""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language

from pipeline.settings import CONFIGS_DIR

RULES = "rules"


def register_components() -> None:
    """Import the modules that register the custom components (``@Language.factory``) and callbacks."""
    import pipeline.callbacks
    import pipeline.components.merge
    import pipeline.components.numeric
    import pipeline.components.places  # noqa: F401


def load_nlp(model: str | Path = RULES) -> Language:
    """Load ``model``: a directory written by ``pipeline train`` (``…/model-best``), or ``"rules"``."""
    import spacy

    register_components()
    if str(model) == RULES:
        from pipeline.tokenizer import make_nlp

        return add_rule_components(make_nlp())
    path = Path(model)
    if not path.exists():
        raise FileNotFoundError(
            f"model {path} does not exist (train one with `pipeline train`, or use --model rules)"
        )
    return spacy.load(path)


def add_rule_components(nlp: Language, config_path: Path = CONFIGS_DIR / "rules.cfg") -> Language:
    """Append the rule components and the merger, configured by ``configs/rules.cfg``, to ``nlp``."""
    from spacy import util

    register_components()
    cfg = util.load_config(config_path)
    for name in cfg["nlp"]["pipeline"]:
        settings = {k: v for k, v in cfg["components"][name].items() if k != "factory"}
        nlp.add_pipe(cfg["components"][name]["factory"], name=name, config=settings)
    return nlp

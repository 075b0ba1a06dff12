"""``pipeline setup``, ``pipeline train`` and ``pipeline evaluate``."""

from __future__ import annotations

from pathlib import Path

import typer

from pipeline.settings import CONFIGS_DIR, MODELS_DIR

DEFAULT_CONFIG = CONFIGS_DIR / "ner.cfg"


def setup_command(
    force: bool = typer.Option(False, help="Download and convert the pkuseg model even if present."),
) -> None:
    """Fetch pkuseg's default model from PyPI (checked by SHA-256), convert it and store it in models/pkuseg/."""
    from pipeline.settings import PKUSEG_DIR
    from pipeline.tokenizer import ensure_pkuseg_model, pkuseg_model_ready

    if force and pkuseg_model_ready(PKUSEG_DIR):
        for f in ("features.msgpack", "weights.npz"):
            (PKUSEG_DIR / f).unlink()
    typer.echo(f"pkuseg model ready in {ensure_pkuseg_model()}")


def train_command(
    ctx: typer.Context,
    config: Path = typer.Option(
        DEFAULT_CONFIG, "--config", "-c", help="spaCy training config (with a pipeline_data section)."
    ),
    output: Path = typer.Option(
        MODELS_DIR / "default", "--output", "-o", help="Output directory (model-best, model-last)."
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Shared data directory (default: ../shared)."
    ),
) -> None:
    """Build the training data named in the config and train the whole pipeline with spaCy.

    Any config setting can be overridden as with `spacy train`, e.g. `--training.max_steps 500` or
    `--pipeline_data.sources.msra.weight 0.5`.
    """
    from spacy.cli._util import parse_config_overrides

    from pipeline.training import train

    try:
        overrides = parse_config_overrides(ctx.args)
    except SystemExit:
        raise typer.BadParameter(
            f"config overrides must be --section.key value pairs, got {ctx.args}"
        ) from None
    best = train(config, output, data_dir, overrides)
    typer.echo(f"model-best: {best}")


def evaluate_command(
    model: str = typer.Option(
        str(MODELS_DIR / "default" / "model-best"), "--model", "-m", help="Model directory or 'rules'."
    ),
    gold: list[Path] = typer.Option(..., "--gold", "-g", help="Gold JSONL file(s) to score against."),
    ids: Path | None = typer.Option(
        None,
        "--ids",
        help="Only documents whose ids are listed (a splits JSON with --split, or one id per line).",
    ),
    split: str = typer.Option("dev", help="Which list of a splits JSON given with --ids."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write metrics JSON here."),
    errors: Path | None = typer.Option(
        None, "--errors", help="Write every false positive / negative (JSONL)."
    ),
) -> None:
    """Score a model on gold JSONL by exact character spans: per-label table, micro P/R/F with a 95% bootstrap interval."""
    from pipeline.corpus.gold import read_jsonl
    from pipeline.evaluation import evaluate_nlp, format_table, select_documents
    from pipeline.io import write_json, write_jsonl
    from pipeline.nlp import load_nlp
    from pipeline.outputs import refuse_inputs_as_outputs

    outputs = [p for p in (output, errors) if p is not None]
    refuse_inputs_as_outputs(outputs, [*gold, *([ids] if ids else [])])
    docs = select_documents(read_jsonl(gold), ids, split)
    nlp = load_nlp(model)
    ev = evaluate_nlp(nlp, docs, progress=True)
    typer.echo(format_table(ev.scores))
    lo, hi = ev.interval
    typer.echo(
        f"micro F {ev.scores['micro'].f:.3f} (95% bootstrap interval {lo:.3f}–{hi:.3f}); "
        f"{len(docs)} documents; {ev.chars_per_second:,.0f} chars/s"
    )
    if output:
        write_json(output, ev.metrics())
    if errors:
        write_jsonl(errors, ev.errors)


def package_command(
    model: Path = typer.Argument(..., help="Trained model directory (…/model-best)."),
    output_dir: Path = typer.Argument(..., help="Where the package folder and its wheel are written."),
    name: str = typer.Option("reports_ner", help="Package name; installed as zh_<name>."),
    version: str | None = typer.Option(None, help="Package version (default: this project's version)."),
) -> None:
    """Package a trained pipeline as a wheel with `spacy package` (meta: name, version, licence, requirements)."""
    from pipeline.packaging import package_model

    wheel = package_model(model, output_dir, name, version)
    typer.echo(f"wheel: {wheel}")
    typer.echo(f"install it with `pip install {wheel}`, then spacy.load('zh_{name.removeprefix('zh_')}')")

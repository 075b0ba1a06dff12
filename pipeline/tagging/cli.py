"""``pipeline tag``: batch-tag reports into JSONL (gold format), CSV or Parquet; thin layer over the runner."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer

from pipeline.tagging.checkpoint import RunFiles
from pipeline.tagging.readers import DEFAULT_MAX_CHARS
from pipeline.tagging.runner import DEFAULT_CHECKPOINT_EVERY
from pipeline.tagging.splitting import DEFAULT_SPLIT_CHARS
from pipeline.tagging.workers import DEFAULT_BATCH_SIZE


class Engine(StrEnum):
    local = "local"
    dask = "dask"


def tag_command(
    inputs: list[str] = typer.Argument(
        ...,
        metavar="INPUT...",
        help="Files (.txt .jsonl .csv .parquet), directories (searched recursively) or quoted glob patterns.",
    ),
    model: str = typer.Option(
        ...,
        "--model",
        "-m",
        help="A trained model directory (…/model-best), or 'rules' for the rule pipeline.",
    ),
    output: Path = typer.Option(
        ...,
        "--output",
        "-o",
        help="OUT.jsonl (gold format + normalised fields), OUT.csv or OUT.parquet (one row per entity).",
    ),
    glob: str | None = typer.Option(
        None, "--glob", help="Only files matching this pattern inside directories, e.g. '*.txt'."
    ),
    text_field: str = typer.Option("text", help="The text field (.jsonl) or column (.csv/.parquet)."),
    id_field: str = typer.Option("id", help="The id field/column (missing ids become FILE:LINE)."),
    n_process: int = typer.Option(
        1, "--n-process", "-j", min=1, help="Worker processes (forked; they share the loaded model)."
    ),
    batch_size: int = typer.Option(
        DEFAULT_BATCH_SIZE,
        min=1,
        help="Pieces (see --split-chars) per nlp.pipe batch, one task for a worker.",
    ),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run with the same options."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 when any document was skipped or failed."),
    engine: Engine = typer.Option(Engine.local, help="local: this machine; dask: a Dask cluster."),
    scheduler: str | None = typer.Option(
        None,
        help="Dask scheduler address (tcp://host:8786); default: a local cluster with --n-process workers.",
    ),
    max_chars: int = typer.Option(
        DEFAULT_MAX_CHARS, min=1, help="Skip documents longer than this (reported as too large)."
    ),
    split_chars: int = typer.Option(
        DEFAULT_SPLIT_CHARS,
        min=100,
        help="Cut longer documents at paragraph/sentence ends into pieces this long.",
    ),
    checkpoint_every: int = typer.Option(
        DEFAULT_CHECKPOINT_EVERY, min=1, help="Commit the output every N documents (what --resume keeps)."
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar on stderr."),
) -> None:
    """Tag reports with a trained model (or the rules): every entity with its normalised value, place code,
    sentence.  Unreadable files are skipped and listed (OUT.skipped.jsonl); see the summary at the end."""
    from pipeline.tagging.runner import run_tagging

    try:
        summary = run_tagging(
            inputs,
            output,
            model,
            engine=engine.value,
            n_process=n_process,
            scheduler=scheduler,
            glob=glob,
            text_field=text_field,
            id_field=id_field,
            batch_size=batch_size,
            resume=resume,
            max_chars=max_chars,
            split_chars=split_chars,
            checkpoint_every=checkpoint_every,
            progress=progress,
        )
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (the CLI turns it into this)
        state = RunFiles(output).state_dir
        kept = (
            f"committed work is kept in {state}; rerun with --resume"
            if state.exists()
            else "nothing committed"
        )
        typer.echo(f"\ninterrupted: {kept}", err=True)
        raise typer.Exit(130) from None
    typer.echo(summary.line(), err=True)
    if strict and summary.skipped:
        typer.echo(f"--strict: {summary.n_skipped} skipped and {summary.n_failed} failed documents", err=True)
        raise typer.Exit(1)

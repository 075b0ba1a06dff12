"""``pipeline corpus validate|build|stats|convert``."""

from __future__ import annotations

from pathlib import Path

import typer

corpus_app = typer.Typer(
    help="Gold corpus: validate, build DocBins, stats, convert public corpora.", no_args_is_help=True
)


@corpus_app.command("validate")
def validate_command(files: list[Path] = typer.Argument(..., help="Gold JSONL files.")) -> None:
    """Check gold JSONL files; print every error as FILE:LINE: reason; exit 1 on any error."""
    from pipeline.corpus.validate import validate_files

    docs, errors = validate_files(files)
    for err in errors:
        typer.echo(str(err), err=True)
    if errors:
        typer.echo(f"{len(errors)} error(s) in {len(files)} file(s)", err=True)
        raise typer.Exit(1)
    n_spans = sum(len(d.spans) for d in docs)
    typer.echo(f"OK: {len(files)} file(s), {len(docs)} document(s), {n_spans} span(s)")

"""``pipeline doccano …`` and ``pipeline agreement`` (placeholder until the doccano issue lands)."""

from __future__ import annotations

import typer

doccano_app = typer.Typer(
    help="Move documents and annotations to and from a doccano server.", no_args_is_help=True
)


def agreement_command() -> None:
    """Pairwise agreement between annotators' gold files (not built yet)."""
    raise typer.Exit(2)

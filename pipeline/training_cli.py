"""``pipeline setup``, ``pipeline train`` and ``pipeline evaluate`` (placeholder)."""

from __future__ import annotations

import typer


def setup_command() -> None:
    """Fetch and convert the pkuseg model."""
    from pipeline.tokenizer import ensure_pkuseg_model

    typer.echo(str(ensure_pkuseg_model()))


def train_command() -> None:
    """Train (not built yet)."""
    raise typer.Exit(2)


def evaluate_command() -> None:
    """Evaluate (not built yet)."""
    raise typer.Exit(2)

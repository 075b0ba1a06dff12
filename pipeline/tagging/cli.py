"""``pipeline tag`` (placeholder until the tagging issue lands)."""

from __future__ import annotations

import typer


def tag_command() -> None:
    """Batch-tag reports (not built yet)."""
    raise typer.Exit(2)

"""Expected failures: each carries a one-line message that the CLI prints as ``error: <message>``."""

from __future__ import annotations


class PipelineError(Exception):
    """An expected failure (bad input, missing file, unusable model): one line, exit code 1."""


class ModelError(PipelineError):
    """A model directory that is missing, incomplete or lacks the project's components."""


class UsageError(PipelineError):
    """Arguments the command refuses up front (an output that is also an input, nothing to read): exit 2."""

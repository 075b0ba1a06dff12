"""The ``pipeline`` command line: thin commands that parse options and call the package's functions.

Every command runs inside one error boundary (:class:`ErrorBoundary`): an expected failure — a
:class:`~pipeline.errors.PipelineError`, or an ``OSError`` such as a missing or unwritable file — is printed as
one line ``error: <what> <which file/line>: <why>`` and exits 1 (a :class:`~pipeline.errors.UsageError`, bad
arguments, exits 2); SIGTERM ends a command the way Ctrl-C does (its clean-up runs), exit 130.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any, NoReturn

import typer
from typer.core import TyperGroup

from pipeline.corpus.cli import corpus_app
from pipeline.doccano.cli import agreement_command, doccano_app
from pipeline.errors import PipelineError, UsageError
from pipeline.tagging.cli import tag_command
from pipeline.training_cli import evaluate_command, package_command, setup_command, train_command


def _interrupt(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def error_line(exc: BaseException) -> str:
    """The one line an expected failure is reported with."""
    if isinstance(exc, OSError) and not isinstance(exc, PipelineError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"error: {where}{exc.strerror or exc}"
    return "error: " + " ".join(str(exc).split())


class ErrorBoundary(TyperGroup):
    """The top-level group: runs a command and turns its expected failures into one line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            with _sigterm_as_interrupt():
                return super().invoke(ctx)
        except (PipelineError, OSError) as exc:
            typer.echo(error_line(exc), err=True)
            raise typer.Exit(2 if isinstance(exc, UsageError) else 1) from None
        except KeyboardInterrupt:
            typer.echo("\ninterrupted", err=True)
            raise typer.Exit(130) from None


app = typer.Typer(
    name="pipeline",
    help="Chinese economic-report NER: find ORG GPE LOC MONEY QUANTITY PERCENT, train, evaluate, tag, annotate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=ErrorBoundary,
)
app.add_typer(corpus_app, name="corpus")
app.add_typer(doccano_app, name="doccano")
app.command("setup")(setup_command)
app.command("train", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(
    train_command
)
app.command("evaluate")(evaluate_command)
app.command("package")(package_command)
app.command("tag")(tag_command)
app.command("agreement")(agreement_command)


if __name__ == "__main__":
    app()

"""The ``pipeline`` command line: thin commands that parse options and call the package's functions."""

from __future__ import annotations

import typer

from pipeline.corpus.cli import corpus_app
from pipeline.doccano.cli import agreement_command, doccano_app
from pipeline.tagging.cli import tag_command
from pipeline.training_cli import evaluate_command, package_command, setup_command, train_command

app = typer.Typer(
    name="pipeline",
    help="Chinese economic-report NER: find ORG GPE LOC MONEY QUANTITY PERCENT, train, evaluate, tag, annotate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
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

"""``pipeline doccano server|push|pull`` and ``pipeline agreement``: thin commands over the doccano package."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

doccano_app = typer.Typer(
    help="Move documents and annotations to and from a doccano server.", no_args_is_help=True
)
server_app = typer.Typer(
    help="A local doccano server on 127.0.0.1 (own venv, created once). Admin from $DOCCANO_ADMIN_USERNAME/"
    "$DOCCANO_ADMIN_PASSWORD/$DOCCANO_ADMIN_EMAIL (else a generated password in $DOCCANO_HOME/credentials.json).",
    no_args_is_help=True,
)
doccano_app.add_typer(server_app, name="server")

HOME_OPT = typer.Option(
    None, "--home", help="Server data directory (default $DOCCANO_HOME or .doccano/home)."
)
URL_OPT = typer.Option(
    None, "--url", help="Server URL (default $DOCCANO_URL, the config file, or the local server)."
)


def _err(msg: str) -> None:
    typer.echo(msg, err=True)


@server_app.command("start")
def server_start(
    port: int = typer.Option(None, "--port", help="Port on 127.0.0.1 (default: a free one)."),
    home: Path = HOME_OPT,
) -> None:
    """Create the venv if needed, initialise the database and admin, start web + worker, wait for health."""
    from pipeline.doccano import server

    state = server.start(port=port, home=home, log=_err)
    username, _, _ = server.admin_credentials(Path(state.home))
    typer.echo(
        f"doccano running at {state.url}  (admin user {username!r}; pids {state.web_pid} {state.worker_pid})"
    )


@server_app.command("stop")
def server_stop(home: Path = HOME_OPT) -> None:
    """Stop exactly the processes `start` recorded."""
    from pipeline.doccano import server

    server.stop(home=home, log=typer.echo)


@server_app.command("status")
def server_status(home: Path = HOME_OPT) -> None:
    """Print the URL and whether the server answers its health check (exit 1 when not running)."""
    from pipeline.doccano import server

    state, healthy = server.status(home)
    if state is None:
        typer.echo("not running")
        raise typer.Exit(1)
    typer.echo(
        f"{state.url} {'healthy' if healthy else 'NOT healthy'} (pids {state.web_pid} {state.worker_pid})"
    )
    if not healthy:
        raise typer.Exit(1)


def _client(url: str | None):
    from pipeline.doccano import client as dc

    return dc.connect(dc.connection_settings(url=url))


@doccano_app.command("push")
def push_command(
    inputs: list[Path] = typer.Argument(
        ..., help="Reports: .txt files, directories, .jsonl (gold or {'text'}), CSV, Parquet."
    ),
    project: str = typer.Option(..., "--project", "-p", help="Project name (created when missing)."),
    model: str = typer.Option("rules", "--model", "-m", help="'rules' or a trained model directory."),
    pre_annotations: str = typer.Option(
        "model", "--pre-annotations", help="model: run --model; gold: the input's own 'label'; none."
    ),
    annotator: list[str] = typer.Option(
        [], "--annotator", "-a", help="Existing doccano user to add as annotator."
    ),
    order: str = typer.Option(
        "input", "--order", help="input, or uncertainty (rule/model disagreement first)."
    ),
    independent: bool = typer.Option(
        False,
        "--independent",
        help="Non-collaborative project: annotators work separately (no pre-annotations).",
    ),
    url: str = URL_OPT,
) -> None:
    """Upload reports with pre-annotations; documents already in the project (same doc_id) are skipped."""
    from pipeline.doccano import client as dc
    from pipeline.doccano.push import PRE_ANNOTATION_SOURCES, PushReport, push, read_push_docs
    from pipeline.errors import UsageError

    if pre_annotations not in PRE_ANNOTATION_SOURCES:
        raise UsageError(f"--pre-annotations must be one of {', '.join(PRE_ANNOTATION_SOURCES)}")
    if order not in ("input", "uncertainty"):
        raise UsageError("--order must be input or uncertainty")
    client = _client(url)  # before the (slow) pre-annotation: an unreachable server fails at once
    report = PushReport(project)
    docs = read_push_docs(inputs, pre_annotations, model, report, progress=_progress)
    for line in report.rejected:
        _err(f"rejected {line}")
    if report.rejected:
        _err(
            f"{len(report.rejected)} problem(s): those documents are not uploaded; fix the input and push again"
        )
    with dc.api_errors("push"):
        push(client, project, docs, report, annotators=annotator, independent=independent, order=order)
    _finish({"warning": report.warnings, "upload error": report.upload_errors}, report.summary(), report.ok)


def _finish(lines: dict[str, list[str]], summary: str, ok: bool) -> None:
    """Print every ``kind: line`` on stderr, the summary on stdout; exit 1 unless ``ok``."""
    for kind, items in lines.items():
        for line in items:
            _err(f"{kind}: {line}")
    typer.echo(summary)
    if not ok:
        raise typer.Exit(1)


def _progress(it):
    from tqdm import tqdm

    return tqdm(it, desc="pre-annotating", unit="doc", file=sys.stderr, disable=None)


@doccano_app.command("pull")
def pull_command(
    project: str = typer.Option(..., "--project", "-p", help="Project name."),
    output: Path = typer.Option(
        ..., "--output", "-o", help="Directory for <annotator>.jsonl and merged.jsonl."
    ),
    original: list[Path] = typer.Option([], "--original", help="The pushed inputs, to check texts against."),
    only_approved: bool = typer.Option(False, "--only-approved", help="Only documents confirmed in doccano."),
    url: str = URL_OPT,
) -> None:
    """Download annotations as gold JSONL; documents that fail validation are listed and excluded."""
    from pipeline.doccano import client as dc
    from pipeline.doccano.pull import pull, read_originals
    from pipeline.outputs import refuse_inputs_as_outputs

    refuse_inputs_as_outputs([], original, output_dirs=[output])
    originals = read_originals(original) if original else None
    client = _client(url)
    with dc.api_errors("pull"):
        report = pull(client, project, output, originals=originals, only_approved=only_approved)
    _finish({"excluded": report.excluded, "warning": report.warnings}, report.summary(), report.ok)


def agreement_command(
    files: list[Path] = typer.Argument(..., help="Two or more gold JSONL files, one per annotator."),
    output: Path = typer.Option(None, "--output", "-o", help="Write the disagreements (JSONL) here."),
    merged: Path = typer.Option(None, "--merged", help="Write the majority-merged gold JSONL here."),
    as_json: bool = typer.Option(False, "--json", help="Print the pairwise scores as JSON."),
) -> None:
    """Pairwise exact-span agreement (F micro and per label), disagreements with context, merged gold."""
    from pipeline.agreement import (
        disagreements,
        format_table,
        load_annotations,
        merge,
        pairwise,
        text_conflicts,
    )
    from pipeline.corpus.gold import write_jsonl
    from pipeline.errors import UsageError
    from pipeline.io import write_jsonl as write_lines
    from pipeline.outputs import refuse_inputs_as_outputs

    if len(files) < 2:
        raise UsageError("give at least two annotation files")
    refuse_inputs_as_outputs([p for p in (output, merged) if p is not None], files)
    annotations = load_annotations(files)
    for line in text_conflicts(annotations):
        _err(f"warning: {line} (not compared)")
    results = pairwise(annotations)
    if as_json:
        payload = [
            {"a": r.a, "b": r.b, "docs": r.n_docs, **{k: v.as_dict() for k, v in r.scores.items()}}
            for r in results
        ]
        typer.echo(json.dumps(payload, indent=1))
    else:
        typer.echo(format_table(results))
    dis = disagreements(annotations)
    if output:
        write_lines(output, dis)
    if not as_json:
        typer.echo(f"{len(dis)} disagreement(s)" + (f" written to {output}" if output else ""))
    if merged:
        n = write_jsonl(merge(annotations), merged)
        _err(f"{n} merged document(s) written to {merged}")

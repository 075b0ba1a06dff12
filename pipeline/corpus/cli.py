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


@corpus_app.command("build")
def build_command(
    files: list[Path] = typer.Argument(..., help="Gold JSONL files (validated first)."),
    output: Path = typer.Option(
        Path("corpus/spacy"), "--output", "-o", help="Directory for train/dev/test .spacy files."
    ),
    dev: float = typer.Option(0.2, help="Fraction of documents for dev (ignored for ids in --splits)."),
    test: float = typer.Option(0.0, help="Fraction of documents for test."),
    splits: Path | None = typer.Option(
        None, help="JSON {split: [doc ids]} fixing the split of those documents."
    ),
    seed: int = typer.Option(0, help="Random seed of the document split."),
    chunk_chars: int = typer.Option(
        0, help="Cut training documents at line breaks into pieces of about this size (0 = no)."
    ),
    segmenter: str = typer.Option("pkuseg", help="Tokenizer: pkuseg or char."),
    show_misaligned: int = typer.Option(20, help="How many misaligned entities to list."),
) -> None:
    """Gold JSONL → spaCy DocBin files, split by document; entities inside tokens are kept and listed."""
    from pipeline.corpus.build import Source, build_corpus
    from pipeline.corpus.validate import validate_files
    from pipeline.tokenizer import make_nlp

    _, errors = validate_files(files)
    if errors:
        for err in errors:
            typer.echo(str(err), err=True)
        raise typer.Exit(1)
    nlp = make_nlp(segmenter)
    res = build_corpus(nlp, [Source(Path(f)) for f in files], output, splits, dev, test, seed, chunk_chars)
    for name, path in res.files.items():
        typer.echo(f"{name}: {res.counts[name]} docs -> {path}")
    rep = res.report
    typer.echo(
        f"entities: {rep.entities}; misaligned with tokens (kept by splitting {rep.tokens_split} tokens): {len(rep.misaligned)}"
    )
    for m in rep.misaligned[:show_misaligned]:
        typer.echo(f"  {m.doc_id} [{m.start}, {m.end}, {m.label}] {m.text}")


@corpus_app.command("stats")
def stats_command(
    files: list[Path] = typer.Argument(..., help="Gold JSONL files."),
    tokenize: bool = typer.Option(True, help="Also count entities misaligned with pkuseg tokens."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Documents, characters, entities per label and misaligned entities of gold files."""
    import json

    from pipeline.corpus.stats import corpus_stats
    from pipeline.corpus.validate import validate_files

    docs, errors = validate_files(files)
    for err in errors:
        typer.echo(str(err), err=True)
    nlp = None
    if tokenize:
        from pipeline.tokenizer import make_nlp

        nlp = make_nlp()
    st = corpus_stats(docs, nlp).as_dict()
    if as_json:
        typer.echo(json.dumps(st, ensure_ascii=False, indent=1))
    else:
        typer.echo(f"documents   {st['documents']}")
        typer.echo(f"characters  {st['characters']}")
        typer.echo(f"partial     {st['partial_documents']}")
        for lab, n in st["entities"].items():
            mis = (st.get("misaligned") or {}).get(lab, 0)
            typer.echo(f"{lab:<11} {n:>7}" + (f"  (misaligned {mis})" if tokenize else ""))
        typer.echo(f"{'total':<11} {st['entities_total']:>7}")
        for lab, n in (st.get("source_entities") or {}).items():
            typer.echo(f"source {lab:<10} {n:>7}")
    if errors:
        raise typer.Exit(1)


@corpus_app.command("convert")
def convert_command(
    inputs: list[Path] = typer.Argument(..., help="Input files of one corpus (then the output .jsonl)."),
    fmt: str = typer.Option(
        ..., "--format", "-f", help="msra | peoples_daily | weibo | resume | cluener | uner | cfsc"
    ),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="Label map JSON (default: configs/label_maps/<format>.json)."
    ),
) -> None:
    """Convert a public NER corpus to gold JSONL: IN... OUT.jsonl.

    One document per sentence, ids <corpus>-<split>-<n>, labels mapped by the label map (source label → ORG/GPE/LOC
    or dropped; LOC split into GPE/LOC by the gazetteer), meta.labels_provided says which labels are complete.
    Formats: msra (char<TAB>BIO, or sentences.txt + tags.txt), peoples_daily (char<SPACE>BIO), weibo
    (char+digit<TAB>BIO, .NAM only), resume (BMES), cluener (JSON, inclusive ends), uner (IOB2 on words),
    cfsc (JSON array). sighan2005_cws and ud_zh_gsdsimp are word-segmentation corpora: nothing to convert.
    Bad input lines are reported as FILE:LINE: reason and skipped; the exit code is 1 if any line failed.
    """
    from pipeline.corpus.converters import CONVERTERS, convert_file
    from pipeline.outputs import refuse_inputs_as_outputs

    if fmt not in CONVERTERS:
        raise typer.BadParameter(
            f"unknown format {fmt!r}; choose from {', '.join(CONVERTERS)}", param_hint="--format"
        )
    if len(inputs) < 2:
        raise typer.BadParameter("give at least one input file and the output .jsonl", param_hint="IN... OUT")
    *sources, out = inputs
    if out.suffix != ".jsonl":
        raise typer.BadParameter(f"the last argument is the output and must end in .jsonl, got {out}")
    refuse_inputs_as_outputs([out], sources)
    report = convert_file(fmt, sources, out, mapping, on_error=lambda e: typer.echo(str(e), err=True))
    for line in report.summary_lines():
        typer.echo(line)
    typer.echo(f"wrote {out}")
    if report.errors:
        raise typer.Exit(1)

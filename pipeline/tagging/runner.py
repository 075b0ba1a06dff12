"""One orchestrator for batch tagging, whichever engine tags: checks, lock, resumable checkpoints, summary.

Flow: the output is checked (a known format, not a directory, not one of the inputs) and locked for the run
(:mod:`pipeline.outputs`) → readers yield documents (or skip records) in a fixed order, with unique ids
(:mod:`pipeline.tagging.readers`) → an *engine* tags them and yields the results in input order: ``local``
(:func:`pipeline.tagging.workers.tag_documents`: this process or forked workers) or ``dask``
(:mod:`pipeline.tagging.dask_engine`: a Dask cluster) → every ``checkpoint_every`` documents (or minute) a
part is committed (:mod:`pipeline.tagging.checkpoint`) → at the end the parts are concatenated into the output
(atomically), the skipped/failed list and the run record are written, and the state directory is removed.
``resume=True`` keeps the committed parts, skips the documents they cover and goes on; because parts are
concatenated in input order, the output is the same as an uninterrupted run's.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language

from pipeline.errors import PipelineError, UsageError
from pipeline.outputs import OutputLock, refuse_inputs_as_outputs
from pipeline.tagging.checkpoint import (
    INPUTS_STATE,
    Checkpoints,
    RunFiles,
    finished_run,
    inputs_state,
    read_skipped_list,
    write_run_record,
    write_skipped_list,
)
from pipeline.tagging.readers import (
    DEFAULT_MAX_CHARS,
    InputDoc,
    InputFile,
    Renamed,
    Skipped,
    count_documents,
    find_input_files,
    iter_documents,
    unique_ids,
)
from pipeline.tagging.records import TaggedDoc
from pipeline.tagging.splitting import DEFAULT_SPLIT_CHARS
from pipeline.tagging.workers import DEFAULT_BATCH_SIZE, Tagger, tag_documents
from pipeline.tagging.writers import OutputFormat, format_for

DEFAULT_CHECKPOINT_EVERY = 500
CHECKPOINT_SECONDS = 60.0
ENGINES = ("local", "dask")


@dataclass
class TagSummary:
    """What a run did (counting documents committed by earlier, interrupted runs when resumed)."""

    output: Path
    done: int = 0
    chars: int = 0
    entities: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    renamed: int = 0  # documents whose id was taken by an earlier document
    seconds: float = 0.0
    resumed_from: int = 0  # documents already committed when the run started
    new_chars: int = 0  # characters tagged by this run (not by the interrupted one)
    skipped_path: Path | None = None
    complete_already: bool = False

    @property
    def n_skipped(self) -> int:
        return sum(1 for s in self.skipped if s.status == "skipped")

    @property
    def n_failed(self) -> int:
        return sum(1 for s in self.skipped if s.status == "failed")

    def counts(self) -> dict[str, int]:
        return {"done": self.done, "chars": self.chars, "entities": self.entities, "renamed": self.renamed}

    def line(self) -> str:
        rate = (self.new_chars / self.seconds) if self.seconds else 0.0
        text = (
            f"done {self.done} documents ({self.chars:,} characters, {self.entities:,} entities) in "
            f"{self.seconds:.1f}s ({rate:,.0f} chars/s); skipped {self.n_skipped}; failed {self.n_failed}"
        )
        if self.renamed:
            text += f"; {self.renamed} duplicate ids renamed"
        text += f" -> {self.output}"
        if self.skipped_path is not None:
            text += f" (skipped/failed list: {self.skipped_path})"
        return text


def _stderr(msg: str) -> None:
    from tqdm import tqdm

    tqdm.write(msg, file=sys.stderr)


def model_name(model: str | Path | Language) -> str:
    if isinstance(model, Language):
        return "in-memory pipeline: " + " ".join(model.pipe_names)
    return str(model)


@contextlib.contextmanager
def local_engine(
    model: str | Path | Language, n_process: int, batch_size: int, split_chars: int
) -> Iterator[Tagger]:
    """The local engine: the model loaded here, tagging in this process or ``n_process`` forked workers."""
    from pipeline.nlp import load_nlp

    nlp = model if isinstance(model, Language) else load_nlp(model)

    def tag(items: Iterable[InputDoc | Skipped]) -> Iterator[TaggedDoc | Skipped]:
        return tag_documents(nlp, items, n_process=n_process, batch_size=batch_size, split_chars=split_chars)

    yield tag


def run_tagging(
    inputs: Iterable[str | Path],
    output: str | Path,
    model: str | Path | Language,
    *,
    engine: str = "local",
    n_process: int = 1,
    scheduler: str | None = None,
    glob: str | None = None,
    text_field: str = "text",
    id_field: str = "id",
    batch_size: int = DEFAULT_BATCH_SIZE,
    resume: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    split_chars: int = DEFAULT_SPLIT_CHARS,
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    progress: bool = True,
    log: Callable[[str], None] = _stderr,
    engine_options: dict[str, Any] | None = None,
) -> TagSummary:
    """Tag every document of ``inputs`` into ``output`` (.jsonl/.csv/.parquet); see the module docstring.

    ``engine``: ``local`` (``n_process`` forked workers) or ``dask`` (a cluster at ``scheduler``, else a
    local cluster of ``n_process`` workers; ``engine_options`` go to
    :func:`pipeline.tagging.dask_engine.dask_engine`).
    """
    inputs = [str(p) for p in inputs]
    output = Path(output)
    fmt = format_for(output)
    files = RunFiles(output)
    refuse_inputs_as_outputs([output, files.skipped], inputs)
    found = find_input_files(inputs, glob)
    params = {
        "inputs": inputs,
        "glob": glob,
        "model": model_name(model),
        "text_field": text_field,
        "id_field": id_field,
        "max_chars": max_chars,
        "split_chars": split_chars,
        "format": fmt.suffix,
        INPUTS_STATE: inputs_state(found),
    }
    with OutputLock(output, log):
        files.remove_leftovers()
        state = Checkpoints(files.state_dir, fmt.suffix)
        if resume and not state.dir.exists():
            record = finished_run(files, params)
            if record is not None:
                log(f"{output} is complete already (same inputs and options): nothing to resume")
                return _summary_of_finished(files, record)
            log(f"{output}: no unfinished run of these inputs to resume: tagging from the start")
        if engine == "dask":
            from pipeline.tagging.dask_engine import dask_engine

            opened = dask_engine(
                model_name(model), scheduler, n_process, batch_size, split_chars, **(engine_options or {})
            )
        else:
            opened = local_engine(model, n_process, batch_size, split_chars)
        with opened as tag:
            state.start(params, resume, log)
            renamed: list[Renamed] = []
            documents = iter_documents(found, text_field, id_field, max_chars)
            todo = _not_committed(unique_ids(documents, renamed), state, renamed, log)
            bar = _progress_bar(found, state.docs + len(state.records), progress)
            try:
                summary = _commit_results(tag(todo), state, fmt, checkpoint_every, bar, log)
                fmt.assemble(state.parts, output)
                summary.skipped_path = write_skipped_list(files.skipped, state.records)
            except OSError as exc:
                raise PipelineError(
                    f"{exc.filename or output}: {exc.strerror or exc}; the committed work is kept in "
                    f"{state.dir}: fix the cause (free space?) and rerun with --resume"
                ) from None
            except PipelineError as exc:
                kind = UsageError if isinstance(exc, UsageError) else PipelineError
                raise kind(f"{exc}; the committed work is kept in {state.dir}: rerun with --resume") from None
    summary.output = output
    summary.done, summary.chars, summary.entities = state.docs, state.chars, state.entities
    summary.skipped = state.records
    summary.renamed = len(renamed)
    write_run_record(files, params, summary.counts())
    state.finish()
    return summary


def _not_committed(
    items: Iterable[InputDoc | Skipped],
    state: Checkpoints,
    renamed: list[Renamed],
    log: Callable[[str], None],
) -> Iterator[InputDoc | Skipped]:
    """The items the state does not cover yet, saying which ones got a new id."""
    for item in items:
        if item.key in state.done_keys:
            continue
        if renamed and renamed[-1].key == item.key:
            log(str(renamed[-1]))
        yield item


def _commit_results(
    results: Iterator[TaggedDoc | Skipped],
    state: Checkpoints,
    fmt: OutputFormat,
    checkpoint_every: int,
    bar: Any,
    log: Callable[[str], None],
) -> TagSummary:
    """Commit ``results`` as parts, every ``checkpoint_every`` documents or :data:`CHECKPOINT_SECONDS`."""
    summary = TagSummary(output=state.dir, resumed_from=state.docs + len(state.records))
    started = last_commit = time.perf_counter()
    docs: list[TaggedDoc] = []
    records: list[Skipped] = []
    try:
        for result in results:
            if isinstance(result, Skipped):
                records.append(result)
                log(str(result))
            else:
                docs.append(result)
                summary.new_chars += len(result.text)
            bar.update(1)
            elapsed = time.perf_counter() - started
            bar.set_postfix_str(
                f"{summary.new_chars / elapsed if elapsed else 0:,.0f} chars/s", refresh=False
            )
            if (
                len(docs) + len(records) >= checkpoint_every
                or time.perf_counter() - last_commit > CHECKPOINT_SECONDS
            ):
                state.commit(fmt, docs, records)
                docs, records = [], []
                last_commit = time.perf_counter()
        state.commit(fmt, docs, records)
    finally:
        bar.close()
        getattr(results, "close", lambda: None)()  # ends worker processes when stopped early
    summary.seconds = time.perf_counter() - started
    return summary


def _summary_of_finished(files: RunFiles, record: dict[str, Any]) -> TagSummary:
    skipped = read_skipped_list(files.skipped)
    return TagSummary(
        output=files.output,
        done=record.get("done", 0),
        chars=record.get("chars", 0),
        entities=record.get("entities", 0),
        renamed=record.get("renamed", 0),
        skipped=skipped,
        skipped_path=files.skipped if skipped else None,
        complete_already=True,
    )


def _progress_bar(files: list[InputFile], initial: int, enabled: bool):
    from tqdm import tqdm

    total = count_documents(files) if enabled else None
    return tqdm(
        total=total,
        initial=initial,
        unit="doc",
        desc="tagging",
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
        mininterval=0.5,
    )

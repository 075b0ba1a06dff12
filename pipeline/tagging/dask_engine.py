"""``--engine dask``: the same tagging on a Dask cluster, partitioned by documents, written as partitioned Parquet.

The driver reads the inputs (same readers, same skip rules) and cuts the document stream into partitions of
``partition_docs`` documents; each partition is tagged on a worker by :func:`tag_partition` (the model is loaded
once per worker thread) with the single-machine code, and comes back as an Arrow table with the rows of
:data:`~pipeline.tagging.writers.ROW_SCHEMA`.  The driver writes ``OUT/part-NNNNNN.parquet`` (atomically) and a
ledger, so an interrupted run continues with ``resume=True``; ``pd.read_parquet(OUT)`` reads the whole result.
Workers need the model path (or ``rules``) and the ``pipeline`` package; they do not need the input files.
Needs the ``dask`` extra (``pip install -e '.[dask]'``).
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.tagging.readers import DEFAULT_MAX_CHARS, InputDoc, Skipped, iter_documents
from pipeline.tagging.records import TaggedDoc
from pipeline.tagging.runner import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_SPLIT_CHARS,
    RunState,
    TagSummary,
    _progress_bar,
    _stderr,
    resolve_inputs,
    tag_documents,
    write_skipped_list,
)
from pipeline.tagging.writers import atomic_open, rows_table

DEFAULT_PARTITION_DOCS = 200
PARTITION_CHARS = 2_000_000  # a partition is closed early once it holds this many characters
LEDGER_DIR = "_ledger"
SKIPPED_FILE = "_skipped.jsonl"
SUCCESS_FILE = "_SUCCESS"

_local = threading.local()


def _worker_nlp(model: str):
    """The model, loaded once per worker thread."""
    cache = getattr(_local, "models", None)
    if cache is None:
        cache = _local.models = {}
    if model not in cache:
        from pipeline.nlp import load_nlp

        cache[model] = load_nlp(model)
    return cache[model]


@dataclass
class PartitionResult:
    """What a worker sends back for one partition."""

    keys: list[str]
    chars: int
    entities: int
    table: pa.Table
    failed: list[Skipped] = field(default_factory=list)


def tag_partition(
    model: str,
    docs: list[InputDoc],
    batch_size: int = DEFAULT_BATCH_SIZE,
    split_chars: int = DEFAULT_SPLIT_CHARS,
) -> PartitionResult:
    """Tag one partition on a worker (the same :func:`~pipeline.tagging.runner.tag_documents` as locally)."""
    nlp = _worker_nlp(model)
    tagged: list[TaggedDoc] = []
    failed: list[Skipped] = []
    for result in tag_documents(nlp, docs, n_process=1, batch_size=batch_size, split_chars=split_chars):
        if isinstance(result, Skipped):
            failed.append(result)
        else:
            tagged.append(result)
    return PartitionResult(
        keys=[d.key for d in tagged],
        chars=sum(len(d.text) for d in tagged),
        entities=sum(len(d.entities) for d in tagged),
        table=rows_table(tagged),
        failed=failed,
    )


@dataclass
class _Partition:
    index: int
    docs: list[InputDoc]
    skipped: list[Skipped]


def _partitions(
    items: Iterable[InputDoc | Skipped], first_index: int, partition_docs: int
) -> Iterator[_Partition]:
    docs: list[InputDoc] = []
    skipped: list[Skipped] = []
    chars = 0
    index = first_index
    for item in items:
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        docs.append(item)
        chars += len(item.text)
        if len(docs) >= partition_docs or chars >= PARTITION_CHARS:
            yield _Partition(index, docs, skipped)
            index += 1
            docs, skipped, chars = [], [], 0
    if docs or skipped:
        yield _Partition(index, docs, skipped)


def _client(scheduler: str | None, n_workers: int, processes: bool):
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("--engine dask needs dask and distributed: pip install -e '.[dask]'") from exc
    if scheduler:
        return Client(scheduler), None
    cluster = LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=processes, dashboard_address=None
    )
    return Client(cluster), cluster


def run_dask(
    inputs: Iterable[str | Path],
    output: str | Path,
    model: str | Path,
    *,
    scheduler: str | None = None,
    n_workers: int = 2,
    processes: bool = True,
    partition_docs: int = DEFAULT_PARTITION_DOCS,
    glob: str | None = None,
    text_field: str = "text",
    id_field: str = "id",
    batch_size: int = DEFAULT_BATCH_SIZE,
    resume: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    split_chars: int = DEFAULT_SPLIT_CHARS,
    progress: bool = True,
    log: Callable[[str], None] = _stderr,
) -> TagSummary:
    """Tag ``inputs`` on a Dask cluster into the partitioned Parquet directory ``output``."""
    inputs = [str(p) for p in inputs]
    model = str(model)
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise ValueError(f"{output}: --engine dask writes a directory of Parquet files; this is a file")
    if resume and (output / SUCCESS_FILE).exists():
        log(f"{output} is complete already: nothing to resume")
        return TagSummary(output=output)
    if model != "rules" and not Path(model).exists():
        raise FileNotFoundError(f"model {model} does not exist")
    files = resolve_inputs(inputs, glob, exclude=[])
    files = [f for f in files if output.resolve() not in f.path.resolve().parents]
    state = RunState(output, ".parquet", ledger_dir=output / LEDGER_DIR)
    params = {
        "inputs": inputs,
        "glob": glob,
        "model": model,
        "text_field": text_field,
        "id_field": id_field,
        "max_chars": max_chars,
        "split_chars": split_chars,
        "format": "dask-parquet",
    }
    if output.is_dir():
        ours = {LEDGER_DIR, SKIPPED_FILE, SUCCESS_FILE}
        foreign = [
            p.name
            for p in output.iterdir()
            if p.name not in ours and not (p.name.startswith(("part-", ".part-")))
        ]
        if foreign:
            raise ValueError(
                f"{output}: the output directory holds other files ({', '.join(sorted(foreign)[:5])}): "
                "choose a new or empty directory"
            )
    (output / SUCCESS_FILE).unlink(missing_ok=True)
    state.start(params, resume, log)
    summary = TagSummary(output=output, resumed_from=state.docs + len(state.records))
    started = time.perf_counter()
    items = (
        item
        for item in iter_documents(files, text_field, id_field, max_chars)
        if item.key not in state.done_keys
    )
    first_index = max((int(p.stem.split("-")[1]) + 1 for p in state.parts), default=0)
    bar = _progress_bar(files, summary.resumed_from, progress)
    client, cluster = _client(scheduler, n_workers, processes)
    new_chars = 0
    try:
        from distributed import as_completed

        n_slots = max(2, 2 * len(client.scheduler_info().get("workers", {})))
        parts = _partitions(items, first_index, partition_docs)
        in_flight: dict[object, _Partition] = {}
        queue = as_completed()

        def submit_next() -> bool:
            for part in parts:
                for rec in part.skipped:
                    log(str(rec))
                if not part.docs:  # only skip records: nothing to tag
                    state.write_ledger(None, [], part.skipped, 0, 0)
                    bar.update(len(part.skipped))
                    continue
                fut = client.submit(tag_partition, model, part.docs, batch_size, split_chars, pure=False)
                in_flight[fut] = part
                queue.add(fut)
                return True
            return False

        for _ in range(n_slots):
            if not submit_next():
                break
        for fut in queue:
            part = in_flight.pop(fut)
            result: PartitionResult = fut.result()
            for rec in result.failed:
                log(str(rec))
            path = state.part_path(part.index)
            with atomic_open(path, "wb") as fh:
                pq.write_table(result.table, fh)
            state.write_ledger(path, result.keys, part.skipped + result.failed, result.chars, result.entities)
            new_chars += result.chars
            bar.update(len(part.docs) + len(part.skipped))
            elapsed = time.perf_counter() - started
            bar.set_postfix_str(f"{new_chars / elapsed if elapsed else 0:,.0f} chars/s", refresh=False)
            submit_next()
    finally:
        bar.close()
        client.close()
        if cluster is not None:
            cluster.close()
    summary.skipped_path = write_skipped_list(output / SKIPPED_FILE, state.records)
    shutil.rmtree(output / LEDGER_DIR)
    with atomic_open(output / SUCCESS_FILE, "w", encoding="utf-8") as fh:
        json.dump({"documents": state.docs, "skipped": len(state.records)}, fh)
    summary.done, summary.chars, summary.entities = state.docs, state.chars, state.entities
    summary.skipped = state.records
    summary.seconds = time.perf_counter() - started
    summary.new_chars = new_chars
    return summary

"""``--engine dask``: tagging on a Dask cluster, for :func:`pipeline.tagging.runner.run_tagging`.

The driver reads the inputs and cuts the document stream into partitions of ``partition_docs`` documents
(fewer when they hold :data:`PARTITION_CHARS` characters); each partition is tagged on a worker by
:func:`tag_partition` with the single-machine code (the model is loaded once per worker thread) and the results
come back in input order, so everything else (checkpoints, resume, output formats) is the runner's, as for a
local run.  Workers need the model path (or ``rules``) and the ``pipeline`` package; they do not need the input
files.  Needs the ``dask`` extra (``pip install -e '.[dask]'``).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator

from pipeline.errors import PipelineError
from pipeline.tagging.readers import InputDoc, Skipped
from pipeline.tagging.records import TaggedDoc
from pipeline.tagging.workers import Tagger, in_order, tag_documents

DEFAULT_PARTITION_DOCS = 200
PARTITION_CHARS = 2_000_000  # a partition is closed early once it holds this many characters

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


def check_model(model: str) -> list[str]:
    """Load the model on a worker (a :class:`~pipeline.errors.ModelError` comes back to the driver)."""
    return list(_worker_nlp(model).pipe_names)


def tag_partition(
    model: str, items: list[InputDoc | Skipped], batch_size: int, split_chars: int
) -> list[TaggedDoc | Skipped]:
    """Tag one partition on a worker (the same :func:`~pipeline.tagging.workers.tag_documents` as locally)."""
    nlp = _worker_nlp(model)
    return list(tag_documents(nlp, items, n_process=1, batch_size=batch_size, split_chars=split_chars))


def partitions(
    items: Iterable[InputDoc | Skipped], partition_docs: int
) -> Iterator[list[InputDoc | Skipped]]:
    """Consecutive runs of ``items`` with at most ``partition_docs`` documents or about
    :data:`PARTITION_CHARS` characters each (skip records ride along, keeping their place)."""
    part: list[InputDoc | Skipped] = []
    docs = chars = 0
    for item in items:
        part.append(item)
        if isinstance(item, InputDoc):
            docs += 1
            chars += len(item.text)
        if docs >= partition_docs or chars >= PARTITION_CHARS:
            yield part
            part, docs, chars = [], 0, 0
    if part:
        yield part


def _client(scheduler: str | None, n_workers: int, processes: bool):
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise PipelineError("--engine dask needs dask and distributed: pip install -e '.[dask]'") from exc
    if scheduler:
        try:
            return Client(scheduler, timeout="30s"), None
        except OSError as exc:
            raise PipelineError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    cluster = LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=processes, dashboard_address=None
    )
    return Client(cluster), cluster


@contextlib.contextmanager
def dask_engine(
    model: str,
    scheduler: str | None,
    n_workers: int,
    batch_size: int,
    split_chars: int,
    *,
    processes: bool = True,
    partition_docs: int = DEFAULT_PARTITION_DOCS,
) -> Iterator[Tagger]:
    """The Dask engine: a client (and a local cluster unless ``scheduler``), the model checked on a worker;
    yields the function that tags a document stream there, results in input order."""
    client, cluster = _client(scheduler, n_workers, processes)
    try:
        client.submit(check_model, model, pure=False).result()
        n_slots = max(2, 2 * len(client.scheduler_info().get("workers", {})))

        def tag(items: Iterable[InputDoc | Skipped]) -> Iterator[TaggedDoc | Skipped]:
            def submit(part: list[InputDoc | Skipped]):
                return client.submit(tag_partition, model, part, batch_size, split_chars, pure=False)

            for _part, results in in_order(submit, partitions(items, partition_docs), n_slots):
                yield from results

        yield tag
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

"""Tagging a stream of documents: pieces in batches through ``nlp.pipe``, in this process or in forked workers.

Documents are cut into pieces (:mod:`pipeline.tagging.splitting`), tagged in batches and regrouped, in input
order.  With ``n_process > 1`` the batches go to forked worker processes that share the loaded model and send
back entity records, not ``Doc`` objects.  Workers die with their parent: each arms the kernel's parent-death
signal (SIGKILL) when it starts, so a parent killed by any signal (``kill -9`` included) takes its workers with
it; Ctrl-C and SIGTERM reach the parent only, which ends its workers itself.
"""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, TypeVar

from spacy.language import Language

from pipeline.errors import PipelineError
from pipeline.tagging.readers import InputDoc, Skipped
from pipeline.tagging.records import Entity, TaggedDoc, doc_entities
from pipeline.tagging.splitting import DEFAULT_SPLIT_CHARS, split_text

DEFAULT_BATCH_SIZE = 32
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
T = TypeVar("T")


class WorkerDied(PipelineError):
    """A worker process ended without being asked to (killed, or out of memory)."""


# ---------------------------------------------------------------- one batch of pieces


def _describe(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[-1] if msg else ''}".rstrip(": ")


PieceResult = list[Entity] | str  # the entities of a piece, or why tagging it failed
# an engine: tags a stream of documents and yields the results in input order
Tagger = Callable[[Iterable[InputDoc | Skipped]], Iterator[TaggedDoc | Skipped]]


def tag_pieces(nlp: Language, pieces: list[tuple[int, str]]) -> list[PieceResult]:
    """Tag ``(offset, text)`` pieces as one ``nlp.pipe`` batch: entities with offsets shifted by ``offset``.

    When the batch raises, its pieces are tagged one by one and a piece that raises again gets the error
    message instead of entities, so one bad text never costs the others.
    """
    try:
        docs = nlp.pipe((text for _, text in pieces), batch_size=max(1, len(pieces)))
        return [doc_entities(doc, off) for (off, _), doc in zip(pieces, docs, strict=True)]
    except Exception:
        out: list[PieceResult] = []
        for off, text in pieces:
            try:
                out.append(doc_entities(nlp(text), off))
            except Exception as exc:
                out.append(_describe(exc))
        return out


# ---------------------------------------------------------------- worker processes


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _die_with_parent(parent: int) -> None:
    """Worker start-up: die when ``parent`` dies; leave Ctrl-C and SIGTERM handling to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler is inherited by fork
    try:
        armed = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux
        armed = False
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool's workers now (the run is being abandoned): pending batches are dropped."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()


_WORKER_NLP: Language | None = None  # the pipeline a forked worker process inherits


def _tag_in_worker(pieces: list[tuple[int, str]]) -> list[PieceResult]:
    assert _WORKER_NLP is not None, "worker started without a pipeline"
    return tag_pieces(_WORKER_NLP, pieces)


def in_order(submit: Callable[[T], Any], tasks: Iterable[T], window: int) -> Iterator[tuple[T, Any]]:
    """``(task, result)`` for every task, in task order, with at most ``window`` tasks submitted and not yet
    collected; ``submit`` returns a future (``concurrent.futures`` or Dask's)."""
    inflight: deque[tuple[T, Any]] = deque()
    for task in tasks:
        inflight.append((task, submit(task)))
        if len(inflight) >= window:
            first, future = inflight.popleft()
            yield first, future.result()
    while inflight:
        first, future = inflight.popleft()
        yield first, future.result()


def _tagged_batches(
    nlp: Language, batches: Iterator[list[_Piece]], n_process: int
) -> Generator[tuple[list[_Piece], list[PieceResult]], None, None]:
    """``(batch, results)`` in input order; with ``n_process > 1`` from forked workers sharing the loaded model.

    At most ``2 * n_process`` batches are in flight, so memory stays flat however long the input is.  When the
    caller stops early (an error, Ctrl-C) the workers are ended at once.
    """
    if n_process <= 1:
        for batch in batches:
            yield batch, tag_pieces(nlp, [(p.offset, p.text) for p in batch])
        return
    global _WORKER_NLP
    _WORKER_NLP = nlp
    pool = ProcessPoolExecutor(
        max_workers=n_process,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )

    def submit(batch: list[_Piece]) -> Future[list[PieceResult]]:
        return pool.submit(_tag_in_worker, [(p.offset, p.text) for p in batch])

    finished = False
    try:
        yield from in_order(submit, batches, 2 * n_process)
        finished = True
    except BrokenProcessPool:
        raise WorkerDied("a tagging worker process died (killed, or out of memory?)") from None
    finally:
        _WORKER_NLP = None
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop_workers(pool)


# ---------------------------------------------------------------- documents in, results out, in order


@dataclass
class _DocAcc:
    """A document whose pieces are being tagged."""

    doc: InputDoc
    n_pieces: int
    done: int = 0
    entities: list[Entity] = field(default_factory=list)
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.done == self.n_pieces

    def result(self) -> TaggedDoc | Skipped:
        if self.error is not None:
            return Skipped(self.doc.key, f"{self.doc.id}: {self.error}", status="failed")
        ents = sorted(self.entities, key=lambda e: (e.start, e.end))
        return TaggedDoc(self.doc.key, self.doc.id, self.doc.text, self.doc.meta, ents)


@dataclass
class _Piece:
    acc: _DocAcc
    offset: int
    text: str


class _PieceFeed:
    """Pieces of the input documents, in order; remembers the input order until documents are complete."""

    def __init__(self, items: Iterable[InputDoc | Skipped], split_chars: int) -> None:
        self.source = iter(items)
        self.split_chars = split_chars
        self.queued: deque[_Piece] = deque()  # pieces of the current document not yet handed out
        self.order: deque[_DocAcc | Skipped] = deque()  # input order, until yielded

    def __iter__(self) -> _PieceFeed:
        return self

    def __next__(self) -> _Piece:
        while not self.queued:
            item = next(self.source)
            if isinstance(item, Skipped):
                self.order.append(item)
                continue
            parts = split_text(item.text, self.split_chars)
            acc = _DocAcc(item, len(parts))
            self.order.append(acc)
            self.queued.extend(_Piece(acc, off, txt) for off, txt in parts)
        return self.queued.popleft()

    def batches(self, size: int) -> Iterator[list[_Piece]]:
        while batch := list(itertools.islice(self, size)):
            yield batch

    def ready(self) -> Iterator[TaggedDoc | Skipped]:
        """Finished documents and skip records at the head of the input order."""
        while self.order:
            head = self.order[0]
            if isinstance(head, _DocAcc) and not head.complete:
                return
            self.order.popleft()
            yield head if isinstance(head, Skipped) else head.result()


def tag_documents(
    nlp: Language,
    items: Iterable[InputDoc | Skipped],
    *,
    n_process: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    split_chars: int = DEFAULT_SPLIT_CHARS,
) -> Iterator[TaggedDoc | Skipped]:
    """Tag ``items``; yield a :class:`TaggedDoc` or a :class:`Skipped` for each, in input order.

    Documents are cut into pieces of at most ``split_chars`` characters, tagged in batches of ``batch_size``
    pieces (in ``n_process`` worker processes when > 1) and regrouped; a document with a piece that cannot be
    tagged is *failed*, with the reason.
    """
    feed = _PieceFeed(items, split_chars)
    batches = _tagged_batches(nlp, feed.batches(batch_size), n_process)
    try:
        for batch, results in batches:
            for piece, result in zip(batch, results, strict=True):
                if isinstance(result, str):
                    piece.acc.error = piece.acc.error or result
                else:
                    piece.acc.entities += result
                piece.acc.done += 1
            yield from feed.ready()
        yield from feed.ready()
    finally:
        batches.close()

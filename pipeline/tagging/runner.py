"""Batch tagging on one machine: ``nlp.pipe`` with batching and processes, long documents split, resumable output.

Flow: readers yield documents (or skip records) in a fixed order → long texts are cut into pieces at paragraph,
then sentence, then clause boundaries (offsets mapped back) → ``nlp.pipe`` in batches (in forked worker
processes with ``n_process > 1``) → entities are regrouped per document → every ``checkpoint_every`` documents a
*part* is written atomically into a hidden state directory beside the output (``.OUT.partial/``), followed by a
ledger file naming the documents it covers. At the end the parts are concatenated into the output (atomically)
and the state directory is removed. ``resume=True`` keeps the committed parts, skips the documents they cover
and goes on; because parts are concatenated in input order, the output is the same as an uninterrupted run's. A
batch whose tagging raises is retried piece by piece; a document with a piece that fails again is recorded as
*failed*; nothing else is lost.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import re
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language

from pipeline.tagging.readers import (
    DEFAULT_MAX_CHARS,
    InputDoc,
    InputFile,
    Skipped,
    count_documents,
    find_input_files,
    iter_documents,
)
from pipeline.tagging.records import Entity, TaggedDoc, doc_entities
from pipeline.tagging.writers import OutputFormat, atomic_open, format_for

DEFAULT_SPLIT_CHARS = 500
DEFAULT_BATCH_SIZE = 32
DEFAULT_CHECKPOINT_EVERY = 500
CHECKPOINT_SECONDS = 60.0

_PARAGRAPH = re.compile(r"\n+")
_SENTENCE = re.compile(r"[。！？；!?;]+[”’」』）)\"']*")
_CLAUSE = re.compile(r"[，,、：:]+")


# ---------------------------------------------------------------- splitting long documents


def _cut_after(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Cut ``text`` after every match of ``pattern``; the parts concatenate back to ``text``."""
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        if last < m.end() < len(text):
            out.append(text[last : m.end()])
            last = m.end()
    out.append(text[last:])
    return [s for s in out if s]


def _units(text: str, max_chars: int, levels: tuple[re.Pattern[str], ...]) -> Iterator[str]:
    if len(text) <= max_chars:
        yield text
    elif not levels:
        for i in range(0, len(text), max_chars):
            yield text[i : i + max_chars]
    else:
        for part in _cut_after(text, levels[0]):
            yield from _units(part, max_chars, levels[1:])


def split_text(text: str, max_chars: int = DEFAULT_SPLIT_CHARS) -> list[tuple[int, str]]:
    """Cut ``text`` into ``(offset, piece)`` of at most ``max_chars`` characters that concatenate to ``text``.

    Cuts fall after paragraph breaks when possible, else after sentence ends (。！？；), else after commas, else
    every ``max_chars`` characters; neighbouring units are packed together up to ``max_chars``.
    """
    if len(text) <= max_chars:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start = 0
    current: list[str] = []
    size = 0
    for unit in _units(text, max_chars, (_PARAGRAPH, _SENTENCE, _CLAUSE)):
        if current and size + len(unit) > max_chars:
            pieces.append((start, "".join(current)))
            start += size
            current, size = [], 0
        current.append(unit)
        size += len(unit)
    if current:
        pieces.append((start, "".join(current)))
    return pieces


# ---------------------------------------------------------------- tagging a stream


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


def _describe(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {msg[-1] if msg else ''}".rstrip(": ")


PieceResult = list[Entity] | str  # the entities of a piece, or why tagging it failed


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


_WORKER_NLP: Language | None = None  # the pipeline a forked worker process inherits


def _tag_in_worker(pieces: list[tuple[int, str]]) -> list[PieceResult]:
    assert _WORKER_NLP is not None, "worker started without a pipeline"
    return tag_pieces(_WORKER_NLP, pieces)


def _tagged_batches(
    nlp: Language, batches: Iterator[list[_Piece]], n_process: int
) -> Iterator[tuple[list[_Piece], list[PieceResult]]]:
    """``(batch, results)`` in input order; with ``n_process > 1`` from forked workers sharing the loaded model.

    Workers send back entity records, not ``Doc`` objects, so the parent only reads, regroups and writes; at
    most ``2 * n_process`` batches are in flight, so memory stays flat however long the input is.
    """
    if n_process <= 1:
        for batch in batches:
            yield batch, tag_pieces(nlp, [(p.offset, p.text) for p in batch])
        return
    global _WORKER_NLP
    _WORKER_NLP = nlp
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=n_process, mp_context=ctx) as pool:
            inflight: deque[tuple[list[_Piece], Future[list[PieceResult]]]] = deque()
            for batch in batches:
                inflight.append((batch, pool.submit(_tag_in_worker, [(p.offset, p.text) for p in batch])))
                if len(inflight) >= 2 * n_process:
                    done, future = inflight.popleft()
                    yield done, future.result()
            while inflight:
                done, future = inflight.popleft()
                yield done, future.result()
    finally:
        _WORKER_NLP = None


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
    for batch, results in _tagged_batches(nlp, feed.batches(batch_size), n_process):
        for piece, result in zip(batch, results, strict=True):
            if isinstance(result, str):
                piece.acc.error = piece.acc.error or result
            else:
                piece.acc.entities += result
            piece.acc.done += 1
        yield from feed.ready()
    yield from feed.ready()


# ---------------------------------------------------------------- resumable runs


@dataclass
class TagSummary:
    """What a run did (counting documents committed by earlier, interrupted runs when resumed)."""

    output: Path
    done: int = 0
    chars: int = 0
    entities: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    resumed_from: int = 0  # documents already committed when the run started
    new_chars: int = 0  # characters tagged by this run (not by the interrupted one)
    skipped_path: Path | None = None

    @property
    def n_skipped(self) -> int:
        return sum(1 for s in self.skipped if s.status == "skipped")

    @property
    def n_failed(self) -> int:
        return sum(1 for s in self.skipped if s.status == "failed")

    def line(self) -> str:
        rate = (self.new_chars / self.seconds) if self.seconds else 0.0
        text = (
            f"done {self.done} documents ({self.chars:,} characters, {self.entities:,} entities) in "
            f"{self.seconds:.1f}s ({rate:,.0f} chars/s); skipped {self.n_skipped}; failed {self.n_failed}"
            f" -> {self.output}"
        )
        if self.skipped_path is not None:
            text += f" (skipped/failed list: {self.skipped_path})"
        return text


class ResumeError(RuntimeError):
    """``--resume`` cannot continue (the interrupted run used other options)."""


def state_dir_for(output: Path) -> Path:
    """The hidden directory holding an unfinished run's committed parts."""
    return output.parent / f".{output.name}.partial"


def skipped_path_for(output: Path) -> Path:
    return output.with_name(output.name + ".skipped.jsonl")


class RunState:
    """Committed parts of a run: ``part-NNNNNN<suffix>`` files, each followed by its ledger ``part-NNNNNN.done.json``.

    A part counts only once its ledger exists (the ledger is written last, atomically); the ledger names every
    document and skip record the part covers.  ``ledger_dir`` defaults to the parts' directory.
    """

    def __init__(self, directory: Path, part_suffix: str, ledger_dir: Path | None = None) -> None:
        self.dir = directory
        self.ledger_dir = ledger_dir or directory
        self.suffix = part_suffix
        self.done_keys: set[str] = set()
        self.records: list[Skipped] = []
        self.parts: list[Path] = []
        self.n_ledgers = 0
        self.docs = self.chars = self.entities = 0

    def start(self, params: dict[str, Any], resume: bool, log: Callable[[str], None]) -> None:
        run_file = self.ledger_dir / "run.json"
        if resume and run_file.exists():
            previous = json.loads(run_file.read_text(encoding="utf-8"))
            changed = [k for k in params if previous.get(k) != params[k]]
            if changed:
                raise ResumeError(
                    f"{self.ledger_dir}: the interrupted run used other options ({', '.join(changed)}): "
                    "rerun it with the same ones, or without --resume to start over"
                )
            self._load()
            log(f"resuming: {self.docs} documents and {len(self.records)} skipped/failed already committed")
            return
        for d in {self.dir, self.ledger_dir}:
            if d.exists():
                log(f"starting over: removing the unfinished run in {d} (use --resume to continue it)")
                shutil.rmtree(d)
        self.ledger_dir.mkdir(parents=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        with atomic_open(run_file, "w", encoding="utf-8") as fh:
            json.dump(params, fh, ensure_ascii=False, indent=1)

    def _load(self) -> None:
        for ledger in sorted(self.ledger_dir.glob("part-*.done.json")):
            info = json.loads(ledger.read_text(encoding="utf-8"))
            self._count(info)
        committed = {p.name for p in self.parts}
        for stray in self.dir.glob(f"part-*{self.suffix}"):
            if stray.name not in committed:  # written, but the run died before its ledger
                stray.unlink()

    def _count(self, info: dict[str, Any]) -> None:
        records = [Skipped(r["source"], r["reason"], r["status"]) for r in info["skipped"]]
        self.records += records
        self.done_keys.update(info["docs"])
        self.done_keys.update(r.key for r in records)
        self.docs += len(info["docs"])
        self.chars += info["chars"]
        self.entities += info["entities"]
        if info["part"] is not None:
            self.parts.append(self.dir / info["part"])
        self.n_ledgers += 1

    def part_path(self, index: int | None = None) -> Path:
        """Where part ``index`` goes (by default the next one in commit order)."""
        return self.dir / f"part-{self.n_ledgers if index is None else index:06d}{self.suffix}"

    def commit(self, fmt: OutputFormat, docs: list[TaggedDoc], records: list[Skipped]) -> None:
        part = self.part_path()
        fmt.write_part(docs, part)
        self.write_ledger(
            part,
            [d.key for d in docs],
            records,
            chars=sum(len(d.text) for d in docs),
            entities=sum(len(d.entities) for d in docs),
        )

    def write_ledger(
        self, part: Path | None, keys: list[str], records: list[Skipped], chars: int, entities: int
    ) -> None:
        """Record that ``part`` (already written; None when it has no rows) covers ``keys`` and ``records``."""
        name = part.name.removesuffix(self.suffix) if part is not None else f"part-x{self.n_ledgers:06d}"
        info = {
            "part": part.name if part is not None else None,
            "docs": keys,
            "skipped": [r.to_json() for r in records],
            "chars": chars,
            "entities": entities,
        }
        with atomic_open(self.ledger_dir / f"{name}.done.json", "w", encoding="utf-8") as fh:
            json.dump(info, fh, ensure_ascii=False)
        self._count(info)


def write_skipped_list(path: Path, records: list[Skipped]) -> Path | None:
    """Write the skipped/failed list (JSON Lines: source, status, reason); remove a stale one when empty."""
    if not records:
        path.unlink(missing_ok=True)
        return None
    with atomic_open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r.to_json(), ensure_ascii=False) + "\n")
    return path


def _stderr(msg: str) -> None:
    from tqdm import tqdm

    tqdm.write(msg, file=sys.stderr)


def resolve_inputs(
    inputs: Iterable[str | Path], glob: str | None, exclude: Iterable[Path] = ()
) -> list[InputFile]:
    """The input files, leaving out the run's own output files when they sit inside an input directory."""
    skip = {p.resolve() for p in exclude}
    return [f for f in find_input_files(inputs, glob) if f.path.resolve() not in skip]


def model_name(model: str | Path | Language) -> str:
    if isinstance(model, Language):
        return "in-memory pipeline: " + " ".join(model.pipe_names)
    return str(model)


def run_tagging(
    inputs: Iterable[str | Path],
    output: str | Path,
    model: str | Path | Language,
    *,
    glob: str | None = None,
    text_field: str = "text",
    id_field: str = "id",
    n_process: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    resume: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    split_chars: int = DEFAULT_SPLIT_CHARS,
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    progress: bool = True,
    log: Callable[[str], None] = _stderr,
) -> TagSummary:
    """Tag every document of ``inputs`` into ``output`` (.jsonl/.csv/.parquet); see the module docstring."""
    inputs = [str(p) for p in inputs]
    output = Path(output)
    fmt = format_for(output)
    skipped_file = skipped_path_for(output)
    files = resolve_inputs(inputs, glob, exclude=[output, skipped_file])
    state = RunState(state_dir_for(output), fmt.suffix)
    params = {
        "inputs": inputs,
        "glob": glob,
        "model": model_name(model),
        "text_field": text_field,
        "id_field": id_field,
        "max_chars": max_chars,
        "split_chars": split_chars,
        "format": fmt.suffix,
    }
    if resume and output.exists() and not state.dir.exists():
        log(f"{output} is complete already: nothing to resume")
        return TagSummary(output=output)
    nlp = model if isinstance(model, Language) else _load_model(model)
    state.start(params, resume, log)
    summary = TagSummary(output=output, resumed_from=state.docs + len(state.records))
    started = time.perf_counter()
    items = (
        item
        for item in iter_documents(files, text_field, id_field, max_chars)
        if item.key not in state.done_keys
    )
    bar = _progress_bar(files, summary.resumed_from, progress)
    docs: list[TaggedDoc] = []
    records: list[Skipped] = []
    last_commit = time.perf_counter()
    new_chars = 0
    try:
        for result in tag_documents(
            nlp, items, n_process=n_process, batch_size=batch_size, split_chars=split_chars
        ):
            if isinstance(result, Skipped):
                records.append(result)
                log(str(result))
            else:
                docs.append(result)
                new_chars += len(result.text)
            bar.update(1)
            elapsed = time.perf_counter() - started
            bar.set_postfix_str(f"{new_chars / elapsed if elapsed else 0:,.0f} chars/s", refresh=False)
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
    fmt.assemble(state.parts, output)
    summary.skipped_path = write_skipped_list(skipped_file, state.records)
    shutil.rmtree(state.dir)
    summary.done, summary.chars, summary.entities = state.docs, state.chars, state.entities
    summary.skipped = state.records
    summary.seconds = time.perf_counter() - started
    summary.new_chars = new_chars
    return summary


def _load_model(model: str | Path) -> Language:
    from pipeline.nlp import load_nlp

    return load_nlp(model)


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

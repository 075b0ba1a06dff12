"""Input documents for batch tagging: files, directories and globs of ``.txt``/``.jsonl``/``.csv``/``.parquet``.

Every input document comes out exactly once, either as an :class:`InputDoc` or as a :class:`Skipped` record that
names its source (``path`` for a whole file, ``path:N`` for line/row ``N``) and why it could not be read.  Order is
deterministic (sorted paths, file order inside a file), which is what ``--resume`` relies on: a document's
``key`` is its source, stable between runs.  :func:`unique_ids` makes the documents' ids unique across files.
"""

from __future__ import annotations

import csv
import glob as globlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import UsageError
from pipeline.io import json_safe, lone_surrogate, not_utf8, parse_json, read_lines

SUFFIXES = (".txt", ".jsonl", ".csv", ".parquet")
DEFAULT_MAX_CHARS = 1_000_000  # spaCy's own ``nlp.max_length``
_SNIFF_BYTES = 8192
_CSV_FIELD_LIMIT = 2**31 - 1  # the csv module's default (128 KiB) is shorter than many reports


@dataclass
class InputDoc:
    """One document to tag; ``key`` is its source (``path`` or ``path:N``), unique within a run."""

    key: str
    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    file_name: str = ""  # the name of its file as the run sees it (relative to the directory given)


@dataclass
class Skipped:
    """A document or file that was not tagged: ``status`` is ``skipped`` (unreadable) or ``failed`` (tagging)."""

    key: str
    reason: str
    status: str = "skipped"

    def __str__(self) -> str:
        return f"{self.status} {self.key}: {self.reason}"

    def to_json(self) -> dict[str, str]:
        return {"source": self.key, "status": self.status, "reason": self.reason}


@dataclass(frozen=True)
class InputFile:
    """A file to read, the name it gets as a document id (relative to the directory it was found in), and
    why it cannot be read at all when it is not a regular file."""

    path: Path
    name: str
    problem: str | None = None


class InputError(UsageError, ValueError):
    """An input argument names nothing readable (no such file, or a glob/directory with no matches)."""


def _special_file(path: Path) -> str | None:
    """Why ``path`` (which exists as a name) is not a regular file to read, or None."""
    if path.is_symlink() and not path.exists():
        return f"dangling symbolic link (to {os.readlink(path)}, which does not exist)"
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"not a regular file ({kind}): not read"


def find_input_files(inputs: Iterable[str | Path], glob: str | None = None) -> list[InputFile]:
    """Expand files, directories (recursively) and glob patterns into a sorted, de-duplicated file list.

    ``glob`` (e.g. ``"*.txt"``) filters the files found in directories; without it every file with a supported
    suffix is taken.  Hidden files and directories (``.name``) are ignored inside directories.  A file named
    explicitly is always taken, even with an unsupported suffix (it is then reported as skipped).  Names that
    are not regular files (FIFOs, sockets, devices, dangling links) are kept with the reason, and reported as
    skipped, never opened.  A name that does not exist, a directory without input files and a pattern that
    matches nothing raise :class:`InputError`.
    """
    found: dict[Path, InputFile] = {}

    def add(p: Path, name: str) -> None:
        key = Path(os.path.abspath(p)) if p.is_symlink() and not p.exists() else p.resolve()
        found.setdefault(key, InputFile(p, name, _special_file(p)))

    for raw in inputs:
        arg = str(raw)
        path = Path(arg)
        if path.is_dir():
            pattern = glob or "*"
            n_before = len(found)
            for p in sorted(path.rglob(pattern)):
                rel = p.relative_to(path)
                if any(part.startswith(".") for part in rel.parts) or p.is_dir():
                    continue
                if glob is None and p.suffix.lower() not in SUFFIXES:
                    continue
                add(p, rel.as_posix())
            if len(found) == n_before:
                wanted = f"matching {glob!r}" if glob else f"ending in {', '.join(SUFFIXES)}"
                raise InputError(f"{arg}: the directory holds no input files ({wanted})")
        elif path.exists() or path.is_symlink():
            add(path, path.name)
        elif globlib.has_magic(arg):
            matches = sorted(Path(m) for m in globlib.glob(arg, recursive=True))
            files = [m for m in matches if not m.is_dir()]
            if not files:
                raise InputError(f"{arg}: the pattern matches no file")
            for m in files:
                add(m, m.name)
        else:
            raise InputError(f"{arg}: no such file or directory")
    return sorted(found.values(), key=lambda f: str(f.path))


def iter_documents(
    files: Iterable[InputFile],
    text_field: str = "text",
    id_field: str = "id",
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Iterator[InputDoc | Skipped]:
    """Yield every document of every file, or a :class:`Skipped` record for what cannot be read."""
    for f in files:
        suffix = f.path.suffix.lower()
        problem = f.problem or _file_problem(f.path)
        if problem:
            yield Skipped(str(f.path), problem)
            continue
        reader = _READERS.get(suffix)
        if reader is None:
            yield Skipped(
                str(f.path), f"unsupported file type {suffix or '(none)'} (use {', '.join(SUFFIXES)})"
            )
            continue
        n = 0
        try:
            for item in reader(f, text_field, id_field, max_chars):
                n += 1
                yield item
        except (OSError, ValueError) as exc:  # a read error mid-file: the rest of this file only
            yield Skipped(f"{f.path}:after-{n}", f"read error, rest of the file skipped: {exc}")


@dataclass
class Renamed:
    """A document whose id an earlier document already had, and the id it got instead."""

    key: str
    old_id: str
    new_id: str
    first: str  # the key of the document that kept the id

    def __str__(self) -> str:
        return f"renamed {self.key}: id {self.old_id!r} is taken by {self.first}; written as {self.new_id!r}"


def unique_ids(items: Iterable[InputDoc | Skipped], renamed: list[Renamed]) -> Iterator[InputDoc | Skipped]:
    """Pass ``items`` through with unique ids: the first document keeps its id, a later one with the same id
    becomes ``FILE:ID`` (``FILE#2:ID``… if that is taken too), keeps the old one in ``meta["source_id"]``
    and is appended to ``renamed``."""
    first: dict[str, str] = {}
    for item in items:
        if isinstance(item, InputDoc):
            if item.id in first:
                new_id = f"{item.file_name}:{item.id}"
                n = 1
                while new_id in first:
                    n += 1
                    new_id = f"{item.file_name}#{n}:{item.id}"
                renamed.append(Renamed(item.key, item.id, new_id, first[item.id]))
                item.meta = {**item.meta, "source_id": item.id}
                item.id = new_id
            first[item.id] = item.key
        yield item


def count_documents(files: Iterable[InputFile]) -> int | None:
    """A cheap estimate of how many documents the files hold (for the progress bar); None when unknown."""
    total = 0
    for f in files:
        suffix = f.path.suffix.lower()
        try:
            if f.problem:
                total += 1
            elif suffix == ".jsonl":
                with f.path.open("rb") as fh:
                    total += sum(1 for line in fh if line.strip())
            elif suffix == ".parquet":
                import pyarrow.parquet as pq

                total += pq.ParquetFile(f.path).metadata.num_rows
            elif suffix == ".csv":
                with f.path.open("rb") as fh:
                    total += max(sum(1 for line in fh if line.strip()) - 1, 0)
            else:
                total += 1
        except Exception:
            total += 1
    return total


def _file_problem(path: Path) -> str | None:
    """Why a file cannot be read at all (unreadable, empty, binary), or None."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    if size == 0:
        return "empty file"
    if path.suffix.lower() != ".parquet" and b"\x00" in head:
        return "binary file (contains NUL bytes)"
    return None


def _too_large(n_chars: int, max_chars: int) -> str:
    return f"too large ({n_chars:,} characters > --max-chars {max_chars:,})"


def _read_txt(f: InputFile, text_field: str, id_field: str, max_chars: int) -> Iterator[InputDoc | Skipped]:
    yield _read_txt_doc(f, max_chars)


def _read_txt_doc(f: InputFile, max_chars: int) -> InputDoc | Skipped:
    key = str(f.path)
    try:
        size = f.path.stat().st_size
        if size > 4 * max_chars:
            return Skipped(key, f"too large ({size:,} bytes > 4 x --max-chars {max_chars:,})")
        raw = f.path.read_bytes()
    except OSError as exc:
        return Skipped(key, f"cannot read file: {exc.strerror or exc}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Skipped(key, not_utf8(raw, exc))
    if not text.strip():
        return Skipped(key, "empty file (whitespace only)")
    if len(text) > max_chars:
        return Skipped(key, _too_large(len(text), max_chars))
    return InputDoc(key, f.name, text, {}, f.name)


def _make_doc(
    f: InputFile, n: int, record: dict[str, Any], text_field: str, id_field: str, max_chars: int
) -> InputDoc | Skipped:
    """Document ``n`` (line or row) of ``f`` from one record (JSON object, CSV/Parquet row); the other fields
    become ``meta``."""
    key = f"{f.path}:{n}"
    if text_field not in record:
        return Skipped(key, f"no {text_field!r} field (fields: {', '.join(map(str, record)) or 'none'})")
    text = record[text_field]
    if text is None:
        return Skipped(key, f"empty {text_field!r}")
    if not isinstance(text, str):
        return Skipped(key, f"{text_field!r} is {type(text).__name__}, not a string")
    if not text.strip():
        return Skipped(key, f"empty {text_field!r}")
    if len(text) > max_chars:
        return Skipped(key, _too_large(len(text), max_chars))
    raw_id = record.get(id_field)
    doc_id = f"{f.name}:{n}" if raw_id is None or str(raw_id) == "" else str(raw_id)
    meta: dict[str, Any] = {}
    if isinstance(record.get("meta"), dict):
        meta.update(json_safe(record["meta"]))
    for k, v in record.items():
        if k not in (text_field, id_field, "meta", "label", "entities"):
            meta[str(k)] = json_safe(v)
    return InputDoc(key, doc_id, text, meta, f.name)


def _read_jsonl(f: InputFile, text_field: str, id_field: str, max_chars: int) -> Iterator[InputDoc | Skipped]:
    n_docs = 0
    for line in read_lines(f.path):
        key = f"{f.path}:{line.number}"
        if line.error:
            n_docs += 1
            yield Skipped(key, line.error)
            continue
        if not line.text.strip():
            continue
        n_docs += 1
        try:
            obj = parse_json(line.text)
        except ValueError as exc:
            yield Skipped(key, str(exc))
            continue
        if not isinstance(obj, dict):
            yield Skipped(key, f"expected a JSON object, got {type(obj).__name__}")
            continue
        yield _make_doc(f, line.number, obj, text_field, id_field, max_chars)
    if n_docs == 0:
        yield Skipped(str(f.path), "empty file (no JSON lines)")


def _read_csv(f: InputFile, text_field: str, id_field: str, max_chars: int) -> Iterator[InputDoc | Skipped]:
    """Rows of a CSV file, one by one: a malformed row (bad quoting, wrong number of fields, bytes that are
    not UTF-8) is skipped with its line number and the next row read."""
    key = str(f.path)
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    with f.path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader)
        except (csv.Error, StopIteration) as exc:
            yield Skipped(key, f"not a readable CSV file: no header line ({exc or 'empty'})")
            return
        if any(lone_surrogate(h) for h in header):
            yield Skipped(
                key, "not UTF-8 (in the header line; convert it first, e.g. iconv -f GB18030 -t UTF-8)"
            )
            return
        if text_field not in header:
            yield Skipped(key, f"no column {text_field!r} (columns: {', '.join(header)})")
            return
        row = 0
        while True:
            first_line = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                row += 1
                last = reader.line_num
                lines = (
                    f"lines {first_line}-{last} (an unclosed quote?)" if last > first_line else f"line {last}"
                )
                yield Skipped(f"{key}:{row}", f"CSV error on {lines}: {exc}")
                continue
            if not fields:
                continue  # a blank line
            row += 1
            if len(fields) != len(header):
                yield Skipped(
                    f"{key}:{row}",
                    f"line {first_line}: {len(fields)} fields, the header has {len(header)}",
                )
            elif any(lone_surrogate(v) for v in fields):
                yield Skipped(
                    f"{key}:{row}",
                    f"line {first_line}: not UTF-8 (convert it first, e.g. iconv -f GB18030 -t UTF-8)",
                )
            else:
                yield _make_doc(
                    f, row, dict(zip(header, fields, strict=True)), text_field, id_field, max_chars
                )
    if row == 0:
        yield Skipped(key, "no rows (a header only)")


def _read_parquet(
    f: InputFile, text_field: str, id_field: str, max_chars: int
) -> Iterator[InputDoc | Skipped]:
    import pyarrow.parquet as pq

    key = str(f.path)
    try:
        pf = pq.ParquetFile(f.path)
    except Exception as exc:
        yield Skipped(key, f"not a readable Parquet file: {str(exc).splitlines()[0]}")
        return
    names = pf.schema_arrow.names
    if text_field not in names:
        yield Skipped(key, f"no column {text_field!r} (columns: {', '.join(names)})")
        return
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=1000):
            for record in batch.to_pylist():
                row += 1
                yield _make_doc(f, row, record, text_field, id_field, max_chars)
    except Exception as exc:
        yield Skipped(f"{key}:{row + 1}", f"Parquet read error, rest of the file skipped: {exc}")
    if row == 0:
        yield Skipped(key, "no rows")


_READERS = {".txt": _read_txt, ".jsonl": _read_jsonl, ".csv": _read_csv, ".parquet": _read_parquet}

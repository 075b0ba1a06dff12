"""Input documents for batch tagging: files, directories and globs of ``.txt``/``.jsonl``/``.csv``/``.parquet``.

Every input document comes out exactly once, either as an :class:`InputDoc` or as a :class:`Skipped` record that
names its source (``path`` for a whole file, ``path:N`` for line/row ``N``) and why it could not be read.  Order is
deterministic (sorted paths, file order inside a file), which is what ``--resume`` relies on: a document's
``key`` is its source, stable between runs.
"""

from __future__ import annotations

import codecs
import glob as globlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

SUFFIXES = (".txt", ".jsonl", ".csv", ".parquet")
DEFAULT_MAX_CHARS = 1_000_000  # spaCy's own ``nlp.max_length``
_SNIFF_BYTES = 8192


@dataclass
class InputDoc:
    """One document to tag; ``key`` is its source (``path`` or ``path:N``), unique within a run."""

    key: str
    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)


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
    """A file to read and the name it gets as a document id (relative to the directory it was found in)."""

    path: Path
    name: str


class InputError(ValueError):
    """An input argument names nothing readable (no such file, or a glob/directory with no matches)."""


def find_input_files(inputs: Iterable[str | Path], glob: str | None = None) -> list[InputFile]:
    """Expand files, directories (recursively) and glob patterns into a sorted, de-duplicated file list.

    ``glob`` (e.g. ``"*.txt"``) filters the files found in directories; without it every file with a supported
    suffix is taken.  Hidden files and directories (``.name``) are ignored inside directories.  A file named
    explicitly is always taken, even with an unsupported suffix (it is then reported as skipped).
    """
    found: dict[Path, InputFile] = {}
    for raw in inputs:
        arg = str(raw)
        path = Path(arg)
        if path.is_dir():
            pattern = glob or "*"
            for p in sorted(path.rglob(pattern)):
                rel = p.relative_to(path)
                if not p.is_file() or any(part.startswith(".") for part in rel.parts):
                    continue
                if glob is None and p.suffix.lower() not in SUFFIXES:
                    continue
                found.setdefault(p.resolve(), InputFile(p, rel.as_posix()))
        elif path.is_file():
            found.setdefault(path.resolve(), InputFile(path, path.name))
        elif globlib.has_magic(arg):
            matches = sorted(Path(m) for m in globlib.glob(arg, recursive=True))
            files = [m for m in matches if m.is_file()]
            if not files:
                raise InputError(f"{arg}: the pattern matches no file")
            for m in files:
                found.setdefault(m.resolve(), InputFile(m, m.name))
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
        problem = _file_problem(f.path)
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
        except Exception as exc:  # an unexpected read error: the rest of this file only
            yield Skipped(f"{f.path}:after-{n}", f"read error, rest of the file skipped: {exc}")


def count_documents(files: Iterable[InputFile]) -> int | None:
    """A cheap estimate of how many documents the files hold (for the progress bar); None when unknown."""
    total = 0
    for f in files:
        suffix = f.path.suffix.lower()
        try:
            if suffix == ".jsonl":
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


def _decode_error(raw: bytes, exc: UnicodeDecodeError, base: int = 0) -> str:
    return (
        f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {base + exc.start}; "
        "convert it first, e.g. iconv -f GB18030 -t UTF-8)"
    )


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
        return Skipped(key, _decode_error(raw, exc))
    if not text.strip():
        return Skipped(key, "empty file (whitespace only)")
    if len(text) > max_chars:
        return Skipped(key, _too_large(len(text), max_chars))
    return InputDoc(key, f.name, text, {})


def _json_safe(value: Any) -> Any:
    try:
        json.dumps(value, ensure_ascii=False)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _make_doc(
    key: str, fallback_id: str, record: dict[str, Any], text_field: str, id_field: str, max_chars: int
) -> InputDoc | Skipped:
    """A document from one record (JSON object, CSV/Parquet row); other fields become ``meta``."""
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
    doc_id = fallback_id if raw_id is None or str(raw_id) == "" else str(raw_id)
    meta: dict[str, Any] = {}
    if isinstance(record.get("meta"), dict):
        meta.update(record["meta"])
    for k, v in record.items():
        if k not in (text_field, id_field, "meta", "label", "entities"):
            meta[k] = _json_safe(v)
    return InputDoc(key, doc_id, text, meta)


def _read_jsonl(f: InputFile, text_field: str, id_field: str, max_chars: int) -> Iterator[InputDoc | Skipped]:
    n_docs = 0
    offset = 0
    try:
        fh = f.path.open("rb")
    except OSError as exc:
        yield Skipped(str(f.path), f"cannot read file: {exc.strerror or exc}")
        return
    with fh:
        for lineno, raw in enumerate(fh, start=1):
            base = offset
            offset += len(raw)
            if not raw.strip():
                continue
            key = f"{f.path}:{lineno}"
            n_docs += 1
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield Skipped(key, _decode_error(raw, exc, base))
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield Skipped(key, f"invalid JSON: {exc.msg} (column {exc.colno})")
                continue
            if not isinstance(obj, dict):
                yield Skipped(key, f"expected a JSON object, got {type(obj).__name__}")
                continue
            yield _make_doc(key, f"{f.name}:{lineno}", obj, text_field, id_field, max_chars)
    if n_docs == 0:
        yield Skipped(str(f.path), "empty file (no JSON lines)")


def _check_utf8(path: Path) -> str | None:
    """Stream-check that a whole file decodes as UTF-8 (before any of its rows is handed out)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return _decode_error(chunk, exc, offset)
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "not UTF-8 (truncated multi-byte character at the end of the file)"
    return None


def _read_csv(f: InputFile, text_field: str, id_field: str, max_chars: int) -> Iterator[InputDoc | Skipped]:
    import pandas as pd

    key = str(f.path)
    problem = _check_utf8(f.path)
    if problem:
        yield Skipped(key, problem)
        return
    try:
        header = pd.read_csv(f.path, nrows=0, encoding="utf-8-sig").columns
    except (ValueError, pd.errors.ParserError) as exc:
        yield Skipped(key, f"not a readable CSV file: {str(exc).splitlines()[0]}")
        return
    if text_field not in header:
        yield Skipped(key, f"no column {text_field!r} (columns: {', '.join(map(str, header))})")
        return
    row = 0
    try:
        reader = pd.read_csv(f.path, dtype=str, keep_default_na=False, encoding="utf-8-sig", chunksize=1000)
        for chunk in reader:
            # pandas types records as dict[Hashable, Any]; CSV header names are always str
            for record in cast(list[dict[str, Any]], chunk.to_dict("records")):
                row += 1
                yield _make_doc(f"{key}:{row}", f"{f.name}:{row}", record, text_field, id_field, max_chars)
    except (ValueError, pd.errors.ParserError) as exc:
        yield Skipped(
            f"{key}:{row + 1}", f"CSV parse error, rest of the file skipped: {str(exc).splitlines()[0]}"
        )
    if row == 0:
        yield Skipped(key, "empty file (no rows)")


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
                yield _make_doc(f"{key}:{row}", f"{f.name}:{row}", record, text_field, id_field, max_chars)
    except Exception as exc:
        yield Skipped(f"{key}:{row + 1}", f"Parquet read error, rest of the file skipped: {exc}")
    if row == 0:
        yield Skipped(key, "empty file (no rows)")


_READERS = {".txt": _read_txt, ".jsonl": _read_jsonl, ".csv": _read_csv, ".parquet": _read_parquet}

"""Reading and writing files the one way the project does it: lines, JSON Lines, JSON settings, atomic writes.

- Lines are split on ``\\n`` only (``str.splitlines()`` also splits on U+2028, U+2029, U+0085 and other
  characters that are legal inside JSON strings and occur in real scraped text), numbered from 1, and decoded
  one by one, so a bad byte costs its line only.
- JSON Lines are written with Chinese as is, and U+2028/U+2029/U+0085 escaped, so that no reader splits a
  line; ``NaN``/``Infinity`` are refused both ways (they are not JSON), and so are lone surrogates (they cannot
  be written as UTF-8).
- Every write goes to a temporary file beside the target, is fsync'd and renamed into place: a reader sees the
  old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pipeline.errors import PipelineError

BOM = "\ufeff"
# characters str.splitlines() breaks at that json.dumps(ensure_ascii=False) leaves raw
_RAW_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}
_RAW_LINE_BREAK = re.compile("[\u2028\u2029\x85]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class FileFormatError(PipelineError):
    """A file (settings, JSON) that cannot be read or parsed; the message names the file and line."""


class LineError(FileFormatError):
    """One line of a text file that cannot be read."""

    def __init__(self, path: str | Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path, self.line, self.reason = str(path), line, reason


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Line:
    """One line of a file: its number (from 1), byte offset, text without the line break, or why not."""

    number: int
    offset: int
    text: str
    error: str | None = None  # set when the line is not UTF-8 (``text`` is then empty)


def not_utf8(raw: bytes, exc: UnicodeDecodeError, base: int = 0) -> str:
    """The reason for a decoding error: the bad byte and its offset in the file."""
    return (
        f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {base + exc.start}; "
        "convert it first, e.g. iconv -f GB18030 -t UTF-8)"
    )


def _decode_lines(raw_lines: Iterable[bytes]) -> Iterator[Line]:
    offset = 0
    for number, raw in enumerate(raw_lines, start=1):
        base = offset
        offset += len(raw)
        body = raw[:-1] if raw.endswith(b"\n") else raw
        body = body[:-1] if body.endswith(b"\r") else body
        try:
            text = body.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield Line(number, base, "", not_utf8(body, exc, base))
            continue
        yield Line(number, base, text)


def read_lines(path: str | Path) -> Iterator[Line]:
    """Every line of ``path``, split on ``\n`` only (a ``\r`` before it is dropped; a BOM on line 1 too)."""
    with Path(path).open("rb") as fh:  # binary files split on b"\n" only
        yield from _decode_lines(fh)


def read_text_lines(path: str | Path) -> list[str]:
    """Every line of a UTF-8 text file (see :func:`read_lines`); :class:`LineError` at a line that is not
    UTF-8."""
    out: list[str] = []
    for line in read_lines(path):
        if line.error:
            raise LineError(path, line.number, line.error)
        out.append(line.text)
    return out


def lone_surrogate(text: str) -> str | None:
    """Why ``text`` cannot be written as UTF-8 (a lone surrogate, and where), or None."""
    m = _LONE_SURROGATE.search(text)
    return f"lone surrogate U+{ord(m.group()):04X} at character {m.start()}" if m else None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _first_surrogate(value: Any) -> str | None:
    if isinstance(value, str):
        return lone_surrogate(value)
    if isinstance(value, dict):
        items: Iterable[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    else:
        return None
    return next((why for why in map(_first_surrogate, items) if why), None)


def parse_json(text: str) -> Any:
    """Parse one JSON value strictly: ``ValueError`` with a short reason for invalid JSON, ``NaN``/``Infinity``
    or a lone surrogate (``"\\ud800"``) anywhere in it."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except ValueError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    if _SURROGATE_ESCAPE.search(text):  # only escapes can put a surrogate into a decoded string
        why = _first_surrogate(value)
        if why:
            raise ValueError(f"invalid text: {why}")
    return value


@dataclass(frozen=True)
class JsonLine:
    """One non-blank line of a JSON Lines file: the parsed value, or why it could not be parsed."""

    number: int
    value: Any = None
    error: str | None = None


def _parse_lines(lines: Iterable[Line]) -> Iterator[JsonLine]:
    for line in lines:
        if line.error:
            yield JsonLine(line.number, error=line.error)
            continue
        if not line.text.strip():
            continue
        try:
            yield JsonLine(line.number, parse_json(line.text))
        except ValueError as exc:
            yield JsonLine(line.number, error=str(exc))


def read_jsonl(path: str | Path) -> Iterator[JsonLine]:
    """Every non-blank line of a JSON Lines file, parsed with :func:`parse_json`; a bad line is reported and
    the next one read (the caller decides whether a bad line is fatal)."""
    yield from _parse_lines(read_lines(path))


def loads_jsonl(data: bytes) -> Iterator[JsonLine]:
    """:func:`read_jsonl` for JSON Lines held in memory (e.g. a member of a zip file)."""
    yield from _parse_lines(_decode_lines(io.BytesIO(data)))


def read_json(path: str | Path, what: str = "JSON file") -> Any:
    """A whole JSON file (settings, splits, label maps); :class:`FileFormatError` naming the file, line and
    reason when it cannot be read or parsed."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise FileFormatError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{path}: cannot read {what}: {not_utf8(exc.object, exc)}") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise FileFormatError(f"{path}:{exc.lineno}: invalid JSON in {what}: {exc.msg}") from None
    except ValueError as exc:
        raise FileFormatError(f"{path}: invalid JSON in {what}: {exc}") from None


# ---------------------------------------------------------------- writing


def dumps_line(value: Any) -> str:
    """One JSON Lines line (without the ``\\n``): Chinese as is, U+2028/U+2029/U+0085 escaped, no NaN."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return _RAW_LINE_BREAK.sub(lambda m: _RAW_LINE_BREAKS[m.group()], text)


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Write to a temporary file beside ``path``, fsync it and rename it into place only when complete.

    An ``OSError`` (no such directory, no permission, a full disk) names ``path``, not the temporary file.
    """
    path = Path(path)
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = f"cannot create the directory {path.parent} ({exc.strerror or exc})"
        raise OSError(exc.errno, reason, str(path)) from None
    tmp: Path | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        tmp = Path(tmp_name)
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes it private; the file gets the usual mode
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:
        name = str(exc.filename or "")
        if not name or (name.endswith(".tmp") and Path(name).name.startswith(f".{path.name}.")):
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def write_jsonl(path: str | Path, values: Iterable[Any]) -> int:
    """Write ``values`` one a line (see :func:`dumps_line`), atomically; return how many were written."""
    n = 0
    with atomic_write(path) as fh:
        for value in values:
            fh.write(dumps_line(value) + "\n")
            n += 1
    return n


def write_json(path: str | Path, value: Any, indent: int | None = 1) -> None:
    """Write one JSON value (Chinese as is), atomically."""
    with atomic_write(path) as fh:
        fh.write(json.dumps(value, ensure_ascii=False, allow_nan=False, indent=indent) + "\n")


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON data: non-finite floats become None, other types their ``str``."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return json_safe(value.tolist())
    return str(value)

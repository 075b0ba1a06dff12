"""Output formats, chosen by the output's extension, written as atomic parts and assembled at the end.

- ``.jsonl``: one document a line, the gold format (``id``, ``text``, ``label``, ``meta``) plus ``entities``
  (each with its offsets, text, label and the normalised fields that are set); validates as gold, can be pushed
  to doccano or evaluated.
- ``.csv`` / ``.parquet``: one row per entity, columns :data:`~pipeline.tagging.records.ROW_COLUMNS`.  CSV is
  written as UTF-8 with a byte-order mark (``utf-8-sig``) so that Excel shows the Chinese correctly; pandas
  (``pd.read_csv``) and Python's ``csv`` with ``encoding="utf-8-sig"`` read it unchanged.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import UsageError
from pipeline.io import atomic_write, dumps_line
from pipeline.tagging.records import FLOAT_FIELDS, ROW_COLUMNS, TaggedDoc

CSV_ENCODING = "utf-8-sig"

ROW_SCHEMA = pa.schema(
    [
        pa.field(
            name,
            pa.int64() if name in ("start", "end") else pa.float64() if name in FLOAT_FIELDS else pa.string(),
        )
        for name in ROW_COLUMNS
    ]
)


def rows_table(docs: Sequence[TaggedDoc]) -> pa.Table:
    """All entity rows of ``docs`` as an Arrow table with :data:`ROW_SCHEMA`."""
    rows = [row for doc in docs for row in doc.rows()]
    return pa.Table.from_pylist(rows, schema=ROW_SCHEMA)


def _concatenate(parts: Sequence[Path], dest: Path, head: bytes = b"") -> None:
    """``dest`` (atomically): ``head``, then the bytes of every part in order."""
    with atomic_write(dest, "wb") as out:
        out.write(head)
        for part in parts:
            with part.open("rb") as fh:
                shutil.copyfileobj(fh, out)


class OutputFormat:
    """One output format: how a part (a checkpoint's documents) is written and how parts become the output."""

    suffix = ""

    def write_part(self, docs: Sequence[TaggedDoc], path: Path) -> None:
        raise NotImplementedError

    def assemble(self, parts: Sequence[Path], dest: Path) -> None:
        raise NotImplementedError


class JsonlFormat(OutputFormat):
    suffix = ".jsonl"

    def write_part(self, docs: Sequence[TaggedDoc], path: Path) -> None:
        with atomic_write(path) as fh:
            for doc in docs:
                fh.write(dumps_line(doc.to_json()) + "\n")

    def assemble(self, parts: Sequence[Path], dest: Path) -> None:
        _concatenate(parts, dest)


class CsvFormat(OutputFormat):
    suffix = ".csv"

    def write_part(self, docs: Sequence[TaggedDoc], path: Path) -> None:
        with atomic_write(path, newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=ROW_COLUMNS)
            for doc in docs:
                writer.writerows(doc.rows())

    def assemble(self, parts: Sequence[Path], dest: Path) -> None:
        header = io.StringIO()
        csv.writer(header).writerow(ROW_COLUMNS)
        _concatenate(parts, dest, head=header.getvalue().encode(CSV_ENCODING))


class ParquetFormat(OutputFormat):
    suffix = ".parquet"

    def write_part(self, docs: Sequence[TaggedDoc], path: Path) -> None:
        table = rows_table(docs)
        with atomic_write(path, "wb") as fh:
            pq.write_table(table, fh)

    def assemble(self, parts: Sequence[Path], dest: Path) -> None:
        with atomic_write(dest, "wb") as fh, pq.ParquetWriter(fh, ROW_SCHEMA) as writer:
            for part in parts:
                table = pq.read_table(part, schema=ROW_SCHEMA)
                if table.num_rows:
                    writer.write_table(table)


FORMATS: dict[str, type[OutputFormat]] = {f.suffix: f for f in (JsonlFormat, CsvFormat, ParquetFormat)}


def format_for(path: str | Path) -> OutputFormat:
    """The output format for ``path``'s extension; :class:`UsageError` for any other, or a directory."""
    suffix = Path(path).suffix.lower()
    if Path(path).is_dir():
        raise UsageError(f"{path}: is a directory; the output is a file ending in {', '.join(FORMATS)}")
    if suffix not in FORMATS:
        raise UsageError(f"{path}: unknown output format {suffix or '(none)'} (use {', '.join(FORMATS)})")
    return FORMATS[suffix]()

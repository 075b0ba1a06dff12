"""The texts of the shared data directory, read in their formats, to compare the segmenter with spacy-pkuseg.

:func:`shared_texts` yields ``(source, text)`` for the gold reports, the raw reports, the government work
reports, the seed corpus and every corpus in ``external/`` (about 3.5 M characters); a file of an unknown
format raises :class:`UnknownFormat`, so that a new corpus is not silently left out of the comparison.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

_DOCS = {"SOURCE.md", "LICENSE.txt", "LICENSE", "README.md", "tags.txt"}


class UnknownFormat(ValueError):
    """A file under ``external/`` that :func:`external_texts` cannot read."""


def _jsonl_texts(path: Path, field: str = "text") -> Iterator[str]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)[field]


def _json_texts(path: Path) -> Iterator[str]:
    raw = path.read_text(encoding="utf-8")
    if raw.lstrip().startswith("["):
        for obj in json.loads(raw):
            yield obj["text"]
    else:
        for line in raw.splitlines():
            if line.strip():
                yield json.loads(line)["text"]


def _comment_texts(path: Path) -> Iterator[str]:
    """CoNLL-U / IOB2 with ``# text = …`` comments."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("# text = "):
                yield line[len("# text = ") :].rstrip("\n")


def _column_texts(path: Path, strip_position: bool = False) -> Iterator[str]:
    """One character per line (first column), sentences separated by blank lines.

    ``strip_position``: Weibo NER's characters carry their position in the word as a last digit (``口0``).
    """
    chars: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            fields = line.split()
            if not fields:
                if chars:
                    yield "".join(chars)
                chars = []
                continue
            chars.append(fields[0][:-1] if strip_position else fields[0])
    if chars:
        yield "".join(chars)


def _joined_lines(path: Path) -> Iterator[str]:
    """Lines of space-separated words or characters, joined back into text."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            text = "".join(line.split())
            if text:
                yield text


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield line.rstrip("\n")


def external_texts(path: Path) -> Iterator[str]:
    """The texts of one file of a corpus in ``external/``, by its format."""
    name = path.name
    if path.suffix == ".json":
        return _json_texts(path)
    if path.suffix in (".conllu", ".iob2"):
        return _comment_texts(path)
    if name.startswith("weiboNER"):
        return _column_texts(path, strip_position=True)
    if path.suffix == ".bmes" or name.startswith("example.") or name.endswith("_bio.txt"):
        return _column_texts(path)
    if name == "sentences.txt" or name.endswith("_gold.utf8"):
        return _joined_lines(path)
    if name.endswith("_words.utf8"):
        return _lines(path)
    raise UnknownFormat(f"{path}: no reader for this file")


def shared_texts(data_dir: Path) -> Iterator[tuple[str, str]]:
    """``(source, text)`` for every text of the shared data directory."""
    for text in _jsonl_texts(data_dir / "gold" / "reports.jsonl"):
        yield "gold/reports.jsonl", text
    for path in sorted((data_dir / "reports" / "raw").glob("*.txt")):
        yield f"reports/raw/{path.name}", path.read_text(encoding="utf-8")
    for text in _jsonl_texts(data_dir / "reports" / "gov-work-reports.jsonl"):
        yield "reports/gov-work-reports.jsonl", text
    for path in sorted((data_dir / "corpus").rglob("*.txt")):
        yield path.relative_to(data_dir).as_posix(), path.read_text(encoding="utf-8")
    for path in sorted((data_dir / "external").rglob("*")):
        if path.is_file() and path.name not in _DOCS:
            source = path.relative_to(data_dir).as_posix()
            for text in external_texts(path):
                yield source, text

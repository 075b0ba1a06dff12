"""What every reader yields (source sentences with source-label spans, or input errors) and tag decoding."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# (start, end exclusive, source label) in character offsets of the sentence text
SourceSpan = tuple[int, int, str]

_SPLIT_WORD = re.compile(r"(?<![a-z])(train|dev|val|valid|test)(?![a-z])", re.IGNORECASE)
_GENERIC_NAMES = {"sentences", "tags", "data", "input"}


@dataclass
class SourceDoc:
    """One sentence/message of a public corpus, spans still in the corpus's own labels."""

    file: Path
    line: int  # 1-based line where the sentence starts (0 when unknown)
    ordinal: int  # 1-based position of the sentence in its file (stable even when others fail)
    text: str
    spans: list[SourceSpan] = field(default_factory=list)
    source_chars: int = 0  # characters as the corpus counts them (character tokens, word lengths, len(text))
    repaired: int = 0  # tag-sequence repairs (I-/M-/E- without B-)


@dataclass(frozen=True)
class InputError:
    """A bad input line: the sentence it belongs to is not converted."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


class TagError(ValueError):
    """A tag that is neither ``O`` nor ``B-/I-/M-/E-/S-`` + type."""


def decode_tags(tags: Sequence[str]) -> tuple[list[SourceSpan], int]:
    """Character or word tags (BIO, IOB2, BMES/BIOES) → spans over tag indices, and the number of repairs.

    ``B-X``/``S-X`` start an entity; ``I-X``/``M-X``/``E-X`` continue an open ``X`` entity or, when none is
    open (``I-`` without ``B-``, type change, after ``E-``), start one (counted as a repair); ``E-``/``S-``
    close it.  Raises :class:`TagError` on an unknown tag.
    """
    spans: list[SourceSpan] = []
    repaired = 0
    start: int | None = None
    kind = ""
    for i, tag in enumerate(tags):
        if tag == "O":
            if start is not None:
                spans.append((start, i, kind))
                start = None
            continue
        prefix, sep, label = tag.partition("-")
        if not sep or prefix not in {"B", "I", "M", "E", "S"} or not label:
            raise TagError(f"unknown tag {tag!r} (expected O or B-/I-/M-/E-/S- + type)")
        continues = prefix in {"I", "M", "E"} and label == kind
        if start is None or not continues:
            if start is not None:
                spans.append((start, i, kind))
            if prefix in {"I", "M", "E"}:
                repaired += 1
            start, kind = i, label
        if prefix in {"E", "S"}:
            spans.append((start, i + 1, kind))
            start = None
    if start is not None:
        spans.append((start, len(tags), kind))
    return spans, repaired


def split_name(path: Path) -> str:
    """The part of a document id naming the file: its split (train/dev/val/test) or a cleaned stem."""
    for part in (path.name, path.parent.name):
        m = _SPLIT_WORD.search(part)
        if m:
            word = m.group(1).lower()
            return "val" if word == "valid" else word
    stem = path.stem if path.stem.lower() not in _GENERIC_NAMES else path.parent.name
    return re.sub(r"[^0-9a-zA-Z]+", "-", stem).strip("-").lower() or "data"


def display_name(path: Path) -> str:
    """The file name recorded in ``meta.source.file`` (with its folder when the name alone says little)."""
    if path.stem.lower() in _GENERIC_NAMES:
        return f"{path.parent.name}/{path.name}"
    return path.name

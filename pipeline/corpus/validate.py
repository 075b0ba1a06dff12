"""Validation of gold JSONL files: every error, one line each, naming file, line and reason."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import LABELS
from pipeline.corpus.gold import GoldDoc
from pipeline.io import read_jsonl

# Characters a span may start or end with although Unicode calls them punctuation (rules 21 and 24).
_OK_START = set("-－−+＋")
_OK_END = set("%％‰")


@dataclass(frozen=True)
class ValidationError:
    """One problem in one gold file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _bad_edge(ch: str, ok: set[str]) -> bool:
    if ch in ok:
        return False
    return ch.isspace() or unicodedata.category(ch).startswith("P")


def _invisible(ch: str) -> bool:
    """A zero-width format character (U+200B ZWSP, U+200D ZWJ, U+FEFF, soft hyphen…)."""
    return unicodedata.category(ch) == "Cf"


def _combining(ch: str) -> bool:
    """A mark that belongs to the character before it (combining accents, variation selectors…)."""
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


def _edge_problem(text: str, start: int, end: int) -> str | None:
    """What is wrong at the edges of ``text[start:end]``, or None."""
    first, last = text[start], text[end - 1]
    if _bad_edge(first, _OK_START):
        return "starts with whitespace or punctuation"
    if _bad_edge(last, _OK_END):
        return "ends with whitespace or punctuation"
    if _invisible(first) or _combining(first):
        return f"starts with a zero-width or combining character (U+{ord(first):04X})"
    if _invisible(last):
        return f"ends with a zero-width character (U+{ord(last):04X})"
    if end < len(text) and _combining(text[end]):
        return f"cuts off the combining character after it (U+{ord(text[end]):04X})"
    return None


def check_spans(text: str, spans: Sequence[Sequence[object]], labels: Iterable[str] = LABELS) -> list[str]:
    """Return a message for every bad span of one document (empty when all are valid); every overlapping
    pair is reported, nested ones included."""
    allowed = set(labels)
    problems: list[str] = []
    good: list[tuple[int, int, str]] = []
    for raw in spans:
        if not isinstance(raw, (list, tuple)) or len(raw) != 3:
            problems.append(f"span {raw!r} is not [start, end, label]")
            continue
        start, end, label = raw
        if (
            not isinstance(start, int)
            or not isinstance(end, int)
            or isinstance(start, bool)
            or isinstance(end, bool)
        ):
            problems.append(f"span {list(raw)!r} has non-integer offsets")
            continue
        if label not in allowed:
            problems.append(
                f"span [{start}, {end}, {label!r}] has unknown label {label!r} (allowed: {' '.join(sorted(allowed))})"
            )
            continue
        if start < 0 or end > len(text):
            problems.append(
                f"span [{start}, {end}, {label}] is out of range (text has {len(text)} characters)"
            )
            continue
        if start >= end:
            problems.append(f"span [{start}, {end}, {label}] has start >= end")
            continue
        edge = _edge_problem(text, start, end)
        if edge:
            problems.append(f"span [{start}, {end}, {label}] {text[start:end]!r} {edge}")
        good.append((start, end, str(label)))
    good.sort()
    for i, (s1, e1, l1) in enumerate(good):
        for s2, e2, l2 in good[i + 1 :]:
            if s2 >= e1:
                break
            problems.append(
                f"spans [{s1}, {e1}, {l1}] {text[s1:e1]!r} and [{s2}, {e2}, {l2}] {text[s2:e2]!r} overlap"
            )
    return problems


def _check_document(obj: Any, labels: tuple[str, ...]) -> tuple[str | None, list[str]]:
    """The id of one parsed line and every problem with it."""
    if not isinstance(obj, dict):
        return None, [f"expected a JSON object, got {type(obj).__name__}"]
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return None, ["missing or empty 'text'"]
    doc_id = obj.get("id", obj.get("doc_id"))
    if doc_id is None or doc_id == "":
        return None, ["missing 'id'"]
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        return None, [f"'id' {doc_id!r} is a {type(doc_id).__name__}, not a string or an integer"]
    spans = obj.get("label", [])
    if not isinstance(spans, list):
        return str(doc_id), [f"'label' of {str(doc_id)!r} is not a list"]
    return str(doc_id), [f"{doc_id}: {msg}" for msg in check_spans(text, spans, labels)]


def validate_file(
    path: str | Path, labels: Iterable[str] = LABELS
) -> tuple[list[GoldDoc], list[ValidationError]]:
    """Parse and check one gold file; return the valid documents and every error found (a bad line never
    stops the others from being checked)."""
    path = Path(path)
    name = str(path)
    labels = tuple(labels)
    errors: list[ValidationError] = []
    docs: list[GoldDoc] = []
    seen: dict[str, int] = {}
    try:
        lines = list(read_jsonl(path))
    except OSError as exc:
        return [], [ValidationError(name, 0, f"cannot read file: {exc.strerror or exc}")]
    if not lines:
        return [], [ValidationError(name, 1, "file is empty: no documents")]
    for line in lines:
        if line.error:
            errors.append(ValidationError(name, line.number, line.error))
            continue
        doc_id, problems = _check_document(line.value, labels)
        if doc_id is not None and doc_id in seen:
            problems = [f"duplicate id {doc_id!r} (first on line {seen[doc_id]})"]
        elif doc_id is not None:
            seen[doc_id] = line.number
        errors += [ValidationError(name, line.number, msg) for msg in problems]
        if not problems:
            docs.append(GoldDoc.from_json(line.value))
    return docs, errors


def validate_files(
    paths: Iterable[str | Path], labels: Iterable[str] = LABELS
) -> tuple[list[GoldDoc], list[ValidationError]]:
    """Validate several files; ids must be unique within each file."""
    all_docs: list[GoldDoc] = []
    all_errors: list[ValidationError] = []
    for p in paths:
        docs, errors = validate_file(p, labels)
        all_docs.extend(docs)
        all_errors.extend(errors)
    return all_docs, all_errors

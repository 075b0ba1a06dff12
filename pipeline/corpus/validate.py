"""Validation of gold JSONL files: every error, one line each, naming file, line and reason."""

from __future__ import annotations

import itertools
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline import LABELS
from pipeline.corpus.gold import GoldDoc

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


def check_spans(text: str, spans: Sequence[Sequence[object]], labels: Iterable[str] = LABELS) -> list[str]:
    """Return a message for every bad span of one document (empty when all are valid)."""
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
        surface = text[start:end]
        if _bad_edge(surface[0], _OK_START):
            problems.append(
                f"span [{start}, {end}, {label}] {surface!r} starts with whitespace or punctuation"
            )
        elif _bad_edge(surface[-1], _OK_END):
            problems.append(f"span [{start}, {end}, {label}] {surface!r} ends with whitespace or punctuation")
        good.append((start, end, str(label)))
    good.sort()
    for (s1, e1, l1), (s2, e2, l2) in itertools.pairwise(good):
        if s2 < e1:
            problems.append(
                f"spans [{s1}, {e1}, {l1}] {text[s1:e1]!r} and [{s2}, {e2}, {l2}] {text[s2:e2]!r} overlap"
            )
    return problems


def validate_file(
    path: str | Path, labels: Iterable[str] = LABELS
) -> tuple[list[GoldDoc], list[ValidationError]]:
    """Parse and check one gold file; return the valid documents and every error found."""
    path = Path(path)
    name = str(path)
    labels = tuple(labels)
    errors: list[ValidationError] = []
    docs: list[GoldDoc] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return [], [ValidationError(name, 0, f"cannot read file: {exc.strerror or exc}")]
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = raw[: exc.start].count(b"\n") + 1
        return [], [
            ValidationError(name, bad_line, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
        ]
    if content.startswith("\ufeff"):
        content = content[1:]
    if not content.strip():
        return [], [ValidationError(name, 1, "file is empty: no documents")]
    seen: dict[str, int] = {}
    for lineno, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(ValidationError(name, lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        if not isinstance(obj, dict):
            errors.append(ValidationError(name, lineno, f"expected a JSON object, got {type(obj).__name__}"))
            continue
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            errors.append(ValidationError(name, lineno, "missing or empty 'text'"))
            continue
        doc_id = obj.get("id", obj.get("doc_id"))
        if doc_id is None or str(doc_id) == "":
            errors.append(ValidationError(name, lineno, "missing 'id'"))
            continue
        doc_id = str(doc_id)
        if doc_id in seen:
            errors.append(
                ValidationError(name, lineno, f"duplicate id {doc_id!r} (first on line {seen[doc_id]})")
            )
            continue
        seen[doc_id] = lineno
        spans = obj.get("label", [])
        if not isinstance(spans, list):
            errors.append(ValidationError(name, lineno, f"'label' of {doc_id!r} is not a list"))
            continue
        problems = check_spans(text, spans, labels)
        for msg in problems:
            errors.append(ValidationError(name, lineno, f"{doc_id}: {msg}"))
        if not problems:
            docs.append(GoldDoc.from_json(obj))
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

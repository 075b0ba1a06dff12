"""Gold documents in doccano's sequence-labelling JSON Lines format.

One document a line: ``{"id", "text", "label": [[start, end, "LABEL"], ...], "meta": {...}}``; offsets are
Python code points into ``text``, end exclusive.  Partially labelled documents (converted public corpora)
carry ``meta["labels_provided"]``: the labels their annotation covers; any other label is *missing*, not absent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import LABELS
from pipeline.errors import PipelineError
from pipeline.io import write_jsonl as _write_lines

Span = tuple[int, int, str]


@dataclass
class GoldDoc:
    """One annotated document."""

    id: str
    text: str
    spans: list[Span] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def labels_provided(self) -> tuple[str, ...]:
        """Labels this document's annotation is complete for (all six unless marked partial)."""
        provided = self.meta.get("labels_provided")
        return tuple(provided) if provided is not None else LABELS

    @property
    def is_partial(self) -> bool:
        return set(self.labels_provided) != set(LABELS)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "label": [[s, e, lab] for s, e, lab in sorted(self.spans)],
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any], fallback_id: str = "") -> GoldDoc:
        """Build from a parsed JSON object (no validation: see :mod:`pipeline.corpus.validate`)."""
        spans = [(int(s), int(e), str(lab)) for s, e, lab in obj.get("label") or []]
        doc_id = obj.get("id", obj.get("doc_id", fallback_id))
        return cls(id=str(doc_id), text=obj.get("text", ""), spans=spans, meta=dict(obj.get("meta") or {}))


def write_jsonl(docs: Iterable[GoldDoc], path: str | Path) -> int:
    """Write documents to ``path`` (atomically); return how many were written."""
    return _write_lines(path, (doc.to_json() for doc in docs))


def iter_jsonl(path: str | Path) -> Iterator[GoldDoc]:
    """Read documents from a gold file, raising :class:`GoldFormatError` at the first bad line.

    Use :func:`pipeline.corpus.validate.validate_files` to get every error instead.
    """
    from pipeline.corpus.validate import validate_file

    docs, errors = validate_file(path)
    if errors:
        raise GoldFormatError(
            str(errors[0]) + (f" (and {len(errors) - 1} more errors)" if len(errors) > 1 else "")
        )
    yield from docs


def read_jsonl(paths: str | Path | Iterable[str | Path]) -> list[GoldDoc]:
    """Read and validate one or more gold files; raise on the first invalid file."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[GoldDoc] = []
    for p in paths:
        out.extend(iter_jsonl(p))
    return out


class GoldFormatError(PipelineError, ValueError):
    """A gold file does not follow the format; the message names file, line and reason."""

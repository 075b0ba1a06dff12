"""What tagging produces: entities with their normalised fields, tagged documents, one table row per entity."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc, Span

# Span extensions set by the rule components (numeric values, places); read only when registered.
FLOAT_FIELDS = ("value", "value_max")
STRING_FIELDS = ("unit", "currency", "qualifier", "adcode", "province", "level")
EXTENSIONS = FLOAT_FIELDS + STRING_FIELDS
ROW_COLUMNS = ("doc_id", "start", "end", "text", "label", *EXTENSIONS, "context")

_SENTENCE_END = re.compile(r"[。！？；!?;\n]")
CONTEXT_CHARS = 150  # at most this many characters either side of an entity in ``context``


@dataclass
class Entity:
    """One entity, offsets into the whole document's text (end exclusive)."""

    start: int
    end: int
    text: str
    label: str
    norm: dict[str, Any] = field(default_factory=dict)  # only the normalised fields that are set

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "label": self.label, **self.norm}


@dataclass
class TaggedDoc:
    """A tagged input document."""

    key: str
    id: str
    text: str
    meta: dict[str, Any]
    entities: list[Entity]

    def to_json(self) -> dict[str, Any]:
        """The gold JSONL format (``id``, ``text``, ``label``, ``meta``) plus ``entities`` with normalised fields."""
        return {
            "id": self.id,
            "text": self.text,
            "label": [[e.start, e.end, e.label] for e in self.entities],
            "meta": self.meta,
            "entities": [e.to_json() for e in self.entities],
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per entity with every column of :data:`ROW_COLUMNS` (None where a field is unset)."""
        out = []
        for e in self.entities:
            row: dict[str, Any] = {"doc_id": self.id, "start": e.start, "end": e.end, "text": e.text}
            row["label"] = e.label
            for name in EXTENSIONS:
                row[name] = e.norm.get(name)
            row["context"] = sentence_context(self.text, e.start, e.end)
            out.append(row)
        return out


def _normalised(span: Span) -> dict[str, Any]:
    norm: dict[str, Any] = {}
    for name in EXTENSIONS:
        if not Span.has_extension(name):
            continue
        value = span._.get(name)
        if value is None:
            continue
        if name in FLOAT_FIELDS:
            try:
                norm[name] = float(value)
            except (TypeError, ValueError):
                continue
        else:
            norm[name] = str(value)
    return norm


def doc_entities(doc: Doc, offset: int = 0) -> list[Entity]:
    """The entities of a processed ``Doc`` (a piece starting at ``offset`` of its document)."""
    return [
        Entity(ent.start_char + offset, ent.end_char + offset, ent.text, ent.label_, _normalised(ent))
        for ent in doc.ents
    ]


def sentence_context(text: str, start: int, end: int, max_chars: int = CONTEXT_CHARS) -> str:
    """The sentence around ``text[start:end]`` (cut at 。！？； or a newline, at most ``max_chars`` either side)."""
    left = max(0, start - max_chars)
    for m in _SENTENCE_END.finditer(text, left, start):
        left = m.end()
    stop = _SENTENCE_END.search(text, end, min(len(text), end + max_chars))
    right = stop.end() if stop else min(len(text), end + max_chars)
    return text[left:right].strip()

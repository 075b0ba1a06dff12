"""Corpora with spans in JSON: CLUENER 2020 (JSON Lines, inclusive ends) and CFSC-NER (a JSON array, ``to`` exclusive).

A span whose offsets do not reproduce its mention fails the whole sentence (named by file and line).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeGuard

from pipeline.corpus.converters.base import InputError, SourceDoc, SourceSpan
from pipeline.io import read_jsonl


def _is_int(x: object) -> TypeGuard[int]:
    return isinstance(x, int) and not isinstance(x, bool)


def cluener_spans(obj: Any) -> tuple[str, list[SourceSpan]]:
    """``{"text", "label": {type: {mention: [[start, end_inclusive], …]}}}`` → text and exclusive-end spans."""
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise ValueError("expected an object with a string 'text'")
    text: str = obj["text"]
    labels = obj.get("label") or {}
    if not isinstance(labels, dict):
        raise ValueError("'label' is not an object")
    spans: list[SourceSpan] = []
    for kind, mentions in labels.items():
        if not isinstance(mentions, dict):
            raise ValueError(f"label {kind!r} is not an object of mention → offsets")
        for mention, offsets in mentions.items():
            for pair in offsets or []:
                if not (isinstance(pair, list) and len(pair) == 2 and all(_is_int(x) for x in pair)):
                    raise ValueError(f"{kind} {mention!r}: offsets {pair!r} are not [start, end]")
                start, end = pair[0], pair[1] + 1  # CLUENER ends are inclusive
                if text[start:end] != mention or start < 0:
                    raise ValueError(
                        f"{kind} {mention!r} [{pair[0]}, {pair[1]}] (inclusive) covers {text[start:end]!r}"
                    )
                spans.append((start, end, str(kind)))
    return text, spans


def cfsc_spans(obj: Any) -> tuple[str, list[SourceSpan]]:
    """``{"text", "labels": [{"text", "Level 1 Aspect", "from", "to"}]}`` (``to`` exclusive)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise ValueError("expected an object with a string 'text'")
    text: str = obj["text"]
    spans: list[SourceSpan] = []
    for item in obj.get("labels") or []:
        if not isinstance(item, dict):
            raise ValueError(f"label {item!r} is not an object")
        start, end, kind = item.get("from"), item.get("to"), item.get("Level 1 Aspect")
        if not (_is_int(start) and _is_int(end) and isinstance(kind, str) and kind):
            raise ValueError(f"label {item!r} lacks integer 'from'/'to' or 'Level 1 Aspect'")
        if start < 0 or text[start:end] != item.get("text", text[start:end]):
            raise ValueError(f"{kind} {item.get('text')!r} [{start}, {end}] covers {text[start:end]!r}")
        spans.append((start, end, kind))
    return text, spans


def read_cluener(path: Path) -> Iterator[SourceDoc | InputError]:
    """CLUENER 2020 JSON Lines."""
    for ordinal, line in enumerate(read_jsonl(path), start=1):
        if line.error:
            yield InputError(str(path), line.number, line.error)
            continue
        try:
            text, spans = cluener_spans(line.value)
        except ValueError as exc:
            yield InputError(str(path), line.number, str(exc))
            continue
        yield SourceDoc(path, line.number, ordinal, text, spans, len(text))


def iter_json_array(content: str) -> Iterator[tuple[int, Any | json.JSONDecodeError]]:
    """Elements of a top-level JSON array with the line each starts on; after a syntax error, resume at the
    next line indented like the array's elements (pretty-printed files), else stop."""
    decoder = json.JSONDecoder()
    newlines = [m.start() for m in re.finditer("\n", content)]

    def line_of(offset: int) -> int:
        return bisect.bisect_left(newlines, offset) + 1

    ws = re.compile(r"[\s,]*")
    pos = ws.match(content, 0).end()  # type: ignore[union-attr]
    if not content.startswith("[", pos):
        yield 1, json.JSONDecodeError("expected a JSON array", content, pos)
        return
    pos = ws.match(content, pos + 1).end()  # type: ignore[union-attr]
    line_start = content.rfind("\n", 0, pos) + 1
    element_start = re.compile(r"\n" + re.escape(content[line_start:pos]) + r"[{\[]")
    while pos < len(content) and content[pos] != "]":
        lineno = line_of(pos)
        try:
            obj, pos = decoder.raw_decode(content, pos)
        except json.JSONDecodeError as exc:
            yield line_of(exc.pos), exc
            nxt = element_start.search(content, exc.pos)
            if nxt is None:
                return
            pos = nxt.end() - 1
            continue
        yield lineno, obj
        pos = ws.match(content, pos).end()  # type: ignore[union-attr]


def read_cfsc(path: Path) -> Iterator[SourceDoc | InputError]:
    """CFSC-NER ``json格式`` files: one pretty-printed JSON array (CRLF line ends)."""
    content = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
    for ordinal, (lineno, obj) in enumerate(iter_json_array(content), start=1):
        if isinstance(obj, json.JSONDecodeError):
            yield InputError(str(path), lineno, f"invalid JSON: {obj.msg}")
            continue
        try:
            text, spans = cfsc_spans(obj)
        except ValueError as exc:
            yield InputError(str(path), lineno, str(exc))
            continue
        yield SourceDoc(path, lineno, ordinal, text, spans, len(text))

"""Cutting long documents into pieces for tagging: after paragraph breaks, else sentence ends, else commas."""

from __future__ import annotations

import re
from collections.abc import Iterator

DEFAULT_SPLIT_CHARS = 500

_PARAGRAPH = re.compile(r"\n+")
_SENTENCE = re.compile(r"[。！？；!?;]+[”’」』）)\"']*")
_CLAUSE = re.compile(r"[，,、：:]+")


def _cut_after(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Cut ``text`` after every match of ``pattern``; the parts concatenate back to ``text``."""
    out: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        if last < m.end() < len(text):
            out.append(text[last : m.end()])
            last = m.end()
    out.append(text[last:])
    return [s for s in out if s]


def _units(text: str, max_chars: int, levels: tuple[re.Pattern[str], ...]) -> Iterator[str]:
    if len(text) <= max_chars:
        yield text
    elif not levels:
        for i in range(0, len(text), max_chars):
            yield text[i : i + max_chars]
    else:
        for part in _cut_after(text, levels[0]):
            yield from _units(part, max_chars, levels[1:])


def split_text(text: str, max_chars: int = DEFAULT_SPLIT_CHARS) -> list[tuple[int, str]]:
    """Cut ``text`` into ``(offset, piece)`` of at most ``max_chars`` characters that concatenate to ``text``.

    Cuts fall after paragraph breaks when possible, else after sentence ends (。！？；), else after commas, else
    every ``max_chars`` characters; neighbouring units are packed together up to ``max_chars``.
    """
    if len(text) <= max_chars:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    start = 0
    current: list[str] = []
    size = 0
    for unit in _units(text, max_chars, (_PARAGRAPH, _SENTENCE, _CLAUSE)):
        if current and size + len(unit) > max_chars:
            pieces.append((start, "".join(current)))
            start += size
            current, size = [], 0
        current.append(unit)
        size += len(unit)
    if current:
        pieces.append((start, "".join(current)))
    return pieces

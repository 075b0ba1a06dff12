"""Universal NER (UNER) ``.iob2`` files: ``id<TAB>word<TAB>IOB2<TAB>-<TAB>-`` on UD words, ``# text`` comments.

Word tags become character spans.  The text is the ``# text`` comment when the words spell it (spaces between
Latin words are kept, e.g. ``Game Informer``), otherwise the words joined without spaces.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from pipeline.corpus.converters.base import InputError, SourceDoc, TagError, decode_tags
from pipeline.io import read_text_lines


def _word_offsets(words: Sequence[str], text: str | None) -> tuple[str, list[tuple[int, int]]]:
    """Character offsets of each word in ``text`` (skipping whitespace), or in the joined words."""
    if text is not None:
        offsets: list[tuple[int, int]] = []
        pos = 0
        for w in words:
            while pos < len(text) and text[pos].isspace() and not w[:1].isspace():
                pos += 1
            if text[pos : pos + len(w)] != w:
                break
            offsets.append((pos, pos + len(w)))
            pos += len(w)
        else:
            if not text[pos:].strip():
                return text[:pos], offsets
    joined = "".join(words)
    offsets, pos = [], 0
    for w in words:
        offsets.append((pos, pos + len(w)))
        pos += len(w)
    return joined, offsets


def read_uner_file(path: Path) -> Iterator[SourceDoc | InputError]:
    name = str(path)
    words: list[str] = []
    tags: list[str] = []
    text: str | None = None
    first_line = 0
    ordinal = 0
    bad: list[InputError] = []

    def flush() -> Iterator[SourceDoc | InputError]:
        if bad:
            yield from bad
            return
        try:
            word_spans, repaired = decode_tags(tags)
        except TagError as exc:
            yield InputError(name, first_line, str(exc))
            return
        doc_text, offsets = _word_offsets(words, text)
        spans = [(offsets[s][0], offsets[e - 1][1], lab) for s, e, lab in word_spans]
        yield SourceDoc(path, first_line, ordinal, doc_text, spans, sum(len(w) for w in words), repaired)

    lines = read_text_lines(path)
    for lineno, raw in enumerate([*lines, ""], start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            if words or bad:
                ordinal += 1
                yield from flush()
            words, tags, text, bad, first_line = [], [], None, [], 0
            continue
        if not first_line:
            first_line = lineno
        if line.startswith("#"):
            if line.startswith("# text = "):
                text = line[len("# text = ") :]
            continue
        parts = line.split("\t")
        if len(parts) < 3 or not parts[1]:
            bad.append(InputError(name, lineno, f"expected 'id<TAB>word<TAB>tag…', got {line!r}"))
            continue
        if "-" in parts[0] or "." in parts[0]:  # CoNLL-U multiword/empty tokens carry no tag of their own
            continue
        words.append(parts[1])
        tags.append(parts[2].strip())


def read_uner(path: Path) -> Iterator[SourceDoc | InputError]:
    """UNER GSDSimp: IOB2 over PER/LOC/ORG on UD words."""
    return read_uner_file(path)

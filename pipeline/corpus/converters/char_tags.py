"""Character-tagged corpora: one ``char SEP tag`` a line (MSRA, People's Daily, Weibo, Resume) or parallel files.

Sentences are blank-line separated.  Tags are BIO or BMES (see :func:`~.base.decode_tags`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pipeline.corpus.converters.base import InputError, SourceDoc, TagError, decode_tags
from pipeline.io import read_text_lines

# Weibo: every character carries the position of its jieba word as trailing digits (科0, e12, 011 = "0" + 11).
_WEIBO_TOKEN = re.compile(r"^(.+?)(\d+)$", re.DOTALL)

TokenParser = Callable[[str], str]


def single_char(token: str) -> str:
    if len(token) != 1:
        raise ValueError(f"expected one character, got {token!r}")
    return token


def weibo_char(token: str) -> str:
    """Strip Weibo's word-position digits (some characters were stored as two U+FFFD: kept as they are)."""
    m = _WEIBO_TOKEN.match(token)
    if not m:
        raise ValueError(f"expected a character followed by its word-position digit, got {token!r}")
    return m.group(1)


def read_columns(
    path: Path, sep: str, parse_token: TokenParser = single_char
) -> Iterator[SourceDoc | InputError]:
    """``char<sep>tag`` lines, blank line between sentences."""
    name = str(path)
    block: list[tuple[int, str]] = []
    ordinal = 0

    def flush() -> Iterator[SourceDoc | InputError]:
        chars: list[str] = []
        tags: list[str] = []
        errors: list[InputError] = []
        for lineno, line in block:
            parts = line.split(sep)
            if len(parts) != 2:
                errors.append(InputError(name, lineno, f"expected 'char{sep!r}tag', got {line!r}"))
                continue
            try:
                chars.append(parse_token(parts[0]))
            except ValueError as exc:
                errors.append(InputError(name, lineno, str(exc)))
                continue
            tags.append(parts[1].strip())
        if not errors:
            try:
                spans, repaired = decode_tags(tags)
            except TagError as exc:
                bad = next(i for i, t in enumerate(tags) if _is_bad_tag(t))
                errors.append(InputError(name, block[bad][0], str(exc)))
        if errors:
            yield from errors
            return
        yield from _make_doc(path, block[0][0], ordinal, chars, spans, repaired, len(chars))

    for lineno, raw in enumerate(read_text_lines(path), start=1):
        line = raw.rstrip("\r")
        if line.strip():
            block.append((lineno, line))
            continue
        if block:
            ordinal += 1
            yield from flush()
            block = []
    if block:
        ordinal += 1
        yield from flush()


def _is_bad_tag(tag: str) -> bool:
    try:
        decode_tags([tag])
    except TagError:
        return True
    return False


def _make_doc(
    path: Path,
    line: int,
    ordinal: int,
    chars: Sequence[str],
    tag_spans: Sequence[tuple[int, int, str]],
    repaired: int,
    source_chars: int,
) -> Iterator[SourceDoc]:
    """Tag indices → character offsets (a token may hold more than one code point)."""
    offsets = [0]
    for ch in chars:
        offsets.append(offsets[-1] + len(ch))
    spans = [(offsets[s], offsets[e], lab) for s, e, lab in tag_spans]
    yield SourceDoc(path, line, ordinal, "".join(chars), spans, source_chars, repaired)


def read_parallel(sentences: Path, tags: Path) -> Iterator[SourceDoc | InputError]:
    """``sentences.txt`` + ``tags.txt``: one sentence a line, space-separated characters and aligned tags."""
    sent_lines = read_text_lines(sentences)
    tag_lines = read_text_lines(tags)
    for i in range(max(len(sent_lines), len(tag_lines))):
        lineno = i + 1
        if i >= len(sent_lines) or i >= len(tag_lines):
            short = sentences if i >= len(sent_lines) else tags
            yield InputError(
                str(short), lineno, "line missing: the sentences and tags files differ in length"
            )
            continue
        chars = sent_lines[i].rstrip("\r").split(" ")
        tag_seq = tag_lines[i].rstrip("\r").split(" ")
        if chars == [""] and tag_seq == [""]:
            continue
        if len(chars) != len(tag_seq):
            yield InputError(
                str(sentences),
                lineno,
                f"{len(chars)} characters but {tags.name} has {len(tag_seq)} tags on this line",
            )
            continue
        bad = next((c for c in chars if len(c) != 1), None)
        if bad is not None:
            yield InputError(
                str(sentences), lineno, f"expected single characters separated by one space, got {bad!r}"
            )
            continue
        try:
            spans, repaired = decode_tags(tag_seq)
        except TagError as exc:
            yield InputError(str(tags), lineno, str(exc))
            continue
        yield from _make_doc(sentences, lineno, lineno, chars, spans, repaired, len(chars))


def parallel_pair(path: Path) -> tuple[Path, Path] | None:
    """(sentences, tags) when ``path`` is such a file or a folder holding both."""
    if path.is_dir():
        return path / "sentences.txt", path / "tags.txt"
    if "sentences" in path.name:
        return path, path.with_name(path.name.replace("sentences", "tags"))
    if "tags" in path.name:
        return path.with_name(path.name.replace("tags", "sentences")), path
    return None


def msra_units(paths: Sequence[Path]) -> list[Path]:
    """One input per sentences/tags pair (given as either file or their folder), column files as they are."""
    units: list[Path] = []
    seen: set[tuple[Path, Path]] = set()
    for path in paths:
        pair = parallel_pair(path)
        if pair is None:
            units.append(path)
        elif pair not in seen:
            seen.add(pair)
            units.append(pair[0])
    return units


def read_msra(path: Path) -> Iterator[SourceDoc | InputError]:
    """MSRA: a ``char<TAB>tag`` file, or a ``sentences.txt`` + ``tags.txt`` pair."""
    pair = parallel_pair(path)
    if pair is None:
        yield from read_columns(path, "\t")
        return
    missing = [p for p in pair if not p.is_file()]
    if missing:
        yield InputError(str(missing[0]), 0, "file not found (sentences.txt and tags.txt go together)")
        return
    yield from read_parallel(*pair)


def read_peoples_daily(path: Path) -> Iterator[SourceDoc | InputError]:
    """People's Daily 1998 (zjy-ucas split): ``char<SPACE>tag``, BIO."""
    return read_columns(path, " ")


def read_weibo(path: Path) -> Iterator[SourceDoc | InputError]:
    """Weibo NER: ``char+digit<TAB>tag``, BIO over PER/LOC/GPE/ORG × NAM/NOM."""
    return read_columns(path, "\t", weibo_char)


def read_resume(path: Path) -> Iterator[SourceDoc | InputError]:
    """Resume NER: ``char<SPACE>tag``, BMES."""
    return read_columns(path, " ")

"""Converters from public Chinese NER corpora to gold JSONL (partial labels; see ``configs/label_maps/``).

Formats: ``msra``, ``peoples_daily``, ``weibo``, ``resume`` (character tags, :mod:`.char_tags`), ``uner``
(word IOB2, :mod:`.uner`), ``cluener``, ``cfsc`` (JSON spans, :mod:`.json_spans`).  The SIGHAN 2005 and UD
GSDSimp folders are word-segmentation corpora: they need no NER converter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.corpus.converters.base import InputError, SourceDoc, decode_tags
from pipeline.corpus.converters.char_tags import (
    msra_units,
    read_msra,
    read_peoples_daily,
    read_resume,
    read_weibo,
)
from pipeline.corpus.converters.convert import Converter, ConvertReport, iter_converted
from pipeline.corpus.converters.json_spans import read_cfsc, read_cluener
from pipeline.corpus.converters.mapping import LabelMap, MappingError, default_map_path
from pipeline.corpus.converters.uner import read_uner
from pipeline.corpus.gold import write_jsonl

CONVERTERS: dict[str, Converter] = {
    c.name: c
    for c in (
        Converter(
            "msra",
            "msra",
            read_msra,
            "MSRA (SIGHAN 2006): char<TAB>BIO file, or sentences.txt + tags.txt (or their folder)",
            msra_units,
        ),
        Converter("peoples_daily", "peoplesdaily", read_peoples_daily, "People's Daily 1998: char<SPACE>BIO"),
        Converter("weibo", "weibo", read_weibo, "Weibo NER: char+digit<TAB>BIO, PER/LOC/GPE/ORG × NAM/NOM"),
        Converter("resume", "resume", read_resume, "Resume NER: char<SPACE>BMES"),
        Converter("cluener", "cluener", read_cluener, "CLUENER 2020: JSON Lines, inclusive span ends"),
        Converter("uner", "uner", read_uner, "Universal NER (.iob2): IOB2 on words"),
        Converter("cfsc", "cfsc", read_cfsc, "CFSC-NER: JSON array, from/to exclusive"),
    )
}


def load_label_map(fmt: str, mapping_path: str | Path | None = None) -> LabelMap:
    """The label map for ``fmt`` (``configs/label_maps/<fmt>.json`` unless ``mapping_path`` is given)."""
    return LabelMap.load(mapping_path or default_map_path(fmt))


def convert_file(
    fmt: str,
    inputs: Sequence[str | Path],
    out: str | Path,
    mapping_path: str | Path | None = None,
    on_error: Callable[[InputError], None] | None = None,
) -> ConvertReport:
    """Convert ``inputs`` (one corpus format) into one gold JSONL file; bad lines are reported, not fatal."""
    if fmt not in CONVERTERS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(CONVERTERS)})")
    converter = CONVERTERS[fmt]
    label_map = load_label_map(fmt, mapping_path)
    report = ConvertReport(format=fmt)
    write_jsonl(iter_converted(converter, inputs, label_map, report, on_error), out)
    return report


__all__ = [
    "CONVERTERS",
    "ConvertReport",
    "Converter",
    "InputError",
    "LabelMap",
    "MappingError",
    "SourceDoc",
    "convert_file",
    "decode_tags",
    "iter_converted",
    "load_label_map",
]

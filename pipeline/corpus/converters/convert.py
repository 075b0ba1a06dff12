"""Source sentences → gold documents: map labels, trim, resolve overlaps, validate, count everything dropped."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import LABELS, NUMERIC_LABELS
from pipeline.corpus.converters.base import InputError, SourceDoc, display_name, split_name
from pipeline.corpus.converters.mapping import LabelMap
from pipeline.corpus.gold import GoldDoc
from pipeline.corpus.validate import check_spans
from pipeline.io import LineError

Reader = Callable[[Path], Iterator[SourceDoc | InputError]]


@dataclass(frozen=True)
class Converter:
    """One ``--format``: how to read its files and what to call its documents."""

    name: str  # --format value and default label-map name
    corpus: str  # meta.source.corpus and document-id prefix
    read: Reader
    description: str
    units: Callable[[Sequence[Path]], list[Path]] = list  # group inputs (e.g. sentences.txt + tags.txt)


@dataclass
class ConvertReport:
    """What a conversion read, produced and dropped."""

    format: str
    files: list[str] = field(default_factory=list)
    labels_provided: tuple[str, ...] = ()
    documents: int = 0
    characters: int = 0  # len(text) over written documents
    source_sentences: int = 0  # sentences read without error (including empty ones)
    source_characters: int = 0  # characters as the corpus counts them (tokens / word lengths / len(text))
    source_counts: Counter[str] = field(default_factory=Counter)  # source entities per source label
    spans: Counter[str] = field(default_factory=Counter)  # written spans per our label
    dropped: Counter[str] = field(default_factory=Counter)  # source entities not written, per source label
    dropped_reasons: Counter[tuple[str, str]] = field(default_factory=Counter)  # (source label, reason)
    trimmed: int = 0  # spans whose edges lost whitespace/punctuation
    stripped: int = 0  # spans that lost a configured affix (中国国籍 → 中国)
    chains: int = 0  # place mentions split into several GPEs (广西柳州 → 广西 + 柳州)
    prefixes: int = (
        0  # addresses reduced to their leading divisions (北京市东城区王府井大街 → 北京市 + 东城区)
    )
    repaired: int = 0  # I-/M-/E- tags without a B- (each started an entity)
    empty: int = 0  # sentences without text (not written)
    errors: list[InputError] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary_lines(self) -> list[str]:
        """The human summary printed by ``pipeline corpus convert``."""
        lines = [
            f"format {self.format}: {len(self.files)} file(s), {self.documents} documents, "
            f"{self.characters} characters, {sum(self.spans.values())} spans ({self.seconds:.1f} s)",
            "spans: " + (" ".join(f"{lab} {self.spans[lab]}" for lab in LABELS if self.spans[lab]) or "none"),
            "source entities: " + " ".join(f"{k} {v}" for k, v in self.source_counts.most_common()),
        ]
        if self.dropped:
            per_label = []
            for label, n in self.dropped.most_common():
                reasons = ", ".join(
                    f"{r} {c}" for (lab, r), c in self.dropped_reasons.most_common() if lab == label
                )
                per_label.append(f"{label} {n} ({reasons})")
            lines.append("dropped: " + "; ".join(per_label))
        else:
            lines.append("dropped: none")
        lines.append(
            f"trimmed {self.trimmed}, affix stripped {self.stripped}, split into GPE chains {self.chains}, "
            f"addresses cut to their divisions {self.prefixes}, tag repairs {self.repaired}, empty sentences {self.empty}"
        )
        not_provided = [lab for lab in LABELS if lab not in self.labels_provided]
        numeric = [lab for lab in not_provided if lab in NUMERIC_LABELS]
        others = [lab for lab in not_provided if lab not in NUMERIC_LABELS]
        note = "numeric regions become missing tokens in DocBins"
        if others:
            note = "every unannotated token becomes missing in DocBins (positive examples only)"
        lines.append(f"labels provided: {' '.join(self.labels_provided) or 'none'}")
        lines.append(f"labels not provided: {' '.join(numeric + others)} ({note})")
        if self.errors:
            lines.append(f"{len(self.errors)} input error(s): those sentences were not converted")
        return lines


def _resolve_overlaps(
    candidates: list[tuple[int, int, str, str]],
) -> tuple[list[tuple[int, int, str, str]], list[tuple[str, str]]]:
    """Keep the longest of overlapping spans (rule 1); return kept spans and (source label, reason) drops."""
    kept: list[tuple[int, int, str, str]] = []
    drops: list[tuple[str, str]] = []
    for cand in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        s, e, label, src = cand
        if any(k[0] == s and k[1] == e and k[2] == label for k in kept):
            drops.append((src, "duplicate"))
        elif any(s < k[1] and k[0] < e for k in kept):
            drops.append((src, "overlaps a longer span"))
        else:
            kept.append(cand)
    return sorted(kept), drops


class DocumentIds:
    """``<corpus>-<split>-<ordinal:06d>``, unique across the input files of one conversion."""

    def __init__(self, corpus: str) -> None:
        self.corpus = corpus
        self._by_file: dict[Path, str] = {}

    def __call__(self, path: Path, ordinal: int) -> str:
        split = self._by_file.get(path)
        if split is None:
            base = split = split_name(path)
            n = 1
            while split in self._by_file.values():
                n += 1
                split = f"{base}{n}"
            self._by_file[path] = split
        return f"{self.corpus}-{split}-{ordinal:06d}"


def to_gold(src: SourceDoc, label_map: LabelMap, doc_id: str, corpus: str, report: ConvertReport) -> GoldDoc:
    """Map one source sentence; every source span ends up written or counted as dropped."""
    candidates: list[tuple[int, int, str, str]] = []
    drops: list[tuple[str, str]] = []
    for s, e, src_label in src.spans:
        report.source_counts[src_label] += 1
        mapped = label_map.map_span(src.text, s, e, src_label)
        report.trimmed += mapped.trimmed
        report.stripped += mapped.stripped
        report.chains += mapped.chain
        report.prefixes += mapped.prefix
        if mapped.dropped:
            drops.append((src_label, mapped.dropped))
        candidates += [(a, b, lab, src_label) for a, b, lab in mapped.spans]
    kept, overlap_drops = _resolve_overlaps(candidates)
    drops += overlap_drops
    valid = []
    for cand in kept:
        problems = check_spans(src.text, [cand[:3]])
        if problems:
            drops.append((cand[3], "invalid: " + problems[0].split("] ", 1)[-1]))
        else:
            valid.append(cand)
    spans = [c[:3] for c in valid]
    problems = check_spans(src.text, spans)
    if problems:  # cannot happen after the steps above; never write invalid gold
        raise AssertionError(f"{doc_id}: converter produced invalid spans: {problems[0]}")
    dropped = Counter(lab for lab, _ in drops)
    for lab, reason in drops:
        report.dropped[lab] += 1
        report.dropped_reasons[(lab, reason)] += 1
    for _, _, lab in spans:
        report.spans[lab] += 1
    meta = {
        "source": {"corpus": corpus, "file": display_name(src.file), "line": src.line},
        "labels_provided": list(label_map.labels_provided),
        "partial": True,
        "dropped": dict(sorted(dropped.items())),
        "source_counts": dict(sorted(Counter(lab for _, _, lab in src.spans).items())),
    }
    return GoldDoc(id=doc_id, text=src.text, spans=spans, meta=meta)


def _read_safely(converter: Converter, path: Path) -> Iterator[SourceDoc | InputError]:
    if not path.exists():
        yield InputError(str(path), 0, "file not found")
        return
    try:
        yield from converter.read(path)
    except LineError as exc:
        yield InputError(str(path), exc.line, exc.reason)
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1 if isinstance(exc.object, bytes) else 0
        yield InputError(str(path), line, f"not UTF-8 (byte offset {exc.start})")
    except OSError as exc:
        yield InputError(str(path), 0, f"cannot read: {exc.strerror or exc}")


def iter_converted(
    converter: Converter,
    inputs: Iterable[str | Path],
    label_map: LabelMap,
    report: ConvertReport,
    on_error: Callable[[InputError], None] | None = None,
) -> Iterator[GoldDoc]:
    """Gold documents of every input, in order; errors go to ``report.errors`` (and ``on_error``)."""
    started = time.perf_counter()
    report.labels_provided = label_map.labels_provided
    ids = DocumentIds(converter.corpus)
    for path in converter.units([Path(p) for p in inputs]):
        report.files.append(str(path))
        for item in _read_safely(converter, path):
            if isinstance(item, InputError):
                report.errors.append(item)
                if on_error:
                    on_error(item)
                continue
            report.source_sentences += 1
            report.source_characters += item.source_chars
            report.repaired += item.repaired
            if not item.text.strip():
                report.empty += 1
                continue
            doc = to_gold(item, label_map, ids(item.file, item.ordinal), converter.corpus, report)
            report.documents += 1
            report.characters += len(doc.text)
            yield doc
    report.seconds = time.perf_counter() - started

"""Push reports to doccano with pre-annotations: validated, with a stable ``doc_id``, idempotent.

Inputs are anything ``pipeline tag`` reads (``pipeline.tagging.readers``: ``.txt`` files, directories, JSONL
with ``text`` (gold format included), CSV, Parquet).  Pre-annotations come from a model (``--model rules`` or
a trained model directory) or from the input's own ``label`` field (``gold``).  Each example's meta carries
``doc_id`` (the input's id; the file name for ``.txt``; ``sha1-…`` of the text for records without one) and
``text_sha1`` (so ``pull`` can tell when the text was edited in doccano).

Projects are collaborative by default: doccano stores uploaded pre-annotations under the uploading user, and
in a non-collaborative project annotators would not see them.  ``independent=True`` makes a
non-collaborative project for double annotation (each annotator starts from an empty document, their
exports are separate, and ``pipeline agreement`` compares them); pre-annotations are then not uploaded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.language import Language

from pipeline import LABELS
from pipeline.corpus.validate import check_spans
from pipeline.doccano import client as dc
from pipeline.doccano.uncertainty import disagreement, has_rule_candidates, has_statistical_ner
from pipeline.io import read_jsonl
from pipeline.settings import PROJECT_ROOT

GUIDELINES = PROJECT_ROOT / "annotations" / "GUIDELINES.md"
PRE_ANNOTATION_SOURCES = ("model", "gold", "none")


@dataclass
class PushDoc:
    """One document ready for upload."""

    source: str
    doc_id: str
    text: str
    spans: list[tuple[int, int, str]]
    score: float = 0.0  # model/rule disagreement: higher = more worth annotating first

    def row(self) -> dict[str, Any]:
        # every row has exactly these keys: doccano fails the whole batch when one row lacks a meta key
        return {
            "text": self.text,
            "label": [[s, e, lab] for s, e, lab in sorted(self.spans)],
            "doc_id": self.doc_id,
            "text_sha1": text_sha1(self.text),
            "source": self.source,
        }


@dataclass
class PushReport:
    project: str
    project_id: int = 0
    created: bool = False
    uploaded: list[str] = field(default_factory=list)
    already_present: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # one line per problem: "source: doc_id: reason"
    warnings: list[str] = field(default_factory=list)
    upload_errors: list[str] = field(default_factory=list)
    scored: bool = False  # the model wrote rule candidates to compare with (``--order uncertainty``)

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.upload_errors

    def summary(self) -> str:
        return (
            f"project {self.project!r} (id {self.project_id}{', created' if self.created else ''}): "
            f"{len(self.uploaded)} uploaded, {len(self.already_present)} already present, "
            f"{len(set(r.split(': ')[1] for r in self.rejected if ': ' in r))} rejected, "
            f"{len(self.upload_errors)} upload errors"
        )


def text_sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def read_push_docs(
    inputs: Iterable[str | Path],
    pre_annotations: str = "model",
    model: str | Path | Language = "rules",
    report: PushReport | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] = lambda it: it,
) -> list[PushDoc]:
    """Read the inputs and attach pre-annotations; unreadable inputs and invalid spans go to ``report``."""
    from pipeline.tagging.readers import InputDoc, find_input_files, iter_documents

    if pre_annotations not in PRE_ANNOTATION_SOURCES:
        raise ValueError(f"pre-annotations must be one of {', '.join(PRE_ANNOTATION_SOURCES)}")
    report = report or PushReport("")
    files = find_input_files(inputs)
    raw_labels = _RawLabels()
    docs: list[PushDoc] = []
    seen: dict[str, str] = {}
    for item in iter_documents(files):
        if not isinstance(item, InputDoc):
            report.rejected.append(f"{item.key}: -: {item.reason}")
            continue
        doc_id = _stable_id(item)
        if doc_id in seen:
            report.rejected.append(f"{item.key}: {doc_id}: duplicate doc_id (first in {seen[doc_id]})")
            continue
        seen[doc_id] = item.key
        spans: list[Any] = raw_labels.get(item.key) if pre_annotations == "gold" else []
        problems = check_spans(item.text, spans, LABELS)
        if problems:
            report.rejected += [f"{item.key}: {doc_id}: {p}" for p in problems]
            continue
        docs.append(PushDoc(item.key, doc_id, item.text, [tuple(s) for s in spans]))
    if pre_annotations == "model" and docs:
        _model_spans(docs, model, report, progress)
    return docs


def _stable_id(item: Any) -> str:
    """The input's id; for records without one, ``sha1-`` + the text's hash (a line number is not stable)."""
    prefix, _, lineno = item.key.rpartition(":")
    positional = prefix and lineno.isdigit() and item.id.endswith(f":{lineno}")
    return f"sha1-{text_sha1(item.text)[:16]}" if positional else item.id


class _RawLabels:
    """The ``label`` field of JSONL input lines (the tagging readers drop it), read on demand."""

    def __init__(self) -> None:
        self._cache: dict[str, dict[int, Any]] = {}

    def get(self, key: str) -> list[Any]:
        path, _, lineno = key.rpartition(":")
        if not path.endswith(".jsonl") or not lineno.isdigit():
            return []
        if path not in self._cache:
            self._cache[path] = {
                line.number: line.value.get("label") or []
                for line in read_jsonl(path)
                if isinstance(line.value, dict)
            }
        return list(self._cache[path].get(int(lineno), []))


def _model_spans(
    docs: list[PushDoc],
    model: str | Path | Language,
    report: PushReport,
    progress: Callable[[Iterable[Any]], Iterable[Any]],
) -> None:
    """Pre-annotate with ``model``; spans failing validation are dropped (a warning each), never uploaded;
    each document's score is its model/rule :func:`~pipeline.doccano.uncertainty.disagreement`."""
    from pipeline.nlp import load_nlp

    nlp = model if isinstance(model, Language) else load_nlp(model)
    statistical = has_statistical_ner(nlp)
    texts = (d.text for d in docs)
    for doc, sdoc in zip(docs, progress(nlp.pipe(texts, batch_size=16)), strict=True):
        spans = [(e.start_char, e.end_char, e.label_) for e in sdoc.ents if e.label_ in LABELS]
        good = []
        for span in spans:
            problems = check_spans(doc.text, [list(span)], LABELS)
            if problems:
                report.warnings += [f"{doc.source}: {doc.doc_id}: model span dropped: {p}" for p in problems]
            else:
                good.append(span)
        doc.spans = good
        doc.score = disagreement(sdoc, statistical)
        report.scored = report.scored or has_rule_candidates(sdoc)


def push(
    client: Any,
    project_name: str,
    docs: list[PushDoc],
    report: PushReport,
    *,
    annotators: Iterable[str] = (),
    independent: bool = False,
    order: str = "input",
    batch_size: int = 500,
) -> PushReport:
    """Create/reuse the project, skip documents already there (by ``doc_id``), upload the rest."""
    guideline = GUIDELINES.read_text(encoding="utf-8") if GUIDELINES.exists() else ""
    project, report.created = dc.ensure_project(
        client, project_name, guideline=guideline, collaborative=not independent
    )
    report.project_id = project.id
    if not report.created and project.collaborative_annotation == independent:
        report.warnings.append(
            f"project {project_name!r} exists and is "
            f"{'collaborative' if project.collaborative_annotation else 'non-collaborative'}; kept as it is"
        )
    independent = not project.collaborative_annotation
    for user in annotators:
        _add_annotator(client, project.id, user, report)
    present = dc.example_doc_ids(client, project.id)
    report.already_present = [d.doc_id for d in docs if d.doc_id in present]
    todo = [d for d in docs if d.doc_id not in present]
    if order == "uncertainty":
        if not report.scored:
            report.warnings.append(
                "--order uncertainty: no model pre-annotations with rule candidates to compare; input order kept"
            )
        todo.sort(key=lambda d: -d.score)  # stable: equal scores keep the input order
    for i in range(0, len(todo), batch_size):
        batch = todo[i : i + batch_size]
        rows = [d.row() for d in batch]
        if independent:
            for row in rows:
                row["label"] = []
        errors = dc.upload_rows(client, project.id, rows)
        report.upload_errors += errors
    if todo:
        now = dc.example_doc_ids(client, project.id)
        for d in todo:
            if d.doc_id in now:
                report.uploaded.append(d.doc_id)
            else:
                report.upload_errors.append(f"{d.source}: {d.doc_id}: not found in the project after upload")
    return report


def _add_annotator(client: Any, project_id: int, username: str, report: PushReport) -> None:
    members = {m.username for m in client.list_members(project_id)}
    if username in members:
        return
    try:
        client.add_member(project_id, username, "annotator")
    except Exception as exc:
        report.warnings.append(
            f"annotator {username!r} not added ({dc.api_error(exc, 'add member')}); "
            "create the user in doccano's admin (/admin/) first"
        )

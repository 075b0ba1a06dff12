"""Pull gold from doccano: export, map examples back to ``doc_id``, validate, write JSONL per annotator + merged.

A document is excluded (and listed, one line per problem) when it has no ``doc_id``, when its text differs from
the original (``--original`` inputs, else the ``text_sha1`` recorded at push time), or when a span fails
:func:`pipeline.corpus.validate.check_spans` (unknown label, offsets out of range, overlap, start >= end,
punctuation at an edge).  Nothing is fixed silently.

Per annotator, a document counts as annotated when the annotator confirmed it in doccano or has at least one
span on it (doccano exports every document for every member, untouched ones with no spans); with
``only_approved`` only confirmed documents count.  ``merged.jsonl`` is the single annotator's gold, or the
majority merge of :mod:`pipeline.agreement` when several annotated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import LABELS
from pipeline.agreement import disagreements, merge
from pipeline.corpus.gold import GoldDoc, write_jsonl
from pipeline.corpus.validate import check_spans
from pipeline.doccano import client as dc
from pipeline.doccano.push import _stable_id, text_sha1
from pipeline.io import write_jsonl as write_lines

MERGED = "merged.jsonl"
DISAGREEMENTS = "disagreements.jsonl"


@dataclass
class PullReport:
    project: str
    written: dict[str, int] = field(default_factory=dict)  # file name -> documents
    excluded: list[str] = field(default_factory=list)  # "annotator: doc_id: reason"
    warnings: list[str] = field(default_factory=list)
    unconfirmed: dict[str, int] = field(default_factory=dict)
    untouched: dict[str, int] = field(default_factory=dict)  # no spans and not confirmed: not written

    @property
    def ok(self) -> bool:
        return not self.excluded

    def summary(self) -> str:
        files = ", ".join(f"{k} ({v} docs)" for k, v in self.written.items()) or "nothing"
        bad = {tuple(x.split(": ")[:2]) for x in self.excluded}
        unconf = ", ".join(f"{k}: {v}" for k, v in self.unconfirmed.items() if v)
        return f"project {self.project!r}: wrote {files}; {len(bad)} document(s) excluded" + (
            f"; not confirmed in doccano ({unconf})" if unconf else ""
        )


def read_originals(inputs: Iterable[str | Path]) -> dict[str, str]:
    """doc_id -> text of the original inputs, with the ids ``push`` gives them."""
    from pipeline.tagging.readers import InputDoc, find_input_files, iter_documents

    out: dict[str, str] = {}
    for item in iter_documents(find_input_files(inputs)):
        if isinstance(item, InputDoc):
            out[_stable_id(item)] = item.text
    return out


def check_example(row: dict[str, Any], originals: dict[str, str] | None) -> tuple[GoldDoc | None, list[str]]:
    """Turn one exported row into a gold document, or report why it cannot be one."""
    doc_id = row.get("doc_id")
    text = row.get("text") or ""
    if doc_id is None or str(doc_id) == "":
        return None, [f"doccano example {row.get('id')}: no doc_id in meta (not pushed by pipeline?)"]
    doc_id = str(doc_id)
    problems = []
    if originals is not None and doc_id in originals:
        if originals[doc_id] != text:
            problems.append(f"text was changed in doccano ({_first_diff(originals[doc_id], text)})")
    elif row.get("text_sha1") and row["text_sha1"] != text_sha1(text):
        problems.append("text was changed in doccano (its sha1 differs from the pushed text)")
    spans = row.get("label") or []
    if not problems:
        problems += check_spans(text, spans, LABELS)
    if problems:
        return None, [f"{doc_id}: {p}" for p in problems]
    meta = {"doccano_id": row.get("id")}
    if row.get("source"):
        meta["source"] = row["source"]
    return GoldDoc(doc_id, text, sorted((int(s), int(e), str(lab)) for s, e, lab in spans), meta), []


def _first_diff(a: str, b: str) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"first difference at character {i}: {a[i : i + 10]!r} -> {b[i : i + 10]!r}"


def pull(
    client: Any,
    project_name: str,
    output: str | Path,
    *,
    originals: dict[str, str] | None = None,
    only_approved: bool = False,
) -> PullReport:
    """Export the project, validate and write ``<annotator>.jsonl`` files and ``merged.jsonl`` in ``output``."""
    report = PullReport(project_name)
    project = dc.find_project(client, project_name)
    if project is None:
        raise dc.DoccanoError(f"no project named {project_name!r} on the server")
    confirmed = dc.download_export(client, project.id, only_approved=True)
    exported = confirmed if only_approved else dc.download_export(client, project.id, only_approved=False)
    confirmed_ids = {user: {r.get("id") for r in rows} for user, rows in confirmed.items()}
    per_annotator: dict[str, list[GoldDoc]] = {}
    for user, rows in sorted(exported.items()):
        docs = []
        n_unconfirmed = 0
        for row in rows:
            is_confirmed = row.get("id") in confirmed_ids.get(user, set())
            if not is_confirmed and not row.get("label"):
                report.untouched[user] = report.untouched.get(user, 0) + 1
                continue  # untouched by this annotator
            doc, problems = check_example(row, originals)
            report.excluded += [f"{user}: {p}" for p in problems]
            if doc is None:
                continue
            doc.meta["annotator"] = user
            doc.meta["confirmed"] = is_confirmed
            n_unconfirmed += not is_confirmed
            docs.append(doc)
        if docs:
            per_annotator[user] = docs
            report.unconfirmed[user] = n_unconfirmed
    if originals is not None:
        seen = {d.id for docs in per_annotator.values() for d in docs}
        missing = sorted(set(originals) - seen)
        if missing:
            report.warnings.append(
                f"{len(missing)} original document(s) not annotated in doccano: {', '.join(missing[:10])}"
                + (" …" if len(missing) > 10 else "")
            )
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    for user, docs in per_annotator.items():
        report.written[f"{user}.jsonl"] = write_jsonl(docs, out / f"{user}.jsonl")
    if len(per_annotator) == 1:
        (only,) = per_annotator.values()
        merged = [GoldDoc(d.id, d.text, list(d.spans), {k: v for k, v in d.meta.items()}) for d in only]
    else:
        merged = merge(per_annotator)
        dis = disagreements(per_annotator)
        if dis:
            report.written[DISAGREEMENTS] = write_lines(out / DISAGREEMENTS, dis)
    report.written[MERGED] = write_jsonl(merged, out / MERGED)
    return report

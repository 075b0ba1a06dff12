"""The state of a tagging run on disk: committed parts of an unfinished run, and the record of a finished one.

Beside the output ``OUT``:

- ``.OUT.partial/`` while the run is unfinished: ``run.json`` (the options and the inputs' sizes and
  modification times), ``part-NNNNNN<suffix>`` files and, written last and atomically, a ledger
  ``part-NNNNNN.done.json`` for each naming every document and skip record the part covers.  A part counts
  only once its ledger exists.
- ``OUT.skipped.jsonl``: the skipped and failed documents of the finished run (absent when there are none).
- ``.OUT.run.json``: what the finished output was made from and its counts, so that ``--resume`` can tell a
  finished run of the same inputs (nothing to do) from one of other inputs (tag again).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import UsageError
from pipeline.io import FileFormatError, read_json, read_jsonl, write_json, write_jsonl
from pipeline.tagging.readers import InputFile, Skipped
from pipeline.tagging.records import TaggedDoc
from pipeline.tagging.writers import OutputFormat

INPUTS_STATE = "inputs_state"


class ResumeError(UsageError):
    """``--resume`` cannot continue (the interrupted run used other options or inputs)."""


@dataclass(frozen=True)
class RunFiles:
    """The files of a run beside its output (see the module docstring)."""

    output: Path

    @property
    def state_dir(self) -> Path:
        return self.output.parent / f".{self.output.name}.partial"

    @property
    def skipped(self) -> Path:
        return self.output.with_name(self.output.name + ".skipped.jsonl")

    @property
    def record(self) -> Path:
        return self.output.parent / f".{self.output.name}.run.json"

    def remove_leftovers(self) -> None:
        """Remove temporary files a killed run left beside the output (call while holding its lock)."""
        for target in (self.output, self.skipped, self.record):
            for tmp in target.parent.glob(f".{target.name}.*.tmp"):
                tmp.unlink(missing_ok=True)


def inputs_state(files: Iterable[InputFile]) -> list[list[Any]]:
    """Every input file's path, size and modification time: a resumed run must read the same inputs."""
    out: list[list[Any]] = []
    for f in files:
        try:
            st = f.path.stat()
            out.append([str(f.path), st.st_size, st.st_mtime_ns])
        except OSError:
            out.append([str(f.path), None, None])
    return out


def _changed(previous: dict[str, Any], params: dict[str, Any]) -> str | None:
    """What differs between the parameters of two runs, said for a user, or None."""
    keys = [k for k in params if previous.get(k) != params[k]]
    if not keys:
        return None
    if keys == [INPUTS_STATE]:
        before = {p: (size, mtime) for p, size, mtime in previous.get(INPUTS_STATE) or []}
        paths = [p for p, size, mtime in params[INPUTS_STATE] if before.get(p) != (size, mtime)]
        paths += [p for p in before if p not in {q for q, _, _ in params[INPUTS_STATE]}]
        return f"the inputs changed ({', '.join(paths[:3])}{' …' if len(paths) > 3 else ''})"
    return f"other options ({', '.join(k for k in keys if k != INPUTS_STATE)})"


class Checkpoints:
    """The committed parts of an unfinished run (see the module docstring)."""

    def __init__(self, directory: Path, part_suffix: str) -> None:
        self.dir = directory
        self.suffix = part_suffix
        self.done_keys: set[str] = set()
        self.records: list[Skipped] = []
        self.parts: list[Path] = []
        self.docs = self.chars = self.entities = 0

    def start(self, params: dict[str, Any], resume: bool, log: Callable[[str], None]) -> None:
        """Continue the unfinished run (``resume``: same ``params`` required) or start a new one."""
        run_file = self.dir / "run.json"
        if resume and run_file.exists():
            why = _changed(read_json(run_file, "run state"), params)
            if why:
                raise ResumeError(
                    f"{self.dir}: cannot resume, {why} since the interrupted run: rerun it with the same "
                    "ones, or without --resume to start over"
                )
            self._load()
            log(f"resuming: {self.docs} documents and {len(self.records)} skipped/failed already committed")
            return
        if self.dir.exists():
            log(f"starting over: removing the unfinished run in {self.dir} (use --resume to continue it)")
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)
        write_json(run_file, params)

    def _load(self) -> None:
        for ledger in sorted(self.dir.glob("part-*.done.json")):
            self._count(read_json(ledger, "checkpoint ledger"))
        committed = {p.name for p in self.parts}
        for stray in self.dir.glob("*"):  # parts written, but the run died before their ledger
            name = stray.name
            if name.startswith((".", "part-")) and not name.endswith(".done.json") and name not in committed:
                stray.unlink()

    def _count(self, info: dict[str, Any]) -> None:
        records = [Skipped(r["source"], r["reason"], r["status"]) for r in info["skipped"]]
        self.records += records
        self.done_keys.update(info["docs"])
        self.done_keys.update(r.key for r in records)
        self.docs += len(info["docs"])
        self.chars += info["chars"]
        self.entities += info["entities"]
        self.parts.append(self.dir / info["part"])

    def commit(self, fmt: OutputFormat, docs: list[TaggedDoc], records: list[Skipped]) -> None:
        """Write ``docs`` as the next part, then its ledger (which also names ``records``)."""
        name = f"part-{len(self.parts):06d}"
        part = self.dir / f"{name}{self.suffix}"
        fmt.write_part(docs, part)
        info = {
            "part": part.name,
            "docs": [d.key for d in docs],
            "skipped": [r.to_json() for r in records],
            "chars": sum(len(d.text) for d in docs),
            "entities": sum(len(d.entities) for d in docs),
        }
        write_json(self.dir / f"{name}.done.json", info, indent=None)
        self._count(info)

    def finish(self) -> None:
        shutil.rmtree(self.dir)


def write_skipped_list(path: Path, records: list[Skipped]) -> Path | None:
    """Write the skipped/failed list (JSON Lines: source, status, reason); remove a stale one when empty."""
    if not records:
        path.unlink(missing_ok=True)
        return None
    write_jsonl(path, (r.to_json() for r in records))
    return path


def read_skipped_list(path: Path) -> list[Skipped]:
    if not path.exists():
        return []
    return [Skipped(x.value["source"], x.value["reason"], x.value["status"]) for x in read_jsonl(path)]


def finished_run(files: RunFiles, params: dict[str, Any]) -> dict[str, Any] | None:
    """The record of the finished output when it was made from exactly ``params`` (inputs included)."""
    if not files.output.exists() or not files.record.exists():
        return None
    try:
        record = read_json(files.record, "run record")
    except FileFormatError:
        return None
    return record if isinstance(record, dict) and record.get("params") == params else None


def write_run_record(files: RunFiles, params: dict[str, Any], counts: dict[str, int]) -> None:
    write_json(files.record, {"params": params, **counts})

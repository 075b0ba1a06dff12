"""The standing bad-input suite: one fixture per way a user can hand the pipeline bad input, each with its outcome.

Every case copies its fixture directory (``tests/data/bad_inputs/<case>``) into a temporary directory, runs
the real command there through the CLI (``--model rules``; the loaded rule pipeline is reused between cases)
and asserts the exit code, the exact lines on stderr, that every input document is accounted for
(done + skipped + failed = inputs; nothing written when the run is refused) and that every input file is
byte-identical afterwards.  Killed runs, concurrent runs and worker processes are in ``test_interruptions.py``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import nlp as nlp_module
from pipeline.cli import app
from pipeline.corpus.validate import validate_file
from pipeline.outputs import OutputLock

BAD = Path(__file__).parent / "data" / "bad_inputs"
SUMMARY = re.compile(r"^done (\d+) documents .*; skipped (\d+); failed (\d+)")


@pytest.fixture(scope="module")
def rules_nlp():
    from pipeline.nlp import load_nlp

    return load_nlp("rules")


@pytest.fixture(autouse=True)
def reuse_rules(monkeypatch, rules_nlp):
    """``--model rules`` loads once per module (the same pipeline a fresh load gives)."""
    real = nlp_module.load_nlp
    monkeypatch.setattr(nlp_module, "load_nlp", lambda m: rules_nlp if str(m) == "rules" else real(m))


def _files(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@dataclass
class Run:
    code: int
    err: list[str]
    out: str
    dir: Path

    def summary(self) -> tuple[int, int, int]:
        found = [SUMMARY.match(line) for line in self.err]
        m = next(x for x in found if x)
        return int(m[1]), int(m[2]), int(m[3])


class Case:
    """A fixture copied to ``tmp_path``; :meth:`run` runs a command there and checks the inputs after."""

    def __init__(self, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.dir = tmp_path / name
        shutil.copytree(BAD / name, self.dir, symlinks=True)
        monkeypatch.chdir(self.dir)
        self.before = _files(self.dir)

    def run(self, *args: str, env: dict[str, str] | None = None) -> Run:
        result = CliRunner().invoke(app, list(args), env=env)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stderr.splitlines(), result.stdout, self.dir)

    def assert_inputs_unchanged(self) -> None:
        after = _files(self.dir)
        assert {k: after.get(k) for k in self.before} == self.before

    def new_files(self) -> set[str]:
        return (
            {str(p.relative_to(self.dir)) for p in self.dir.rglob("*")}
            - set(self.before)
            - {str(Path(k).parent) for k in self.before}
        )


def _tag(case: Case, *args: str) -> Run:
    return case.run("tag", *args, "-m", "rules", "--no-progress")


# ---------------------------------------------------------------- 1: an output is never an input


REFUSED = {  # fixture: (tag arguments, the one line on stderr)
    "output_is_input": (
        "same.jsonl -o same.jsonl",
        "error: same.jsonl: the output is also an input: choose another output",
    ),
    "output_in_input_dir": (
        "reports -o reports/out.jsonl",
        "error: reports/out.jsonl: the output is inside the input directory reports: write it elsewhere",
    ),
    "output_matches_pattern": (
        "in/*.jsonl -o in/tagged.jsonl",
        "error: in/tagged.jsonl: the output matches the input pattern 'in/*.jsonl': write it elsewhere",
    ),
    "output_is_directory": (
        "in.jsonl -o out.jsonl",
        "error: out.jsonl: is a directory; the output is a file ending in .jsonl, .csv, .parquet",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_an_output_that_is_an_input_is_refused_up_front(name, tmp_path, monkeypatch):
    case = Case(name, tmp_path, monkeypatch)
    args, message = REFUSED[name]
    run = _tag(case, *args.split())
    assert (run.code, run.err) == (2, [message])
    case.assert_inputs_unchanged()
    assert case.new_files() == set()  # no output, no lock, no state left behind


def test_other_commands_refuse_to_write_over_an_input(tmp_path, monkeypatch):
    case = Case("gold_line_separators", tmp_path, monkeypatch)
    run = case.run("agreement", "gold.jsonl", "other.jsonl", "--merged", "other.jsonl")
    assert (run.code, run.err) == (
        2,
        ["error: other.jsonl: the output is also an input: choose another output"],
    )
    run = case.run("agreement", "other.jsonl", "./other.jsonl")
    assert (run.code, run.err) == (
        2,
        ["error: other.jsonl: the same file is given twice: give each annotator's file once"],
    )
    run = case.run("evaluate", "-m", "rules", "--gold", "other.jsonl", "--errors", "./other.jsonl")
    assert (run.code, run.err) == (
        2,
        ["error: other.jsonl: the output is also an input: choose another output"],
    )
    run = case.run("corpus", "convert", "-f", "cluener", "other.jsonl", "other.jsonl")
    assert run.code == 2 and run.err == [
        "error: other.jsonl: the output is also an input: choose another output"
    ]
    case.assert_inputs_unchanged()


def test_an_output_that_cannot_be_written_is_one_line(tmp_path, monkeypatch):
    case = Case("unwritable", tmp_path, monkeypatch)
    run = _tag(case, "in.jsonl", "-o", "blocker/out.jsonl")
    assert (run.code, run.err) == (
        1,
        ["error: blocker/out.jsonl: cannot write there (blocker: File exists)"],
    )
    run = case.run(
        "evaluate", "-m", "rules", "--gold", str(BAD / "evaluate" / "gold.jsonl"), "-o", "blocker/m.json"
    )
    assert run.code == 1 and run.err[-1] == (
        "error: blocker/m.json: cannot create the directory blocker (File exists)"
    )
    case.assert_inputs_unchanged()


# ---------------------------------------------------------------- 2: two runs never share an output


def test_a_second_run_on_a_locked_output_refuses_naming_the_holder(tmp_path, monkeypatch):
    case = Case("lock", tmp_path, monkeypatch)
    with OutputLock(case.dir / "out.jsonl"):
        run = _tag(case, "in.jsonl", "-o", "out.jsonl")
    assert run.code == 1 and len(run.err) == 1
    pattern = (
        rf"error: out\.jsonl: another run is writing this output \(pid {os.getpid()} on "
        rf"{re.escape(socket.gethostname())}, started [0-9: -]+; lock \.out\.jsonl\.lock\): "
        r"wait for it to end, or choose another output"
    )
    assert re.fullmatch(pattern, run.err[0]), run.err[0]
    assert not (case.dir / "out.jsonl").exists() and not (case.dir / ".out.jsonl.partial").exists()
    case.assert_inputs_unchanged()


def test_a_stale_lock_of_a_dead_run_is_cleared_and_said(tmp_path, monkeypatch):
    case = Case("lock", tmp_path, monkeypatch)
    dead = {"pid": 2**22 + 12345, "host": "gone", "started": "2024-01-01 00:00:00", "command": "pipeline tag"}
    (case.dir / ".out.jsonl.lock").write_text(json.dumps(dead))
    (case.dir / ".out.jsonl.k1ll3d.tmp").write_text('{"id": "half a line')  # killed while assembling
    run = _tag(case, "in.jsonl", "-o", "out.jsonl")
    assert run.code == 0
    assert run.err[0] == (
        f"out.jsonl: clearing a stale lock (pid {dead['pid']} on gone, started 2024-01-01 00:00:00, "
        "no longer running)"
    )
    assert run.summary() == (3, 0, 0)
    assert not (case.dir / ".out.jsonl.lock").exists() and not (case.dir / ".out.jsonl.k1ll3d.tmp").exists()
    case.assert_inputs_unchanged()


# ---------------------------------------------------------------- 3: U+2028, U+2029, U+0085 inside texts


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_line_separators_inside_texts_survive_tagging(suffix, tmp_path, monkeypatch):
    case = Case("line_separators", tmp_path, monkeypatch)
    run = _tag(case, "in.jsonl", "-o", f"out{suffix}")
    assert run.code == 0 and run.summary() == (3, 0, 0)
    if suffix == ".jsonl":
        raw = (case.dir / "out.jsonl").read_bytes()
        assert raw.count(b"\n") == 3 and "\u2028".encode() not in raw and b"\\u2028" in raw
        docs, errors = validate_file(case.dir / "out.jsonl")
        assert errors == [] and [d.id for d in docs] == ["ls-2028", "ls-2029", "ls-0085"]
        assert "\u2028" in docs[0].text and "\u2029" in docs[1].text and "\x85" in docs[2].text
        check = case.run("corpus", "validate", "out.jsonl")
        assert check.code == 0 and "3 document(s)" in check.out
    case.assert_inputs_unchanged()


def test_line_numbers_stay_right_after_a_line_separator(tmp_path, monkeypatch):
    case = Case("gold_line_separators", tmp_path, monkeypatch)
    expected = (
        "gold.jsonl:2: g2: span [0, 3, 'CITY'] has unknown label 'CITY' "
        "(allowed: GPE LOC MONEY ORG PERCENT QUANTITY)"
    )
    run = case.run("corpus", "validate", "gold.jsonl")
    assert (run.code, run.err) == (1, [expected, "1 error(s) in 1 file(s)"])
    run = case.run("corpus", "build", "gold.jsonl", "-o", "built")
    assert (run.code, run.err) == (1, [expected])
    run = case.run("evaluate", "-m", "rules", "--gold", "gold.jsonl")
    assert (run.code, run.err) == (1, [f"error: {expected}"])
    run = case.run("agreement", "gold.jsonl", "other.jsonl")
    assert (run.code, run.err) == (1, [f"error: {expected}"])
    shutil.copy(case.dir / "other.jsonl", case.dir / "copy.jsonl")
    run = case.run("agreement", "other.jsonl", "copy.jsonl", "-o", "dis.jsonl", "--merged", "merged.jsonl")
    assert run.code == 0 and "other ~ copy" in run.out
    merged, errors = validate_file(case.dir / "merged.jsonl")
    assert errors == [] and merged[0].text == validate_file(case.dir / "other.jsonl")[0][0].text
    assert "\u2028".encode() not in (case.dir / "merged.jsonl").read_bytes()
    case.assert_inputs_unchanged()


# ---------------------------------------------------------------- 5: one line instead of a traceback


EVALUATE_CASES = [
    (
        ["-m", "no-such-model", "--gold", "gold.jsonl"],
        "error: model no-such-model does not exist (train one with `pipeline train`, or use --model rules)",
    ),
    (
        ["--gold", "missing.jsonl"],
        "error: missing.jsonl:0: cannot read file: No such file or directory",
    ),
    (
        ["--gold", "invalid.jsonl"],
        "error: invalid.jsonl:2: invalid JSON: Expecting value (column 22) (and 1 more errors)",
    ),
    (
        ["--gold", "gold.jsonl", "--ids", "splits.json", "--split", "test"],
        "error: splits.json: no split 'test' (splits: train, dev)",
    ),
    (
        ["--gold", "gold.jsonl", "--ids", "ids.txt"],
        "error: ids.txt: 2 of the 3 listed ids are not in the gold files (missing-1, missing-2)",
    ),
]


@pytest.mark.parametrize(("args", "message"), EVALUATE_CASES)
def test_evaluate_failures_are_one_line(args, message, tmp_path, monkeypatch):
    case = Case("evaluate", tmp_path, monkeypatch)
    if "-m" not in args:
        args = ["-m", "rules", *args]
    run = case.run("evaluate", *args)
    assert (run.code, run.err) == (1, [message])
    case.assert_inputs_unchanged()


def test_evaluate_scores_the_listed_documents(tmp_path, monkeypatch):
    case = Case("evaluate", tmp_path, monkeypatch)
    run = case.run(
        "evaluate", "-m", "rules", "--gold", "gold.jsonl", "--ids", "splits.json", "--split", "dev"
    )
    assert run.code == 0 and "1 documents" in run.out
    case.assert_inputs_unchanged()


@pytest.fixture(scope="module")
def truncated_model(tmp_path_factory, rules_nlp) -> Path:
    """A saved rule pipeline whose vocabulary file was cut short (as by a full disk or a broken copy)."""
    path = tmp_path_factory.mktemp("model") / "model-best"
    rules_nlp.to_disk(path)
    strings = path / "vocab" / "strings.json"
    strings.write_bytes(strings.read_bytes()[: strings.stat().st_size // 2])
    return path


def test_a_truncated_model_file_is_one_line_naming_the_part(truncated_model, tmp_path, monkeypatch):
    case = Case("lock", tmp_path, monkeypatch)
    for command in (
        ["tag", "in.jsonl", "-m", str(truncated_model), "-o", "out.jsonl", "--no-progress"],
        ["evaluate", "-m", str(truncated_model), "--gold", str(BAD / "evaluate" / "gold.jsonl")],
    ):
        run = case.run(*command)
        assert run.code == 1 and len(run.err) == 1, run.err
        assert run.err[0].startswith(
            f"error: model {truncated_model / 'vocab'} cannot be loaded (damaged or "
        )
    assert not (case.dir / "out.jsonl").exists()
    case.assert_inputs_unchanged()


def test_a_full_disk_says_that_resume_continues(tmp_path, monkeypatch):
    """Unit test of the message only: the write of the second part raises ENOSPC."""
    from pipeline.tagging import writers

    case = Case("lock", tmp_path, monkeypatch)
    real = writers.JsonlFormat.write_part
    calls = []

    def full_disk(self, docs, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(self, docs, path)

    monkeypatch.setattr(writers.JsonlFormat, "write_part", full_disk)
    run = _tag(case, "in.jsonl", "-o", "out.jsonl", "--checkpoint-every", "2")
    assert (run.code, run.err) == (
        1,
        [
            "error: .out.jsonl.partial/part-000001.jsonl: No space left on device; the committed work is kept "
            "in .out.jsonl.partial: fix the cause (free space?) and rerun with --resume"
        ],
    )
    monkeypatch.setattr(writers.JsonlFormat, "write_part", real)
    resumed = _tag(case, "in.jsonl", "-o", "out.jsonl", "--checkpoint-every", "2", "--resume")
    assert resumed.code == 0 and resumed.summary() == (3, 0, 0)
    assert resumed.err[0] == "resuming: 2 documents and 0 skipped/failed already committed"
    case.assert_inputs_unchanged()


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None, reason="mounting a tmpfs needs root")
def test_a_real_full_disk_keeps_committed_work_and_resumes(tmp_path, monkeypatch):
    """The same on a real 1 MiB tmpfs filled up by the output (skipped where tmpfs cannot be mounted)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        case = Case("lock", tmp_path, monkeypatch)
        rows = [json.loads(line) for line in (case.dir / "in.jsonl").read_text().splitlines()]
        big = case.dir / "big.jsonl"
        big.write_text(
            "".join(
                json.dumps({"id": f"b{i}", "text": rows[i % 3]["text"] * 40}, ensure_ascii=False) + "\n"
                for i in range(300)
            )
        )
        out = disk / "out.jsonl"
        run = _tag(case, "big.jsonl", "-o", str(out), "--checkpoint-every", "20")
        assert run.code == 1 and len(run.err) == 1
        assert "No space left on device; the committed work is kept in" in run.err[0]
        assert run.err[0].endswith("fix the cause (free space?) and rerun with --resume")
        assert not out.exists()
    finally:
        subprocess.run(["umount", str(disk)])


# ---------------------------------------------------------------- 6: duplicate ids across inputs


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_duplicate_ids_are_made_unique_and_reported(suffix, tmp_path, monkeypatch):
    case = Case("duplicate_ids", tmp_path, monkeypatch)
    run = _tag(case, "a.jsonl", "b.jsonl", "-o", f"out{suffix}")
    assert run.code == 0
    assert run.err[0] == "renamed b.jsonl:1: id 'doc-1' is taken by a.jsonl:1; written as 'b.jsonl:doc-1'"
    assert run.summary() == (3, 0, 0) and "; 1 duplicate ids renamed -> " in run.err[-1]
    if suffix == ".jsonl":
        docs, errors = validate_file(case.dir / "out.jsonl")
        assert errors == [] and [d.id for d in docs] == ["doc-1", "doc-2", "b.jsonl:doc-1"]
        assert docs[2].meta["source_id"] == "doc-1"
    else:
        import pandas as pd

        rows = pd.read_csv(case.dir / "out.csv")
        assert set(rows.doc_id) == {"doc-1", "doc-2", "b.jsonl:doc-1"}
    case.assert_inputs_unchanged()


# ---------------------------------------------------------------- 8: validation


VALIDATION = {
    "nested_overlap.jsonl": [
        "nested_overlap.jsonl:1: n1: spans [0, 13, GPE] '广西壮族自治区柳州市柳北区' and [7, 13, GPE] '柳州市柳北区' overlap",
        "nested_overlap.jsonl:1: n1: spans [0, 13, GPE] '广西壮族自治区柳州市柳北区' and [10, 13, GPE] '柳北区' overlap",
        "nested_overlap.jsonl:1: n1: spans [7, 13, GPE] '柳州市柳北区' and [10, 13, GPE] '柳北区' overlap",
    ],
    "not_utf8_then_more.jsonl": [
        "not_utf8_then_more.jsonl:2: not UTF-8 (byte 0xc9 at offset 82; convert it first, e.g. iconv -f GB18030 -t UTF-8)",
        "not_utf8_then_more.jsonl:3: invalid JSON: Expecting value (column 22)",
    ],
    "nan_id.jsonl": ["nan_id.jsonl:1: invalid JSON: NaN is not valid JSON"],
    "lone_surrogate.jsonl": ["lone_surrogate.jsonl:1: invalid text: lone surrogate U+D800 at character 2"],
    "zero_width_edge.jsonl": [
        "zero_width_edge.jsonl:1: z1: span [1, 5, GPE] '\\u200b北京市' starts with a zero-width or "
        "combining character (U+200B)"
    ],
    "combining_edge.jsonl": [
        "combining_edge.jsonl:1: k1: span [1, 5, ORG] 'Cafe' cuts off the combining character after "
        "it (U+0301)"
    ],
}


@pytest.mark.parametrize("name", sorted(VALIDATION))
def test_validation_reports_every_error_exactly(name, tmp_path, monkeypatch):
    case = Case("validate", tmp_path, monkeypatch)
    run = case.run("corpus", "validate", name)
    expected = VALIDATION[name]
    assert (run.code, run.err) == (1, [*expected, f"{len(expected)} error(s) in 1 file(s)"])
    case.assert_inputs_unchanged()


def test_every_validation_fixture_is_covered():
    assert {p.name for p in (BAD / "validate").iterdir()} == set(VALIDATION)


# ---------------------------------------------------------------- 9: nothing lost, nothing silent


def test_a_malformed_csv_keeps_its_good_rows(tmp_path, monkeypatch):
    case = Case("malformed_csv", tmp_path, monkeypatch)
    run = _tag(case, "in.csv", "-o", "out.jsonl")
    assert run.code == 0
    assert run.err[:2] == [
        "skipped in.csv:2: CSV error on line 3: ',' expected after '\"'",
        "skipped in.csv:3: line 4: 3 fields, the header has 2",
    ]
    assert run.summary() == (2, 2, 0)  # 4 rows: 2 done + 2 skipped
    docs, errors = validate_file(case.dir / "out.jsonl")
    assert errors == [] and [d.id for d in docs] == ["c1", "c4"]
    run = _tag(case, "unclosed_quote.csv", "-o", "unclosed.jsonl")
    assert run.err[0] == (
        "skipped unclosed_quote.csv:2: CSV error on lines 3-5 (an unclosed quote?): unexpected end of data"
    )
    assert run.summary() == (1, 1, 0)  # the rows after the quote are swallowed into one skipped row
    case.assert_inputs_unchanged()


def test_an_empty_input_directory_is_an_error(tmp_path, monkeypatch):
    case = Case("empty_directory", tmp_path, monkeypatch)
    for extra in ([], ["--strict"]):
        run = _tag(case, "reports", "-o", "out.jsonl", *extra)
        assert (run.code, run.err) == (
            2,
            ["error: reports: the directory holds no input files (ending in .txt, .jsonl, .csv, .parquet)"],
        )
    assert case.new_files() == set()


def test_fifos_and_dangling_links_are_named_not_read(tmp_path, monkeypatch):
    case = Case("special_files", tmp_path, monkeypatch)
    os.mkfifo(case.dir / "reports" / "pipe.txt")
    os.symlink("gone.txt", case.dir / "reports" / "link.txt")
    run = _tag(case, "reports", "-o", "out.jsonl", "--strict")
    assert run.code == 1
    assert run.err[:2] == [
        "skipped reports/link.txt: dangling symbolic link (to gone.txt, which does not exist)",
        "skipped reports/pipe.txt: not a regular file (a named pipe (FIFO)): not read",
    ]
    assert run.summary() == (1, 2, 0)
    run = _tag(case, "reports/pipe.txt", "reports/link.txt", "-o", "out2.jsonl")
    assert run.code == 0 and run.summary() == (0, 2, 0)
    case.assert_inputs_unchanged()


def test_resume_of_a_finished_output_with_other_inputs_tags_them(tmp_path, monkeypatch):
    case = Case("resume_other_inputs", tmp_path, monkeypatch)
    assert _tag(case, "a.jsonl", "-o", "out.jsonl").summary() == (1, 0, 0)
    again = _tag(case, "a.jsonl", "-o", "out.jsonl", "--resume")
    assert again.err[0] == "out.jsonl is complete already (same inputs and options): nothing to resume"
    assert again.summary() == (1, 0, 0)
    run = _tag(case, "a.jsonl", "b.jsonl", "-o", "out.jsonl", "--resume")
    assert run.code == 0
    assert run.err[0] == "out.jsonl: no unfinished run of these inputs to resume: tagging from the start"
    assert run.summary() == (2, 0, 0)
    assert [d.id for d in validate_file(case.dir / "out.jsonl")[0]] == ["a1", "b1"]
    case.assert_inputs_unchanged()


def test_a_changed_input_is_not_resumed_into_an_old_run(tmp_path, monkeypatch):
    from pipeline.tagging import writers

    case = Case("lock", tmp_path, monkeypatch)
    real = writers.JsonlFormat.write_part

    def crash_on_second(self, docs, path):
        if path.name == "part-000001.jsonl":
            raise KeyboardInterrupt
        return real(self, docs, path)

    monkeypatch.setattr(writers.JsonlFormat, "write_part", crash_on_second)
    assert _tag(case, "in.jsonl", "-o", "out.jsonl", "--checkpoint-every", "1").code == 130
    monkeypatch.setattr(writers.JsonlFormat, "write_part", real)
    (case.dir / "in.jsonl").write_text(
        (case.dir / "in.jsonl").read_text() + '{"id": "l9", "text": "新的一行"}\n'
    )
    run = _tag(case, "in.jsonl", "-o", "out.jsonl", "--checkpoint-every", "1", "--resume")
    assert (run.code, run.err) == (
        2,
        [
            "error: .out.jsonl.partial: cannot resume, the inputs changed (in.jsonl) since the interrupted "
            "run: rerun it with the same ones, or without --resume to start over"
        ],
    )


# ---------------------------------------------------------------- 7, 9: doccano without a server


def test_pull_without_the_admin_password_writes_no_credentials(tmp_path, monkeypatch):
    from pipeline.doccano import server

    home = tmp_path / "home"
    home.mkdir()
    port = server.free_port()  # nothing listens there
    state = {"url": f"http://127.0.0.1:{port}", "port": port, "web_pid": 0, "worker_pid": 0}
    (home / "server.json").write_text(json.dumps({**state, "home": str(home), "venv": "", "started": 0.0}))
    for var in ("DOCCANO_URL", "DOCCANO_USERNAME", "DOCCANO_PASSWORD", "DOCCANO_ADMIN_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DOCCANO_HOME", str(home))
    monkeypatch.setenv("DOCCANO_CONFIG", str(tmp_path / "none.json"))
    result = CliRunner().invoke(app, ["doccano", "pull", "-p", "x", "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: no admin password for the local doccano server at http://127.0.0.1:{port}: set "
        "DOCCANO_ADMIN_PASSWORD to the one it was started with (or DOCCANO_USERNAME/DOCCANO_PASSWORD)"
    ]
    assert sorted(p.name for p in home.iterdir()) == ["server.json"]


def test_a_home_started_with_an_environment_password_never_resets_it(tmp_path, monkeypatch):
    from pipeline.doccano import server
    from pipeline.errors import PipelineError

    monkeypatch.setenv("DOCCANO_ADMIN_PASSWORD", "chosen-by-the-admin")
    assert server.admin_credentials(tmp_path)[1] == "chosen-by-the-admin"
    assert "chosen" not in (tmp_path / "credentials.json").read_text()  # the password is not stored
    monkeypatch.delenv("DOCCANO_ADMIN_PASSWORD")
    assert server.stored_credentials(tmp_path) is None
    with pytest.raises(PipelineError, match="was set from DOCCANO_ADMIN_PASSWORD: set it again"):
        server.admin_credentials(tmp_path)


def test_push_to_an_unreachable_server_fails_before_pre_annotating(tmp_path, monkeypatch):
    from pipeline.doccano import server

    case = Case("lock", tmp_path, monkeypatch)
    port = server.free_port()
    env = {"DOCCANO_URL": f"http://127.0.0.1:{port}", "DOCCANO_USERNAME": "u", "DOCCANO_PASSWORD": "p"}
    monkeypatch.setattr(nlp_module, "load_nlp", lambda m: pytest.fail("the model was loaded"))
    started = time.monotonic()
    run = case.run("doccano", "push", "in.jsonl", "-p", "x", "-m", "rules", env=env)
    assert run.code == 1 and len(run.err) == 1 and time.monotonic() - started < 5
    assert run.err[0].startswith(f"error: logging in to http://127.0.0.1:{port} as u: cannot connect")
    case.assert_inputs_unchanged()

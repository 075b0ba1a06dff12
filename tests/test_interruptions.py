"""Real runs of ``pipeline tag`` in their own processes, interrupted the hard way.

- ``kill -9`` of a ``-j 2`` run at random points, then ``--resume``, over a folder of good and bad inputs: the
  final output equals an uninterrupted run's, no process is left behind, no input changed.
- SIGTERM: the run stops cleanly (its workers with it) and says how to continue.
- Two runs on the same output: the second refuses, naming the first, which ends with exactly its own documents.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from pipeline.tagging.checkpoint import RunFiles

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data"
SENTENCES = [
    "国务院批准北京市发行地方政府专项债券3000亿元，用于城市更新和保障性住房建设。",
    "上海市全年进出口总额4.27万亿元，比上年增长1.3%，其中出口1.73万亿元。",
    "广西柳州市2021年工业总产值增长12.5%，达到450亿元，汽车产量约200万辆。",
    "浙江省数字经济核心产业增加值增长8.9%，占全省生产总值的11.6%。",
]


def _inputs(root: Path, n_docs: int) -> Path:
    """A folder of mixed inputs: many good documents, and the bad files of the other suites."""
    folder = root / "inputs"
    shutil.copytree(DATA / "tagging" / "reports", folder / "reports")
    shutil.copy(DATA / "tagging" / "docs.jsonl", folder / "docs.jsonl")
    shutil.copy(DATA / "tagging" / "docs.csv", folder / "docs.csv")
    shutil.copy(DATA / "bad_inputs" / "malformed_csv" / "in.csv", folder / "malformed.csv")
    shutil.copy(DATA / "bad_inputs" / "line_separators" / "in.jsonl", folder / "separators.jsonl")
    shutil.copy(DATA / "bad_inputs" / "duplicate_ids" / "a.jsonl", folder / "dup-a.jsonl")
    shutil.copy(DATA / "bad_inputs" / "duplicate_ids" / "b.jsonl", folder / "dup-b.jsonl")
    rng = random.Random(7)
    with (folder / "many.jsonl").open("w", encoding="utf-8") as fh:
        for i in range(n_docs):
            text = "".join(rng.choice(SENTENCES) for _ in range(rng.randint(2, 8)))
            fh.write(json.dumps({"id": f"m{i}", "text": text}, ensure_ascii=False) + "\n")
            if i % 97 == 0:
                fh.write("{not json\n")
    return folder


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _command(inputs: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "tag", str(inputs), "-m", "rules", "-o", str(out), *extra]


def _descendants(proc: subprocess.Popen) -> list[psutil.Process]:
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _gone(procs: list[psutil.Process], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return True
        time.sleep(0.1)
    return False


def _ledgers(out: Path) -> int:
    return len(list(RunFiles(out).state_dir.glob("part-*.done.json")))


def _wait_for(proc: subprocess.Popen, condition, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_kill_9_at_random_points_then_resume_equals_an_uninterrupted_run(tmp_path):
    inputs = _inputs(tmp_path, 600)
    before = _hashes(inputs)
    options = ["-j", "2", "--checkpoint-every", "15", "--batch-size", "8", "--no-progress"]
    reference = tmp_path / "reference.jsonl"
    ref = subprocess.run(_command(inputs, reference, *options), capture_output=True, text=True)
    assert ref.returncode == 0, ref.stderr

    out = tmp_path / "out.jsonl"
    rng = random.Random(2024)
    kills_mid_run = 0
    for _round in range(4):
        resume = ["--resume"] if _round else []
        proc = subprocess.Popen(
            _command(inputs, out, *options, *resume), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        target = _ledgers(out) + rng.randint(1, 8)
        _wait_for(proc, lambda t=target, p=proc: _ledgers(out) >= t and len(_descendants(p)) >= 2)
        time.sleep(rng.uniform(0, 0.4))
        workers = _descendants(proc)
        if proc.poll() is not None:
            break  # finished before the kill
        proc.kill()
        proc.wait()
        assert _gone(workers), f"left behind: {[p.pid for p in workers if p.is_running()]}"
        if not out.exists():
            kills_mid_run += 1
    assert kills_mid_run >= 2

    final = subprocess.run(_command(inputs, out, *options, "--resume"), capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    assert "resuming: " in final.stderr or "complete already" in final.stderr
    assert out.read_bytes() == reference.read_bytes()
    assert RunFiles(out).skipped.read_bytes() == RunFiles(reference).skipped.read_bytes()
    assert not RunFiles(out).state_dir.exists() and not (tmp_path / ".out.jsonl.lock").exists()
    assert not list(tmp_path.glob(".out.jsonl*.tmp"))
    assert _hashes(inputs) == before


def test_sigterm_stops_the_run_and_its_workers_and_resume_finishes_it(tmp_path):
    inputs = _inputs(tmp_path, 400)
    before = _hashes(inputs)
    out = tmp_path / "out.jsonl"
    options = ["-j", "2", "--checkpoint-every", "10", "--batch-size", "8", "--no-progress"]
    proc = subprocess.Popen(
        _command(inputs, out, *options), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _wait_for(proc, lambda: _ledgers(out) >= 3 and len(_descendants(proc)) >= 2)
    workers = _descendants(proc)
    assert len(workers) >= 2 and proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    state = RunFiles(out).state_dir
    assert (
        err.decode().rstrip().endswith(f"interrupted: committed work is kept in {state}; rerun with --resume")
    )
    assert _gone(workers)
    resumed = subprocess.run(_command(inputs, out, *options, "--resume"), capture_output=True, text=True)
    assert resumed.returncode == 0 and "resuming: " in resumed.stderr
    reference = tmp_path / "reference.jsonl"
    subprocess.run(_command(inputs, reference, *options), check=True, capture_output=True)
    assert out.read_bytes() == reference.read_bytes()
    assert _hashes(inputs) == before


def test_a_second_run_on_the_same_output_refuses_and_the_first_keeps_its_documents(tmp_path):
    first_inputs = _inputs(tmp_path, 300) / "many.jsonl"
    second_inputs = tmp_path / "second.jsonl"
    second_inputs.write_text(
        "".join(
            json.dumps({"id": f"x{i}", "text": SENTENCES[i % 4]}, ensure_ascii=False) + "\n"
            for i in range(25)
        )
    )
    out = tmp_path / "out.jsonl"
    first = subprocess.Popen(
        _command(first_inputs, out, "--checkpoint-every", "5", "--no-progress"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _wait_for(first, lambda: _ledgers(out) >= 1)
    assert first.poll() is None
    second = subprocess.run(_command(second_inputs, out, "--no-progress"), capture_output=True, text=True)
    assert second.returncode == 1
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"error: {out}: another run is writing this output (pid {first.pid} on "
    )
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err.decode()
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert ids == [f"m{i}" for i in range(300)]
    assert not (tmp_path / ".out.jsonl.lock").exists()

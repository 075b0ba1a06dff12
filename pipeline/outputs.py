"""Guarding outputs: an output is never one of the inputs, and two runs never write the same output.

:func:`refuse_inputs_as_outputs` checks, before anything is read, that no output is an input file, lies inside
an input directory or matches an input pattern (and that no input lies inside an output directory).
:class:`OutputLock` is held for a whole run: a ``.NAME.lock`` file beside the output, locked with ``flock``.
The kernel drops the lock when its holder dies, however it dies (``kill -9`` included), so a second run
refuses with one line naming the holder while it lives, and takes over, saying so, once it is gone.
"""

from __future__ import annotations

import fcntl
import fnmatch
import glob as globlib
import json
import os
import socket
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from pipeline.errors import PipelineError, UsageError


def _absolute(path: str | Path) -> Path:
    """``path`` made absolute with symbolic links resolved (it need not exist)."""
    return Path(os.path.realpath(os.path.abspath(path)))


def _inside(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def refuse_inputs_as_outputs(
    outputs: Iterable[str | Path],
    inputs: Iterable[str | Path],
    *,
    output_dirs: Iterable[str | Path] = (),
) -> None:
    """Raise :class:`UsageError` when an output would be an input.

    ``inputs`` are the command's input arguments: files, directories (searched recursively) or glob patterns.
    ``outputs`` are files the command writes; ``output_dirs`` directories it writes into (no input may lie
    inside one).
    """
    sources = [str(i) for i in inputs]
    for out in outputs:
        target = _absolute(out)
        for src in sources:
            here = _absolute(src)
            if target == here or (Path(out).exists() and Path(src).exists() and os.path.samefile(out, src)):
                raise UsageError(f"{out}: the output is also an input: choose another output")
            if Path(src).is_dir() and _inside(target, here):
                raise UsageError(f"{out}: the output is inside the input directory {src}: write it elsewhere")
            if globlib.has_magic(src) and fnmatch.fnmatch(str(target), str(_absolute(src))):
                raise UsageError(f"{out}: the output matches the input pattern {src!r}: write it elsewhere")
    for out_dir in output_dirs:
        directory = _absolute(out_dir)
        for src in sources:
            if not globlib.has_magic(src) and _inside(_absolute(src), directory):
                raise UsageError(
                    f"{src}: the input is inside the output directory {out_dir}: write elsewhere"
                )


def lock_path_for(output: Path) -> Path:
    """The lock file of an output: ``.NAME.lock`` beside it."""
    return output.parent / f".{output.name}.lock"


class OutputBusy(PipelineError):
    """Another live run holds the output's lock."""


class OutputLock:
    """Exclusive use of ``output`` for one run (see the module docstring); a context manager."""

    def __init__(self, output: str | Path, log: Callable[[str], None] = lambda _msg: None) -> None:
        self.output = Path(output)
        self.path = lock_path_for(self.output)
        self.log = log
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                where = exc.filename or self.path
                raise PipelineError(
                    f"{self.output}: cannot write there ({where}: {exc.strerror or exc})"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _describe_holder(_read_fd(fd))
                os.close(fd)
                raise OutputBusy(
                    f"{self.output}: another run is writing this output ({holder}; lock {self.path}): "
                    "wait for it to end, or choose another output"
                ) from None
            try:
                current = os.stat(self.path)
            except FileNotFoundError:
                current = None
            if current is not None and os.path.samestat(os.fstat(fd), current):
                break
            os.close(fd)  # the previous holder removed the file between our open and our lock: again
        stale = _read_fd(fd)
        if stale:
            self.log(f"{self.output}: clearing a stale lock ({_describe_holder(stale)}, no longer running)")
        me = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "command": " ".join(sys.argv[:1] + sys.argv[1:])[:300],
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)  # still holding the lock: nobody can take a removed file
        os.close(self._fd)
        self._fd = None


def _read_fd(fd: int) -> str:
    return os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()


def _describe_holder(content: str) -> str:
    try:
        info = json.loads(content)
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (ValueError, KeyError, TypeError):
        return "holder unknown"

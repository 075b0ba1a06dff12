"""A local doccano 1.8.4 server in its own virtualenv, bound to 127.0.0.1 only.

``doccano webserver`` always binds 0.0.0.0, so the web app runs under gunicorn directly, with the
environment doccano's CLI sets, plus the Celery worker (``doccano task``) over the same SQLite file.
The server's venv is created once and cached (``$PIPELINE_DOCCANO_VENV``, default
``~/.cache/pipeline/doccano-venv``); its data lives in ``$DOCCANO_HOME`` (default ``<repo>/.doccano/home``).
Admin credentials come from ``$DOCCANO_ADMIN_USERNAME``/``$DOCCANO_ADMIN_PASSWORD``/``$DOCCANO_ADMIN_EMAIL``;
without a password ``start`` generates one and keeps it in ``$DOCCANO_HOME/credentials.json``; clients only
read it.  The home directory is private (mode 700), and so is everything the server writes there (umask 077).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.errors import PipelineError
from pipeline.settings import PROJECT_ROOT

DOCCANO_REQUIREMENTS = ("doccano==1.8.4", "numpy<2", "marshmallow<4")
VENV_ENV = "PIPELINE_DOCCANO_VENV"
PYTHON_ENV = "PIPELINE_DOCCANO_PYTHON"
HOME_ENV = "DOCCANO_HOME"
HOST = "127.0.0.1"
STATE_FILE = "server.json"
CREDENTIALS_FILE = "credentials.json"


class ServerError(PipelineError, RuntimeError):
    """The doccano server could not be installed, started or stopped; the message says why."""


def venv_dir() -> Path:
    """Where the server's own virtualenv lives (created once, then reused)."""
    env = os.environ.get(VENV_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "pipeline" / "doccano-venv"


def home_dir(home: str | Path | None = None) -> Path:
    """The server's data directory (SQLite database, media, state file, secret key)."""
    if home:
        return Path(home).expanduser().resolve()
    env = os.environ.get(HOME_ENV)
    return Path(env).expanduser().resolve() if env else PROJECT_ROOT / ".doccano" / "home"


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _backend_dir(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages/backend"))
    if not found:
        raise ServerError(
            f"doccano is not installed in {venv} (no site-packages/backend); delete it and retry"
        )
    return found[0]


def ensure_venv(venv: Path | None = None, log: Callable[[str], None] = print) -> Path:
    """Create the doccano venv when missing (~2 min, ~710 MB); return its directory.

    The venv is built beside its final place and renamed when pip succeeds, so an interrupted install
    never leaves a half-built venv behind.  Every command runs as ``<venv>/bin/python -m …``, which keeps
    the renamed venv working.
    """
    venv = venv or venv_dir()
    if _venv_python(venv).exists() and (venv / ".pipeline-complete").exists():
        return venv
    if venv.exists():
        raise ServerError(f"{venv} exists but is not a complete doccano venv; delete it and retry")
    partial = venv.with_name(venv.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    base_python = str(os.environ.get(PYTHON_ENV) or getattr(sys, "_base_executable", sys.executable))
    log(f"creating the doccano server venv in {venv} (once; ~2 min, ~710 MB)")
    t0 = time.monotonic()
    log_path = venv.with_name(venv.name + "-install.log")
    with log_path.open("w") as fh:
        steps: list[list[str]] = [
            [base_python, "-m", "venv", str(partial)],
            [
                str(_venv_python(partial)),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                *DOCCANO_REQUIREMENTS,
            ],
        ]
        for cmd in steps:
            if subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT).returncode != 0:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or ["?"]
                raise ServerError(f"`{' '.join(cmd[:4])} …` failed ({tail[0]}); full log: {log_path}")
    (partial / ".pipeline-complete").write_text("\n".join(DOCCANO_REQUIREMENTS) + "\n")
    partial.rename(venv)
    log(f"doccano venv ready in {time.monotonic() - t0:.0f} s")
    return venv


@dataclass
class ServerState:
    """What ``start`` recorded: the URL and the two process groups it launched."""

    url: str
    port: int
    web_pid: int
    worker_pid: int
    home: str
    venv: str
    started: float

    @property
    def pids(self) -> list[int]:
        return [self.web_pid, self.worker_pid]


def read_state(home: Path) -> ServerState | None:
    path = home / STATE_FILE
    if not path.exists():
        return None
    from pipeline.io import read_json

    try:
        return ServerState(**read_json(path, "doccano server state"))
    except TypeError:
        raise ServerError(f"{path}: not a server state written by `pipeline doccano server start`") from None


PRIVATE_UMASK = 0o077


def _write_private(path: Path, text: str) -> None:
    """Create or replace ``path`` readable by its owner only (never readable by others, not even briefly)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def make_private(home: Path) -> None:
    """Make the server's home and its database readable by the owner only."""
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    for name in ("db.sqlite3", "db.sqlite3-journal", "db.sqlite3-wal", CREDENTIALS_FILE, "secret_key"):
        if (home / name).exists():
            (home / name).chmod(0o600)


def _secret_key(home: Path) -> str:
    path = home / "secret_key"
    if not path.exists():
        _write_private(path, secrets.token_urlsafe(50))
    return path.read_text().strip()


def _stored(home: Path) -> dict:
    path = home / CREDENTIALS_FILE
    if not path.exists():
        return {}
    from pipeline.io import read_json

    stored = read_json(path, "doccano credentials")
    return stored if isinstance(stored, dict) else {}


def stored_credentials(home: Path) -> tuple[str, str] | None:
    """The admin (username, password) to log in with: ``$DOCCANO_ADMIN_PASSWORD``, else the password ``start``
    generated and stored in ``home``; None when neither is there.  Never writes anything."""
    username = os.environ.get("DOCCANO_ADMIN_USERNAME", "admin")
    password = os.environ.get("DOCCANO_ADMIN_PASSWORD")
    if password:
        return username, password
    stored = _stored(home)
    if stored.get("username") == username and stored.get("password"):
        return username, str(stored["password"])
    return None


def admin_credentials(home: Path) -> tuple[str, str, str]:
    """(username, password, email) for ``start``: from the environment (remembered as such, the password not
    stored), else the stored one, else generated once and stored (mode 600).  A home whose password came from
    the environment refuses to start without it rather than reset the admin's password."""
    username = os.environ.get("DOCCANO_ADMIN_USERNAME", "admin")
    email = os.environ.get("DOCCANO_ADMIN_EMAIL", f"{username}@localhost")
    stored = _stored(home)
    if os.environ.get("DOCCANO_ADMIN_PASSWORD"):
        if stored != {"username": username, "from_environment": True}:
            _write_private(
                home / CREDENTIALS_FILE, json.dumps({"username": username, "from_environment": True})
            )
        return username, os.environ["DOCCANO_ADMIN_PASSWORD"], email
    if stored.get("username") == username and stored.get("password"):
        return username, str(stored["password"]), email
    if stored.get("username") == username and stored.get("from_environment"):
        raise ServerError(
            f"the admin password of {home} was set from DOCCANO_ADMIN_PASSWORD: set it again "
            f"(or delete {home / CREDENTIALS_FILE} to have a new one generated and the admin's password reset)"
        )
    password = secrets.token_urlsafe(16)
    _write_private(home / CREDENTIALS_FILE, json.dumps({"username": username, "password": password}))
    return username, password, email


def server_env(home: Path, venv: Path) -> dict[str, str]:
    """The environment doccano's CLI would set, plus a per-home secret key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCCANO_ADMIN_", "DJANGO_"))}
    env.update(
        DOCCANO_HOME=str(home),
        STANDALONE="True",
        DEBUG="False",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DATABASE_URL=f"sqlite:///{home / 'db.sqlite3'}",
        MEDIA_ROOT=str(home / "media"),
        SECRET_KEY=_secret_key(home),
        VIRTUAL_ENV=str(venv),
    )
    env.pop("PYTHONPATH", None)
    return env


_CREATE_ADMIN = """
import os
from backend import cli  # sets doccano's environment defaults and sys.path
import django
django.setup()
from django.core import management
management.call_command("create_admin", "--noinput", username=os.environ["_DOCCANO_USER"],
                        password=os.environ["_DOCCANO_PASSWORD"], email=os.environ["_DOCCANO_EMAIL"])
"""


def init_home(home: Path, venv: Path, log: Callable[[str], None] = print) -> None:
    """Migrate the database (``doccano init``) and create or update the admin; password never on argv."""
    make_private(home)
    env = server_env(home, venv)
    py = str(_venv_python(venv))
    marker = home / ".initialised"
    db = home / "db.sqlite3"
    template = venv / ".pipeline-initial-db.sqlite3"  # a freshly migrated database, reused for new homes
    if not marker.exists():
        if template.exists() and not db.exists():
            shutil.copyfile(template, db)
            db.chmod(0o600)
        else:
            log(f"initialising {home} (database migrations, ~15-45 s)")
            _run([py, "-m", "backend.cli", "init"], env, home / "init.log")
            if not template.exists():
                shutil.copyfile(db, template)
        marker.write_text("1\n")
    username, password, email = admin_credentials(home)
    env.update(_DOCCANO_USER=username, _DOCCANO_PASSWORD=password, _DOCCANO_EMAIL=email)
    _run([py, "-c", _CREATE_ADMIN], env, home / "createuser.log")


def _run(cmd: list[str], env: dict[str, str], log_path: Path) -> None:
    with log_path.open("w") as fh:
        rc = subprocess.run(
            cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=env["DOCCANO_HOME"], umask=PRIVATE_UMASK
        ).returncode
    if rc != 0:
        raise ServerError(f"doccano setup step failed (exit {rc}); see {log_path}")


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def health(url: str, timeout: float = 5.0) -> bool:
    """True when ``/v1/health/`` answers 200 (web app, database and Celery worker all up)."""
    try:
        with urllib.request.urlopen(f"{url}/v1/health/", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _alive(pid: int, venv: str) -> bool:
    """True when ``pid`` runs and is one of ours (its command line starts with the venv's python)."""
    import psutil

    try:
        cmd = psutil.Process(pid).cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return bool(cmd) and cmd[0].startswith(venv)


def status(home: str | Path | None = None) -> tuple[ServerState | None, bool]:
    """(recorded state or None, healthy?)."""
    h = home_dir(home)
    state = read_state(h)
    if state is None:
        return None, False
    return state, any(_alive(p, state.venv) for p in state.pids) and health(state.url)


def start(
    port: int | None = None,
    home: str | Path | None = None,
    *,
    workers: int = 2,
    timeout: float = 120.0,
    log: Callable[[str], None] = print,
) -> ServerState:
    """Start web app + worker on 127.0.0.1 (a free port unless ``port``); wait for health; record PIDs."""
    h = home_dir(home)
    make_private(h)
    state, healthy = status(h)
    if state is not None:
        if healthy:
            log(f"doccano already running at {state.url}")
            return state
        stop(h, log=lambda _m: None)
    venv = ensure_venv(log=log)
    init_home(h, venv, log=log)
    port = port or free_port()
    env = server_env(h, venv)
    py = str(_venv_python(venv))
    backend = str(_backend_dir(venv))
    web_cmd = [py, "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--workers", str(workers)]
    web_cmd += ["--chdir", backend, "--capture-output", "--timeout", "300", "config.wsgi"]
    worker_cmd = [py, "-m", "backend.cli", "task", "--concurrency", "1"]
    procs = []
    for cmd, name in ((web_cmd, "web"), (worker_cmd, "worker")):
        with (h / f"{name}.log").open("a") as fh:
            procs.append(
                subprocess.Popen(
                    cmd,
                    env=env,
                    cwd=h,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                    umask=PRIVATE_UMASK,
                )
            )
    url = f"http://{HOST}:{port}"
    state = ServerState(url, port, procs[0].pid, procs[1].pid, str(h), str(venv), time.time())
    _write_private(h / STATE_FILE, json.dumps(asdict(state), indent=1))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if health(url, timeout=2.0):
            return state
        dead = [(n, p) for n, p in zip(("web", "worker"), procs, strict=True) if p.poll() is not None]
        if dead:
            name = dead[0][0]
            stop(h, log=lambda _m: None)
            raise ServerError(f"doccano {name} process exited during start-up; see {h / (name + '.log')}")
        time.sleep(0.3)
    stop(h, log=lambda _m: None)
    raise ServerError(f"doccano did not become healthy at {url} within {timeout:.0f} s; see {h}/web.log")


def stop(
    home: str | Path | None = None, *, timeout: float = 20.0, log: Callable[[str], None] = print
) -> bool:
    """End exactly the process groups ``start`` recorded; return False when nothing was running."""
    h = home_dir(home)
    state = read_state(h)
    if state is None:
        log("no doccano server recorded in " + str(h))
        return False
    ours = [p for p in state.pids if _alive(p, state.venv)]
    # SIGTERM to the two leaders (gunicorn's master and Celery's main process end their own children);
    # whatever is left of their process groups after ``timeout`` gets SIGKILL.
    for pid in ours:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_group_alive(p) for p in ours):
        time.sleep(0.2)
    for pid in ours:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it when this process started it (tests)
        if _group_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)  # each was started as its own session: pgid == pid
    (h / STATE_FILE).unlink(missing_ok=True)
    log(f"doccano at {state.url} stopped" if ours else "doccano was not running (stale state removed)")
    return bool(ours)


def _group_alive(pgid: int) -> bool:
    import psutil

    for proc in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                return True
        except (ProcessLookupError, psutil.NoSuchProcess, PermissionError):
            continue
    return False

"""Talking to a doccano server through doccano-client 1.2.8: connection settings, projects, upload, export.

Connection settings, first found wins: explicit arguments; ``$DOCCANO_URL``/``$DOCCANO_USERNAME``/
``$DOCCANO_PASSWORD``; a JSON config file (``$DOCCANO_CONFIG``, default ``<repo>/.doccano/client.json``:
``{"url": …, "username": …, "password": …}``); the local server started by ``pipeline doccano server start``
(its URL and admin credentials).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from doccano_client import DoccanoClient
from doccano_client.exceptions import DoccanoAPIError

from pipeline import LABELS
from pipeline.errors import PipelineError
from pipeline.io import loads_jsonl, read_json, write_jsonl
from pipeline.settings import PROJECT_ROOT

CONFIG_ENV = "DOCCANO_CONFIG"
DEFAULT_CONFIG = PROJECT_ROOT / ".doccano" / "client.json"
LABEL_COLOURS = {
    "ORG": "#1f77b4",
    "GPE": "#2ca02c",
    "LOC": "#8c564b",
    "MONEY": "#d62728",
    "QUANTITY": "#9467bd",
    "PERCENT": "#ff7f0e",
}
LABEL_KEYS = {"ORG": "o", "GPE": "g", "LOC": "l", "MONEY": "m", "QUANTITY": "q", "PERCENT": "p"}


class DoccanoError(PipelineError, RuntimeError):
    """A doccano operation failed; the message is one line saying what and why."""


@dataclass
class Connection:
    url: str
    username: str
    password: str


def connection_settings(
    url: str | None = None, username: str | None = None, password: str | None = None
) -> Connection:
    """Resolve URL and credentials (see the module docstring for the order)."""
    cfg: dict[str, str] = {}
    cfg_path = Path(os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
    if cfg_path.exists():
        cfg = read_json(cfg_path, "doccano client settings")
        if not isinstance(cfg, dict):
            raise DoccanoError(f"{cfg_path}: expected a JSON object with url, username, password")
    local_url = local_user = local_password = None
    if not (url or os.environ.get("DOCCANO_URL") or cfg.get("url")):
        from pipeline.doccano import server

        home = server.home_dir()
        state = server.read_state(home)
        if state is not None:
            local_url = state.url
            local_user, local_password = server.stored_credentials(home) or (None, None)
            if local_password is None and not (password or os.environ.get("DOCCANO_PASSWORD")):
                raise DoccanoError(
                    f"no admin password for the local doccano server at {local_url}: set "
                    "DOCCANO_ADMIN_PASSWORD to the one it was started with (or DOCCANO_USERNAME/DOCCANO_PASSWORD)"
                )
    resolved_url = url or os.environ.get("DOCCANO_URL") or cfg.get("url") or local_url
    if not resolved_url:
        raise DoccanoError(
            "no doccano server: set DOCCANO_URL (or --url), write "
            f"{cfg_path}, or start one with `pipeline doccano server start`"
        )
    user = (
        username
        or os.environ.get("DOCCANO_USERNAME")
        or cfg.get("username")
        or local_user
        or os.environ.get("DOCCANO_ADMIN_USERNAME")
    )
    pwd = (
        password
        or os.environ.get("DOCCANO_PASSWORD")
        or cfg.get("password")
        or local_password
        or os.environ.get("DOCCANO_ADMIN_PASSWORD")
    )
    if not user or not pwd:
        raise DoccanoError(f"no credentials for {resolved_url}: set DOCCANO_USERNAME and DOCCANO_PASSWORD")
    return Connection(resolved_url.rstrip("/"), user, pwd)


def api_error(exc: Exception, doing: str) -> DoccanoError:
    """Turn a requests / doccano-client exception into a one-line :class:`DoccanoError`."""
    if isinstance(exc, requests.ConnectionError):
        return DoccanoError(f"{doing}: cannot connect to the doccano server ({_short(exc)})")
    if isinstance(exc, requests.Timeout):
        return DoccanoError(f"{doing}: the doccano server timed out")
    if isinstance(exc, DoccanoAPIError):
        resp = getattr(exc, "response", None)
        code = getattr(resp, "status_code", "?")
        body = ""
        if resp is not None:
            try:
                body = json.dumps(resp.json(), ensure_ascii=False)
            except ValueError:
                body = (resp.text or "")[:200]
        return DoccanoError(f"{doing}: HTTP {code} {body}".strip())
    return DoccanoError(f"{doing}: {_short(exc)}")


@contextlib.contextmanager
def api_errors(doing: str) -> Iterator[None]:
    """Inside the block, a failure of the server or the API becomes a one-line :class:`DoccanoError`."""
    try:
        yield
    except PipelineError:
        raise
    except Exception as exc:
        raise api_error(exc, doing) from None


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


def connect(conn: Connection | None = None) -> DoccanoClient:
    """A logged-in client; raises :class:`DoccanoError` with a one-line reason."""
    conn = conn or connection_settings()
    client = DoccanoClient(conn.url)
    try:
        client.login(conn.username, conn.password)
    except (requests.RequestException, DoccanoAPIError) as exc:
        raise api_error(exc, f"logging in to {conn.url} as {conn.username}") from exc
    return client


def find_project(client: DoccanoClient, name: str) -> Any | None:
    """The project called ``name`` (None when absent)."""
    for project in client.list_projects():
        if project.name == name:
            return project
    return None


def ensure_project(
    client: DoccanoClient,
    name: str,
    *,
    guideline: str = "",
    collaborative: bool = True,
    labels: Iterable[str] = LABELS,
) -> tuple[Any, bool]:
    """Find or create the SequenceLabeling project with our labels; return (project, created?)."""
    project = find_project(client, name)
    created = project is None
    if project is None:
        project = client.create_project(
            name=name,
            project_type="SequenceLabeling",
            description=f"pipeline NER: {' '.join(labels)}",
            guideline=guideline or "See annotations/GUIDELINES.md.",
            collaborative_annotation=collaborative,
            allow_overlapping=False,
            grapheme_mode=True,
        )
    elif project.project_type.value != "SequenceLabeling":
        raise DoccanoError(f"project {name!r} exists but is a {project.project_type.value} project")
    existing = {lt.text for lt in client.list_label_types(project.id, "span")}
    for label in labels:
        if label not in existing:
            client.create_label_type(
                project.id,
                "span",
                label,
                color=LABEL_COLOURS.get(label, "#7f7f7f"),
                suffix_key=LABEL_KEYS.get(label),
            )
    return project, created


def example_doc_ids(client: DoccanoClient, project_id: int) -> dict[str, int]:
    """``doc_id`` meta → doccano example id for every example already in the project."""
    out: dict[str, int] = {}
    for example in client.list_examples(project_id):
        doc_id = (example.meta or {}).get("doc_id")
        if doc_id is not None:
            out[str(doc_id)] = example.id
    return out


def upload_rows(client: DoccanoClient, project_id: int, rows: list[dict[str, Any]]) -> list[str]:
    """Upload JSONL rows (``text``, ``label``, other keys → meta); return doccano's import errors.

    Every row must carry the same keys: doccano reads the file as a table, and a key missing from one row
    becomes NaN, which fails the whole batch (SQLite's ``JSON_VALID(meta)`` check).
    """
    if not rows:
        return []
    with tempfile.TemporaryDirectory(prefix="pipeline-doccano-") as tmp:
        path = Path(tmp) / "upload.jsonl"
        write_jsonl(path, rows)
        # client.upload() cannot pass the encoding, and doccano's default ("Auto", chardet) misreads short
        # Chinese files (e.g. as cp1252): call the two repositories it wraps with encoding="utf_8".
        upload_id = client._data_import_repository.upload(str(path))
        task_id = client._data_import_repository.ingest(
            project_id,
            [upload_id],
            "SequenceLabeling",
            "JSONL",
            column_data="text",
            column_label="label",
            encoding="utf_8",
        )
        status = client._task_status_repository.wait(task_id)
    errors: list[str] = []
    if status.error:
        errors.append(f"upload failed: {_describe(status.error)}")
    if isinstance(status.result, dict):
        errors += [_describe(e) for e in status.result.get("error") or []]
    return errors


def _describe(err: Any) -> str:
    if isinstance(err, dict):
        parts = [f"{k}={v}" for k, v in err.items()]
        return ", ".join(parts)
    return str(err)


def download_export(client: DoccanoClient, project_id: int, only_approved: bool) -> dict[str, list[dict]]:
    """Export as JSONL; return ``{annotator: [row, …]}`` (``"all"`` for collaborative projects)."""
    with tempfile.TemporaryDirectory(prefix="pipeline-doccano-") as tmp:
        zpath = client.download(project_id, "JSONL", only_approved=only_approved, dir_name=tmp)
        out: dict[str, list[dict]] = {}
        with zipfile.ZipFile(zpath) as zf:
            for name in zf.namelist():
                if not name.endswith(".jsonl"):
                    continue
                user = Path(name).stem
                out[user] = []
                for line in loads_jsonl(zf.read(name)):
                    if line.error or not isinstance(line.value, dict):
                        why = line.error or "not a JSON object"
                        raise DoccanoError(f"doccano export {name}:{line.number}: {why}")
                    out[user].append(line.value)
    return out

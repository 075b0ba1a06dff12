"""doccano adapter without a server: connection errors, settings, input reading, export checks, credentials."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.doccano import client as dc
from pipeline.doccano import server
from pipeline.doccano.pull import check_example
from pipeline.doccano.push import PushReport, read_push_docs, text_sha1
from pipeline.errors import PipelineError

DATA = Path(__file__).parent / "data" / "doccano"


@pytest.fixture()
def isolated(tmp_path, monkeypatch):
    """No doccano settings from the environment, config file or a local server."""
    for var in ("DOCCANO_URL", "DOCCANO_USERNAME", "DOCCANO_PASSWORD", "DOCCANO_ADMIN_PASSWORD"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DOCCANO_CONFIG", str(tmp_path / "client.json"))
    monkeypatch.setenv("DOCCANO_HOME", str(tmp_path / "home"))
    return tmp_path


def test_refused_connection_is_a_one_line_error(isolated, monkeypatch):
    port = server.free_port()  # nothing listens there
    env = {"DOCCANO_URL": f"http://127.0.0.1:{port}", "DOCCANO_USERNAME": "u", "DOCCANO_PASSWORD": "p"}
    result = CliRunner().invoke(
        app, ["doccano", "pull", "--project", "x", "-o", str(isolated / "out")], env=env
    )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        f"error: logging in to http://127.0.0.1:{port} as u: cannot connect to the doccano server"
    )
    assert not (isolated / "out").exists()


def test_missing_server_and_bad_config_are_explained(isolated):
    with pytest.raises(dc.DoccanoError, match="no doccano server: set DOCCANO_URL"):
        dc.connection_settings()
    (isolated / "client.json").write_text('{"url": "http://127.0.0.1:1", ', encoding="utf-8")
    with pytest.raises(PipelineError, match=r"client.json:1: invalid JSON"):
        dc.connection_settings()
    (isolated / "client.json").write_text(json.dumps({"url": "http://127.0.0.1:9/", "username": "ann"}))
    with pytest.raises(dc.DoccanoError, match=r"no credentials for http://127\.0\.0\.1:9"):
        dc.connection_settings()
    conn = dc.connection_settings(password="secret")
    assert (conn.url, conn.username, conn.password) == ("http://127.0.0.1:9", "ann", "secret")


def test_push_reading_rejects_bad_spans_and_gives_stable_ids(tmp_path):
    (tmp_path / "a.txt").write_text("柳州市工业总产值增长１０％。", encoding="utf-8")
    (tmp_path / "noid.jsonl").write_text(
        json.dumps({"text": "南宁市新增市场主体。"}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    report = PushReport("p")
    docs = read_push_docs([DATA / "bad.jsonl", DATA / "reports.jsonl", tmp_path], "gold", report=report)
    ids = [d.doc_id for d in docs]
    assert "a.txt" in ids and "good-one" in ids and "zh-fullwidth" in ids
    assert f"sha1-{text_sha1('南宁市新增市场主体。')[:16]}" in ids  # a line number would not be stable
    assert {line.split(": ")[1] for line in report.rejected} == {
        "bad-label",
        "bad-range",
        "bad-overlap",
        "bad-empty",
    }
    fw = next(d for d in docs if d.doc_id == "zh-fullwidth")
    assert fw.spans[-1] == (34, 40, "QUANTITY") and fw.text[34:40] == "１８００万吨"
    row = fw.row()
    assert set(row) == {"text", "label", "doc_id", "text_sha1", "source"}  # the same keys in every row
    # the same document twice in one push: the second is reported, not uploaded
    again = PushReport("p")
    assert len(read_push_docs([DATA / "reports.jsonl", DATA / "reports.jsonl"], "gold", report=again)) == 3


def test_exported_rows_are_checked_not_fixed():
    text = "𠀾柳钢集团产量１８００万吨。"
    good = {"id": 7, "text": text, "doc_id": "d", "text_sha1": text_sha1(text), "label": [[1, 5, "ORG"]]}
    doc, problems = check_example(good, None)
    assert problems == [] and doc.spans == [(1, 5, "ORG")] and doc.meta["doccano_id"] == 7
    edited = {**good, "text": text.replace("柳钢", "柳州钢铁")}
    assert "d: text was changed in doccano" in check_example(edited, None)[1][0]
    assert "first difference at character 2" in check_example(edited, {"d": text})[1][0]
    for spans, reason in (
        ([[1, 5, "COMPANY"]], "unknown label 'COMPANY'"),
        ([[1, 99, "ORG"]], "out of range"),
        ([[1, 5, "ORG"], [3, 7, "ORG"]], "overlap"),
    ):
        doc, problems = check_example({**good, "label": spans}, None)
        assert doc is None and reason in problems[0]
    assert "no doc_id" in check_example({"id": 3, "text": text, "label": []}, None)[1][0]


def test_admin_credentials_from_env_or_generated_privately(tmp_path, monkeypatch):
    monkeypatch.delenv("DOCCANO_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("DOCCANO_ADMIN_USERNAME", "boss")
    user, pwd, email = server.admin_credentials(tmp_path)
    assert user == "boss" and len(pwd) >= 16 and email == "boss@localhost"
    assert server.admin_credentials(tmp_path)[1] == pwd  # stable
    assert stat.S_IMODE(os.stat(tmp_path / "credentials.json").st_mode) == 0o600
    monkeypatch.setenv("DOCCANO_ADMIN_PASSWORD", "from-env")
    assert server.admin_credentials(tmp_path)[1] == "from-env"


def test_status_and_stop_without_a_server(isolated):
    result = CliRunner().invoke(app, ["doccano", "server", "status"])
    assert result.exit_code == 1 and result.stdout.strip() == "not running"
    assert server.stop(isolated / "home", log=lambda m: None) is False


@pytest.mark.slow
def test_model_pre_annotations_are_valid_spans():
    report = PushReport("p")
    docs = read_push_docs([DATA / "reports.jsonl"], "model", "rules", report=report)
    assert [d.doc_id for d in docs] == ["zh-emoji", "zh-fullwidth", "zh-loc"] and report.rejected == []
    spans = [(d.doc_id, *s) for d in docs for s in d.spans]
    assert spans, "the rule pipeline should find some numeric entities in these reports"
    assert all(isinstance(d.score, float) for d in docs)

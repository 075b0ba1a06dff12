"""Against a real doccano 1.8.4 server on a free loopback port: push, annotate through the API, pull, agreement.

The server's venv is created once (~2 min) and cached (``$PIPELINE_DOCCANO_VENV``); starting takes ~20 s.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.corpus.validate import validate_file
from pipeline.doccano import client as dc
from pipeline.doccano import server
from pipeline.doccano.pull import pull, read_originals
from pipeline.doccano.push import PushReport, push, read_push_docs

pytestmark = [pytest.mark.doccano, pytest.mark.slow]

DATA = Path(__file__).parent / "data" / "doccano"
REPORTS = DATA / "reports.jsonl"
ADMIN = ("admin", "admin-pass-for-tests-1")
ANNOTATORS = {"ann1": "ann1-pass-for-tests", "ann2": "ann2-pass-for-tests"}


@pytest.fixture(scope="session")
def doccano(tmp_path_factory):
    """A doccano server for the session (stopped at teardown) and a logged-in admin connection."""
    home = tmp_path_factory.mktemp("doccano-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("DOCCANO_ADMIN_USERNAME", ADMIN[0])
    mp.setenv("DOCCANO_ADMIN_PASSWORD", ADMIN[1])
    mp.setenv("DOCCANO_CONFIG", str(home / "no-client-config.json"))
    state = server.start(home=home, log=lambda m: print(m))
    try:
        conn = dc.Connection(state.url, *ADMIN)
        mp.setenv("DOCCANO_URL", state.url)
        mp.setenv("DOCCANO_USERNAME", ADMIN[0])
        mp.setenv("DOCCANO_PASSWORD", ADMIN[1])
        admin = dc.connect(conn)
        for user, pwd in ANNOTATORS.items():
            admin.create_user(user, pwd)
        yield state, conn
    finally:
        server.stop(home, log=lambda m: None)
        mp.undo()
        assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in state.pids)


def _login(state, user: str):
    return dc.connect(dc.Connection(state.url, user, ANNOTATORS[user]))


def _gold(path: Path) -> dict[str, list[tuple[int, int, str]]]:
    docs, errors = validate_file(path)
    assert errors == []
    return {d.id: sorted(d.spans) for d in docs}


def test_server_listens_on_loopback_only_and_is_healthy(doccano):
    state, _ = doccano
    listening = []
    for pid in state.pids:
        proc = psutil.Process(pid)
        for p in [proc, *proc.children(recursive=True)]:
            listening += [c.laddr for c in p.net_connections("inet") if c.status == psutil.CONN_LISTEN]
    assert listening, "the web server should listen somewhere"
    assert {a.ip for a in listening} == {"127.0.0.1"}
    assert {a.port for a in listening} == {state.port}
    assert server.status(state.home) == (state, True)


def test_push_annotate_pull_roundtrip(doccano, tmp_path):
    state, conn = doccano
    admin = dc.connect(conn)
    report = PushReport("roundtrip")
    docs = read_push_docs([REPORTS], "gold", report=report)
    push(admin, "roundtrip", docs, report, annotators=["ann1"])
    assert report.ok and report.created and sorted(report.uploaded) == ["zh-emoji", "zh-fullwidth", "zh-loc"]
    project = dc.find_project(admin, "roundtrip")
    assert project.grapheme_mode and project.collaborative_annotation
    assert {lt.text for lt in admin.list_label_types(project.id, "span")} == set(dc.LABEL_COLOURS)

    # the annotator sees the pre-annotations (collaborative project) and corrects them
    ann = _login(state, "ann1")
    ids = dc.example_doc_ids(ann, project.id)
    labels = {lt.text: lt.id for lt in ann.list_label_types(project.id, "span")}
    spans = {(s.start_offset, s.end_offset): s for s in ann.list_spans(project.id, ids["zh-fullwidth"])}
    assert set(spans) == {(0, 3), (10, 16), (23, 26), (28, 32), (34, 40)}
    ann.delete_span(project.id, ids["zh-fullwidth"], spans[(34, 40)].id)  # after 𠀾: 1800万吨
    ann.update_span(project.id, ids["zh-fullwidth"], spans[(28, 32)].id, start_offset=28, end_offset=30)
    loc = {(s.start_offset, s.end_offset): s for s in ann.list_spans(project.id, ids["zh-loc"])}
    ann.delete_span(project.id, ids["zh-loc"], loc[(15, 19)].id)
    ann.create_span(project.id, ids["zh-loc"], 15, 18, labels["LOC"])  # 北部湾 instead of 北部湾港
    ann.create_span(project.id, ids["zh-emoji"], 16, 20, labels["QUANTITY"])  # a new span after 😀
    for doc_id in ("zh-fullwidth", "zh-loc"):
        ann.update_example_state(project.id, ids[doc_id])

    result = pull(admin, "roundtrip", tmp_path / "all", originals=read_originals([REPORTS]))
    assert result.ok and result.excluded == []
    expected = {
        "zh-emoji": [
            (2, 5, "ORG"),
            (8, 15, "GPE"),
            (16, 20, "QUANTITY"),
            (27, 37, "MONEY"),
            (40, 44, "PERCENT"),
        ],
        "zh-fullwidth": [(0, 3, "GPE"), (10, 16, "MONEY"), (23, 26, "PERCENT"), (28, 30, "ORG")],
        "zh-loc": [(1, 7, "LOC"), (15, 18, "LOC"), (24, 27, "PERCENT")],
    }
    assert _gold(tmp_path / "all" / "merged.jsonl") == expected
    assert _gold(tmp_path / "all" / "all.jsonl") == expected
    texts = {json.loads(line)["id"]: json.loads(line)["text"] for line in REPORTS.read_text().splitlines()}
    merged = {d.id: d for d in validate_file(tmp_path / "all" / "merged.jsonl")[0]}
    assert merged["zh-fullwidth"].text[28:30] == "柳钢" and merged["zh-emoji"].text == texts["zh-emoji"]
    assert merged["zh-loc"].meta["confirmed"] is True and merged["zh-emoji"].meta["confirmed"] is False

    approved = pull(admin, "roundtrip", tmp_path / "approved", only_approved=True)
    assert approved.ok
    assert _gold(tmp_path / "approved" / "merged.jsonl") == {
        k: expected[k] for k in ("zh-fullwidth", "zh-loc")
    }

    # a second push adds nothing
    again = PushReport("roundtrip")
    push(admin, "roundtrip", read_push_docs([REPORTS], "gold", report=again), again)
    assert again.uploaded == [] and sorted(again.already_present) == sorted(expected)
    assert admin.count_examples(project.id) == 3


def test_bad_input_is_rejected_before_upload(doccano):
    _, conn = doccano
    admin = dc.connect(conn)
    report = PushReport("bad-input")
    docs = read_push_docs([DATA / "bad.jsonl"], "gold", report=report)
    push(admin, "bad-input", docs, report)
    assert report.uploaded == ["good-one"] and not report.upload_errors
    reasons = "\n".join(report.rejected)
    assert "bad-label: span [0, 3, 'CITY'] has unknown label 'CITY'" in reasons
    assert "bad-range: span [10, 40, PERCENT] is out of range (text has 15 characters)" in reasons
    assert "bad-overlap: spans [0, 2, GPE] '南宁' and [0, 3, GPE] '南宁市' overlap" in reasons
    assert "bad-empty: span [3, 3, GPE] has start >= end" in reasons
    project = dc.find_project(admin, "bad-input")
    assert set(dc.example_doc_ids(admin, project.id)) == {"good-one"}
    assert {lt.text for lt in admin.list_label_types(project.id, "span")} == set(dc.LABEL_COLOURS)


def test_changes_made_in_doccano_are_reported_on_pull(doccano, tmp_path):
    state, conn = doccano
    admin = dc.connect(conn)
    report = PushReport("edited")
    push(admin, "edited", read_push_docs([REPORTS], "gold", report=report), report, annotators=["ann1"])
    project = dc.find_project(admin, "edited")
    ann = _login(state, "ann1")
    ids = dc.example_doc_ids(ann, project.id)
    example = ann.find_example_by_id(project.id, ids["zh-fullwidth"])
    ann._example_repository.update(
        project.id, example.copy(update={"text": example.text.replace("柳州市", "柳州")})
    )
    city = admin.create_label_type(project.id, "span", "CITY", color="#000000")
    loc = {(s.start_offset, s.end_offset): s for s in ann.list_spans(project.id, ids["zh-loc"])}
    ann.update_span(project.id, ids["zh-loc"], loc[(15, 19)].id, label=city.id)

    for originals in (read_originals([REPORTS]), None):  # against the inputs, or the pushed text's sha1
        result = pull(admin, "edited", tmp_path, originals=originals)
        assert not result.ok
        excluded = "\n".join(result.excluded)
        assert "all: zh-fullwidth: text was changed in doccano" in excluded
        assert "all: zh-loc: span [15, 19, 'CITY'] has unknown label 'CITY'" in excluded
        assert set(_gold(tmp_path / "merged.jsonl")) == {"zh-emoji"}
        if originals is not None:
            assert (
                "first difference at character 2: '市工业总产值突破５０' -> '工业总产值突破５００'"
                in excluded
            )


def test_independent_annotators_pull_per_annotator_and_agreement(doccano, tmp_path):
    state, conn = doccano
    admin = dc.connect(conn)
    report = PushReport("double")
    docs = read_push_docs([REPORTS], "gold", report=report)
    push(admin, "double", docs, report, annotators=list(ANNOTATORS), independent=True)
    project = dc.find_project(admin, "double")
    assert not project.collaborative_annotation
    for user, extra in (("ann1", (34, 40, "QUANTITY")), ("ann2", (34, 38, "QUANTITY"))):
        ann = _login(state, user)
        ids = dc.example_doc_ids(ann, project.id)
        eid = ids["zh-fullwidth"]
        assert ann.list_spans(project.id, eid) == []  # no pre-annotations in independent mode
        labels = {lt.text: lt.id for lt in ann.list_label_types(project.id, "span")}
        for s, e, lab in [(0, 3, "GPE"), (28, 32, "ORG"), extra]:
            ann.create_span(project.id, eid, s, e, labels[lab])
        ann.update_example_state(project.id, eid)

    result = pull(admin, "double", tmp_path)
    assert result.ok, result.excluded
    assert set(result.written) == {"ann1.jsonl", "ann2.jsonl", "merged.jsonl", "disagreements.jsonl"}
    assert _gold(tmp_path / "merged.jsonl") == {"zh-fullwidth": [(0, 3, "GPE"), (28, 32, "ORG")]}

    runner = CliRunner()
    out = runner.invoke(
        app,
        ["agreement", str(tmp_path / "ann1.jsonl"), str(tmp_path / "ann2.jsonl"), "--json"],
    )
    assert out.exit_code == 0, out.output
    (pair,) = json.loads(out.stdout)
    assert (pair["micro"]["tp"], pair["micro"]["fp"], pair["micro"]["fn"]) == (2, 1, 1)
    assert pair["QUANTITY"]["f"] == 0.0 and pair["GPE"]["f"] == 1.0


def test_cli_push_and_pull(doccano, tmp_path):
    state, _ = doccano
    runner = CliRunner()
    env = {"DOCCANO_URL": state.url, "DOCCANO_USERNAME": ADMIN[0], "DOCCANO_PASSWORD": ADMIN[1]}
    args = [
        "doccano",
        "push",
        str(REPORTS),
        str(DATA / "bad.jsonl"),
        "--project",
        "cli",
        "--pre-annotations",
        "gold",
    ]
    first = runner.invoke(app, args, env=env)
    assert first.exit_code == 1  # the bad documents are reported
    assert "rejected " in first.stderr and "unknown label 'CITY'" in first.stderr
    assert "4 uploaded" in first.stdout
    second = runner.invoke(app, [*args[:3], "--project", "cli", "--pre-annotations", "gold"], env=env)
    assert second.exit_code == 0 and "0 uploaded, 3 already present" in second.stdout
    pulled = runner.invoke(
        app, ["doccano", "pull", "--project", "cli", "-o", str(tmp_path), "--original", str(REPORTS)], env=env
    )
    assert pulled.exit_code == 0, pulled.output
    assert set(_gold(tmp_path / "merged.jsonl")) == {"zh-emoji", "zh-fullwidth", "zh-loc", "good-one"}
    assert os.path.exists(tmp_path / "all.jsonl")


def test_server_home_and_database_are_private(doccano):
    state, _ = doccano
    home = Path(state.home)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("db.sqlite3", "secret_key", "server.json"):
        assert stat.S_IMODE((home / name).stat().st_mode) & 0o077 == 0, name


def test_line_separators_in_texts_survive_push_and_pull(doccano, tmp_path):
    state, _ = doccano
    gold = Path(__file__).parent / "data" / "bad_inputs" / "gold_line_separators" / "other.jsonl"
    env = {"DOCCANO_URL": state.url, "DOCCANO_USERNAME": ADMIN[0], "DOCCANO_PASSWORD": ADMIN[1]}
    runner = CliRunner()
    pushed = runner.invoke(
        app, ["doccano", "push", str(gold), "-p", "separators", "--pre-annotations", "gold"], env=env
    )
    assert pushed.exit_code == 0, pushed.output
    pulled = runner.invoke(
        app, ["doccano", "pull", "-p", "separators", "-o", str(tmp_path), "--original", str(gold)], env=env
    )
    assert pulled.exit_code == 0, pulled.output
    assert _gold(tmp_path / "merged.jsonl") == _gold(gold)
    [original], [back] = validate_file(gold)[0], validate_file(tmp_path / "merged.jsonl")[0]
    assert back.text == original.text and "\u2028" in back.text and "\x85" in back.text


# documents whose model/rule disagreement is known: (id, text, model spans, rule spans), 8 characters each
ORDER_DOCS = [
    ("q-agree", "北京市增长5%。", ["北京市", "5%"], ["北京市", "5%"]),  # 0
    ("q-boundary", "广州市增长7%。", ["广州", "7%"], ["广州市", "7%"]),  # 1/8: 市
    ("q-missed", "上海市增长6%。", ["6%"], ["上海市", "6%"]),  # 3/8: 上海市
    ("q-nothing", "天津市增长9%。", [], ["天津市", "9%"]),  # 5/8
    ("q-tie", "重庆市增长3%。", ["3%"], ["重庆市", "3%"]),  # 3/8, after q-missed (input order)
]
EXPECTED_ORDER = ["q-nothing", "q-missed", "q-tie", "q-boundary", "q-agree"]


def _order_pipeline():
    """A real spaCy pipeline whose 'statistical' entities and rule candidates are fixed by patterns."""
    import spacy

    from pipeline.spans import MODEL_KEY, NUMERIC_KEY, PLACES_KEY

    def label(surface: str) -> str:
        return "PERCENT" if surface.endswith("%") else "GPE"

    nlp = spacy.blank("zh")  # one token per character
    model = {s for _, _, spans, _ in ORDER_DOCS for s in spans}
    rules = {s for _, _, _, spans in ORDER_DOCS for s in spans}
    ner = nlp.add_pipe("span_ruler", name="ner", config={"spans_key": MODEL_KEY, "annotate_ents": True})
    ner.add_patterns([{"label": label(s), "pattern": s} for s in sorted(model)])
    for key, name, wanted in ((PLACES_KEY, "places", "GPE"), (NUMERIC_KEY, "numeric", "PERCENT")):
        ruler = nlp.add_pipe("span_ruler", name=name, config={"spans_key": key})
        ruler.add_patterns([{"label": wanted, "pattern": s} for s in sorted(rules) if label(s) == wanted])
    return nlp


def test_order_uncertainty_uploads_the_most_disputed_documents_first(doccano, tmp_path):
    _, conn = doccano
    admin = dc.connect(conn)
    src = tmp_path / "order.jsonl"
    src.write_text(
        "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t, _, _ in ORDER_DOCS)
    )
    report = PushReport("active-learning")
    docs = read_push_docs([src], "model", _order_pipeline(), report=report)
    scores = {d.doc_id: round(d.score * 8) for d in docs}
    assert scores == {"q-agree": 0, "q-boundary": 1, "q-missed": 3, "q-nothing": 5, "q-tie": 3}
    push(admin, "active-learning", docs, report, order="uncertainty")
    assert report.ok and report.warnings == []
    project = dc.find_project(admin, "active-learning")
    examples = sorted(admin.list_examples(project.id), key=lambda e: e.id)  # ids follow the upload order
    assert [e.meta["doc_id"] for e in examples] == EXPECTED_ORDER
    spans = {(s.start_offset, s.end_offset) for s in admin.list_spans(project.id, examples[-2].id)}
    assert spans == {(0, 2), (5, 7)}  # q-boundary keeps the model's pre-annotations


def test_cli_push_order_uncertainty_with_the_rules(doccano, tmp_path):
    state, _ = doccano
    env = {"DOCCANO_URL": state.url, "DOCCANO_USERNAME": ADMIN[0], "DOCCANO_PASSWORD": ADMIN[1]}
    args = ["doccano", "push", str(REPORTS), "-p", "rules-order", "-m", "rules", "--order", "uncertainty"]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert "3 uploaded" in result.stdout and "--order uncertainty" not in result.stderr

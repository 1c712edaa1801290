"""Accepting entries end to end: CLI and HTTP, on a copy of the bundled graph folder.

Every test works in a temporary R2PKG_HOME holding a copy of ontology/, data/ and
queries/, so the repository's data/ is never written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rdflib import URIRef

from r2pkg.editing.accepted import Ledger
from r2pkg.editing.entries import read_entries
from r2pkg.store import open_store, project_root
from r2pkg.web import create_app

sys.path.insert(0, str(Path(__file__).parent))
from test_validation import SHAPES, _filled_template  # noqa: E402
from pausing import kill_when_paused

CASE = "https://w3id.org/r2pkg/id/case/"
TOKEN = "s3cret-editor-token-7f"
#: end to end: each test copies the graph into a home of its own, most start processes
pytestmark = pytest.mark.slow


@pytest.fixture()
def home(tmp_path, monkeypatch) -> Path:
    """A copy of the graph folder, made the project root for this test."""
    root = tmp_path / "home"
    root.mkdir()
    for name in ("ontology", "data", "queries"):
        shutil.copytree(project_root() / name, root / name)
    monkeypatch.setenv("R2PKG_HOME", str(root))
    return root


def entry_file(tmp_path: Path, slug: str) -> Path:
    path = tmp_path / f"{slug}.ttl"
    path.write_text(_filled_template(slug))
    return path


def entries_on_disk(root: Path) -> list[Path]:
    folder = root / "data" / "entries"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def run_cli(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "r2pkg", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120, **kwargs)


# -- the command line --------------------------------------------------------------------


def test_cli_rejects_an_invalid_entry_and_writes_nothing(home):
    before = sorted(p.relative_to(home) for p in home.rglob("*") if ".staging" not in p.parts)
    result = run_cli("add", str(SHAPES / "invalid-provenance-crime-without-claim.ttl"), "--editor", "Ana")
    assert result.returncode == 1, result.stderr
    assert "line 24, concerns crime" in result.stdout
    assert "nothing was added" in result.stderr
    after = sorted(p.relative_to(home) for p in home.rglob("*") if ".staging" not in p.parts)
    assert after == before


def test_cli_unreadable_entry_exits_2(home, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix r2p: <https://w3id.org/r2pkg/ontology#> .\n<x> r2p:a \"open\n")
    result = run_cli("add", str(bad))
    assert result.returncode == 2
    assert "line 2" in result.stderr
    assert entries_on_disk(home) == []


def test_cli_adds_a_valid_entry_as_reviewable_files_with_a_checksum(home, tmp_path):
    result = run_cli("add", str(entry_file(tmp_path, "testland-2019")), "--editor", "Ana Editor",
                     "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    body = json.loads(result.stdout)
    assert body["location"] == "/id/case/testland-2019"
    (folder,) = entries_on_disk(home)
    entry = (folder / "entry.ttl").read_bytes()
    assert hashlib.sha256(entry).hexdigest() == body["sha256"]
    change = (folder / "change.ttl").read_text()
    assert body["sha256"] in change and "Ana Editor" in change and "prov:endedAtTime" in change
    assert b"Testland, civil war (2019)" in entry
    store = open_store("oxigraph")  # a restart: the graph read from the files again
    assert store.exists(URIRef(CASE + "testland-2019"))


# -- HTTP ----------------------------------------------------------------------------------


def make_app(token: str | None = TOKEN):
    config = {"TESTING": True, "QUERY_TIMEOUT": 10.0, "STORE": "oxigraph"}
    if token:
        config["EDITOR_TOKEN"] = token
    return create_app(config)


def test_without_a_token_configured_there_is_no_write_route(home, tmp_path):
    client = make_app(token=None).test_client()
    response = client.post("/entries", data=entry_file(tmp_path, "testland-2019").read_bytes(),
                           headers={"Content-Type": "text/turtle", "Authorization": "Bearer x"})
    assert response.status_code in (404, 405)
    assert entries_on_disk(home) == []


def test_a_wrong_token_is_401_and_logged_without_its_value(home, tmp_path, caplog):
    client = make_app().test_client()
    with caplog.at_level(logging.WARNING):
        response = client.post("/entries", data=entry_file(tmp_path, "testland-2019").read_bytes(),
                               headers={"Content-Type": "text/turtle", "Authorization": "Bearer wrong-guess-123"})
    assert response.status_code == 401
    assert "refused" in caplog.text
    assert "wrong-guess-123" not in caplog.text and TOKEN not in caplog.text
    assert client.post("/entries", data=b"", headers={"Content-Type": "text/turtle"}).status_code == 401
    assert entries_on_disk(home) == []


def test_http_invalid_is_422_and_nothing_changes(home):
    app = make_app()
    store = app.extensions["r2pkg"]
    before = store.triple_count(), store.version
    response = app.test_client().post(
        "/entries", data=(SHAPES / "invalid-identity-reused-iri.ttl").read_bytes(),
        headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 422
    report = response.get_json()
    assert report["conforms"] is False
    assert report["findings"][0]["line"] == 22 and report["findings"][0]["fix"]
    assert (store.triple_count(), store.version) == before
    assert entries_on_disk(home) == []


def test_http_valid_is_201_then_served_queried_logged_and_kept_after_a_restart(home, tmp_path):
    app = make_app()
    client = app.test_client()
    assert client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"}).status_code == 200  # fork workers now
    response = client.post("/entries", data=entry_file(tmp_path, "testland-2019").read_bytes(),
                           headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}",
                                    "X-Editor": "Ana Editor"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Location"] == "/id/case/testland-2019"
    assert "Testland, civil war (2019)" in client.get("/id/case/testland-2019").get_data(as_text=True)
    ask = {"query": f"ASK {{ <{CASE}testland-2019> ?p ?o }}"}
    assert client.post("/sparql", data=ask, headers={"Accept": "application/sparql-results+json"}).get_json()["boolean"]
    changes = client.get("/changes", headers={"Accept": "application/json"}).get_json()["changes"]
    assert changes[0]["editor"] == "Ana Editor"
    assert changes[0]["added"][0]["iri"] == CASE + "testland-2019"
    atom = client.get("/changes")
    assert atom.mimetype == "application/atom+xml"
    assert "Testland, civil war (2019)" in atom.get_data(as_text=True) and "<author><name>Ana Editor" in atom.get_data(as_text=True)

    restarted = make_app().test_client()
    assert restarted.get("/id/case/testland-2019").status_code == 200
    assert restarted.get("/changes?format=json").get_json()["changes"][0]["id"] == changes[0]["id"]


def test_changes_are_newest_first(home, tmp_path):
    ledger = Ledger(open_store("memory"))
    assert ledger.accept(read_entries([entry_file(tmp_path, "testland-2017")]), "Ana").accepted
    time.sleep(1.1)  # the log's times are to the second
    assert ledger.accept(read_entries([entry_file(tmp_path, "testland-2018")]), "Ana").accepted
    from r2pkg.editing.accepted import changes

    ids = [c["added"][0]["iri"] for c in changes(ledger.store)]
    assert ids[:2] == [CASE + "testland-2018", CASE + "testland-2017"]


# -- all or nothing ------------------------------------------------------------------------


def test_concurrent_accepts_in_threads_each_write_one_whole_entry(home, tmp_path):
    ledger = Ledger(open_store("oxigraph"))
    slugs = [f"testland-{year}" for year in range(2010, 2014)]
    entries = [read_entries([entry_file(tmp_path, s)]) for s in slugs]
    same = [read_entries([entry_file(tmp_path, "testland-2015")]) for _ in range(2)]
    results: list = []

    def accept(entry):
        results.append(ledger.accept(entry, "Ana"))

    threads = [threading.Thread(target=accept, args=(e,)) for e in entries + same]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    accepted = [r.accepted for r in results if r.accepted and not r.accepted.repeated]
    assert len(accepted) == 5  # four distinct cases, and only one of the two identical entries
    (repeat,) = [r.accepted for r in results if r.accepted and r.accepted.repeated]
    assert repeat.id in {a.id for a in accepted}  # the other one is told it is already accepted
    assert len(entries_on_disk(home)) == 5
    for folder in entries_on_disk(home):
        assert {p.name for p in folder.iterdir()} == {"entry.ttl", "change.ttl"}
    fresh = open_store("memory")
    for slug in slugs + ["testland-2015"]:
        assert fresh.exists(URIRef(CASE + slug))


def test_concurrent_accepts_in_processes_admit_one_of_two_identical_entries(home, tmp_path):
    path = entry_file(tmp_path, "testland-2016")
    procs = [subprocess.Popen([sys.executable, "-m", "r2pkg", "add", str(path)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert sorted(p.returncode for p in procs) == [0, 0]
    (folder,) = entries_on_disk(home)
    assert sum("already accepted as " + folder.name in out for out in outputs) == 1, outputs


@pytest.mark.parametrize("step, kept", [("staged", False), ("written", True)])
def test_a_killed_accept_leaves_the_whole_entry_or_none(home, tmp_path, step, kept):
    path = entry_file(tmp_path, "testland-2019")
    kill_when_paused(["-m", "r2pkg", "add", str(path)], step)
    store = open_store("memory")  # a restart
    assert store.exists(URIRef(CASE + "testland-2019")) is kept
    folders = entries_on_disk(home)
    assert len(folders) == int(kept)
    if kept:
        record = (folders[0] / "change.ttl").read_text()
        assert hashlib.sha256((folders[0] / "entry.ttl").read_bytes()).hexdigest() in record
    # the next accept clears what the killed one left in staging and succeeds
    again = run_cli("add", str(entry_file(tmp_path, "testland-2018")))
    assert again.returncode == 0, again.stdout + again.stderr
    assert [p for p in (home / ".staging").iterdir() if p.is_dir()] == []


def test_a_full_disk_leaves_nothing(home, tmp_path, monkeypatch):
    import r2pkg.editing.accepted as accepted

    ledger = Ledger(open_store("memory"))
    before = ledger.store.triple_count()
    calls = {"n": 0}
    real = accepted._write_synced

    def full(path, data):
        calls["n"] += 1
        if calls["n"] == 2:  # the change record: the entry file is already written
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(accepted, "_write_synced", full)
    from r2pkg.errors import InputError

    with pytest.raises(InputError) as caught:
        ledger.accept(read_entries([entry_file(tmp_path, "testland-2019")]), "Ana")
    assert "nothing was added" in caught.value.message
    assert entries_on_disk(home) == []
    assert [p for p in (home / ".staging").iterdir() if p.is_dir()] == []
    assert ledger.store.triple_count() == before


def test_an_entry_may_extend_a_node_only_by_saying_so(home):
    ledger = Ledger(open_store("memory"))
    outcome = ledger.accept(read_entries([SHAPES / "valid-extends-existing-case.ttl"]), "Ana")
    assert outcome.accepted, outcome.report.as_text()
    (folder,) = entries_on_disk(home)
    text = (folder / "entry.ttl").read_text()
    assert "extendsExisting" not in text.split("\n\n", 1)[1]  # the marker is not stored
    assert "Adds to the existing node <https://w3id.org/r2pkg/id/case/rwanda-1994>" in text
    rwanda = URIRef(CASE + "rwanda-1994")
    from r2pkg.namespaces import R2P

    assert (rwanda, R2P.hasResponse, URIRef("https://w3id.org/r2pkg/id/response/rwanda-1994-test-good-offices")) \
        in ledger.store.graph
    assert (rwanda, R2P.extendsExisting, None) not in ledger.store.graph


def test_retiring_the_query_workers_makes_the_next_task_see_a_write():
    """Forked workers hold the graph as it was when they were forked; retire() renews them."""
    from r2pkg.isolation import Isolator

    state = {"entries": ["first"]}
    pool = Isolator(slots=2, context=state)
    try:
        pool.warm(1)
        assert pool.call(_entries, timeout=10) == ["first"]
        state["entries"].append("second")  # a write in the server process
        assert pool.call(_entries, timeout=10) == ["first"]  # the old worker's copy
        pool.retire()
        assert pool.call(_entries, timeout=10) == ["first", "second"]
    finally:
        pool.close()


def _entries(context):
    return list(context["entries"])


@pytest.mark.server
def test_an_entry_accepted_on_an_external_store_goes_into_it_through_the_graph_store_protocol(home, tmp_path):
    """An Oxigraph server on loopback holds the graph; the entry is written to files and to it."""
    from click.testing import CliRunner
    from test_remote_store import free_port, oxigraph_binary

    from r2pkg.cli import main

    port = free_port()
    location = tmp_path / "oxigraph"
    location.mkdir()
    with open(tmp_path / "oxigraph.log", "wb") as sink:
        server = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(location), "--bind",
                                   f"127.0.0.1:{port}"], stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                assert time.monotonic() < deadline, "the Oxigraph server did not start"
                time.sleep(0.1)
        loaded = CliRunner().invoke(main, ["load", "--store", f"{base}/store", "--batch", "5000"])
        assert loaded.exit_code == 0, loaded.output
        remote = open_store(f"{base}/query")
        outcome = Ledger(remote, root=home).accept(read_entries([entry_file(tmp_path, "testland-2019")]), "Ana")
        assert outcome.accepted, outcome.report.as_text()
        assert len(entries_on_disk(home)) == 1
        again = open_store(f"{base}/query")  # another reader of the same server sees the entry
        assert again.exists(URIRef(CASE + "testland-2019"))
        from r2pkg.editing.accepted import changes

        assert changes(again)[0]["added"][0]["iri"] == CASE + "testland-2019"
    finally:
        server.terminate()
        server.wait(10)

"""The change log beyond editors' entries: the project's own corrections of the bundled data
(``r2pkg correct NODE FILE --bundled``, recorded in ``data/corrections/``), and an on-disk
Oxigraph store that applies each change as it is made instead of loading everything again.

Every test works in a temporary R2PKG_HOME (a copy of ontology/, data/ and queries/), so
the repository's data/ is never written; the correction is made to that copy only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import RDFS

from r2pkg.editing.accepted import Ledger, changes
from r2pkg.editing.entries import read_entries
from r2pkg.store import change_log, corrections_folder, open_store, project_root
from r2pkg.versions import version

sys.path.insert(0, str(Path(__file__).parent))
from test_accept import entry_file, home, make_app, run_cli  # noqa: E402,F401,F811
from test_corrections import CASE, corrected_file, signature  # noqa: E402
from pausing import kill_when_paused

#: A bundled node whose own description validates as an entry (a lesson with one citation).
LESSON = URIRef("https://w3id.org/r2pkg/id/lesson/algeria-french-violations-1")
OLD = "must be willing"
NEW = "must be ready"

pytestmark = pytest.mark.slow


def labels(store) -> list[str]:
    return [str(v) for v in store.objects(LESSON, RDFS.label)]


def corrected_lesson(tmp_path: Path) -> Path:
    """The lesson as the bundled data states it, with one word of its label changed (a test
    copy: the real data is not corrected here)."""
    ledger = Ledger(open_store("oxigraph"))
    text = ledger._bundled_description(LESSON, ledger._entry_statements(LESSON)).serialize(format="turtle")
    assert OLD in text
    path = tmp_path / "lesson.ttl"
    path.write_text(text.replace(OLD, NEW))
    return path


def test_the_project_corrects_the_bundled_data_through_the_same_log(home, tmp_path):  # noqa: F811
    bundled = home / "data" / "cases" / "algeria-french-violations.ttl"
    released = bundled.read_bytes()
    before = version(change_log())
    result = run_cli("correct", "lesson:algeria-french-violations-1", str(corrected_lesson(tmp_path)), "--bundled",
                     "--editor", "r2pkg project", "--reason", "the label misquotes the speaker", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    done = json.loads(result.stdout)
    # recorded in the tracked folder, with the superseded statements; the bundled file as released
    folder = corrections_folder(home) / done["id"]
    assert sorted(p.name for p in folder.iterdir()) == ["change.ttl", "entry.ttl", "superseded.ttl"]
    assert OLD in (folder / "superseded.ttl").read_text() and NEW in (folder / "entry.ttl").read_text()
    assert bundled.read_bytes() == released
    assert not (home / "data" / "entries").exists()
    # served: the new statement only, and the change in /changes with who, why and what it superseded
    store = open_store("oxigraph")
    assert [NEW in label for label in labels(store)] == [True]
    listed = changes(store)[0]
    assert (listed["id"], listed["editor"], listed["reason"]) == (done["id"], "r2pkg project",
                                                                   "the label misquotes the speaker")
    assert listed["supersedes_bundled"].endswith(f"data/corrections/{done['id']}/superseded.ttl")
    assert listed["replaces"] is None
    client = make_app().test_client()
    assert "corrected the bundled data about" in client.get("/changes").get_data(as_text=True)
    page = client.get("/id/lesson/algeria-french-violations-1")
    heading = page.get_data(as_text=True).split("<h1", 1)[1].split("</h1>", 1)[0]
    assert NEW in heading and OLD not in heading  # (a claim about the lesson quotes the old wording in its own label)
    assert page.headers["R2pkg-Graph-Version"] == version(change_log()) != before
    # as of before it: the released statement; replayed from nothing in another store: the same graph
    earlier = open_store("oxigraph", as_of=before)
    assert [OLD in label for label in labels(earlier)] == [True]
    assert signature(open_store("memory")) == signature(store)
    # an editor's entry accepted later, then an on-disk store built from the files: the same again
    ledger = Ledger(store)
    assert ledger.accept(read_entries([entry_file(tmp_path, "testland-2019")]), "Ana").accepted
    on_disk = open_store(f"oxigraph:{tmp_path / 'db'}")
    assert on_disk.reloaded and signature(on_disk) == signature(store)
    on_disk.close()


def test_a_bundled_correction_that_does_not_conform_changes_nothing(home, tmp_path):  # noqa: F811
    bad = tmp_path / "bad.ttl"
    bad.write_text(corrected_lesson(tmp_path).read_text().replace("r2p:HeldByOneSpeaker", "r2p:NoSuchBreadth"))
    store = open_store("oxigraph")
    before = signature(store)
    outcome = Ledger(store).correct_bundled("lesson:algeria-french-violations-1", read_entries([bad]), "p", "why")
    assert outcome.accepted is None and not outcome.report.conforms
    assert signature(store) == before
    assert not corrections_folder(home).exists()
    refused = run_cli("correct", "lesson:algeria-french-violations-1", str(corrected_lesson(tmp_path)), "--bundled")
    assert refused.returncode == 2 and "needs a reason" in refused.stderr


def test_an_on_disk_store_applies_each_change_and_reopens_without_a_reload(home, tmp_path):  # noqa: F811
    db = tmp_path / "db"
    spec = f"--store=oxigraph:{db}"
    added = run_cli("add", str(entry_file(tmp_path, "testland-2019")), "--editor", "Ana", "--format", "json", spec)
    assert added.returncode == 0, added.stderr
    entry_id = json.loads(added.stdout)["id"]
    fixed = run_cli("correct", entry_id, str(corrected_file(tmp_path)), "--reason", "start year", "--format",
                    "json", spec)
    assert fixed.returncode == 0, fixed.stderr
    assert "loaded the Oxigraph database" not in fixed.stderr  # opened as it was, the accept already in it
    withdrawn = run_cli("retract", json.loads(fixed.stdout)["id"], "--reason", "duplicate", spec)
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert "loaded the Oxigraph database" not in withdrawn.stderr
    manifest = json.loads((db / "manifest.json").read_text())
    assert "dirty" not in manifest and all("/entries/" not in f[0] for f in manifest["files"])
    reopened = open_store(f"oxigraph:{db}")  # this process: opened as it is, the same graph as the files
    assert not reopened.reloaded
    assert not reopened.exists(CASE)
    assert signature(reopened) == signature(open_store("oxigraph"))
    reopened.close()


def test_an_on_disk_store_takes_in_changes_another_store_wrote(home, tmp_path):  # noqa: F811
    db = f"oxigraph:{tmp_path / 'db'}"
    open_store(db).close()  # built once
    added = run_cli("add", str(entry_file(tmp_path, "testland-2019")), "--editor", "Ana")  # the default store
    assert added.returncode == 0, added.stderr
    reopened = open_store(db)
    assert not reopened.reloaded and reopened.exists(CASE)
    assert signature(reopened) == signature(open_store("oxigraph"))
    reopened.close()


def test_an_as_of_query_has_the_same_time_limit_as_every_other(home):  # noqa: F811
    import time

    from r2pkg.web import create_app
    from test_safety import PATHOLOGICAL

    app = create_app({"TESTING": True, "QUERY_TIMEOUT": 2.0, "STORE": "oxigraph"})
    client = app.test_client()
    as_of = version(change_list := change_log(), len(change_list))
    started = time.monotonic()
    slow = client.get("/sparql", query_string={"query": PATHOLOGICAL, "as-of": as_of})
    elapsed = time.monotonic() - started
    assert slow.status_code == 503, slow.get_data(as_text=True)
    assert "timed out" in slow.get_json()["error"]["message"]
    assert elapsed < 8
    plain = client.get("/sparql", query_string={"query": PATHOLOGICAL})  # the same error as without as-of
    assert plain.status_code == 503 and plain.get_json()["error"]["message"] == slow.get_json()["error"]["message"]
    ok = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", "as-of": as_of})
    assert ok.status_code == 200 and ok.get_json()["boolean"] is True
    assert ok.headers["R2pkg-Graph-Version"] == as_of


@pytest.mark.parametrize("step", ["staged", "written"])
def test_a_correction_killed_half_way_through_an_on_disk_store_leaves_it_rebuilt_whole(home, tmp_path, step):  # noqa: F811
    import os
    import signal
    import subprocess
    import time

    db = tmp_path / "db"
    added = run_cli("add", str(entry_file(tmp_path, "testland-2019")), "--format", "json", f"--store=oxigraph:{db}")
    assert added.returncode == 0, added.stderr
    entry_id = json.loads(added.stdout)["id"]
    kill_when_paused(["-m", "r2pkg", "correct", entry_id, str(corrected_file(tmp_path)), f"--store=oxigraph:{db}"],
                     step)
    assert json.loads((db / "manifest.json").read_text()).get("dirty") is True  # the old version taken out
    reopened = open_store(f"oxigraph:{db}")
    assert reopened.reloaded  # a half-made change is never trusted: rebuilt from the files and the log
    assert signature(reopened) == signature(open_store("oxigraph"))
    years = [str(y) for y in reopened.objects(CASE, URIRef("https://w3id.org/r2pkg/ontology#startDate"))]
    assert years == (["2019"] if step == "staged" else ["2017"])
    reopened.close()


def test_what_an_editors_entry_adds_to_a_bundled_node_outlives_its_correction(home, tmp_path):  # noqa: F811
    from rdflib import Literal

    extension = tmp_path / "extension.ttl"
    extension.write_text(
        "@prefix r2p: <https://w3id.org/r2pkg/ontology#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix lesson: <https://w3id.org/r2pkg/id/lesson/> .\n"
        "lesson:algeria-french-violations-1 r2p:extendsExisting true ;\n"
        '    rdfs:comment "Said at the Tarrytown conference by one participant."@en .\n')
    comment = (LESSON, RDFS.comment, Literal("Said at the Tarrytown conference by one participant.", lang="en"))
    store = open_store("oxigraph")
    ledger = Ledger(store)
    assert ledger.accept(read_entries([extension]), "Ana").accepted
    fixed = corrected_lesson(tmp_path)
    assert "Tarrytown conference by one participant" not in fixed.read_text()  # the bundled statements only
    done = ledger.correct_bundled("lesson:algeria-french-violations-1", read_entries([fixed]), "p", "wording").accepted
    assert done is not None
    assert "Tarrytown conference by one participant" not in done.superseded.read_text()
    assert comment in store and [NEW in label for label in labels(store)] == [True]
    replayed = open_store("memory")
    assert comment in replayed and signature(replayed) == signature(store)

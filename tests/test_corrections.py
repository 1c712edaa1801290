"""The graph as an editorial record: corrections, retractions, versions, answers as of a
date, and the change log replayed from nothing (issue 24's "Done when").

Every test works in a temporary R2PKG_HOME (a copy of ontology/, data/ and queries/), so
the repository's data/ is never written.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from r2pkg.editing.accepted import Ledger, changes
from r2pkg.editing.entries import read_entries
from r2pkg.errors import InputError
from r2pkg.namespaces import R2P
from r2pkg.store import entries_folder, open_store
from r2pkg.versions import live, position, read_log, version

sys.path.insert(0, str(Path(__file__).parent))
from test_accept import TOKEN, entries_on_disk, entry_file, home, make_app, run_cli  # noqa: E402,F401,F811
from pausing import kill_when_paused

CASE = URIRef("https://w3id.org/r2pkg/id/case/testland-2019")
START_ASK = f"PREFIX r2p: <https://w3id.org/r2pkg/ontology#> SELECT ?y WHERE {{ <{CASE}> r2p:startDate ?y }}"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/turtle"}


def corrected_file(tmp_path: Path, year: str = "2017") -> Path:
    """The test entry with another start year (the first gYear of the template is the start)."""
    text = entry_file(tmp_path, "testland-2019").read_text()
    path = tmp_path / f"testland-2019-corrected-{year}.ttl"
    path.write_text(text.replace('"2019"^^xsd:gYear', f'"{year}"^^xsd:gYear', 1))
    return path


def signature(store) -> tuple[set, Counter]:
    """A store's triples in a form a reload keeps: ground triples as they are, each blank node
    as (its parent, the field, its own ground fields) (blank nodes get new names on a reload)."""

    def plain(term):
        return Literal(str(term)) if isinstance(term, Literal) and term.datatype == XSD.string else term

    triples = list(store.triples((None, None, None)))
    own: dict = {}
    for s, p, o in triples:
        if isinstance(s, BNode):
            own.setdefault(s, set()).add((p, "_:" if isinstance(o, BNode) else plain(o)))
    ground, blanks = set(), Counter()
    for s, p, o in triples:
        if isinstance(s, BNode):
            continue
        if isinstance(o, BNode):
            blanks[(s, p, frozenset(own.get(o, ())))] += 1
        else:
            ground.add((s, p, plain(o)))
    return ground, blanks


def start_years(client, **params) -> list[str]:
    url = "/sparql" + (f"?as-of={params['as_of']}" if params else "")
    response = client.post(url, data={"query": START_ASK},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [b["y"]["value"] for b in response.get_json()["results"]["bindings"]]


# -- the end-to-end path of the issue ------------------------------------------------------


def test_accept_correct_retract_as_of_and_replay(home, tmp_path):  # noqa: F811
    app = make_app()
    client = app.test_client()
    store = app.extensions["r2pkg"]
    assert client.post("/sparql", data={"query": "ASK { ?s ?p ?o }"}).status_code == 200  # fork workers
    first_version = client.get("/healthz").get_json()["version"]
    assert first_version.startswith("0.1.0+0.")

    posted = client.post("/entries", data=entry_file(tmp_path, "testland-2019").read_bytes(), headers=AUTH)
    assert posted.status_code == 201, posted.get_data(as_text=True)
    accepted_id = posted.get_json()["id"]
    # a retry after a lost reply: "already accepted as ID", a 303 to it, nothing written
    again = client.post("/entries", data=entry_file(tmp_path, "testland-2019").read_bytes(), headers=AUTH)
    assert again.status_code == 303 and again.headers["Location"] == "/id/case/testland-2019"
    assert again.get_json()["message"] == f"already accepted as {accepted_id}; nothing was added."
    assert len(entries_on_disk(home)) == 1
    after_accept = client.get("/healthz").get_json()["version"]
    assert after_accept.startswith("0.1.0+1.")

    put = client.put(f"/entries/{accepted_id}", data=corrected_file(tmp_path).read_bytes(),
                     headers={**AUTH, "R2pkg-Reason": "the start year was misread", "X-Editor": "Bo"})
    assert put.status_code == 200, put.get_data(as_text=True)
    correction_id = put.get_json()["id"]
    assert put.get_json()["invalidates"] == accepted_id
    page = client.get("/id/case/testland-2019")
    assert page.headers["R2pkg-Graph-Version"].startswith("0.1.0+2.")
    assert "2017" in page.get_data(as_text=True) and "Cite this" in page.get_data(as_text=True)
    assert start_years(client) == ["2017"]
    log = client.get("/changes", headers={"Accept": "application/json"}).get_json()["changes"]
    assert [c["kind"] for c in log] == ["correct", "accept"]
    assert log[0]["reason"] == "the start year was misread" and log[0]["editor"] == "Bo"
    assert log[1]["replaced_by"] == correction_id

    before_retraction = client.get("/healthz").get_json()["version"]
    refused = client.delete(f"/entries/{correction_id}", headers={"Authorization": f"Bearer {TOKEN}",
                                                                  "Accept": "application/json"})
    assert refused.status_code == 400 and "reason" in refused.get_json()["error"]["message"]
    deleted = client.delete(f"/entries/{correction_id}",
                            headers={"Authorization": f"Bearer {TOKEN}", "R2pkg-Reason": "no source for it"})
    assert deleted.status_code == 200, deleted.get_data(as_text=True)
    assert not store.exists(CASE)
    assert start_years(client) == []
    assert client.get("/id/case/testland-2019").status_code == 404
    log = client.get("/changes?format=json").get_json()["changes"]
    assert [c["kind"] for c in log] == ["retract", "correct", "accept"]
    assert "no source for it" in client.get("/changes").get_data(as_text=True)
    assert len(entries_on_disk(home)) == 3  # nothing of the record is deleted
    assert client.delete(f"/entries/{accepted_id}", headers={"Authorization": f"Bearer {TOKEN}",
                                                             "R2pkg-Reason": "x"}).status_code == 404

    # as of the version before the retraction: the corrected entry is there again
    earlier = start_years(client, as_of=before_retraction)
    assert earlier == ["2017"]
    response = client.get(f"/id/case/testland-2019?as-of={before_retraction}")
    assert response.status_code == 200 and response.headers["R2pkg-Graph-Version"] == before_retraction
    assert start_years(client, as_of=after_accept) == ["2019"]
    assert client.get("/healthz?as-of=not-a-date").status_code == 400
    cli = run_cli("query", str(_query_file(tmp_path)), "--format", "json", "--as-of", before_retraction)
    assert cli.returncode == 0, cli.stderr
    assert [b["y"]["value"] for b in json.loads(cli.stdout)["results"]["bindings"]] == ["2017"]

    # the change log replayed from nothing gives the served graph, triple for triple
    replayed = open_store("oxigraph")
    assert signature(replayed) == signature(store)
    assert replayed.triple_count() == store.triple_count()


def _query_file(tmp_path: Path) -> Path:
    path = tmp_path / "start.rq"
    path.write_text(START_ASK)
    return path


def test_every_position_of_the_log_replays_to_what_the_ledger_served(home, tmp_path):  # noqa: F811
    """At each step the store the ledger changed equals the graph loaded as of that version."""
    ledger = Ledger(open_store("memory"))
    seen = [signature(ledger.store)]
    first = ledger.accept(read_entries([entry_file(tmp_path, "testland-2019")]), "Ana").accepted
    seen.append(signature(ledger.store))
    other = ledger.accept(read_entries([entry_file(tmp_path, "testland-2018")]), "Ana").accepted
    seen.append(signature(ledger.store))
    fixed = ledger.correct(first.id, read_entries([corrected_file(tmp_path)]), "Bo", "year").accepted
    assert fixed, "the correction was refused"
    seen.append(signature(ledger.store))
    assert ledger.retract(other.id, "Bo", "duplicate").accepted
    seen.append(signature(ledger.store))
    log = read_log(entries_folder())
    assert len(log) == 4 and set(live(log)) == {fixed.id}
    for n, expected in enumerate(seen):
        assert signature(open_store("memory", as_of=version(log, n))) == expected, f"position {n}"
    assert position(log, "2000-01-01") == 0 and position(log, "2999-01-01") == 4


def test_cli_correct_and_retract(home, tmp_path):  # noqa: F811
    added = run_cli("add", str(entry_file(tmp_path, "testland-2019")), "--format", "json")
    entry_id = json.loads(added.stdout)["id"]
    unknown = run_cli("retract", "20200101T000000Z-nothing", "--reason", "x")
    assert unknown.returncode == 2 and "no accepted entry is called" in unknown.stderr
    no_reason = run_cli("retract", entry_id)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    corrected = run_cli("correct", entry_id, str(corrected_file(tmp_path)), "--reason", "year", "--editor", "Bo")
    assert corrected.returncode == 0, corrected.stdout + corrected.stderr
    assert f"corrected {entry_id} as " in corrected.stdout
    # the superseded ID is refused, naming the entry that replaced it
    stale = run_cli("retract", entry_id, "--reason", "x")
    assert stale.returncode == 2 and "superseded by" in stale.stderr
    # a node's name finds its live entry
    retracted = run_cli("retract", "case:testland-2019", "--reason", "withdrawn by the source")
    assert retracted.returncode == 0, retracted.stdout + retracted.stderr
    assert not open_store("memory").exists(CASE)
    assert [c.kind for c in read_log(entries_folder())] == ["accept", "correct", "retract"]
    record = (sorted(entries_on_disk(home))[-1] / "change.ttl").read_text()
    assert "prov:invalidated" in record and "withdrawn by the source" in record


def test_a_correction_that_does_not_conform_changes_nothing(home, tmp_path):  # noqa: F811
    ledger = Ledger(open_store("oxigraph"))
    first = ledger.accept(read_entries([entry_file(tmp_path, "testland-2019")]), "Ana").accepted
    before = signature(ledger.store)
    bad = tmp_path / "bad.ttl"
    bad.write_text(corrected_file(tmp_path).read_text().replace('r2p:endDate "2019"', 'r2p:endDate "2001"'))
    outcome = ledger.correct(first.id, read_entries([bad]), "Bo", "oops")
    assert outcome.accepted is None and not outcome.report.conforms
    assert signature(ledger.store) == before
    assert len(entries_on_disk(home)) == 1


@pytest.mark.parametrize("command", ["correct", "retract"])
@pytest.mark.parametrize("step, done", [("staged", False), ("written", True)])
def test_a_killed_correction_or_retraction_leaves_the_previous_state_whole(home, tmp_path, command, step, done):  # noqa: F811
    added = run_cli("add", str(entry_file(tmp_path, "testland-2019")), "--format", "json")
    entry_id = json.loads(added.stdout)["id"]
    before = signature(open_store("memory"))
    args = ([command, entry_id, str(corrected_file(tmp_path))] if command == "correct"
            else [command, entry_id, "--reason", "test"])
    kill_when_paused(["-m", "r2pkg", *args], step)
    restarted = open_store("memory")
    years = [str(y) for y in restarted.objects(CASE, R2P.startDate)]
    if not done:
        assert signature(restarted) == before
        assert len(entries_on_disk(home)) == 1
    elif command == "correct":
        assert years == ["2017"]
    else:
        assert years == []
    # the next change clears what the killed one left in staging and succeeds
    again = run_cli("retract", "case:testland-2019", "--reason", "cleanup") if years else \
        run_cli("add", str(entry_file(tmp_path, "testland-2018")))
    assert again.returncode == 0, again.stdout + again.stderr
    assert [p for p in (home / ".staging").iterdir() if p.is_dir()] == []


# -- where entries live ------------------------------------------------------------------


def test_an_installed_package_refuses_to_write_inside_itself_and_names_R2PKG_DATA(tmp_path, home):  # noqa: F811,N802
    import shutil

    installed = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "r2pkg" / "graph"
    shutil.copytree(home, installed)
    env = {"R2PKG_HOME": str(installed), "R2PKG_DATA": ""}
    refused = run_cli("add", str(entry_file(tmp_path, "testland-2019")), env=env)
    assert refused.returncode == 2
    assert "R2PKG_DATA" in refused.stderr and "installed" in refused.stderr
    assert not (installed / "data" / "entries").exists()
    data = tmp_path / "editorial-data"
    added = run_cli("add", str(entry_file(tmp_path, "testland-2019")), "--data", str(data), env=env)
    assert added.returncode == 0, added.stdout + added.stderr
    assert len(list((data / "entries").iterdir())) == 1
    assert not (installed / "data" / "entries").exists()
    shown = run_cli("query", str(_query_file(tmp_path)), "--format", "json", env={**env, "R2PKG_DATA": str(data)})
    assert [b["y"]["value"] for b in json.loads(shown.stdout)["results"]["bindings"]] == ["2019"]


def test_oxigraph_dir_keeps_entries_across_a_rebuild_of_the_bundled_files(home, tmp_path):  # noqa: F811
    folder = tmp_path / "db"
    store = open_store(f"oxigraph:{folder}")
    assert Ledger(store).accept(read_entries([entry_file(tmp_path, "testland-2019")]), "Ana").accepted
    store.close()
    bundled = home / "data" / "states.ttl"
    bundled.write_text(bundled.read_text() + "\n# touched\n")  # the bundled files changed: a rebuild
    reopened = open_store(f"oxigraph:{folder}")
    assert reopened.reloaded
    assert reopened.exists(CASE)
    assert changes(reopened)[0]["added"][0]["iri"] == str(CASE)
    reopened.close()


def test_bad_as_of_values_are_clear_errors(home):  # noqa: F811
    log = read_log(entries_folder())
    for bad, words in (("yesterday", "neither a date"), ("9.9.9+0", "release 9.9.9"), ("0.1.0+5", "ahead")):
        with pytest.raises(InputError) as caught:
            position(log, bad)
        assert words in caught.value.message

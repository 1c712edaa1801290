"""Safe by default: read-only, no network on a user's behalf, killable queries, size caps."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse

import pytest
from http_helpers import get, post, q


def error_of(body: bytes) -> dict:
    return json.loads(body)["error"]


@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "CLEAR ALL",
    "DROP DEFAULT",
])
def test_updates_are_refused_in_every_form(live_server, store, update):
    before = len(store.graph)
    for status, _, body in (
        get(f"{live_server}/sparql?query={q(update)}"),
        post(f"{live_server}/sparql", urllib.parse.urlencode({"update": update}).encode(), "application/x-www-form-urlencoded"),
        post(f"{live_server}/sparql", update.encode(), "application/sparql-update"),
    ):
        assert status == 400
        assert "read-only" in error_of(body)["message"]
    assert len(store.graph) == before


def test_load_is_refused_and_never_attempted(live_server, listener):
    port, hits = listener
    status, _, body = get(f"{live_server}/sparql?query={q(f'LOAD <http://127.0.0.1:{port}/data.ttl>')}")
    assert status == 400 and "read-only" in error_of(body)["message"]
    time.sleep(0.3)
    assert hits == []


def test_service_is_refused_and_never_attempted(live_server, listener):
    port, hits = listener
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    status, _, body = get(f"{live_server}/sparql?query={q(query)}")
    assert status == 400
    assert "SERVICE is refused" in error_of(body)["message"]
    nested = f"SELECT * WHERE {{ ?a ?b ?c . OPTIONAL {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }} }} LIMIT 1"
    assert get(f"{live_server}/sparql?query={q(nested)}")[0] == 400
    time.sleep(0.3)
    assert hits == []


def test_from_a_url_is_refused_and_never_attempted(live_server, listener):
    port, hits = listener
    for query in (f"SELECT * FROM <http://127.0.0.1:{port}/g.ttl> WHERE {{ ?s ?p ?o }}",
                  f"SELECT * FROM NAMED <http://127.0.0.1:{port}/g.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"):
        status, _, body = get(f"{live_server}/sparql?query={q(query)}")
        assert status == 400 and "FROM" in error_of(body)["message"]
    time.sleep(0.3)
    assert hits == []


def test_remote_jsonld_context_is_refused_and_never_fetched(live_server, listener):
    port, hits = listener
    entry = json.dumps({"@context": f"http://127.0.0.1:{port}/context.jsonld",
                        "@id": "https://w3id.org/r2pkg/id/case/x", "label": "x"})
    status, _, body = post(f"{live_server}/validate", entry.encode(), "application/ld+json", accept="application/json")
    assert status == 400
    assert "remote document" in error_of(body)["message"]
    nested = json.dumps({"@context": [{"r2p": "https://w3id.org/r2pkg/ontology#"}, f"http://127.0.0.1:{port}/c"],
                         "@id": "https://w3id.org/r2pkg/id/case/x"})
    assert post(f"{live_server}/validate", nested.encode(), "application/ld+json", accept="application/json")[0] == 400
    time.sleep(0.3)
    assert hits == []


def test_rdf_xml_with_external_entities_is_refused(live_server, listener):
    port, hits = listener
    xml = f"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/secret">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="http://x">&e;</rdf:Description></rdf:RDF>"""
    status, _, body = post(f"{live_server}/validate", xml.encode(), "application/rdf+xml", accept="application/json")
    assert status == 400 and "RDF/XML is not accepted" in error_of(body)["message"]
    time.sleep(0.3)
    assert hits == []


# Catastrophic backtracking in Python's re (rdflib's engine): 2^30 steps, minutes of work.
PATHOLOGICAL_REGEX = ('SELECT * WHERE { BIND("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!" AS ?s) '
                      'FILTER(REGEX(?s, "^(a+)+$")) }')
# A triple cross join over the whole graph: ~10^12 rows on any engine.
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def test_pathological_query_times_out_while_other_clients_are_answered(live_server):
    timeout = 3.0  # the live server's QUERY_TIMEOUT
    outcome: dict = {}

    def slow() -> None:
        started = time.monotonic()
        outcome["response"] = get(f"{live_server}/sparql?query={q(PATHOLOGICAL)}")
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    quick = []
    for _ in range(5):
        started = time.monotonic()
        status, _, body = get(f"{live_server}/sparql?query={q('ASK { ?s ?p ?o }')}")
        quick.append((status, time.monotonic() - started))
    thread.join(30)
    status, _, body = outcome["response"]
    assert status == 503
    assert "timed out" in error_of(body)["message"]
    assert timeout - 0.5 < outcome["seconds"] < timeout + 5
    assert all(s == 200 for s, _ in quick)
    assert max(t for _, t in quick) < timeout  # not queued behind the slow one
    assert get(f"{live_server}/healthz")[0] == 200


def test_nested_quantifier_regex_is_stopped_on_the_rdflib_engine(memory_store):
    from r2pkg.web import create_app

    app = create_app({"TESTING": True, "QUERY_TIMEOUT": 2.0}, store=memory_store)
    started = time.monotonic()
    response = app.test_client().get("/sparql", query_string={"query": PATHOLOGICAL_REGEX})
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert "timed out" in response.get_json()["error"]["message"]
    assert elapsed < 6
    ok = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert ok.get_json()["boolean"] is True


def test_result_size_is_capped(store):
    from r2pkg.web import create_app

    small = create_app({"TESTING": True, "MAX_RESULT_ROWS": 7}, store=store)
    response = small.test_client().get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 200
    assert len(response.get_json()["results"]["bindings"]) == 7
    assert response.headers["X-R2pkg-Truncated"] == "7"


def test_oversized_request_body_is_413(live_server):
    status, _, body = post(f"{live_server}/validate", b"#" * 3_000_000, "text/turtle", accept="application/json")
    assert status == 413
    assert get(f"{live_server}/healthz")[0] == 200

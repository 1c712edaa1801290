"""A real external triple store: an Oxigraph server on loopback, loaded with `r2pkg load`.

The query, chain, precedent and validation tests run against it through the SPARQL 1.1
Protocol, as they would against Fuseki, Virtuoso or GraphDB.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from rdflib import URIRef

from r2pkg.chains import authority_chains, graph_index, precedents
from r2pkg.cli import main
from r2pkg.entries import read_entries
from r2pkg.namespaces import R2PID
from r2pkg.queries import run_saved, saved_queries
from r2pkg.store import open_store
from r2pkg.validation import validate_entry

pytestmark = pytest.mark.server
SHAPES = Path(__file__).parent / "shapes"


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        pytest.fail("the 'oxigraph' server is needed: pip install oxigraph (the test extra installs it)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    log = location.parent / "oxigraph.log"
    with open(log, "wb") as sink:
        process = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(location), "--bind",
                                    f"127.0.0.1:{port}"], stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the Oxigraph server did not start: " + log.read_text()[:500])
    yield base
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def remote(oxigraph_server, oxigraph_store):
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["load", "--store", f"{oxigraph_server}/store", "--batch", "5000"])
    assert result.exit_code == 0, result.output
    remote_store = open_store(f"{oxigraph_server}/query")
    assert len(remote_store.graph) == len(oxigraph_store.graph)
    return remote_store


def test_load_reports_progress_and_every_triple_arrives(remote, oxigraph_store):
    assert remote.kind == "remote"
    assert len(remote.graph) == len(oxigraph_store.graph)


def test_load_into_a_store_that_refuses_says_so(runner, oxigraph_server):
    result = runner.invoke(main, ["load", "--store", f"{oxigraph_server}/no-such-endpoint"])
    assert result.exit_code == 2
    assert "refused" in result.output or "cannot reach" in result.output


QUERIES = sorted(saved_queries().values(), key=lambda q: q.name)


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_saved_queries_give_the_same_answers_on_the_external_store(remote, oxigraph_store, query):
    def answer(s):
        result = run_saved(s, query)
        if result.type == "ASK":
            return result.askAnswer
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return len(result.graph)
        return sorted(tuple(str(v) if v is not None else "" for v in row) for row in result)

    assert answer(remote) == answer(oxigraph_store)


def test_chain_on_the_external_store(remote):
    sapg = URIRef(str(R2PID) + "mandate/special-adviser-prevention-of-genocide")
    found = authority_chains(graph_index(remote), sapg)
    assert found["reaches_root"]
    hops = [h for c in found["chains"] + found["partial"] for h in c["hops"]]
    assert any(h["to"]["iri"].endswith("S-2004-567") and h["evidence"] for h in hops)


def test_precedents_on_the_external_store(remote):
    found = precedents(graph_index(remote), URIRef(str(R2PID) + "case/rwanda-1994"))
    assert any(d["iri"].endswith("case/somalia") for d in found["draws_on"])


@pytest.mark.parametrize("name, conforms", [("valid-coercive-response-chapter-vii.ttl", True),
                                            ("invalid-authority-coercive-without-chapter-vii.ttl", False),
                                            ("invalid-form-dangling-iri.ttl", False)])
def test_entry_validation_on_the_external_store(remote, name, conforms):
    report = validate_entry(remote, read_entries([SHAPES / name]))
    assert report.conforms is conforms


def test_sparql_endpoint_served_from_the_external_store(remote):
    from r2pkg.web import create_app

    client = create_app({"TESTING": True}, store=remote).test_client()
    data = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_json()
    assert data["boolean"] is True
    assert json.loads(client.get("/healthz").data)["store"] == "remote"


def test_a_query_for_the_external_store_is_read_under_the_time_limit(remote):
    import time

    from r2pkg.web import create_app

    app = create_app({"TESTING": True, "QUERY_TIMEOUT": 2.0}, store=remote)
    client = app.test_client()
    try:
        query = "ASK { FILTER(1 IN (" + ",".join(["1"] * 16_000) + ")) }"  # rdflib's parser: ~70 s
        started = time.monotonic()
        response = client.post("/sparql", data=query, content_type="application/sparql-query")
        assert response.status_code == 503 and time.monotonic() - started < 4.0
        assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_json()["boolean"] is True
    finally:
        app.extensions["r2pkg.isolator"].close()

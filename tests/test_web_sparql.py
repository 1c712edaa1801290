"""/sparql with real clients: SPARQLWrapper, rdflib's SPARQLStore, plain HTTP."""

from __future__ import annotations

import csv
import io
import json
import urllib.parse

import pytest
from http_helpers import get, post, q
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, TSV, TURTLE, XML, SPARQLWrapper

SELECT = """PREFIX r2p: <https://w3id.org/r2pkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?crime ?label WHERE { ?crime a r2p:AtrocityCrime ; rdfs:label ?label } ORDER BY ?label"""
CONSTRUCT = """PREFIX r2p: <https://w3id.org/r2pkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
CONSTRUCT { ?p rdfs:label ?l } WHERE { ?p a r2p:Pillar ; rdfs:label ?l }"""
ASK = "ASK { ?s ?p ?o }"
CRIMES = {"genocide", "war crimes", "ethnic cleansing", "crimes against humanity"}


def test_get_ask_answers_true_as_in_the_readme(live_server):
    status, headers, body = get(f"{live_server}/sparql?query={q('ASK{?s ?p ?o}')}")
    assert status == 200
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    assert json.loads(body) == {"head": {}, "boolean": True}


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_in_every_result_format(live_server, fmt):
    client = SPARQLWrapper(f"{live_server}/sparql")
    client.setQuery(SELECT)
    client.setReturnFormat(fmt)
    result = client.query().convert()
    if fmt == JSON:
        labels = {b["label"]["value"] for b in result["results"]["bindings"]}
    elif fmt == XML:
        labels = {n.firstChild.data for n in result.getElementsByTagName("literal")}
    elif fmt == CSV:
        rows = list(csv.DictReader(io.StringIO(result.decode("utf-8"))))
        labels = {r["label"] for r in rows}
    else:
        lines = result.decode("utf-8").strip().splitlines()
        assert lines[0] == "?crime\t?label"
        labels = {line.split("\t")[1].split('"')[1] for line in lines[1:]}
    assert labels == CRIMES


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(live_server, fmt):
    client = SPARQLWrapper(f"{live_server}/sparql")
    client.setQuery(ASK)
    client.setReturnFormat(fmt)
    result = client.query().convert()
    answer = result["boolean"] if fmt == JSON else result.getElementsByTagName("boolean")[0].firstChild.data == "true"
    assert answer is True


@pytest.mark.parametrize("fmt, rdflib_format", [(TURTLE, "turtle"), (JSONLD, "json-ld"), (N3, "turtle")])
def test_sparqlwrapper_construct_in_graph_formats(live_server, fmt, rdflib_format):
    client = SPARQLWrapper(f"{live_server}/sparql")
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(fmt)
    result = client.query().convert()
    graph = result if isinstance(result, Graph) else Graph().parse(data=result, format=rdflib_format)
    assert len(graph) == 3


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_get_and_post(live_server, method):
    client = SPARQLWrapper(f"{live_server}/sparql")
    client.setMethod(method)
    client.setQuery(SELECT)
    client.setReturnFormat(JSON)
    assert len(client.query().convert()["results"]["bindings"]) == 4


def test_rdflib_sparqlstore_gets_the_same_answers_as_the_local_graph(live_server, store):
    remote = Graph(store=SPARQLStore(query_endpoint=f"{live_server}/sparql", returnFormat="json"))
    remote_rows = {tuple(map(str, row)) for row in remote.query(SELECT)}
    local_rows = {tuple(map(str, row)) for row in store.graph.query(SELECT)}
    assert remote_rows == local_rows and len(remote_rows) == 4
    assert len(remote.query(CONSTRUCT).graph) == 3


def test_post_form_and_post_sparql_query(live_server):
    form = urllib.parse.urlencode({"query": ASK}).encode()
    assert json.loads(post(f"{live_server}/sparql", form, "application/x-www-form-urlencoded")[2])["boolean"]
    status, _, body = post(f"{live_server}/sparql", ASK.encode(), "application/sparql-query")
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.parametrize("accept, expected", [
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+json;q=0.1, text/csv", "text/csv"),
    ("*/*", "application/sparql-results+json"),
])
def test_accept_header_with_q_values_chooses_the_format(live_server, accept, expected):
    status, headers, _ = get(f"{live_server}/sparql?query={q(SELECT)}", {"Accept": accept})
    assert status == 200
    assert headers["Content-Type"].startswith(expected)


@pytest.mark.parametrize("fmt, expected", [("csv", "text/csv"), ("xml", "application/sparql-results+xml"),
                                          ("tsv", "text/tab-separated-values")])
def test_format_parameter_overrides_accept(live_server, fmt, expected):
    status, headers, _ = get(f"{live_server}/sparql?query={q(SELECT)}&format={fmt}", {"Accept": "application/json"})
    assert status == 200 and headers["Content-Type"].startswith(expected)


@pytest.mark.parametrize("accept, expected", [("text/turtle", "text/turtle"), ("application/ld+json", "application/ld+json"),
                                             ("application/n-triples", "application/n-triples")])
def test_construct_by_accept(live_server, accept, expected):
    status, headers, body = get(f"{live_server}/sparql?query={q(CONSTRUCT)}", {"Accept": accept})
    assert status == 200 and headers["Content-Type"].startswith(expected)
    fmt = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt"}[expected]
    assert len(Graph().parse(data=body.decode(), format=fmt)) == 3


def test_unservable_format_is_406(live_server):
    status, _, body = get(f"{live_server}/sparql?query={q(SELECT)}", {"Accept": "image/png"})
    assert status == 406
    assert "requested format" in json.loads(body)["error"]["message"]
    status, _, _ = get(f"{live_server}/sparql?query={q(CONSTRUCT)}&format=csv")
    assert status == 406


def test_unsupported_content_type_is_415(live_server):
    status, _, body = post(f"{live_server}/sparql", ASK.encode(), "text/plain")
    assert status == 415
    assert "application/sparql-query" in json.loads(body)["error"]["hint"]


def test_syntax_error_is_400_with_line_and_column(live_server):
    bad = "SELECT * WHERE {\n  ?s ?p \n}"
    status, _, body = get(f"{live_server}/sparql?query={q(bad)}")
    assert status == 400
    error = json.loads(body)["error"]
    assert "line 2, column 3" in error["message"]
    assert error["status"] == 400


def test_over_long_query_is_413_and_server_still_answers(live_server):
    long_query = "ASK { ?s ?p ?o }" + " " * 30_000
    status, _, body = post(f"{live_server}/sparql", long_query.encode(), "application/sparql-query")
    assert status == 413
    assert "limit" in json.loads(body)["error"]["message"]
    assert get(f"{live_server}/sparql?query={q(ASK)}")[0] == 200


def test_service_description_without_query(live_server):
    status, headers, body = get(f"{live_server}/sparql", {"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=body.decode(), format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert graph.query(f"ASK {{ ?s a <{sd}Service> ; <{sd}supportedLanguage> <{sd}SPARQL11Query> }}").askAnswer


def test_dataset_parameters_are_refused(live_server):
    status, _, body = get(f"{live_server}/sparql?query={q(ASK)}&default-graph-uri=http://example.org/g")
    assert status == 400
    assert "default-graph-uri" in json.loads(body)["error"]["message"]


def test_rdflib_sparqlstore_with_its_default_settings(live_server):
    remote = Graph(store=SPARQLStore(query_endpoint=f"{live_server}/sparql"))
    assert len(list(remote.query(SELECT))) == 4
    assert len(remote.query(CONSTRUCT).graph) == 3


def test_a_large_answer_arrives_whole_with_its_cut_and_the_engine_time(live_server):
    """Ten thousand rows (over a megabyte, past waitress's default spool size) in one piece."""
    import time

    url = f"{live_server}/sparql?query={q('SELECT * WHERE { ?s ?p ?o }')}"
    started = time.perf_counter()
    status, headers, body = get(url)
    if status == 503:  # told to come back (a loaded machine): a client does, after Retry-After
        time.sleep(min(int(headers.get("Retry-After", "1")), 5))
        started = time.perf_counter()
        status, headers, body = get(url)
    elapsed_ms = (time.perf_counter() - started) * 1000
    assert status == 200, body[:400]
    assert len(body) > 1_048_576
    assert len(json.loads(body)["results"]["bindings"]) == 10_000
    assert headers["X-R2pkg-Truncated"] == "10000"
    timing = headers["Server-Timing"]
    assert timing.startswith("query;dur=") and 'desc="query run and written"' in timing
    assert 0 < float(timing.split(";")[1].removeprefix("dur=")) < elapsed_ms


def test_the_engine_time_is_sent_with_a_saved_query_as_json(client):
    response = client.get("/queries/lessons-from-a-case?format=json")
    assert response.status_code == 200 and response.headers["Server-Timing"].startswith("query;dur=")


def test_another_wsgi_server_gets_plain_bytes_and_the_whole_answer(store):
    """Waitress is handed slices of the body; any other server (here werkzeug's, as behind
    'r2pkg serve --dev') gets bytes, as PEP 3333 asks, and the same answer."""
    import threading

    from werkzeug.serving import make_server

    from r2pkg.web import create_app

    app = create_app({"TESTING": True}, store=store)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        status, headers, body = get(f"http://127.0.0.1:{server.port}/sparql?query={q('SELECT * WHERE { ?s ?p ?o }')}")
    finally:
        server.shutdown()
    assert status == 200 and int(headers["Content-Length"]) == len(body) > 1_048_576
    assert len(json.loads(body)["results"]["bindings"]) == 10_000


def test_under_waitress_the_answer_is_handed_over_as_a_file_not_copied(store):
    """Waitress names its own file wrapper in the environ; the answer goes through it."""
    from waitress.buffers import ReadOnlyFileBasedBuffer

    from r2pkg.answers import Serialized
    from r2pkg.web import create_app
    from r2pkg.web.sparql import answer_response

    app = create_app({"TESTING": True}, store=store)
    body = b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'
    with app.test_request_context(environ_base={"wsgi.file_wrapper": ReadOnlyFileBasedBuffer}):
        handed = answer_response(Serialized(bytearray(body), "application/sparql-results+json"))
    assert isinstance(handed.response, ReadOnlyFileBasedBuffer) and handed.content_length == len(body)
    assert b"".join(bytes(chunk) for chunk in handed.response) == body
    with app.test_request_context():
        plain = answer_response(Serialized(bytearray(body), "application/sparql-results+json"))
    assert plain.get_data() == body and type(plain.response[0]) is bytes

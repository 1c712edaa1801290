"""/sparql as SPARQL 1.1 says: every form of query the grammar allows is answered, relative
IRIs resolve against the endpoint's URL, syntax errors point into the client's own text,
and the protocol's requests get the status the protocol asks for."""

from __future__ import annotations

import urllib.parse

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from r2pkg.errors import QueryError
from r2pkg.namespaces import PREFIXES
from r2pkg.reading import read_query
from r2pkg.web import create_app

JSON = {"Accept": "application/sparql-results+json"}
TURTLE = {"Accept": "text/turtle"}
GRAPH = "https://w3id.org/r2pkg/id/graph"
ENDPOINT = "http://localhost/sparql"  # the test client's URL of the endpoint


@pytest.fixture(scope="module")
def ox_client(oxigraph_store):
    """The app on the Oxigraph store only (the engine whose grammar the endpoint follows)."""
    return create_app({"TESTING": True, "QUERY_TIMEOUT": 5.0}, store=oxigraph_store).test_client()


def _q(text: str) -> str:
    return urllib.parse.quote(text, safe="")


def _select(client, text: str, **params) -> list[dict]:
    extra = "".join(f"&{k.replace('_', '-')}={_q(v)}" for k, v in params.items())
    response = client.get(f"/sparql?query={_q(text)}{extra}", headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]["bindings"]


def _error(response, status: int = 400) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["error"]["message"]


# -- every kind of query the grammar allows -----------------------------------------------------

GRAMMAR = {
    "select-star": "SELECT * WHERE { ?s a r2p:Case } LIMIT 2",
    "select-distinct-reduced": "SELECT REDUCED ?s WHERE { ?s a r2p:Case }",
    "select-expression": "SELECT (STRLEN(?l) * 2 AS ?n) WHERE { ?s a r2p:Case ; rdfs:label ?l }",
    "aggregates-having": "SELECT ?c (COUNT(*) AS ?n) (SAMPLE(?s) AS ?one) (GROUP_CONCAT(?l; separator='|') AS ?all) "
                         "WHERE { ?s a ?c ; rdfs:label ?l } GROUP BY ?c HAVING (COUNT(*) > 1) ORDER BY DESC(?n)",
    "subquery": "SELECT ?s WHERE { { SELECT ?s WHERE { ?s a r2p:Case } LIMIT 3 } }",
    "optional-filter-union-minus": "SELECT ?s WHERE { { ?s a r2p:Case } UNION { ?s a r2p:Mandate } "
                                   "OPTIONAL { ?s rdfs:label ?l FILTER(LANG(?l) = 'en') } MINUS { ?s a r2p:Organ } }",
    "exists-not-exists": "SELECT ?s WHERE { ?s a r2p:Case FILTER EXISTS { ?s rdfs:label ?l } "
                         "FILTER NOT EXISTS { ?s r2p:noSuchProperty ?x } }",
    "bind-values": "SELECT ?x ?y WHERE { VALUES (?x ?y) { (1 2) (UNDEF 3) } BIND(?y + 1 AS ?z) }",
    "values-at-the-end": "SELECT ?s WHERE { ?s a ?c } VALUES ?c { r2p:Case }",
    "property-paths": "SELECT ?a ?b WHERE { ?a (r2p:partOf)+ ?b . ?b ^r2p:partOf/rdfs:label|rdfs:comment ?l . "
                      "?a !(rdf:type|^rdfs:label) ?z } LIMIT 5",
    "negative-numbers": "SELECT * WHERE { ?s ?p -1.0 }",
    "negative-integer-double": "SELECT * WHERE { ?s ?p -1 . ?s ?q -1.5e3 }",
    "blank-nodes-collections": "SELECT * WHERE { [] rdfs:label ?l . ?s r2p:x ( 1 [ r2p:y 2 ] ) }",
    "graph-pattern": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
    "functions": "SELECT (IRI(CONCAT('http://x/', ENCODE_FOR_URI('a b'))) AS ?i) (SHA256('x') AS ?h) "
                 "(xsd:integer('7') AS ?n) (NOW() < NOW() AS ?b) (COALESCE(?u, 1) AS ?c) (IF(BOUND(?u), 1, 2) AS ?d) "
                 "(STRDT('1', xsd:integer) AS ?t) (REGEX('ab', '^a', 'i') AS ?r) WHERE {}",
    "ask": "ASK { ?s a r2p:Case }",
    "ask-no-where": "ASK {}",
    "construct": "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a r2p:Case ; rdfs:label ?l }",
    "construct-where": "CONSTRUCT WHERE { ?s a r2p:Pillar } LIMIT 2",
    "describe": "DESCRIBE case:rwanda-1994",
    "describe-star": "DESCRIBE ?s WHERE { ?s a r2p:Pillar } LIMIT 1",
    "relative-iris": "SELECT (<a> AS ?x) WHERE {}",
    "empty-prefix": "PREFIX : <> SELECT (:x AS ?x) WHERE {}",
    "relative-construct": "CONSTRUCT { <s> <p> 1 } WHERE {}",
    "relative-describe": "DESCRIBE <u>",
    "own-base": "BASE <http://example.org/> SELECT (<a> AS ?x) WHERE {}",
    "unicode-escape": "SELECT ?x WHERE { BIND('\\u0041' AS ?x) }",
    "comments-and-lowercase": "# a comment\nselect ?s where { ?s a r2p:Case } # another\nlimit 1",
}


@pytest.mark.parametrize("name", sorted(GRAMMAR))
def test_every_kind_of_query_the_grammar_allows_is_answered(ox_client, name):
    text = GRAMMAR[name]
    accept = "text/turtle" if text.startswith(("CONSTRUCT", "DESCRIBE")) else "application/sparql-results+json"
    for response in (ox_client.get(f"/sparql?query={_q(text)}", headers={"Accept": accept}),
                     ox_client.post("/sparql", data=text.encode(), content_type="application/sparql-query",
                                    headers={"Accept": accept}),
                     ox_client.post("/sparql", data={"query": text}, headers={"Accept": accept})):
        assert response.status_code == 200, (name, response.get_data(as_text=True))


def test_the_reading_never_refuses_what_the_engine_reads():
    reading = read_query("SELECT * WHERE { ?s ?p -1.0 }")
    assert reading.form == "SELECT" and reading.capped(10) is None  # rdflib could not read it: never capped by text
    with pytest.raises(QueryError, match="SERVICE is refused"):
        read_query("SELECT * WHERE { ?s ?p -1.0 SERVICE <http://x/> { ?a ?b ?c } }")
    with pytest.raises(QueryError, match="FROM and FROM NAMED are refused"):
        read_query("SELECT * FROM <http://x/> WHERE { ?s ?p -1.0 }")
    assert read_query("DESCRIBE ?s WHERE { ?s ?p -1.0 }").form == "DESCRIBE"


def test_a_query_rdflib_cannot_read_is_still_cut_at_the_row_limit(oxigraph_store):
    app = create_app({"TESTING": True, "MAX_RESULT_ROWS": 3}, store=oxigraph_store)
    response = app.test_client().get(f"/sparql?query={_q('SELECT * WHERE { ?s ?p ?o FILTER(?o != -1.0) }')}",
                                     headers=JSON)
    assert response.status_code == 200
    assert len(response.get_json()["results"]["bindings"]) == 3 and response.headers["X-R2pkg-Truncated"] == "3"


# -- the base IRI --------------------------------------------------------------------------------

def test_relative_iris_resolve_against_the_endpoint_url(client):
    assert _select(client, "SELECT (<a> AS ?x) WHERE {}")[0]["x"]["value"] == "http://localhost/a"
    assert _select(client, "PREFIX : <> SELECT (:x AS ?x) WHERE {}")[0]["x"]["value"] == ENDPOINT + "x"
    assert _select(client, "BASE <http://example.org/> SELECT (<a> AS ?x) WHERE {}")[0]["x"]["value"] == \
        "http://example.org/a"
    response = client.get(f"/sparql?query={_q('CONSTRUCT { <s> <p> 1 } WHERE {}')}", headers=TURTLE)
    triples = list(Graph().parse(data=response.get_data(as_text=True), format="turtle"))
    assert [str(t[0]) for t in triples] == ["http://localhost/s"]


def test_the_service_description_states_the_base_and_every_prefix(client):
    response = client.get("/sparql", headers=TURTLE)
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    comment = " ".join(str(o) for o in graph.objects(None, None) if "base IRI" in str(o))
    assert ENDPOINT in comment and GRAPH in comment
    declared = {str(graph.value(d, SH.prefix)): str(graph.value(d, SH.namespace)) for d in graph.objects(None, SH.declare)}
    assert declared == {p: str(ns) for p, ns in PREFIXES.items()}


def test_without_an_endpoint_a_relative_iri_is_a_syntax_error_that_says_so(oxigraph_store):
    with pytest.raises(QueryError, match=r"syntax error at line 1, column 18: a relative IRI, and no base IRI"):
        oxigraph_store.query("SELECT * WHERE { <a> ?p ?o }")


# -- syntax errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "where"), [
    ("SELECT * WHERE { ?s ?p ?o", "line 1, column 26"),  # ends too early: rdflib's reading
    ("SELECT * WHERE {\n  ?s ?p \n}", "line 2, column 3"),
    ("SELECT * WHERE { ?s ?p ?o } GROUP BY ?s", "line 1, column 40: SELECT * is not authorized"),  # only Oxigraph
    ("SELECT ?x ?x WHERE { ?s ?p ?x }", "line 1, column 32: duplicated variable name"),
    ("SELECT (1 AS ?x) WHERE { BIND(2 AS ?x) }", "line 1, column"),
    ("\n\nSELECT * WHERE { ?s ?p ?o . ?o ?p ?s } GROUP BY ?s", "line 3, column 51"),
])
def test_every_syntax_error_is_a_400_in_the_clients_own_text(ox_client, text, where):
    # rdflib's reading, or Oxigraph's when only it refuses the text (it points after the culprit)
    message = _error(ox_client.get(f"/sparql?query={_q(text)}", headers=JSON))
    assert message.startswith("syntax error at ") and where in message
    line = int(message.split("line ")[1].split(",")[0])
    assert line <= text.count("\n") + 1  # never a line of the PREFIX or LIMIT lines the server adds


def test_a_scoping_error_only_the_engine_sees_points_at_the_client_text(ox_client):
    # rdflib reads it; Oxigraph refuses it when it runs, after the server added PREFIX lines and a LIMIT
    text = "SELECT ?s WHERE {\n  ?s rdfs:label ?l .\n  BIND(1 AS ?l) }"
    message = _error(ox_client.get(f"/sparql?query={_q(text)}", headers=JSON))
    assert message.startswith("syntax error at line 3,"), message


# -- the protocol ------------------------------------------------------------------------------------

def test_two_query_parameters_are_a_400(client):
    ask = _q("ASK {}")
    assert "exactly one" in _error(client.get(f"/sparql?query={ask}&query={ask}"))
    assert "exactly one" in _error(client.post("/sparql", data={"query": ["ASK {}", "ASK { ?s ?p ?o }"]}))
    assert "exactly one" in _error(client.post(f"/sparql?query={ask}", data={"query": "ASK {}"}))
    assert "exactly one" in _error(client.post(f"/sparql?query={ask}", data=b"ASK {}",
                                               content_type="application/sparql-query"))


def test_the_graph_the_store_holds_may_be_named_as_the_default_graph(client):
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s a r2p:Case }"
    plain = _select(client, text)
    assert _select(client, text, default_graph_uri=GRAPH) == plain
    response = client.post("/sparql", data={"query": text, "default-graph-uri": GRAPH}, headers=JSON)
    assert response.status_code == 200 and response.get_json()["results"]["bindings"] == plain


@pytest.mark.parametrize(("parameter", "value", "why"), [
    ("default-graph-uri", "http://example.org/g", "never loads a graph from elsewhere"),
    ("named-graph-uri", "http://example.org/g", "never loads a graph from elsewhere"),
    ("named-graph-uri", GRAPH, "not as a named graph"),
])
def test_other_dataset_parameters_are_refused_saying_why(client, parameter, value, why):
    for response in (client.get(f"/sparql?query={_q('ASK {}')}&{parameter}={_q(value)}"),
                     client.post("/sparql", data={"query": "ASK {}", parameter: value}),
                     client.post(f"/sparql?{parameter}={_q(value)}", data=b"ASK {}",
                                 content_type="application/sparql-query")):
        message = _error(response)
        assert parameter in message and value in message and why in message


@pytest.mark.parametrize(("request_kwargs", "status"), [
    ({"method": "PUT", "data": b"ASK {}", "content_type": "application/sparql-query"}, 405),
    ({"method": "POST", "data": b"ASK {}", "content_type": "text/plain"}, 415),
    ({"method": "POST", "data": b"query=ASK%20%7B%7D", "content_type": ""}, 415),
    ({"method": "POST", "data": "ASK {}".encode("utf-16"), "content_type": "application/sparql-query"}, 400),
    ({"method": "POST", "data": b"INSERT DATA { <a> <b> <c> }", "content_type": "application/sparql-update"}, 400),
    ({"method": "GET", "query_string": "update=" + _q("INSERT DATA { <http://a> <http://b> <http://c> }")}, 200),
])
def test_the_protocols_bad_requests_get_its_status(client, request_kwargs, status):
    kwargs = dict(request_kwargs)
    response = client.open("/sparql", headers=TURTLE, **kwargs)
    # an update over GET is no query at all: the endpoint describes itself, and changes nothing
    assert response.status_code == status, response.get_data(as_text=True)

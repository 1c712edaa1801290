"""The one reading of a query: SPARQL's escape rule, one form for every engine, named refusals."""

from __future__ import annotations

import pytest
from rdflib import Literal

from r2pkg.errors import PayloadTooLarge, QueryError
from r2pkg.reading import MAX_DEPTH, expand, mentions_service, nesting_depth, read_query


def test_codepoint_escapes_are_replaced_as_the_spec_says():
    assert expand('"\\u0041\\U0001F600"') == '"A\U0001F600"'
    assert expand("\\u00410042") == "A0042"  # four digits after \u, not eight


@pytest.mark.parametrize("text", ["\\u005Cu0041", "\\U0041", "\\U0000005Cu0041"])
def test_an_escape_left_after_replacing_is_refused(text):
    with pytest.raises(QueryError, match="remains after escapes are replaced"):
        read_query(f'SELECT * {{ BIND("{text}" AS ?x) }}')


@pytest.mark.parametrize("text", ["\\uD800", "\\u0000", "\\U00110000"])
def test_escapes_of_no_character_are_refused(text):
    with pytest.raises(QueryError, match="not readable text"):
        read_query(f'SELECT * {{ BIND("{text}" AS ?x) }}')


def test_invalid_utf8_is_refused_not_replaced():
    with pytest.raises(QueryError, match="byte 19 is not valid UTF-8"):
        read_query(b'SELECT * { BIND("c\xffaf" AS ?x) }')


def test_line_ends_are_one_kind_for_every_engine():
    reading = read_query("SELECT * WHERE { ?s ?p ?o # note\r} LIMIT 2")
    assert "\r" not in reading.text and reading.limit == 2


def test_the_engine_text_has_escapes_expanded_and_prefixes_added():
    reading = read_query('SELECT ?x { ?x r2p:label "\\u0041" }')
    assert reading.text.startswith("PREFIX r2p:") and '"A"' in reading.text


def test_service_is_seen_by_the_second_reader_too():
    assert mentions_service("SELECT * { ?s ?p ?o . SERVICE <http://x/> { ?a ?b ?c } }")
    assert mentions_service("?a <http://x/#> ?b . service <http://x/> {}")
    assert mentions_service("FILTER(?a<?b)SERVICE#>\n<http://x/>{}")
    assert not mentions_service('?service ex:SERVICE "SERVICE" # SERVICE\n <http://x/service>')


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <http://x/> { ?a ?b ?c } } }",
    "SELECT * { { SELECT * { SERVICE SILENT <http://x/> { ?a ?b ?c } } } }",
    "ASK { MINUS { SERVICE ?u { ?a ?b ?c } } }",
    "CONSTRUCT { ?a ?b ?c } WHERE { OPTIONAL { SERVICE <http://x/> { ?a ?b ?c } } }",
])
def test_service_is_refused_at_any_depth(query):
    with pytest.raises(QueryError, match="SERVICE is refused"):
        read_query(query)


def test_each_refusal_has_its_message():
    with pytest.raises(QueryError, match="read-only"):
        read_query("LOAD <http://x/>")
    with pytest.raises(QueryError, match="FROM and FROM NAMED are refused"):
        read_query("SELECT * FROM <http://x/> { ?s ?p ?o }")
    with pytest.raises(PayloadTooLarge, match="the limit is 10"):
        read_query("SELECT * { ?s ?p ?o }", max_length=10)
    deep = "SELECT * { " + "{ " * (MAX_DEPTH + 1) + "?s ?p ?o" + " }" * (MAX_DEPTH + 1) + " }"
    with pytest.raises(QueryError, match=f"the limit is {MAX_DEPTH}"):
        read_query(deep)


def test_deep_but_valid_queries_are_read():
    parens = "SELECT ?x { BIND(" + "(" * 30 + "1" + ")" * 30 + " AS ?x) }"
    assert nesting_depth(parens) == 32 and read_query(parens).form == "SELECT"
    patterns = "SELECT * { " + " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(100)) + " } LIMIT 1"
    assert read_query(patterns).limit == 1


def test_an_undeclared_prefix_is_named():
    with pytest.raises(QueryError, match="line 2, column 5: the prefix 'foo:' is not declared"):
        read_query("SELECT * {\n ?s foo:bar ?o }")
    assert read_query("PREFIX foo: <http://x/> SELECT * { ?s foo:bar rdfs:label }").form == "SELECT"


def test_a_parameter_cannot_spell_an_escape():
    with pytest.raises(QueryError, match="parameter value"):
        read_query("SELECT * { ?s ?p ?text }", {"text": Literal("\\u0022")})


# -- a query bound to IRIs is read from its shape --------------------------------------------


def _full_and_shaped(text: str, bindings: dict):
    """What the full read (rdflib's parse of the bound text) and the read from the query's
    shape give: a Reading or the refusal's message, each."""
    from r2pkg import reading

    pairs = tuple(bindings.items())
    outcomes = []
    for read in (reading._read, reading._read_like_its_shape):
        try:
            outcomes.append(read(text, pairs, reading.MAX_LENGTH, None))
        except QueryError as exc:
            outcomes.append(exc.message)
    return outcomes


def test_every_saved_query_bound_to_iris_reads_as_rdflib_reads_the_bound_text(oxigraph_store):
    """Every saved query with IRI parameters, bound to nodes of every kind, gives the very
    Reading rdflib's parse of its bound text gives: text, form, LIMIT, VALUES, cap."""
    from rdflib import RDF, URIRef

    from r2pkg.queries import saved_queries

    # an IRI is one token: a few of every form stand for all (rdflib reads each bound text in 50 ms)
    nodes = sorted({s for s in oxigraph_store.subjects(RDF.type, None) if isinstance(s, URIRef)}, key=str)[::1000]
    nodes += [URIRef("https://example.org/SERVICE#x"), URIRef("urn:x:FROM"), URIRef("http://127.0.0.1:9/?q=1&a=b")]
    checked = 0
    for query in saved_queries().values():
        names = [p.variable for p in query.parameters if p.kind == "iri"]
        if not names:
            continue
        for node in nodes:
            full, shaped = _full_and_shaped(query.text, {name: node for name in names})
            assert shaped == full or shaped is None, (query.name, node)
            checked += shaped is not None
    assert checked > 30


@pytest.mark.parametrize("template, value", [
    ("SELECT * WHERE { ?s ?p ?o FILTER(STR(?s) = '?x') }", "http://x/')||true||('"),  # a quote: read in full
    ("SELECT * WHERE { <http://a/?x> ?p ?o }", "http://x/y"),  # a variable inside an IRI: no shape
    ("SELECT * WHERE { ?x ?p ?o }", "x/relative"),  # relative: read in full
    ("SELECT ?x WHERE { ?s ?p ?o }", "http://x/y"),  # a projected variable bound: not valid
])
def test_a_binding_the_shape_cannot_stand_for_is_read_in_full(template, value):
    from rdflib import URIRef


    full, shaped = _full_and_shaped(template, {"x": URIRef(value)})
    assert shaped is None
    found = read_query(template, {"x": URIRef(value)}) if not isinstance(full, str) else None
    if found is not None:
        assert found == full


def test_a_bound_iri_is_scanned_for_service_like_every_text():
    from rdflib import URIRef

    template = "SELECT * WHERE { ?x ?p ?o }"
    with pytest.raises(QueryError) as caught:
        read_query(template, {"x": URIRef("http://x/SERVICE#a")})
    full, shaped = _full_and_shaped(template, {"x": URIRef("http://x/SERVICE#a")})
    assert full == shaped == caught.value.message

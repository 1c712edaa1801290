"""Answers as bytes: Oxigraph's own writers and r2pkg's give the same answer, and the row cap is exact."""

from __future__ import annotations

import csv
import io
import pickle
from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from r2pkg.answers import Serialized, answer, write
from r2pkg.queries import find_query, queries_dir, saved_queries
from r2pkg.sparql import Answer, bind_parameters, evaluate, prepare, run_query
from r2pkg.store import Store
from r2pkg.store.oxigraph import row_bound

SAVED = saved_queries()
FORMATS = ["json", "xml", "tsv", "csv"]
PARSERS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}
CASES = "PREFIX r2p: <https://w3id.org/r2pkg/ontology#> SELECT ?case WHERE { ?case a r2p:Case }"


def rows_of(written: Serialized, fmt: str) -> list[tuple]:
    """The rows of a written answer, read back by one parser whoever wrote them.

    Blank nodes are compared as blank nodes only: their labels are local to a result.
    """
    if fmt == "csv":
        return [tuple(r) for r in csv.reader(io.StringIO(written.body.decode("utf-8")))][1:]
    parsed = ox.parse_query_results(written.body, format=PARSERS[fmt])
    return [tuple("_:" if isinstance(t, ox.BlankNode) else t for t in row) for row in parsed]


def generic(store: Store, text: str, fmt: str, bindings=None, max_rows=None) -> Serialized:
    """The answer by r2pkg's own reading and writers, the road every store can take."""
    return write(evaluate(store, text, bindings, max_rows), fmt)


def case_count(store: Store) -> int:
    return len(evaluate(store, CASES).rows)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(SAVED))
def test_oxigraph_writes_the_same_answer_as_r2pkg(oxigraph_store: Store, name: str, fmt: str):
    saved = SAVED[name]
    bindings = saved.bindings()
    fast = answer(oxigraph_store, saved.text, fmt, bindings)
    slow = generic(oxigraph_store, saved.text, fmt, bindings)
    assert fast.media_type == slow.media_type
    if "ORDER BY" in saved.text.upper():
        assert rows_of(fast, fmt) == rows_of(slow, fmt)
    else:
        assert Counter(rows_of(fast, fmt)) == Counter(rows_of(slow, fmt))


@pytest.mark.parametrize("name", sorted(SAVED))
def test_direct_rows_equal_oxrdflib_rows_term_for_term(oxigraph_store: Store, name: str):
    """The memoised conversion gives exactly the terms oxrdflib gives (types, datatypes, tags)."""
    from r2pkg.sparql import bind_parameters, with_prefixes

    saved = SAVED[name]
    text = with_prefixes(bind_parameters(saved.text, saved.bindings()))
    through_oxrdflib = [tuple(row) for row in oxigraph_store.graph.query(text)]
    direct = [tuple(row) for row in run_query(oxigraph_store, text)]
    assert Counter(direct) == Counter(through_oxrdflib)
    for a, b in zip(sorted(direct, key=str), sorted(through_oxrdflib, key=str)):
        for x, y in zip(a, b):
            assert type(x) is type(y)
            if isinstance(x, Literal):
                assert (x.datatype, x.language) == (y.datatype, y.language)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_result_over_the_cap_is_cut_to_the_cap_and_marked(any_store: Store, fmt: str):
    written = answer(any_store, "SELECT * WHERE { ?s ?p ?o }", fmt, max_rows=7)
    assert written.truncated
    assert len(rows_of(written, fmt)) == 7


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_result_exactly_at_the_cap_is_whole(any_store: Store, fmt: str):
    n = case_count(any_store)
    whole = answer(any_store, CASES, fmt, max_rows=n)
    assert not whole.truncated and len(rows_of(whole, fmt)) == n
    cut = answer(any_store, CASES, fmt, max_rows=n - 1)
    assert cut.truncated and len(rows_of(cut, fmt)) == n - 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_values_that_look_like_row_markers_do_not_change_the_answer(any_store: Store, fmt: str):
    """A literal full of ',{' and line breaks inflates the row estimate; the answer stays exact."""
    n = case_count(any_store)
    text = CASES.replace("?case a r2p:Case", '?case a r2p:Case BIND("},{,{\\r\\n<result>,{}},{" AS ?noise)')
    text = text.replace("SELECT ?case", "SELECT ?case ?noise")
    written = answer(any_store, text, fmt, max_rows=n)
    assert not written.truncated
    rows = rows_of(written, fmt)
    assert len(rows) == n
    assert all(",{,{" in str(row[1]) for row in rows)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(SAVED))
def test_the_row_bound_of_oxigraph_bytes_is_never_below_the_rows(oxigraph_store: Store, name: str, fmt: str):
    """The truncation check reads the bytes only; it may overcount, never undercount."""
    saved = SAVED[name]
    body = answer(oxigraph_store, saved.text, fmt, saved.bindings()).body
    rows = len(rows_of(Serialized(body, ""), fmt))
    assert row_bound(body, fmt) >= rows
    if fmt != "csv" and b"},{" not in body.replace(b"}},{", b"").replace(b"},{}", b""):
        assert row_bound(body, fmt) == rows  # no value mimics a row marker: exact


@pytest.mark.parametrize("fmt", FORMATS)
def test_rows_with_nothing_bound_count_against_the_cap(oxigraph_store: Store, fmt: str):
    text = "SELECT ?x ?y WHERE { VALUES (?x ?y) { (UNDEF UNDEF) (<urn:x:a> UNDEF) (UNDEF UNDEF) (UNDEF UNDEF) } }"
    whole = answer(oxigraph_store, text, fmt, max_rows=4)
    assert not whole.truncated and len(rows_of(whole, fmt)) == 4
    cut = answer(oxigraph_store, text, fmt, max_rows=3)
    assert cut.truncated and len(rows_of(cut, fmt)) == 3
    empty = answer(oxigraph_store, "SELECT ?x WHERE { FILTER(false) }", fmt, max_rows=0)
    assert not empty.truncated and rows_of(empty, fmt) == []


@pytest.mark.parametrize("query, rows, truncated", [
    (CASES + " LIMIT 5", 5, False),          # its own LIMIT within the cap: left as written
    (CASES + " LIMIT 50", 7, True),          # a LIMIT beyond the cap: cut by r2pkg
    (CASES + " OFFSET 2", 7, True),          # OFFSET alone: LIMIT can follow it
    (CASES + " VALUES ?case { <https://w3id.org/r2pkg/id/case/rwanda-1994> }", 1, False),  # no LIMIT may follow
])
def test_the_cap_holds_whatever_the_query_ends_with(any_store: Store, query: str, rows: int, truncated: bool):
    written = answer(any_store, query, "json", max_rows=7)
    assert len(rows_of(written, "json")) == rows
    assert written.truncated is truncated


def test_ask_and_construct_take_the_generic_road_and_answer(oxigraph_store: Store):
    ask = answer(oxigraph_store, "ASK { ?s ?p ?o }", "json")
    assert ask.form == "ASK" and b'"boolean": true' in ask.body
    graph = answer(oxigraph_store, "CONSTRUCT { ?c a <urn:x:Case> } WHERE { ?c a r2p:Case }", "json")
    assert graph.form == "CONSTRUCT" and graph.media_type == "text/turtle"
    assert b"urn:x:Case" in graph.body


def test_a_simple_literal_is_written_without_a_datatype_by_both_roads(oxigraph_store: Store):
    text = 'SELECT ?x WHERE { BIND("plain" AS ?x) }'
    for written in (answer(oxigraph_store, text, "json"), generic(oxigraph_store, text, "json")):
        assert b"datatype" not in written.body, written.body


def test_a_query_error_from_oxigraph_is_a_query_error(oxigraph_store: Store):
    from r2pkg.errors import QueryError
    from r2pkg.reading import Reading

    # the reading names an undeclared prefix before any engine runs; Oxigraph's own error,
    # if it ever sees such a text, is a QueryError too
    with pytest.raises(QueryError, match="the prefix 'nosuchprefix:' is not declared"):
        answer(oxigraph_store, "SELECT ?x WHERE { ?x nosuchprefix:p ?y }", "json")
    with pytest.raises(QueryError, match="syntax error at line 1, column 36: prefix not found"):
        oxigraph_store.run(Reading(text="SELECT ?x WHERE { ?x nosuchprefix:p ?y }", form="SELECT"), None)


def test_the_rdflib_store_has_no_writer_of_its_own_and_the_answer_is_the_same(memory_store: Store,
                                                                             oxigraph_store: Store):
    parsed = prepare(CASES)
    assert memory_store.write(parsed, "json", None) is None
    assert oxigraph_store.write(parsed, "json", None) is not None
    ordered = CASES + " ORDER BY ?case"
    assert rows_of(answer(memory_store, ordered, "json"), "json") == rows_of(answer(oxigraph_store, ordered, "json"), "json")


def test_an_answer_survives_the_trip_from_a_worker_term_for_term(any_store: Store):
    """Answers are pickled as a table of distinct terms; every kind of term comes back intact."""
    rows = [[URIRef("https://w3id.org/r2pkg/id/case/rwanda-1994"), Literal("Rwanda", lang="en"), None],
            [BNode("b0"), Literal("1994", datatype=XSD.gYear), Literal("plain")],
            [URIRef("https://w3id.org/r2pkg/id/case/rwanda-1994"), Literal("Rwanda", lang="en"), Literal(3)]]
    sent = Answer(form="SELECT", names=["a", "b", "c"], rows=rows, truncated=True)
    got = pickle.loads(pickle.dumps(sent))
    assert got.rows == rows and got.truncated and got.names == ["a", "b", "c"]
    for a, b in zip((v for r in got.rows for v in r), (v for r in rows for v in r)):
        assert type(a) is type(b)
        if isinstance(a, Literal):
            assert (a.datatype, a.language) == (b.datatype, b.language)
    query = find_query("responses-by-pillar")  # with its default pillar bound, as every caller runs it
    real = evaluate(any_store, bind_parameters(query.text, query.bindings()))
    assert real.rows
    assert pickle.loads(pickle.dumps(real)).rows == real.rows


def test_a_graph_answer_survives_the_trip_from_a_worker(any_store: Store):
    sent = evaluate(any_store, "CONSTRUCT { ?c a r2p:Case } WHERE { ?c a r2p:Case }")
    got = pickle.loads(pickle.dumps(sent))
    assert got.form == "CONSTRUCT" and set(got.triples) == set(sent.triples) and len(got.triples) >= 20


def test_a_row_with_nothing_bound_is_still_a_row(oxigraph_store: Store):
    """SPARQL counts it, Oxigraph and oxrdflib keep it; rdflib's Result would drop an empty dict."""
    text = "SELECT ?x WHERE { OPTIONAL { ?s <urn:x:none> ?x } }"
    assert len(list(run_query(oxigraph_store, text))) == len(list(oxigraph_store.graph.query(text))) == 1
    assert rows_of(answer(oxigraph_store, text, "json"), "json") == [(None,)]


def test_direct_rows_read_like_rdflib_rows(oxigraph_store: Store):
    rows = list(run_query(oxigraph_store, CASES + " ORDER BY ?case LIMIT 2"))
    assert rows[0].case == rows[0]["case"] == rows[0][0] and rows[0].asdict() == {"case": rows[0][0]}
    result = run_query(oxigraph_store, CASES)
    assert len(result) == case_count(oxigraph_store) == len(result.bindings)


@pytest.mark.parametrize("modifiers, triples", [("", 31), ("ORDER BY ?s LIMIT 3", 3), ("ORDER BY DESC(?s) OFFSET 2 LIMIT 2", 2)])
def test_the_short_construct_form_answers_with_a_limit_on_every_store(memory_store: Store, oxigraph_store: Store,
                                                                        modifiers: str, triples: int):
    # rdflib alone failed on "CONSTRUCT WHERE { … } LIMIT n" ("'NoneType' object is not iterable")
    text = f"PREFIX r2p: <https://w3id.org/r2pkg/ontology#>\nCONSTRUCT WHERE {{ ?s a r2p:Case }} {modifiers}"
    memory, oxigraph = run_query(memory_store, text).graph, run_query(oxigraph_store, text).graph
    assert len(memory) == len(oxigraph) == triples
    assert set(memory) == set(oxigraph)

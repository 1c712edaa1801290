"""The hash joins given to rdflib's engine give rdflib's own rows, in its order.

Random solution sequences over a few variables, with some variables unbound in some rows
(the case where MINUS and join semantics differ from a plain equality join), are run
through rdflib's nested loops and through :mod:`r2pkg.store.rdflib_joins`.
"""

from __future__ import annotations

import random

import pytest
from rdflib import Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql import evaluate
from rdflib.plugins.sparql.sparql import FrozenDict

from r2pkg.store import rdflib_joins

VARIABLES = [Variable(name) for name in ("a", "b", "c", "d")]
VALUES = [URIRef("urn:x:1"), URIRef("urn:x:2"), Literal("1"), Literal(1), Literal("1", lang="en")]


def _rows(rng: random.Random, count: int) -> list[FrozenDict]:
    rows = []
    for _ in range(count):
        bound = [v for v in VARIABLES if rng.random() < 0.6]
        rows.append(FrozenDict((v, rng.choice(VALUES)) for v in bound))
    return rows


@pytest.mark.parametrize("seed", range(40))
def test_minus_removes_the_rows_rdflib_removes(seed: int):
    rng = random.Random(seed)
    left, right = _rows(rng, 40), _rows(rng, rng.randint(0, 30))
    assert list(rdflib_joins.minus(left, set(right))) == list(rdflib_joins._ORIGINAL_MINUS(left, set(right)))


@pytest.mark.parametrize("seed", range(40))
def test_join_gives_rdflibs_rows_in_rdflibs_order(seed: int):
    rng = random.Random(seed)
    left, right = _rows(rng, 30), set(_rows(rng, rng.randint(0, 30)))
    assert list(rdflib_joins.join(left, right)) == list(rdflib_joins._ORIGINAL_JOIN(left, right))


def test_the_memory_store_uses_them():
    import r2pkg.store.memory  # noqa: F401  (installs them)

    assert evaluate._minus is rdflib_joins.minus and evaluate._join is rdflib_joins.join
    assert evaluate.evalBGP is rdflib_joins.eval_bgp


def test_minus_with_initial_bindings_keeps_rdflibs_meaning():
    """pySHACL's $this arrives as an initial binding: a row without ?this still compares with it."""
    graph = Graph()
    for s, o in (("urn:s:1", "urn:o:1"), ("urn:s:2", "urn:o:2")):
        graph.add((URIRef(s), URIRef("urn:p"), URIRef(o)))
    query = "SELECT ?o WHERE { ?this <urn:p> ?o MINUS { ?x <urn:p> ?o FILTER(?x != ?this) } }"
    rows = graph.query(query, initBindings={"this": URIRef("urn:s:1")})
    assert [row.o for row in rows] == [URIRef("urn:o:1")]


def _random_graph(rng: random.Random) -> Graph:
    graph = Graph()
    nodes = [URIRef(f"urn:n:{i}") for i in range(8)]
    predicates = [URIRef(f"urn:p:{i}") for i in range(3)]
    for _ in range(40):
        graph.add((rng.choice(nodes), rng.choice(predicates), rng.choice(nodes + [Literal(rng.randint(0, 2))])))
    return graph


def _random_query(rng: random.Random) -> str:
    terms = ["?a", "?b", "?c", "<urn:n:1>", "<urn:n:2>"]
    patterns = []
    for _ in range(rng.randint(2, 4)):
        patterns.append(f"{rng.choice(terms[:3] + terms[3:4])} <urn:p:{rng.randint(0, 2)}> {rng.choice(terms)} .")
    optional = f" OPTIONAL {{ {rng.choice(['?a', '?b'])} <urn:p:{rng.randint(0, 2)}> ?d . ?d <urn:p:0> ?e . }}"
    return "SELECT * WHERE { " + " ".join(patterns) + optional + " }"


def _solutions(graph: Graph, query: str) -> list[tuple]:
    return sorted(tuple(str(value) for value in row) for row in graph.query(query))


@pytest.mark.parametrize("seed", range(60))
def test_bgp_order_chosen_at_run_time_gives_rdflibs_solutions(seed: int, monkeypatch):
    rdflib_joins.install()
    rng = random.Random(seed)
    graph, query = _random_graph(rng), _random_query(rng)
    ours = _solutions(graph, query)
    monkeypatch.setattr(evaluate, "evalBGP", rdflib_joins._ORIGINAL_BGP)
    monkeypatch.setattr(evaluate, "_minus", rdflib_joins._ORIGINAL_MINUS)
    monkeypatch.setattr(evaluate, "_join", rdflib_joins._ORIGINAL_JOIN)
    assert ours == _solutions(graph, query), query

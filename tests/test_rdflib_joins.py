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


def test_minus_with_initial_bindings_keeps_rdflibs_meaning():
    """pySHACL's $this arrives as an initial binding: a row without ?this still compares with it."""
    graph = Graph()
    for s, o in (("urn:s:1", "urn:o:1"), ("urn:s:2", "urn:o:2")):
        graph.add((URIRef(s), URIRef("urn:p"), URIRef(o)))
    query = "SELECT ?o WHERE { ?this <urn:p> ?o MINUS { ?x <urn:p> ?o FILTER(?x != ?this) } }"
    rows = graph.query(query, initBindings={"this": URIRef("urn:s:1")})
    assert [row.o for row in rows] == [URIRef("urn:o:1")]

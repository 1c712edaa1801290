"""A query answered on the few triples it can match, read by indexed lookups.

A saved query such as "what do the sources say about pillar two" matches a dozen
statements, their citations and some labels; Oxigraph nevertheless reads every citation of
the graph for its ``OPTIONAL`` (76 s at 10M triples). Here the triples the query can match
are read first, node by node through the store's indexes (:class:`Fragment`), into a small
in-memory Oxigraph store, and the query's own SPARQL text is run on that: the answer is the
query's by definition, and costs what the matched nodes cost, whatever the graph's size.
Whether a fragment holds everything a query can match is each caller's claim, proved by
``tests/test_query_views.py`` (the same rows as the whole graph, on the bundled graph and
on a generated one).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping

import pyoxigraph as ox
from rdflib.namespace import RDFS
from rdflib.term import Node

from r2pkg.sparql import Answer, ParsedQuery, prepare
from r2pkg.store.base import Store

LABEL = ox.NamedNode(str(RDFS.label))


class Fragment:
    """Triples of a few nodes read from an Oxigraph store by indexed lookups only.

    :meth:`node` takes a node's own triples, those of the blank nodes it points at (its
    citations), and the labels of every IRI they use as predicate or object: what a page or
    a saved query shows about a node.
    """

    def __init__(self, store: Store) -> None:
        self.engine: ox.Store = store.engine  # type: ignore[attr-defined]
        self.quads: set[ox.Quad] = set()
        self._described: set[object] = set()
        self._labelled: set[object] = set()
        self._store: tuple[int, object] | None = None  # (triples it holds, the store the queries run on)

    def _match(self, s=None, p=None, o=None) -> Iterable[ox.Quad]:
        return self.engine.quads_for_pattern(s, p, o, ox.DefaultGraph())

    def node(self, node) -> None:
        """The node's triples, its blank nodes' triples, and the labels of the IRIs they use."""
        if node in self._described:
            return
        self._described.add(node)
        for quad in self._match(node):
            self.quads.add(quad)
            self.label(quad.predicate)
            if isinstance(quad.object, ox.BlankNode):
                self.node(quad.object)
            elif isinstance(quad.object, ox.NamedNode):
                self.label(quad.object)

    def label(self, iri) -> None:
        """The ``rdfs:label`` triples of one IRI."""
        if iri not in self._labelled:
            self._labelled.add(iri)
            self.quads.update(self._match(iri, LABEL))

    def triples(self, s=None, p=None, o=None) -> list[ox.Quad]:
        """The triples matching one pattern, added to the fragment (and returned)."""
        found = list(self._match(s, p, o))
        self.quads.update(found)
        return found

    def answer(self, text: str, bindings: Mapping[str, Node] | None = None,
               max_rows: int | None = None) -> Answer:
        """``text`` (with ``bindings``) run on the fragment by Oxigraph, as the store would run it."""
        from r2pkg.store.oxigraph import OxigraphStore

        if self._store is None or self._store[0] != len(self.quads):  # filled once per set of triples
            engine = ox.Store()
            engine.extend(self.quads)
            self._store = (len(self.quads), OxigraphStore(engine))
        return self._store[1].run(_prepared(text, tuple((bindings or {}).items())), max_rows)


def walk(start: object, step: Callable[[object], Iterable[object]]) -> None:
    """Every node reachable from ``start`` by ``step`` (which reads a node into the fragment
    and gives the nodes it leads to), each once; literals and the like are not walked."""
    seen: set = set()
    todo = [start]
    while todo:
        node = todo.pop()
        if node in seen or not isinstance(node, (ox.NamedNode, ox.BlankNode)):
            continue
        seen.add(node)
        todo.extend(step(node))


@functools.lru_cache(maxsize=64)
def _prepared(text: str, bindings: tuple) -> ParsedQuery:
    """The query read once per text and values: reading a saved query (rdflib's parser, for
    the checks) takes longer than running it on a fragment."""
    return prepare(text, dict(bindings))

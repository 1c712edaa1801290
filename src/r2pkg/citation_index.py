"""The citation index: every node's citations (``r2p:evidence``) with all their properties.

A page shows a node's citations (source, locator, quote, assertion, who it is attributed
to, breadth, the statements it supports...). Asking the store for each citation's
properties one by one costs a lookup per property per citation; this view holds them
ready, one dictionary entry per node. It is a store view (``Store.view``): kept with the
store, saved in ``DIR/views`` by the on-disk Oxigraph store so a later process reads it
instead of scanning the graph, and brought up to date by a write from the entry alone
(:func:`update`): only the nodes the entry gives citations to, or whose citations it adds
to, are read again, never the whole graph.

Each node maps to a tuple of ``(citation, ((property, value), ...))``, both sorted, so two
indexes of the same graph compare equal.
"""

from __future__ import annotations

from rdflib import BNode, Graph
from rdflib.term import Node

from r2pkg.namespaces import R2P
from r2pkg.store.base import INCREMENTAL, Store

#: The view's name; change it whenever the shape of the view changes.
VIEW = "citations-1"

Record = tuple[Node, tuple[tuple[Node, Node], ...]]
Index = dict[Node, tuple[Record, ...]]


def citation_index(store: Store) -> Index:
    """The store's citation index, built on first use (or read where a process saved it)."""
    return store.view(VIEW, build)


def citations_of(store: Store, node: Node) -> tuple[Record, ...]:
    """``node``'s citations with their properties, from the index."""
    return citation_index(store).get(node, ())


def build(store: Store) -> Index:
    """The index read from the whole graph (once per graph, then kept)."""
    subjects = {s for s, _ in store.subject_objects(R2P.evidence)}
    return {s: _records(store, s) for s in subjects}


def update(index: Index, store: Store, entry: Graph) -> Index:
    """The index after ``entry`` was added to ``store``: the nodes it touches read again."""
    touched = {s for s in entry.subjects(R2P.evidence, None)}
    for citation in {s for s in entry.subjects() if isinstance(s, BNode)}:
        touched.update(store.subjects(R2P.evidence, citation))  # more said about a citation already held
    updated = dict(index)
    for node in touched:
        records = _records(store, node)
        if records:
            updated[node] = records
        else:
            updated.pop(node, None)
    return updated


def _records(store: Store, node: Node) -> tuple[Record, ...]:
    return tuple(sorted(((c, tuple(sorted(store.predicate_objects(c), key=_order)))
                         for c in set(store.objects(node, R2P.evidence))), key=lambda r: _order(r[:1])))


def _order(values: tuple) -> tuple:
    return tuple((type(v).__name__, str(v)) for v in values)


INCREMENTAL[VIEW] = update

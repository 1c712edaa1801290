"""What links to a node ("Linked from" on its page): a page of each kind of link, and how many.

A pillar, an organ or a crime is the object of thousands of links at a million triples
(pillar 3: 7,074 responses filed under it), and listing them all cost a label lookup each:
0.4 s a view, 1 MB of HTML. So a page lists at most :data:`PAGE` nodes of each kind of link
and says how many there are; ``/linked`` lists the rest, a page at a time. Every lookup is
by the node (and the property): the properties that point at it, then, per property, its
first subjects with a LIMIT; the exact count is asked only of a property with more than a
page, and kept with the store until the next write (``Store.derived``), so a warm view asks
nothing. No node of the bundled graph has more than 178 links of one kind, so its pages
list every link, as they always did.

Blank nodes (citations, whose ``r2p:source`` points at a document) are left out, as before.
"""

from __future__ import annotations

from itertools import islice

from rdflib import BNode, URIRef
from rdflib.term import Node

from r2pkg.store import Store

#: How many nodes of one kind of link a page lists (the bundled graph's most is 178).
PAGE = 200

#: How many nodes' summaries are kept between writes (each holds at most PAGE nodes per property).
_KEPT = 512
_CACHE = "linked-from"


def linked_from(store: Store, node: URIRef) -> dict[URIRef, tuple[list[Node], int]]:
    """Each property that links a non-blank subject to ``node``: its first :data:`PAGE`
    subjects (in the store's order) and how many there are in all."""
    kept = store.derived.setdefault(_CACHE, {})
    found = kept.get(node)
    if found is None:
        found = _summary(store, node)
        if len(kept) >= _KEPT:
            kept.clear()
        kept[node] = found
    return found


def linked_page(store: Store, node: URIRef, prop: URIRef, offset: int, limit: int = PAGE) -> list[Node]:
    """The subjects linked to ``node`` by ``prop``, ``limit`` of them from ``offset``, in the
    same order :func:`linked_from` lists the first page in."""
    engine = _engine(store)
    if engine is None:
        return list(islice(_subjects(store, node, prop), offset, offset + limit))
    text = (f"SELECT ?s WHERE {{ ?s {_iri(prop)} {_iri(node)} FILTER(!isBlank(?s)) }} "
            f"LIMIT {int(limit)} OFFSET {int(offset)}")
    return [URIRef(row[0].value) for row in engine.query(text)]


def _summary(store: Store, node: URIRef) -> dict[URIRef, tuple[list[Node], int]]:
    engine = _engine(store)
    if engine is None:  # a store in memory or behind an endpoint: the bundled graph's size
        found: dict[URIRef, list[Node]] = {}
        for s, p in store.subject_predicates(node):
            if not isinstance(s, BNode):
                found.setdefault(p, []).append(s)
        return {p: (subjects[:PAGE], len(subjects)) for p, subjects in found.items()}
    summary = {}
    for row in engine.query(f"SELECT DISTINCT ?p WHERE {{ ?s ?p {_iri(node)} }}"):
        prop = URIRef(row[0].value)
        first = linked_page(store, node, prop, 0, PAGE + 1)
        if not first:
            continue  # only blank nodes (citations) link by it
        total = len(first) if len(first) <= PAGE else _count(engine, node, prop)
        summary[prop] = (first[:PAGE], total)
    return summary


def _count(engine, node: URIRef, prop: URIRef) -> int:
    text = f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s {_iri(prop)} {_iri(node)} FILTER(!isBlank(?s)) }}"
    return int(next(iter(engine.query(text)))[0].value)


def _subjects(store: Store, node: URIRef, prop: URIRef):
    return (s for s in store.subjects(prop, node) if not isinstance(s, BNode))


def _engine(store: Store):
    """Oxigraph's own engine, where the store has one (its SPARQL needs no parsing by rdflib)."""
    engine = getattr(store, "engine", None)
    return engine if engine is not None and store.kind.startswith("oxigraph") else None


def _iri(node: URIRef) -> str:
    """``node`` written as a SPARQL IRI, checked and escaped by Oxigraph (never spliced raw)."""
    import pyoxigraph as ox

    return str(ox.NamedNode(str(node)))


__all__ = ["PAGE", "linked_from", "linked_page"]

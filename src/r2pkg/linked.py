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

from r2pkg.namespaces import R2P
from r2pkg.store import Store

#: How many nodes of one kind of link a page lists (the bundled graph's most is 178).
PAGE = 200

#: How many nodes' summaries are kept between writes (each holds at most PAGE nodes per property).
_KEPT = 512
_CACHE = "linked-from"
_INFERRED = "linked-inferred"


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
    return [URIRef(row[0].value) for row in _bound(engine, node, text)]


def inferred_value_claims(store: Store, node: URIRef, inferred_only) -> tuple[list[Node], int]:
    """The claims whose value is ``node`` and that rest only on an editor's inference, with no
    plain triple saying the same (``inferred_only``, :func:`r2pkg.describe.inferred_only`):
    the first :data:`PAGE` and how many there are. A page shows their subjects as links
    "inferred by an editor, not a stated fact". At a million triples 1,700 claims name
    Chapter VII as their value and 324 claims with an inferring citation name genocide;
    checking each took up to a second a view. On Oxigraph one query by the node keeps those
    with an inferring citation and no plain triple of theirs (2 of the 324), and only those
    are checked; the answer is kept until the next write, as :func:`linked_from`'s."""
    kept = store.derived.setdefault(_INFERRED, {})
    found = kept.get(node)
    if found is None:
        engine = _engine(store)
        if engine is None:
            candidates = list(store.subjects(R2P.claimValue, node))
        else:  # the Stated check stays in Python: as a NOT EXISTS, Oxigraph scans every citation
            text = (f"SELECT DISTINCT ?c WHERE {{ ?c {_iri(R2P.claimValue)} {_iri(node)} ; {_iri(R2P.evidence)} ?e . "
                    f"?e {_iri(R2P.assertion)} {_iri(R2P.Inferred)} . "
                    f"?c {_iri(R2P.claimSubject)} ?s ; {_iri(R2P.claimProperty)} ?p . MINUS {{ ?s ?p {_iri(node)} }} }}")
            candidates = [_term(row[0]) for row in _bound(engine, node, text)]
        every = [c for c in candidates if inferred_only(store, c)]
        found = (every[:PAGE], len(every))
        if len(kept) >= _KEPT:
            kept.clear()
        kept[node] = found
    return found


def _term(term) -> Node:
    return BNode(term.value) if type(term).__name__ == "BlankNode" else URIRef(term.value)


def _summary(store: Store, node: URIRef) -> dict[URIRef, tuple[list[Node], int]]:
    engine = _engine(store)
    if engine is None:  # a store in memory or behind an endpoint: the bundled graph's size
        found: dict[URIRef, list[Node]] = {}
        for s, p in store.subject_predicates(node):
            if not isinstance(s, BNode):
                found.setdefault(p, []).append(s)
        return {p: (subjects[:PAGE], len(subjects)) for p, subjects in found.items()}
    summary = {}
    for row in _bound(engine, node, f"SELECT DISTINCT ?p WHERE {{ ?s ?p {_iri(node)} }}"):
        prop = URIRef(row[0].value)
        first = linked_page(store, node, prop, 0, PAGE + 1)
        if not first:
            continue  # only blank nodes (citations) link by it
        total = len(first) if len(first) <= PAGE else _count(engine, node, prop)
        summary[prop] = (first[:PAGE], total)
    return summary


def _count(engine, node: URIRef, prop: URIRef) -> int:
    text = f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s {_iri(prop)} {_iri(node)} FILTER(!isBlank(?s)) }}"
    return int(next(iter(_bound(engine, node, text)))[0].value)


def _subjects(store: Store, node: URIRef, prop: URIRef):
    return (s for s in store.subjects(prop, node) if not isinstance(s, BNode))


def _engine(store: Store):
    """The Oxigraph engine, for queries bound to the page's node (:func:`_bound`); None on
    other stores, which are asked by lookups. Bound to one node, a query is a few index
    lookups done in the engine: at ten million triples, Charter Chapter VII is the value of
    16,519 claims, and checking each by lookups from Python took 29 s on a first view where
    one query takes 0.7 s (bench/RESULTS.md, 2026-12-07)."""
    engine = getattr(store, "engine", None)
    return engine if engine is not None and str(getattr(store, "kind", "")).startswith("oxigraph") else None


#: The first line of every query a page asks: the node it is bound to. Pages run no other
#: SPARQL (tests/test_query_views.py refuses any query without it, or whose node is not in it).
BOUND = "# r2pkg: bound to "


def _bound(engine, node: URIRef, text: str):
    """``text``, which starts from ``node``, asked of the engine with the node it is bound to."""
    return engine.query(f"{BOUND}{_iri(node)}\n{text}")


def _iri(node: URIRef) -> str:
    """``node`` written as a SPARQL IRI, checked and escaped by Oxigraph (never spliced raw)."""
    import pyoxigraph as ox

    return str(ox.NamedNode(str(node)))


__all__ = ["BOUND", "PAGE", "inferred_value_claims", "linked_from", "linked_page"]

"""The citation index: every node's citations (``r2p:evidence``) with all their properties.

A page shows a node's citations (source, locator, quote, assertion, who it is attributed
to, breadth, the statements it supports...). Asking the store for each citation's
properties one by one costs a lookup per property per citation; this view holds them
ready, one dictionary entry per node. It is a store view (``Store.view``): kept with the
store, saved in ``DIR/views`` by the on-disk Oxigraph store so a later process reads it
instead of scanning the graph, and brought up to date by a write from the entry alone
(:func:`changes`, which the store also appends to the view's log on disk): only the nodes
the entry gives citations to, or whose citations it adds to, are read again, never the
whole graph. The on-disk store builds it as it loads the files; a page reads it only where
this process holds it (:func:`citations_of`) and otherwise asks the store for the one node,
so no request waits for a whole-graph scan or a large file.

Each node maps to a tuple of ``(citation, ((property, value), ...))``, both sorted, so two
indexes of the same graph compare equal. Terms are held as tuples of strings (``("u", iri)``,
``("b", id)``, ``("l", text, language, datatype)``), not rdflib terms: a saved index then
reads back in milliseconds per megabyte, and only the citations a page shows are turned into
rdflib terms (:func:`citations_of`). On Oxigraph the index is built by one query of the
engine's own, not a lookup per citation.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from r2pkg.namespaces import R2P
from r2pkg.store.base import BUILT_ON_LOAD, INCREMENTAL, Store
from r2pkg.view_changes import Change, apply

#: The view's name; change it whenever the shape of the view changes.
VIEW = "citations-2"

Term = tuple[str, ...]
Record = tuple[Term, tuple[tuple[Term, Term], ...]]
Index = dict[Term, tuple[Record, ...]]

_QUERY = f"SELECT ?s ?c ?p ?o WHERE {{ ?s <{R2P.evidence}> ?c . ?c ?p ?o }}"


def citation_index(store: Store) -> Index:
    """The store's citation index, built on first use (or read where a process saved it)."""
    return store.view(VIEW, build)


def citations_of(store: Store, node: Node) -> list[tuple[Node, list[tuple[Node, Node]]]]:
    """``node``'s citations with their properties, as rdflib terms: from the index where this
    process holds it in memory, else read for this node alone (one lookup of its citations,
    one per citation). A page never waits for the whole index to be built, nor to be read
    from ``DIR/views``: at a million triples that file is 80 MB, 1.2 s to read, on a case
    page's first view, for what twenty lookups of a few microseconds answer."""
    index = store.derived.get(VIEW)
    records = index.get(_key(node), ()) if index is not None else _records(store, node)
    return [(_term(c), [(_term(p), _term(o)) for p, o in pairs]) for c, pairs in records]


def build(store: Store) -> Index:
    """The index read from the whole graph (once per graph, then kept)."""
    engine = getattr(store, "engine", None)
    if engine is not None and store.kind.startswith("oxigraph"):
        found: dict[Term, dict[Term, list[tuple[Term, Term]]]] = {}
        for s, c, p, o in engine.query(_QUERY):
            found.setdefault(_ox_key(s), {}).setdefault(_ox_key(c), []).append((_ox_key(p), _ox_key(o)))
        return {s: _sorted(cites) for s, cites in found.items()}
    subjects = {s for s, _ in store.subject_objects(R2P.evidence)}
    return {_key(s): _records(store, s) for s in subjects}


def update(index: Index, store: Store, entry: Graph) -> Index:
    """The index after ``entry`` was added to ``store``: the nodes it touches read again."""
    return apply(index, changes(index, store, entry))  # type: ignore[return-value]


def changes(index: Index, store: Store, entry: Graph) -> list[Change]:
    """What ``entry`` (added to, or taken out of, ``store``) changes in the index: the records
    of the nodes it gives citations to, or whose citations it says more about, read again."""
    touched = set(entry.subjects(R2P.evidence, None))
    for citation in {s for s in entry.subjects() if isinstance(s, BNode)}:
        touched.update(store.subjects(R2P.evidence, citation))  # more said about a citation already held
    found: list[Change] = []
    for node in touched:
        records = _records(store, node)
        if records:
            found.append(("set", (_key(node),), records))
        elif _key(node) in index:
            found.append(("del", (_key(node),), None))
    return found


def _records(store: Store, node: Node) -> tuple[Record, ...]:
    return _sorted({_key(c): [(_key(p), _key(o)) for p, o in store.predicate_objects(c)]
                    for c in set(store.objects(node, R2P.evidence))})


def _sorted(cites: dict[Term, list[tuple[Term, Term]]]) -> tuple[Record, ...]:
    return tuple(sorted((c, tuple(sorted(set(pairs)))) for c, pairs in cites.items()))


def _key(term: Node) -> Term:
    """An rdflib term as plain strings (Oxigraph's forms: a plain literal is an xsd:string)."""
    if isinstance(term, Literal):
        return ("l", str(term), term.language or "", str(term.datatype or ""))
    if isinstance(term, BNode):
        return ("b", str(term))
    return ("u", str(term))


def _ox_key(term) -> Term:
    """A pyoxigraph term as :func:`_key` writes the rdflib term Oxigraph's store gives for it."""
    if hasattr(term, "datatype"):
        return ("l", term.value, term.language or "", "" if term.language else term.datatype.value)
    if type(term).__name__ == "BlankNode":
        return ("b", term.value)
    return ("u", term.value)


def _term(key: Term) -> Node:
    if key[0] == "l":
        _, text, language, datatype = key
        return Literal(text, lang=language or None, datatype=URIRef(datatype) if datatype and not language else None)
    return BNode(key[1]) if key[0] == "b" else URIRef(key[1])


INCREMENTAL[VIEW] = changes
BUILT_ON_LOAD[VIEW] = build

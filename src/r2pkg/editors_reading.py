"""The rows of ``where-the-answer-rests-on-an-editors-reading``, kept with the store.

The query lists every node whose answer rests on an editor's reading (claims whose
citations are all inferred, inferred citations elsewhere, editor-given numbers, Charter text
resting on one copy). Run on the whole graph it reads every citation (92 s at 10M triples),
and its answer grows with the graph (2,026 rows at 100k), so it is kept as a view: its rows
by node, and each node's classes (for the optional ``type`` parameter). The view is built
from the query's own SPARQL text, run once on the whole graph as the on-disk store loads;
after that a write brings it up to date from the entry alone (:func:`changes`): the nodes
whose rows the entry can change are found by lookups (the entry's nodes, the nodes whose
citations it touches, the claims a new label or a new plain triple bears on), and the same
SPARQL text is run on their triples (:mod:`r2pkg.fragments`). The rows are answered in the
query's ``ORDER BY`` (:func:`order`).
"""

from __future__ import annotations

from collections.abc import Mapping

from rdflib import RDF, RDFS, BNode, Graph
from rdflib.term import Node

from r2pkg.fragments import Fragment
from r2pkg.namespaces import R2P
from r2pkg.query_views import order_by, rows_by_node, view_of
from r2pkg.sparql import Answer, prepare
from r2pkg.store.base import BUILT_ON_LOAD, INCREMENTAL, Store
from r2pkg.store.oxigraph import to_ox
from r2pkg.view_changes import Change, apply
from r2pkg.view_terms import Term, key_of

#: The view's name; change it whenever the view's shape changes.
VIEW = "editors-reading-2"
#: The saved query the view answers.
QUERY = "where-the-answer-rests-on-an-editors-reading"
#: The answer in order, kept until the next write (not saved: sorting is quick).
_SORTED = VIEW + "-sorted"

Row = tuple[Term | None, ...]


def saved_text() -> str:
    """The saved query's text, its definition."""
    from r2pkg.queries import find_query

    return find_query(QUERY).text


def reading_rows(store: Store) -> dict:
    """The store's view, built on first use (or read where a process saved it)."""
    return store.view(VIEW, build)


def build(store: Store) -> dict:
    """The view from the query run once on the whole graph."""
    text = saved_text()
    found = store.run(prepare(text), None)
    column = found.names.index("node")
    rows: dict[Node, list[Row]] = {}
    for row in found.rows:
        rows.setdefault(row[column], []).append(_compact(row))
    return {"text": text, "names": list(found.names),
            "rows": {key_of(node): tuple(node_rows) for node, node_rows in rows.items()},
            "types": {key_of(node): _types(store, node) for node in rows}}


def _compact(row) -> Row:
    """A row as tuples of strings (:mod:`r2pkg.view_terms`): a view of 17,000 rows is saved
    at every write, and rdflib terms pickle ten times slower."""
    return tuple(None if value is None else key_of(value) for value in row)


def _types(store: Store, node: Node) -> frozenset:
    return frozenset(key_of(t) for t in store.objects(node, RDF.type))


def update(view: dict, store: Store, entry: Graph) -> dict:
    """The view after ``entry`` was added to (or taken out of) ``store``."""
    return apply(view, changes(view, store, entry))  # type: ignore[return-value]


def changes(view: dict, store: Store, entry: Graph) -> list[Change]:
    """What ``entry`` (added to, or taken out of, ``store``) changes in the view: the rows of
    the nodes it can change are computed again on their own triples, the others kept."""
    nodes = affected(view, store, entry)
    fragment = Fragment(store)
    for node in nodes:
        fragment.node(to_ox(node))
        for s, p, v in _claimed(store, node):  # the plain triple a claim is checked against
            fragment.triples(to_ox(s), to_ox(p), to_ox(v))
    found = fragment.answer(view["text"])
    column = found.names.index("node")
    rows: dict[Node, list[Row]] = {}
    for row in found.rows:
        if row[column] in nodes:
            rows.setdefault(row[column], []).append(_compact(row))
    steps: list[Change] = []
    for node in nodes:
        key = key_of(node)
        if node in rows:
            steps.append(("set", ("rows", key), tuple(rows[node])))
            steps.append(("set", ("types", key), _types(store, node)))
        elif key in view["rows"] or key in view["types"]:
            steps.append(("del", ("rows", key), None))
            steps.append(("del", ("types", key), None))
    return steps


def affected(view: dict, store: Store, entry: Graph) -> set[Node]:
    """The nodes whose rows ``entry`` can change, found by lookups (never a scan)."""
    nodes: set[Node] = set()
    claims_about: dict[Node, list[Node]] = {}
    for s, p, o in entry:
        if isinstance(s, BNode):  # a citation: its node (from the store, or the entry if taken out)
            nodes.update(store.subjects(R2P.evidence, s))
            nodes.update(entry.subjects(R2P.evidence, s))
        else:
            nodes.add(s)
        if p == RDFS.label:  # a label shown in other nodes' rows: a source's, a property's, a value's
            for citation in store.subjects(R2P.source, s):
                nodes.update(store.subjects(R2P.evidence, citation))
            nodes.update(store.subjects(R2P.claimProperty, s))
            nodes.update(store.subjects(R2P.claimValue, s))
            nodes.update(store.subjects(s, None))  # a property the rows name (r2p:editorNumber)
        if s not in claims_about:
            claims_about[s] = list(store.subjects(R2P.claimSubject, s))
        for claim in claims_about[s]:  # a claim whose fact is now (or no longer) a plain triple
            if (claim, R2P.claimProperty, p) in store and (claim, R2P.claimValue, o) in store:
                nodes.add(claim)
    return nodes


def _claimed(store: Store, node: Node) -> list[tuple[Node, Node, Node]]:
    return [(s, p, v) for s in store.objects(node, R2P.claimSubject)
            for p in store.objects(node, R2P.claimProperty) for v in store.objects(node, R2P.claimValue)]


def order(names: list[str]):
    """The query's ``ORDER BY ?kind ?nodeLabel STR(?node) COALESCE(STR(?property), "") ...``
    as a Python sort key on the view's rows (:func:`r2pkg.query_views.order_by`)."""
    return order_by(names, ("kind", "nodeLabel", "node", "property", "value", "locator", "note"))


def answer(store: Store, text: str, bindings: Mapping[str, Node], max_rows: int | None,
           held_only: bool = False) -> Answer | None:
    """The rows of the view in the query's order, of the nodes of the given class if any;
    None if the saved query's text is not the one the view was built from."""
    view = view_of(store, VIEW, build, held_only)
    if view is None or view["text"] != text:
        return None
    return rows_by_node(store, view, _SORTED, order(view["names"]), bindings.get("__type_iri"), max_rows)


INCREMENTAL[VIEW] = changes
BUILT_ON_LOAD[VIEW] = build

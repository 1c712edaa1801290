"""The rows of ``inferred-facts-to-double-check``, kept with the store.

The query lists every inferred citation of the nodes of one class, with its source, locator
and note. Its answer grows with the graph (1,432 rows at a million triples, for claims) and
Oxigraph reads every inferred citation and every label to give it (0.6 s at a million
triples, ten times that at ten million). So its rows are kept as a view: by node, with each
node's classes (for the ``type`` parameter).

The view is built from the query's own SPARQL text run once on the whole graph with the type
left open: ``?node a ?__type_iri`` then matches once per class of the node, so each of a
node's rows comes once per class, and dividing by the number of its classes gives the rows
of the query with any one of them bound (the type triple is joined to nothing else). A write
brings the view up to date from the entry alone (:func:`update`): the nodes whose rows it can
change (the entry's nodes, the holders of the citations it touches, the holders of citations
of a source whose label it changes) are found by lookups, and the same text is run on their
triples (:mod:`r2pkg.fragments`). The rows are answered in the query's ``ORDER BY``
(:func:`order`), which names every column that can tell two rows apart, so that the view's
order and the engine's agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from rdflib import RDF, RDFS, BNode, Graph
from rdflib.term import Node

from r2pkg.fragments import Fragment
from r2pkg.namespaces import R2P
from r2pkg.query_views import order_by, rows_by_node, view_of
from r2pkg.sparql import Answer, prepare
from r2pkg.store.base import BUILT_ON_LOAD, INCREMENTAL, Store
from r2pkg.store.oxigraph import to_ox
from r2pkg.view_changes import apply
from r2pkg.view_terms import key_of

#: The view's name; change it whenever the view's shape changes.
VIEW = "inferred-facts-1"
#: The saved query the view answers.
QUERY = "inferred-facts-to-double-check"
#: The answer in order, kept until the next write (not saved: sorting is quick).
_SORTED = VIEW + "-sorted"
#: The query's type parameter, as a variable of its text.
TYPE = "__type_iri"


def saved_text() -> str:
    """The saved query's text, its definition."""
    from r2pkg.queries import find_query

    return find_query(QUERY).text


def build(store: Store) -> dict:
    """The view from the query run once on the whole graph, the type left open."""
    text = saved_text()
    found = store.run(prepare(text), None)
    return {"text": text, "names": list(found.names), **_by_node(store, found, None)}


def _by_node(store: Store, found: Answer, wanted: set[Node] | None) -> dict:
    """Each node's rows (once per row of the query with one of its classes bound) and classes."""
    column = found.names.index("node")
    counted: dict[Node, Counter] = {}
    for row in found.rows:
        if wanted is None or row[column] in wanted:
            counted.setdefault(row[column], Counter())[tuple(None if v is None else key_of(v) for v in row)] += 1
    rows, types = {}, {}
    for node, rows_of in counted.items():
        classes = frozenset(key_of(t) for t in store.objects(node, RDF.type))
        rows[key_of(node)] = tuple(row for row, n in rows_of.items() for _ in range(n // max(len(classes), 1)))
        types[key_of(node)] = classes
    return {"rows": rows, "types": types}


def changes(view: dict, store: Store, entry: Graph) -> list:
    """What ``entry`` (added to, or taken out of, ``store``) changes in the view
    (:mod:`r2pkg.view_changes`): the rows of the nodes it can change, computed again on
    their own triples; the other nodes' rows are not touched."""
    nodes = affected(store, entry)
    fragment = Fragment(store)
    for node in nodes:
        fragment.node(to_ox(node))
    found = _by_node(store, fragment.answer(view["text"]), nodes)
    changes: list = []
    for node in sorted(nodes, key=str):
        key = key_of(node)
        for part in ("rows", "types"):
            if key in found[part]:
                changes.append(("set", (part, key), found[part][key]))
            elif key in view[part]:
                changes.append(("del", (part, key), None))
    return changes


def affected(store: Store, entry: Graph) -> set[Node]:
    """The nodes whose rows ``entry`` can change, found by lookups (never a scan)."""
    nodes: set[Node] = set()
    for s, p, _o in entry:
        if not isinstance(s, BNode):
            nodes.add(s)
        for g in (store, entry):  # a citation's holder (from the store, or the entry if taken out)
            nodes.update(g.subjects(R2P.evidence, s))
        if p == RDFS.label:  # a source's label, shown in the rows of its citations' holders
            for citation in store.subjects(R2P.source, s):
                nodes.update(store.subjects(R2P.evidence, citation))
    return nodes


def order(names: list[str]):
    """The query's ``ORDER BY ?nodeLabel ?locator ?node ?source ?sourceLabel ?note`` as a Python
    sort key on the view's rows (:func:`r2pkg.query_views.order_by`)."""
    return order_by(names, ("nodeLabel", "locator", "node", "source", "sourceLabel", "note"))


def answer(store: Store, text: str, bindings: Mapping[str, Node], max_rows: int | None,
           held_only: bool = False) -> Answer | None:
    """The rows of the view's nodes of the given class, in the query's order; None if the saved
    query's text is not the one the view was built from, or no class is given."""
    wanted = bindings.get(TYPE)
    view = view_of(store, VIEW, build, held_only) if wanted is not None else None
    if view is None or view["text"] != text:
        return None
    return rows_by_node(store, view, _SORTED, order(view["names"]), wanted, max_rows)


def update(view: dict, store: Store, entry: Graph) -> dict:
    """The view after ``entry`` was added to (or taken out of) ``store``."""
    return apply(view, changes(view, store, entry))  # type: ignore[return-value]


INCREMENTAL[VIEW] = changes
BUILT_ON_LOAD[VIEW] = build

"""The nodes the two backing audits list, kept with the store.

``plain-fact-triples-without-backing`` and ``plain-triples-backed-only-by-participants`` look
at every plain triple of every described node, with its citations and the claims about it:
whole-graph work (no answer within 10 s at a million triples), for an answer that should be
empty. A node's rows depend only on the node itself (its classes, triples and citations),
the claims about it (and their citations), labels, and the ontology's structural
declarations. So the view keeps, per query, the nodes that have rows (the offenders); the
answer is the query's own SPARQL text run on the triples of those nodes alone
(:mod:`r2pkg.fragments`): the rows, their order and labels are the query's by definition,
and cost what the offenders cost (none, on a graph that passes validation).

The view is built as the on-disk store loads, from both queries run once on the whole graph;
a write updates it from the entry (:func:`update`): the nodes whose rows the entry can change
are found by lookups and judged again on their own triples. An entry that
changes the ontology's structural declarations or class hierarchy rebuilds it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph
from rdflib.term import Node

from r2pkg.fragments import Fragment
from r2pkg.namespaces import R2P
from r2pkg.query_views import view_of
from r2pkg.sparql import Answer, prepare
from r2pkg.store.base import BUILT_ON_LOAD, INCREMENTAL, Store
from r2pkg.store.oxigraph import to_ox
from r2pkg.view_changes import apply
from r2pkg.view_terms import key_of, term_of

#: The view's name; change it whenever the view's shape changes.
VIEW = "fact-backing-1"
#: The saved queries the view answers.
QUERIES = ("plain-fact-triples-without-backing", "plain-triples-backed-only-by-participants")
#: Nodes judged per fragment on a write (a fragment's query stays small).
BATCH = 2000

_TYPE = ox.NamedNode(str(RDF.type))
_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))
_EVIDENCE = ox.NamedNode(str(R2P.evidence))
_CLAIM_SUBJECT = ox.NamedNode(str(R2P.claimSubject))
#: Ontology declarations the queries read besides a node's own triples.
_STRUCTURAL = (R2P.StructuralProperty, R2P.StructuralVocabulary)


def saved_texts() -> dict[str, str]:
    """The saved queries' texts, their definitions."""
    from r2pkg.queries import find_query

    return {name: find_query(name).text for name in QUERIES}


def build(store: Store) -> dict:
    """The view from each query run once on the whole graph (as the on-disk store loads)."""
    texts = saved_texts()
    offenders = {}
    for name, text in texts.items():
        found = store.run(prepare(text), None)
        column = found.names.index("node")
        offenders[name] = {key_of(row[column]) for row in found.rows}
    return {"texts": texts, "offenders": offenders}


def _judge(store: Store, texts: dict[str, str], nodes: Iterable) -> dict[str, set]:
    """The nodes among ``nodes`` that each query lists (as :func:`key_of` strings)."""
    offenders: dict[str, set] = {name: set() for name in texts}
    nodes = list(nodes)
    for start in range(0, len(nodes), BATCH):
        fragment = _fragment(store, nodes[start:start + BATCH])
        for name, text in texts.items():
            found = fragment.answer(text)
            column = found.names.index("node")
            offenders[name].update(key_of(row[column]) for row in found.rows)
    return offenders


def _fragment(store: Store, nodes: Iterable) -> Fragment:
    """The triples a node's rows depend on: its own (with its citations and the labels they
    use), the claims about it (with theirs), and the ontology's structural declarations and
    class hierarchy."""
    fragment = Fragment(store)
    for declared in _STRUCTURAL:
        fragment.triples(None, _TYPE, to_ox(declared))
    fragment.triples(None, _SUBCLASS, None)
    for node in nodes:
        if isinstance(node, ox.Literal):
            continue
        fragment.node(node)
        for quad in fragment.triples(node, _EVIDENCE, None):  # a citation that is not a blank node
            fragment.node(quad.object)
        for quad in fragment.triples(None, _CLAIM_SUBJECT, node):
            fragment.node(quad.subject)
            for cited in fragment.triples(quad.subject, _EVIDENCE, None):
                fragment.node(cited.object)
    return fragment


def changes(view: dict, store: Store, entry: Graph) -> list:
    """What ``entry`` (added to, or taken out of, ``store``) changes in the view: the nodes
    whose rows it can change are judged again (a list of changes, :mod:`r2pkg.view_changes`);
    an entry touching the structural declarations or the class hierarchy rebuilds the view
    (the whole view, one change)."""
    if any(p == RDFS.subClassOf or (p == RDF.type and o in _STRUCTURAL) for _s, p, o in entry):
        return [("set", (), build(store))]
    nodes = affected(store, entry)
    found = _judge(store, view["texts"], (to_ox(n) for n in nodes))
    keys = {key_of(n) for n in nodes}
    changes: list = []  # r2pkg.view_changes: only the judged nodes' membership
    for name in view["offenders"]:
        changes += [("discard", ("offenders", name), key) for key in sorted(keys - found[name])]
        changes += [("add", ("offenders", name), key) for key in sorted(found[name])]
    return changes


def affected(store: Store, entry: Graph) -> set[Node]:
    """The nodes whose rows ``entry`` can change, found by lookups (never a scan): the nodes
    it says something about, the holders of the citations it touches, and the subjects of
    the claims among them (in the store, or in the entry if it was taken out)."""
    graphs = (store, entry)
    nodes: set[Node] = set()
    for s in set(entry.subjects()):
        nodes.add(s)
        for g in graphs:
            nodes.update(g.subjects(R2P.evidence, s))
    for node in list(nodes):
        for g in graphs:
            nodes.update(g.objects(node, R2P.claimSubject))
    return nodes


def answer(store: Store, name: str, text: str, bindings: Mapping[str, Node], max_rows: int | None,
           held_only: bool = False) -> Answer | None:
    """The query's SPARQL run on the triples of the nodes the view lists for it; None if the
    saved query's text is not the one the view was built from."""
    view = view_of(store, VIEW, build, held_only)
    if view is None or view["texts"].get(name) != text:
        return None
    nodes = sorted(view["offenders"][name])
    return _fragment(store, (to_ox(term_of(key)) for key in nodes)).answer(text, bindings, max_rows)


def update(view: dict, store: Store, entry: Graph) -> dict:
    """The view after ``entry`` was added to (or taken out of) ``store``."""
    return apply(view, changes(view, store, entry))  # type: ignore[return-value]


INCREMENTAL[VIEW] = changes
BUILT_ON_LOAD[VIEW] = build

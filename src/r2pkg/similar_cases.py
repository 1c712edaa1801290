"""``similar-cases`` answered from each case's stated features, kept with the store.

The query scores every other case by the features it shares with the given one (an atrocity
crime it concerns, the pillar, actor or tool of one of its responses): with a case that
concerns the four crimes, nearly every case of the graph shares one, so the answer grows with
the graph and Oxigraph joins every response's pillar, actor and tool to give it (0.6 s at a
million triples, ten times that at ten million).

The view keeps, for every case (``a r2p:Case``), its features as (property, value) pairs and
its labels. The answer follows the query's text step by step: the given case's features, read
by lookups (its ``r2p:concernsCrime`` values, and its responses' ``r2p:pillar``,
``r2p:actor`` and ``r2p:instrument`` values); every other case that has one of them under the
same property; ``COUNT(DISTINCT ?feature)`` the distinct values shared; one row per label of
the other case; ``ORDER BY DESC(?sharedFeatures) ?otherLabel ?other``. A write brings the
view up to date from the entry alone (:func:`update`): the cases it says something about and
the cases of the responses it says something about are read again.
``tests/test_query_views.py`` compares the rows with the query's on the whole graph, for
several cases, on the bundled graph, a generated one, and after a write.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Graph, Literal
from rdflib.term import Node

from r2pkg.namespaces import R2P
from r2pkg.query_views import view_of
from r2pkg.sparql import Answer
from r2pkg.store.base import BUILT_ON_LOAD, INCREMENTAL, Store
from r2pkg.store.oxigraph import to_ox, to_rdflib
from r2pkg.view_changes import apply
from r2pkg.view_terms import key_of, term_of

#: The view's name; change it whenever the view's shape changes.
VIEW = "case-features-1"
#: A response's features, by the property that gives them.
RESPONSE_FEATURES = (R2P.pillar, R2P.actor, R2P.instrument)

Feature = tuple[tuple, tuple]  # (property key, value key)


def _objects(store: Store, node: ox.NamedNode, prop: Node) -> list:
    return [q.object for q in store.engine.quads_for_pattern(  # type: ignore[attr-defined]
        node, to_ox(prop), None, ox.DefaultGraph())]


def features(store: Store, case: Node) -> frozenset[Feature]:
    """The case's features, by lookups: its crimes, its responses' pillars, actors and tools."""
    node = to_ox(case)
    found = {(key_of(R2P.concernsCrime), key_of(to_rdflib(v))) for v in _objects(store, node, R2P.concernsCrime)}
    for response in _objects(store, node, R2P.hasResponse):
        if isinstance(response, ox.Literal):
            continue
        for prop in RESPONSE_FEATURES:
            found.update((key_of(prop), key_of(to_rdflib(v))) for v in _objects(store, response, prop))
    return frozenset(found)


def _labels(store: Store, case: Node) -> tuple:
    return tuple(key_of(to_rdflib(v)) for v in _objects(store, to_ox(case), RDFS.label))


def _cases(store: Store) -> list[Node]:
    return [to_rdflib(q.subject) for q in store.engine.quads_for_pattern(  # type: ignore[attr-defined]
        None, to_ox(RDF.type), to_ox(R2P.Case), ox.DefaultGraph())]


def build(store: Store) -> dict:
    """The view: every case's features and labels, read by lookups."""
    view: dict = {"features": {}, "labels": {}}
    for case in _cases(store):
        _read(view, store, case)
    return view


def _read(view: dict, store: Store, case: Node) -> None:
    key = key_of(case)
    view["features"].pop(key, None)
    view["labels"].pop(key, None)
    if (case, RDF.type, R2P.Case) in store:
        view["features"][key] = features(store, case)
        view["labels"][key] = _labels(store, case)


def changes(view: dict, store: Store, entry: Graph) -> list:
    """What ``entry`` (added to, or taken out of, ``store``) changes in the view
    (:mod:`r2pkg.view_changes`): the cases it says something about, and the cases that have
    a response it says something about, read again; the other cases' keys are not touched."""
    cases: set[Node] = set()
    for s in set(entry.subjects()):
        cases.add(s)
        for g in (store, entry):
            cases.update(g.subjects(R2P.hasResponse, s))
    changes: list = []
    for case in sorted(cases, key=str):
        key = key_of(case)
        if (case, RDF.type, R2P.Case) in store:
            changes += [("set", ("features", key), features(store, case)), ("set", ("labels", key), _labels(store, case))]
        elif key in view["features"]:
            changes += [("del", ("features", key), None), ("del", ("labels", key), None)]
    return changes


def answer(store: Store, text: str, bindings: Mapping[str, Node], max_rows: int | None,
           held_only: bool = False) -> Answer | None:
    """The query's rows for ``?_case_iri``, scored from the view; only the rows answered (up to
    the row cap) are turned into rdflib terms, each once per graph version."""
    case = bindings.get("_case_iri")
    view = view_of(store, VIEW, build, held_only) if case is not None else None
    if view is None:
        return None
    own = features(store, case)
    scored = []
    if own:
        own_key = key_of(case)
        for other, theirs in view["features"].items():
            shared = len({value for _prop, value in own & theirs})
            if shared and other != own_key:
                scored.extend((shared, label, other) for label in view["labels"][other])
    scored.sort(key=lambda r: (-r[0], r[1][1], r[2][1]))
    found = store.derived.get(_TERMS)
    if found is None or found[0] is not view:
        found = store.derived[_TERMS] = (view, {})
    terms = found[1]

    def term(key) -> Node:
        if key not in terms:
            terms[key] = Literal(str(key), datatype=XSD.integer) if isinstance(key, int) else term_of(key)
        return terms[key]
    return Answer.select(["other", "otherLabel", "sharedFeatures"],
                         ([term(other), term(label), term(n)] for n, label, other in scored), max_rows)


#: The rdflib terms of the answers given since the last write (a store cache, not saved).
_TERMS = VIEW + "-terms"


def update(view: dict, store: Store, entry: Graph) -> dict:
    """The view after ``entry`` was added to (or taken out of) ``store``."""
    return apply(view, changes(view, store, entry))  # type: ignore[return-value]


INCREMENTAL[VIEW] = changes
BUILT_ON_LOAD[VIEW] = build

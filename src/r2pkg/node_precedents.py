"""Precedents of one case, read from the case's own part of the graph, not the whole-graph index.

What a precedents page shows (what the case draws on and what draws on it, at any depth;
the most similar cases; the timeline) is :func:`r2pkg.chains.precedents` run on a small
:class:`~r2pkg.chains.Index` of the cases the case reaches along precedent links either
way (``drawsOn``, ``precedentFor``, and an editor's inferred ``drawsOn`` claims), with the
claims of the links at depth one, the features of the case and of the best-scored similar
cases (scored from the ``similar_cases`` view where the store keeps one), and the dates
the timeline shows. ``tests/test_node_chains.py`` compares every case's answer with the
whole index's, on the bundled graph and a generated one, before and after a write.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
from rdflib import BNode, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from r2pkg.chains import Index, graph_index, precedents
from r2pkg.namespaces import R2P
from r2pkg.node_chains import _new_index, _Reader, kept_answer
from r2pkg.store import Store

#: The features a case is scored on, by the kind :func:`r2pkg.chains.precedents` names them.
CASE_FEATURES = {"crimes": R2P.concernsCrime}
RESPONSE_FEATURES = {"pillars": R2P.pillar, "organs": R2P.actor, "tools": R2P.instrument}
#: The properties of an inferred feature (:func:`r2pkg.chains._inferred_features`), by kind.
FEATURE_KINDS = {R2P.concernsCrime: "crimes", R2P.pillar: "pillars", R2P.instrument: "tools", R2P.actor: "organs"}


def _precedent_edges(store: Store, reader: _Reader, x: Node) -> tuple[list, list]:
    """The precedent edges out of and into ``x``: (edge, inferred) pairs, as the whole index reads them."""
    out = [((x, o), False) for o in store.objects(x, R2P.drawsOn)]
    out += [((x, s), False) for s in store.subjects(R2P.precedentFor, x)]
    into = [((s, x), False) for s in store.subjects(R2P.drawsOn, x)]
    into += [((o, x), False) for o in store.objects(x, R2P.precedentFor)]
    out += [((x, o), True) for o in reader.inferred(x, R2P.drawsOn) if isinstance(o, URIRef)]
    for claim in set(store.subjects(R2P.claimValue, x)):
        subject = store.value(claim, R2P.claimSubject)
        if store.value(claim, R2P.claimProperty) == R2P.drawsOn and subject is not None \
                and x in reader.inferred(subject, R2P.drawsOn) and isinstance(x, URIRef):
            into.append(((subject, x), True))
    return out, into


#: A precedent edge later → earlier: ``later drawsOn earlier``, or ``earlier precedentFor later``.
_STEP = "(r2p:drawsOn|^r2p:precedentFor)"
#: The edges out of every case ``?case`` reaches (draws on, directly or through others).
_FORWARD = f"""SELECT DISTINCT ?a ?b WHERE {{
  ?case {_STEP}* ?a .
  {{ ?a r2p:drawsOn ?b }} UNION {{ ?b r2p:precedentFor ?a }}
}}"""
#: The edges out of and into every case ``?x`` that reaches ``?case`` (draws on it, directly or not).
_BACKWARD = f"""SELECT DISTINCT ?x ?a ?b WHERE {{
  ?x {_STEP}* ?case .
  {{ ?x r2p:drawsOn ?b . BIND(?x AS ?a) }} UNION {{ ?b r2p:precedentFor ?x . BIND(?x AS ?a) }}
  UNION {{ ?a r2p:drawsOn ?x . BIND(?x AS ?b) }} UNION {{ ?x r2p:precedentFor ?a . BIND(?x AS ?b) }}
}}"""


def _walk_precedents(store: Store, reader: _Reader, case: Node) -> tuple[nx.DiGraph, set]:
    """Every case ``case`` reaches along precedent edges, either way, with all their edges."""
    if isinstance(case, URIRef) and hasattr(store, "engine"):
        edges = _walk_by_queries(store, reader, case)
    else:
        edges = _walk_by_lookups(store, reader, case)
    graph = nx.DiGraph()
    if R2P.Case in reader.types(case):
        graph.add_node(case)
    graph.add_edges_from(edges)
    return graph, {e for e, inferred in edges.items() if inferred}


def _walk_by_queries(store: Store, reader: _Reader, case: URIRef) -> dict[tuple[Node, Node], bool]:
    """The precedent edges of every case ``case`` reaches, either way: the plain links by two
    SPARQL queries seeded with the case (Oxigraph walks the property path: at a million
    triples 652 cases draw on Rwanda, and a few lookups for each took a second), an editor's
    inferred links from the few the graph holds (:func:`inferred_precedent_links`), and the
    queries again from any case such a link leads to."""
    edges: dict[tuple[Node, Node], bool] = {}
    forward, backward = {case}, {case}
    seeds = [(case, False), (case, True)]
    done = set()
    while seeds:
        seed, backwards = seeds.pop()
        if (seed, backwards) in done or not isinstance(seed, URIRef):
            continue
        done.add((seed, backwards))
        if backwards:
            for x, a, b in store.select(_BACKWARD, {"case": seed}).rows:
                backward.add(x)
                edges[(a, b)] = False
        else:
            for a, b in store.select(_FORWARD, {"case": seed}).rows:
                forward.update((a, b))
                edges[(a, b)] = False
        for s, o in inferred_precedent_links(store):
            if s in forward or s in backward or o in forward or o in backward:
                edges.setdefault((s, o), True)
            if s in forward and o not in forward:
                seeds.append((o, False))
            if o in backward and s not in backward:
                seeds.append((s, True))
    return edges


#: The editor's inferred drawsOn links of the graph, kept with the store until a write.
INFERRED_LINKS = "node-chains-inferred-precedents"


def inferred_precedent_links(store: Store) -> frozenset[tuple[Node, Node]]:
    """Every editor's inferred drawsOn link (no plain triple, no stated claim of it), as the
    whole index reads them. Such claims are few; the claims of drawsOn (1,306 at a million
    triples) are picked with the engine's own lookups when they have a citation and none
    stated, then checked as the whole index does. Kept until the next write (50 ms at 1M)."""
    found = store.derived.get(INFERRED_LINKS)
    if found is None:
        version = store.version
        found = frozenset(_inferred_links(store))
        if store.version == version:
            store.derived[INFERRED_LINKS] = found
    return found  # type: ignore[return-value]


def _inferred_links(store: Store) -> set[tuple[Node, Node]]:
    import pyoxigraph as ox

    from r2pkg.store.oxigraph import to_ox, to_rdflib

    engine, default = store.engine, ox.DefaultGraph()  # type: ignore[attr-defined]
    evidence, assertion, stated = to_ox(R2P.evidence), to_ox(R2P.assertion), to_ox(R2P.Stated)
    subjects = set()
    for q in engine.quads_for_pattern(None, to_ox(R2P.claimProperty), to_ox(R2P.drawsOn), default):
        cited = [e.object for e in engine.quads_for_pattern(q.subject, evidence, None, default)]
        if cited and not any(any(True for _ in engine.quads_for_pattern(c, assertion, stated, default))
                             for c in cited if not isinstance(c, ox.Literal)):
            subjects.add(store.value(to_rdflib(q.subject), R2P.claimSubject))
    reader = _Reader(store)
    return {(s, o) for s in subjects if s is not None
            for o in reader.inferred(s, R2P.drawsOn) if isinstance(o, URIRef)}


def _walk_by_lookups(store: Store, reader: _Reader, case: Node) -> dict[tuple[Node, Node], bool]:
    """The precedent edges of every case ``case`` reaches, either way, read node by node:
    each edge → whether it is only an editor's inference."""
    edges: dict[tuple[Node, Node], bool] = {}
    for backwards in (False, True):
        todo = [case]
        seen = {case}
        while todo:
            x = todo.pop()
            out, into = _precedent_edges(store, reader, x)
            for (a, b), inferred in out + into:
                edges[(a, b)] = edges.get((a, b), True) and inferred
            for (a, b), _inferred in (into if backwards else out):
                other = a if backwards else b
                if other not in seen and isinstance(other, (URIRef, BNode)):
                    seen.add(other)
                    todo.append(other)
    return edges


def case_features(store: Store, case: Node) -> tuple[dict[str, set[Node]], list[Node]]:
    """A case's stated features by kind, and its responses (as ``_case_features`` reads them)."""
    responses = sorted(store.objects(case, R2P.hasResponse), key=str)
    found = {kind: set(store.objects(case, prop)) for kind, prop in CASE_FEATURES.items()}
    for kind, prop in RESPONSE_FEATURES.items():
        found[kind] = {v for r in responses for v in store.objects(r, prop)}
    return found, responses


def _inferred_features(reader: _Reader, case: Node, responses: list[Node]) -> dict[str, set[Node]]:
    found: dict[str, set[Node]] = defaultdict(set)
    for subject in [case, *responses]:
        for prop, kind in FEATURE_KINDS.items():
            found[kind].update(reader.inferred(subject, prop))
    return {k: v for k, v in found.items() if v}


def _scores(store: Store, case: Node) -> dict[Node, int]:
    """How many stated features each other case shares with ``case``, per kind and value."""
    from r2pkg.similar_cases import VIEW, build, features

    if hasattr(store, "engine"):  # the view of every case's features, kept with the store
        view = store.view(VIEW, build)
        own = features(store, case)
        scores: dict[Node, int] = {}
        for key, theirs in view["features"].items():
            shared = len(own & theirs)
            if shared and key[0] == "u":
                scores[URIRef(key[1])] = shared
    else:
        mine, _ = case_features(store, case)
        scores = {}
        for other in set(store.subjects(RDF.type, R2P.Case)):
            theirs, _ = case_features(store, other)
            shared = sum(len(mine[k] & theirs[k]) for k in mine)
            if shared:
                scores[other] = shared
    scores.pop(case, None)
    return scores


def _best(scores: dict[Node, int], limit: int) -> list[Node]:
    """The cases whose score is at least the ``limit``-th best (ties kept: labels rank them)."""
    if not scores:
        return []
    ranked = sorted(set(scores.values()), reverse=True)
    kept: list[Node] = []
    for score in ranked:
        if len(kept) >= limit:
            break
        kept += [n for n, s in scores.items() if s == score]
    return kept


def precedents_index(store: Store, case: Node, limit: int = 10) -> Index:
    """The index of what ``case``'s precedents read: the cases it reaches along precedent edges
    either way, the best-scored similar cases with their features, and the dates shown."""
    reader = _Reader(store)
    graph, inferred = _walk_precedents(store, reader, case)
    candidates = _best(_scores(store, case), limit)
    index = _new_index(store, reader, ())
    index.precedent, index.inferred_precedents = graph, inferred
    # a link's sources are shown for the links at depth 1 only: the case's own and its direct referrers'
    for later in {case, *(graph.predecessors(case) if case in graph else ())}:
        index.claims.update(((later, p), c) for p, c in reader.claims(later, (R2P.drawsOn,)).items())
    for other in {case, *candidates}:  # the features the similar cases are ranked by
        if R2P.Case not in reader.types(other):
            continue
        index.cases.add(other)
        found, responses = case_features(store, other)
        index.features[other], index.responses[other] = found, responses
        if extra := _inferred_features(reader, other, responses):
            index.inferred_features[other] = extra
    index.dates = _Dates(store, reader)  # read for the nodes the timeline shows, not every case reached
    return index


class _Dates(dict):
    """The date of a case (its start) or of a case's response, read when first asked for
    (``in``), as ``_case_features`` reads them for the whole index."""

    def __init__(self, store: Store, reader: _Reader) -> None:
        super().__init__()
        self.store, self.reader, self.read = store, reader, set()

    def __contains__(self, node: object) -> bool:
        if node not in self.read:
            self.read.add(node)
            when = self._date(node)  # type: ignore[arg-type]
            if when is not None:
                self[node] = str(when)
        return dict.__contains__(self, node)

    def _date(self, node: Node) -> Node | None:
        store, reader = self.store, self.reader
        if not isinstance(node, (URIRef, BNode)):
            return None
        if R2P.Case in reader.types(node):
            return store.value(node, R2P.startDate)
        if any(R2P.Case in reader.types(c) for c in store.subjects(R2P.hasResponse, node)):
            return store.value(node, R2P.date) or store.value(node, R2P.startDate)
        return None


def precedents_of(store: Store, case: Node, limit: int = 10, shown: int | None = None) -> dict:
    """``precedents`` of one case, read from lookups (from the whole index on a SPARQL endpoint)."""
    if store.uses_network:
        return precedents(graph_index(store), case, limit, shown)
    return kept_answer(store, ("precedents", case, limit, shown),
                       lambda: precedents(precedents_index(store, case, limit), case, limit, shown))


def is_case(store: Store, node: Node) -> bool:
    """True when ``node`` is a case (``a r2p:Case``), the nodes precedents are recorded between."""
    return (node, RDF.type, R2P.Case) in store


__all__ = ["case_features", "inferred_precedent_links", "is_case", "precedents_index", "precedents_of"]

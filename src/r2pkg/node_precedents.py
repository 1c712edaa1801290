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
from r2pkg.linked import _engine, bound_rows
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
#: The edges out of every case ``?a`` that reaches ``?case`` (draws on it, directly or not).
#: These are also every edge into such a case: whatever draws on a case that reaches ``?case``
#: reaches it too, so its edge is among its own out-edges (asking for the edges into each as
#: well gave the same edges in 10,864 rows instead of 6,864 for Rwanda at ten million triples).
_BACKWARD = f"""SELECT DISTINCT ?a ?b WHERE {{
  ?a {_STEP}* ?case .
  {{ ?a r2p:drawsOn ?b }} UNION {{ ?b r2p:precedentFor ?a }}
}}"""


def _walk_precedents(store: Store, reader: _Reader, case: Node) -> tuple[nx.DiGraph, set]:
    """Every case ``case`` reaches along precedent edges, either way, with all their edges."""
    if isinstance(case, URIRef) and _engine(store) is not None:
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
            backward.add(seed)  # reached with no step, as its edges' ?a when it has any
            for a, b in bound_rows(store, seed, _BACKWARD):
                backward.add(a)
                edges[(a, b)] = False
        else:
            for a, b in bound_rows(store, seed, _FORWARD):
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
    triples) are picked in the engine when they have a citation and none stated
    (:func:`_inferred_links`), then checked as the whole index does. Kept until the next write."""
    found = store.derived.get(INFERRED_LINKS)
    if found is None:
        version = store.version
        found = frozenset(_inferred_links(store))
        if store.version == version:
            store.derived[INFERRED_LINKS] = found
    return found  # type: ignore[return-value]


#: The claims of ``?property`` with a citation and no stated one (``COUNT`` of the stated is
#: 0): the editor's inferences among them. A NOT EXISTS of the stated citation ran for minutes.
_UNSTATED_CLAIMS = """SELECT ?claim WHERE {
  ?claim r2p:claimProperty ?property ; r2p:evidence ?e .
  OPTIONAL { ?e r2p:assertion ?stated FILTER(sameTerm(?stated, r2p:Stated)) }
} GROUP BY ?claim HAVING (COUNT(?stated) = 0)"""


def _inferred_links(store: Store) -> set[tuple[Node, Node]]:
    """The claims of drawsOn picked in the engine by one query bound to ``r2p:drawsOn`` (at ten
    million triples 12,630 claims, 25,260 citations: 38,000 lookups from Python took 0.55 s,
    the query half that), then checked as the whole index does."""
    claims = [row[0] for row in bound_rows(store, R2P.drawsOn, _UNSTATED_CLAIMS, variable="property")]
    subjects = {store.value(claim, R2P.claimSubject) for claim in claims}
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
    index.claims = _DrawsOnClaims(reader, {case, *(graph.predecessors(case) if case in graph else ())})
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


class _DrawsOnClaims(dict):
    """The drawsOn claims of the case and of its direct referrers, each read when first asked
    for (``get``): a page shows the nearest 100 referrers, and at ten million triples 629
    cases draw on Rwanda directly, whose claims all read took a quarter of a second."""

    def __init__(self, reader: _Reader, later: set[Node]) -> None:
        super().__init__()
        self.reader, self.later = reader, later

    def get(self, key: tuple[Node, Node], default: list | None = None) -> list | None:  # type: ignore[override]
        subject, prop = key
        if key not in self and prop == R2P.drawsOn and subject in self.later:
            self[key] = self.reader.claims(subject, (prop,)).get(prop, [])
        found = dict.get(self, key)
        return default if not found else found


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

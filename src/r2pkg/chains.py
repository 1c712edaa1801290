"""Authority chains and precedents: networkx views of the graph, built once per store.

An authority chain follows ``hasLegalBasis``, ``establishedBy`` and ``partOf`` (and any
sub-property of ``r2p:authorityProperty``) until it reaches a root: the UN Charter, the
2005 World Summit Outcome, or another treaty. Every hop carries the claims that support
it, stated or inferred; where sources disagree about a hop, both claims are shown.
A node whose chain reaches no root is a finding, reported with how far it gets.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice

import networkx as nx
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import Store

ROOT_DOCUMENTS = (URIRef(str(R2PID) + "document/un-charter"), URIRef(str(R2PID) + "document/A-RES-60-1"))
MAX_PATHS = 64

#: Links followed by "how is this connected to that?" (directed as in the graph).
CONNECTION_PROPERTIES = (
    R2P.hasLegalBasis, R2P.establishedBy, R2P.partOf, R2P.drawsOn, R2P.hasResponse, R2P.actor,
    R2P.issuedBy, R2P.cites, R2P.concerns, R2P.addressedTo, R2P.withinOrgan, R2P.parentOrgan,
    R2P.heldBy, R2P.country, R2P.subItemOf, R2P.lesson,
)

_lock = threading.Lock()


@dataclass
class Index:
    """The networkx views and lookups that chains and precedents need."""

    authority: nx.MultiDiGraph
    precedent: nx.DiGraph
    links: nx.MultiDiGraph
    roots: set[Node]
    labels: dict[Node, str]
    claims: dict[tuple[Node, Node], list[dict]]
    features: dict[Node, dict[str, set[Node]]]
    dates: dict[Node, str]
    responses: dict[Node, list[Node]]
    cases: set[Node]
    version: int = 0
    property_labels: dict[Node, str] = field(default_factory=dict)

    @cached_property
    def simple_authority(self) -> nx.DiGraph:
        """The authority edges without parallel edges, for path enumeration (built once)."""
        return nx.DiGraph(self.authority)

    @cached_property
    def cases_by_feature(self) -> dict[tuple[str, Node], set[Node]]:
        """Which cases have each (kind, node) feature, so similar cases are found without a scan."""
        found: dict[tuple[str, Node], set[Node]] = defaultdict(set)
        for case, kinds in self.features.items():
            for kind, nodes in kinds.items():
                for node in nodes:
                    found[(kind, node)].add(case)
        return dict(found)

    @cached_property
    def undirected_links(self) -> nx.Graph:
        """The links as an undirected graph, for "how are these two connected?"."""
        return nx.Graph(self.links.to_undirected(as_view=True))

    def label(self, node: Node) -> str:
        """The label of a node, or the last part of its IRI."""
        return self.labels.get(node) or str(node).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def ref(self, node: Node) -> dict[str, str]:
        """A node as plain data."""
        return {"iri": str(node), "label": self.label(node)}


def graph_index(store: Store) -> Index:
    """The index of ``store``, built on first use and kept with the store.

    The store's graph is read-only once loaded, so the index stays in step with it; a
    graph of another size (a reloaded store) gets a new index.
    """
    version = store.triple_count()
    cached = store.derived.get("chains")
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        cached = store.derived.get("chains")
        if cached is None or cached.version != version:
            cached = build_index(store)
            cached.version = version
            store.derived["chains"] = cached
    return cached


def authority_properties(store: Store) -> set[Node]:
    """hasLegalBasis, establishedBy, partOf and every declared sub-property of the authority relation."""
    props = {R2P.hasLegalBasis, R2P.establishedBy, R2P.partOf}
    props |= set(store.transitive_subjects(RDFS.subPropertyOf, R2P.authorityProperty))
    props.discard(R2P.authorityProperty)
    return props


#: Everything the index reads; a remote store is asked for these triples in one request.
INDEX_PROPERTIES = (
    RDF.type, RDFS.label, RDFS.subPropertyOf, R2P.drawsOn, R2P.precedentFor, R2P.claimSubject,
    R2P.claimProperty, R2P.claimValue, R2P.evidence, R2P.source, R2P.locator, R2P.quote, R2P.assertion,
    R2P.attributedTo, R2P.note, R2P.hasResponse, R2P.concernsCrime, R2P.pillar, R2P.instrument,
    R2P.startDate, R2P.date,
)


def build_index(store: Store) -> Index:
    """Read the graph once into networkx graphs and lookup tables."""
    props = set(INDEX_PROPERTIES) | set(CONNECTION_PROPERTIES) | authority_properties(store)
    store = store.snapshot(props)  # an endpoint sends these triples in one request
    g = store
    authority = nx.MultiDiGraph()
    for prop in authority_properties(store):
        for s, o in g.subject_objects(prop):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                authority.add_edge(s, o, key=prop, prop=prop)
    roots = set(ROOT_DOCUMENTS) | {t for t in g.subjects(RDF.type, R2P.Treaty)}
    precedent = nx.DiGraph()
    cases = set(g.subjects(RDF.type, R2P.Case))
    precedent.add_nodes_from(cases)
    for s, o in g.subject_objects(R2P.drawsOn):
        precedent.add_edge(s, o)
    for s, o in g.subject_objects(R2P.precedentFor):
        precedent.add_edge(o, s)
    links = nx.MultiDiGraph()
    claim_nodes = set(g.subjects(RDF.type, R2P.Claim))
    for prop in CONNECTION_PROPERTIES:
        for s, o in g.subject_objects(prop):
            if isinstance(s, URIRef) and isinstance(o, URIRef) and s not in claim_nodes:
                if prop == R2P.cites and (s, RDF.type, R2P.Publication) in g:
                    continue  # every publication cites dozens of documents: a hub, not a link
                links.add_edge(s, o, key=prop, prop=prop)
    claims: dict[tuple[Node, Node], list[dict]] = defaultdict(list)
    for claim in claim_nodes:
        subject, prop = g.value(claim, R2P.claimSubject), g.value(claim, R2P.claimProperty)
        if subject is None or prop is None:
            continue
        claims[(subject, prop)].append({
            "claim": str(claim),
            "label": store.label(claim),
            "value": g.value(claim, R2P.claimValue),
            "evidence": [_citation(store, c) for c in g.objects(claim, R2P.evidence)],
        })
    features, dates, responses = _case_features(store, cases)
    labels = dict(store.labels)
    return Index(authority=authority, precedent=precedent, links=links, roots=roots, labels=labels,
                 claims=dict(claims), features=features, dates=dates, responses=responses,
                 cases=cases, property_labels={p: store.label(p) for p in CONNECTION_PROPERTIES})


def _citation(store: Store, node: Node) -> dict:
    g = store
    source = g.value(node, R2P.source)

    def text(prop: URIRef) -> str | None:
        value = g.value(node, prop)
        return None if value is None else (store.label(value) if isinstance(value, URIRef) else str(value))

    return {
        "source": None if source is None else str(source),
        "source_label": None if source is None else store.label(source),
        "locator": text(R2P.locator),
        "quote": text(R2P.quote),
        "assertion": text(R2P.assertion),
        "attributed_to": text(R2P.attributedTo),
        "note": text(R2P.note),
    }


def _case_features(store: Store, cases: set[Node]):
    g = store
    features: dict[Node, dict[str, set[Node]]] = {}
    dates: dict[Node, str] = {}
    responses: dict[Node, list[Node]] = {}
    for case in cases:
        resp = sorted(g.objects(case, R2P.hasResponse), key=str)
        responses[case] = resp
        features[case] = {
            "crimes": set(g.objects(case, R2P.concernsCrime)),
            "pillars": {p for r in resp for p in g.objects(r, R2P.pillar)},
            "organs": {a for r in resp for a in g.objects(r, R2P.actor)},
            "tools": {t for r in resp for t in g.objects(r, R2P.instrument)},
        }
        start = g.value(case, R2P.startDate)
        if start is not None:
            dates[case] = str(start)
        for r in resp:
            when = g.value(r, R2P.date) or g.value(r, R2P.startDate)
            if when is not None:
                dates[r] = str(when)
    return features, dates, responses


# -- authority chains ---------------------------------------------------------------------

def _hop(index: Index, s: Node, o: Node, prop: Node) -> dict:
    supporting = [c for c in index.claims.get((s, prop), []) if c["value"] == o]
    disputed = [c for c in index.claims.get((s, prop), []) if c["value"] != o]
    hop = {
        "from": index.ref(s), "to": index.ref(o),
        "property": str(prop), "property_label": index.label(prop),
        "evidence": [e for c in supporting for e in c["evidence"]],
        "claims": [c["claim"] for c in supporting],
        "structural": prop == R2P.partOf,
        "alternatives": [
            {"value": index.ref(c["value"]) if isinstance(c["value"], URIRef) else {"iri": None, "label": str(c["value"])},
             "claim": c["claim"], "evidence": c["evidence"]}
            for c in disputed
        ],
    }
    assertions = {e.get("assertion") for e in hop["evidence"]}
    hop["assertion"] = ("structural" if hop["structural"] else
                        "stated" if "stated" in assertions else
                        "inferred" if "inferred" in assertions else "no claim recorded")
    return hop


def _path_hops(index: Index, path: list[Node]) -> list[list[dict]]:
    """All hop sequences along a node path (parallel edges give alternatives)."""
    options = [[_hop(index, s, o, k) for k in index.authority[s][o]] for s, o in zip(path, path[1:])]
    sequences: list[list[dict]] = [[]]
    for choice in options:
        sequences = [seq + [h] for seq in sequences for h in choice][:MAX_PATHS]
    return sequences


def authority_chains(index: Index, node: Node) -> dict:
    """Every path from ``node`` to a root along authority edges, each hop with its sources."""
    graph = index.authority
    result = {"node": index.ref(node), "chains": [], "reaches_root": False, "partial": [],
              "cycles": [], "message": ""}
    if node in index.roots:
        result.update(reaches_root=True, message=f"{index.label(node)} is itself a root of authority.")
        return result
    if node not in graph or graph.out_degree(node) == 0:
        result["message"] = (f"{index.label(node)} has no recorded legal basis, founding instrument or "
                             "containing instrument: the graph gives it no authority chain.")
        return result
    reachable = nx.descendants(graph, node)
    simple = index.simple_authority
    ends = sorted((n for n in reachable if n in index.roots or simple.out_degree(n) == 0), key=str)
    for end in ends:
        bucket = "chains" if end in index.roots else "partial"
        for path in islice(nx.all_simple_paths(simple, node, end), MAX_PATHS):
            if end in index.roots and any(n in index.roots for n in path[1:-1]):
                continue  # already counted at the first root it passes
            for hops in _path_hops(index, path):
                if len(result[bucket]) < MAX_PATHS:
                    entry = {"root": index.ref(end)} if bucket == "chains" else {"ends_at": index.ref(end)}
                    result[bucket].append({**entry, "hops": hops})
    result["chains"].sort(key=lambda c: (len(c["hops"]), c["root"]["label"]))
    result["partial"].sort(key=lambda c: (len(c["hops"]), c["ends_at"]["label"]))
    result["reaches_root"] = bool(result["chains"])
    result["cycles"] = [[index.ref(n) for n in cycle] for cycle in _cycles_through(simple, node)]
    stops = sorted({p["ends_at"]["label"] for p in result["partial"]})
    if result["reaches_root"]:
        roots = sorted({c["root"]["label"] for c in result["chains"]})
        result["message"] = (f"{len(result['chains'])} chain(s) from {index.label(node)} reach "
                             + ", ".join(roots) + "."
                             + (f" Other branches stop short of a root, at: {'; '.join(stops)}." if stops else ""))
    else:
        result["message"] = (f"the authority chain of {index.label(node)} does not reach the UN Charter, "
                             "the 2005 World Summit Outcome or another treaty; it stops at "
                             + ("; ".join(stops) or "itself") + ".")
    return result


def _cycles_through(graph: nx.DiGraph, node: Node) -> list[list[Node]]:
    try:
        cycle = nx.find_cycle(graph, node)
    except nx.NetworkXNoCycle:
        return []
    return [[edge[0] for edge in cycle]]


def authority_cycles(index: Index) -> list[list[dict]]:
    """Every cycle of authority edges in the graph (each is a data error)."""
    return [[index.ref(n) for n in cycle] for cycle in nx.simple_cycles(nx.DiGraph(index.authority))]


def connection(index: Index, start: Node, end: Node, limit: int = 8) -> dict:
    """How two nodes are connected: the shortest paths between them, ignoring direction."""
    undirected = index.undirected_links
    result = {"node": index.ref(start), "target": index.ref(end), "paths": [], "message": ""}
    if start not in undirected or end not in undirected:
        result["message"] = f"no link connects {index.label(start)} to {index.label(end)}."
        return result
    try:
        for path in islice(nx.all_shortest_paths(undirected, start, end), limit):
            result["paths"].append([_link(index, a, b) for a, b in zip(path, path[1:])])
    except nx.NetworkXNoPath:
        pass
    result["message"] = (f"{len(result['paths'])} shortest path(s) of {len(result['paths'][0])} link(s)"
                         if result["paths"] else
                         f"no link connects {index.label(start)} to {index.label(end)}.")
    return result


def _link(index: Index, a: Node, b: Node) -> dict:
    if index.links.has_edge(a, b):
        prop = next(iter(index.links[a][b]))
        return {"from": index.ref(a), "to": index.ref(b), "property": str(prop),
                "property_label": index.label(prop), "direction": "forward"}
    prop = next(iter(index.links[b][a]))
    return {"from": index.ref(a), "to": index.ref(b), "property": str(prop),
            "property_label": index.label(prop), "direction": "inverse"}


# -- precedents ---------------------------------------------------------------------------

def precedents(index: Index, case: Node, limit: int = 10) -> dict:
    """What the case draws on and what draws on it (transitively), and the most similar cases."""
    graph = index.precedent
    result = {"case": index.ref(case), "draws_on": [], "drawn_on_by": [], "similar": [], "timeline": [],
              "edges": []}
    if case in graph:
        for other, depth in sorted(nx.single_source_shortest_path_length(graph, case).items(), key=lambda x: (x[1], str(x[0]))):
            if other != case:
                result["draws_on"].append({**index.ref(other), "depth": depth,
                                           "evidence": _draws_evidence(index, case, other, depth)})
        for other, depth in sorted(nx.single_source_shortest_path_length(graph.reverse(copy=False), case).items(), key=lambda x: (x[1], str(x[0]))):
            if other != case:
                result["drawn_on_by"].append({**index.ref(other), "depth": depth,
                                              "evidence": _draws_evidence(index, other, case, depth)})
    involved = {case} | {URIRef(x["iri"]) for x in result["draws_on"] + result["drawn_on_by"]}
    result["edges"] = sorted([str(a), str(b)] for a, b in graph.subgraph(involved).edges())
    result["similar"] = _similar(index, case, limit)
    result["timeline"] = _timeline(index, case, result)
    return result


SIMILARITY_KINDS = ("crimes", "pillars", "organs", "tools")


def _similar(index: Index, case: Node, limit: int) -> list[dict]:
    """The cases sharing most crimes, pillars, organs and tools with ``case`` (ties by label).

    Scores are counted from the feature → cases index, so only cases sharing something are
    looked at; what they share is spelled out only for the ``limit`` kept.
    """
    mine = index.features.get(case, {})
    scores: Counter[Node] = Counter()
    for kind in SIMILARITY_KINDS:
        for node in mine.get(kind, ()):
            scores.update(index.cases_by_feature.get((kind, node), ()))
    scores.pop(case, None)
    ranked = sorted(((other, n) for other, n in scores.items() if other in index.cases),
                    key=lambda item: (-item[1], index.label(item[0]), str(item[0])))
    best = ranked[:limit]
    similar = []
    for other, score in best:
        theirs = index.features.get(other, {})
        shared = {k: sorted((index.ref(n) for n in mine.get(k, set()) & theirs.get(k, set())),
                            key=lambda r: r["label"])
                  for k in SIMILARITY_KINDS}
        similar.append({**index.ref(other), "score": score, "shared": shared})
    return similar


def _draws_evidence(index: Index, later: Node, earlier: Node, depth: int) -> list[dict]:
    if depth != 1:
        return []
    return [e for c in index.claims.get((later, R2P.drawsOn), []) if c["value"] == earlier for e in c["evidence"]]


def _timeline(index: Index, case: Node, found: dict) -> list[dict]:
    events = []
    for r in index.responses.get(case, []):
        if r in index.dates:
            events.append({"date": index.dates[r], "kind": "response", **index.ref(r), "case": index.label(case)})
    related = {case} | {URIRef(x["iri"]) for x in found["draws_on"] + found["drawn_on_by"] + found["similar"]}
    for other in related:
        if other in index.dates:
            events.append({"date": index.dates[other], "kind": "case" if other != case else "this case",
                           **index.ref(other), "case": index.label(other)})
    events.sort(key=lambda e: (e["date"], e["label"]))
    return events


# -- text -----------------------------------------------------------------------------------

def as_text(found: dict) -> str:
    """A chain, connection or precedents result for the terminal."""
    if "chains" in found:
        return _chains_text(found)
    if "paths" in found:
        lines = [f"{found['node']['label']} → {found['target']['label']}: {found['message']}"]
        for i, path in enumerate(found["paths"], 1):
            lines.append(f"  path {i}:")
            for link in path:
                arrow = "—{}→".format(link["property_label"]) if link["direction"] == "forward" else "←{}—".format(link["property_label"])
                lines.append(f"    {link['from']['label']} {arrow} {link['to']['label']}")
        return "\n".join(lines)
    return _precedents_text(found)


def _evidence_text(evidence: list[dict]) -> str:
    if not evidence:
        return ""
    parts = []
    for e in evidence:
        bits = [e.get("source_label") or "", e.get("locator") or ""]
        who = f", {e['attributed_to']}" if e.get("attributed_to") else ""
        parts.append(f"{', '.join(b for b in bits if b)} [{e.get('assertion') or '?'}{who}]")
    return "; ".join(parts)


def _hops_text(hops: list[dict]) -> list[str]:
    lines = []
    for hop in hops:
        lines.append(f"  {hop['from']['label']} —{hop['property_label']}→ {hop['to']['label']}  ({hop['assertion']})")
        ev = _evidence_text(hop["evidence"])
        if ev:
            lines.append(f"      source: {ev}")
        for alt in hop["alternatives"]:
            lines.append(f"      another source says: {hop['property_label']} {alt['value']['label']} "
                         f"— {_evidence_text(alt['evidence'])}")
    return lines


def _chains_text(found: dict) -> str:
    lines = [f"{found['node']['label']} <{found['node']['iri']}>", found["message"]]
    for i, chain in enumerate(found["chains"], 1):
        lines.append(f"\nchain {i} → {chain['root']['label']}")
        lines.extend(_hops_text(chain["hops"]))
    for part in found.get("partial", []):
        lines.append(f"\nbranch that stops short of a root, at {part['ends_at']['label']}")
        lines.extend(_hops_text(part["hops"]))
    for cycle in found.get("cycles", []):
        lines.append("\ncycle (a data error): " + " → ".join(n["label"] for n in cycle))
    return "\n".join(lines)


def _precedents_text(found: dict) -> str:
    lines = [found["case"]["label"] + f" <{found['case']['iri']}>"]
    lines.append("\ndraws on:" if found["draws_on"] else "\ndraws on: nothing recorded")
    for item in found["draws_on"]:
        lines.append(f"  {'  ' * (item['depth'] - 1)}{item['label']} (depth {item['depth']}) {_evidence_text(item['evidence'])}")
    lines.append("\ndrawn on by:" if found["drawn_on_by"] else "\ndrawn on by: nothing recorded")
    for item in found["drawn_on_by"]:
        lines.append(f"  {'  ' * (item['depth'] - 1)}{item['label']} (depth {item['depth']}) {_evidence_text(item['evidence'])}")
    lines.append("\nmost similar cases (shared crimes, pillars, organs, tools):")
    for item in found["similar"]:
        shared = "; ".join(f"{k}: {', '.join(r['label'] for r in v)}" for k, v in item["shared"].items() if v)
        lines.append(f"  {item['score']:2d}  {item['label']} — {shared}")
    if found["timeline"]:
        lines.append("\ntimeline:")
        for e in found["timeline"]:
            lines.append(f"  {e['date']:10} {e['kind']:9} {e['label']}")
    return "\n".join(lines)


__all__ = ["Index", "as_text", "authority_chains", "authority_cycles", "build_index", "connection",
           "graph_index", "precedents"]

"""Authority chains and precedents: networkx views of the graph, built once per store.

An authority chain follows ``hasLegalBasis``, ``establishedBy`` and ``partOf`` (and any
sub-property of ``r2p:authorityProperty``) until it reaches a root: the UN Charter, the
2005 World Summit Outcome, or another treaty. Every hop carries the claims that support
it, stated or inferred; where sources disagree about a hop, both claims are shown.
A node whose chain reaches no root is a finding, reported with how far it gets.

Where a document or mandate has no stated legal basis of its own, the chain continues through
the organ that issued it (``issuedBy``) or created it (``establishedBy`` an organ, or a stated
claim that the organ created it) to the Charter provisions that establish and empower that
organ (``r2p:establishes``, ``r2p:empowers``, cited to the Charter's text): a *competence* hop,
marked ``"kind": "competence"`` and never shown as the document's own legal basis.

Every hop carries only the citations that back *that* statement: those of its subject that
name the property (``r2p:supports``), and the claims of exactly that triple, each with its
pinpoint, quote and voice (``r2p:breadth``: "according to one participant").

A plain triple is a stated fact; an editor's inference lives only in an ``r2p:Claim``
whose evidence is all ``r2p:Inferred``. Such claims still take part in chains and
precedents, but as *inferred* hops (``"assertion": "inferred"``, ``"inferred": true``),
never as plain ones; similar cases are scored on stated features only, and features
shared only through an inference are listed apart.
"""

from __future__ import annotations

import heapq

import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice

import networkx as nx
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from r2pkg.describe import VOICE_PHRASES as VOICES
from r2pkg.loaded_views import CHAIN_INDEX_VIEW
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
    inferred_features: dict[Node, dict[str, set[Node]]] = field(default_factory=dict)
    inferred_precedents: set[tuple[Node, Node]] = field(default_factory=set)
    texts: dict[Node, dict] = field(default_factory=dict)
    property_labels: dict[Node, str] = field(default_factory=dict)
    #: (subject, property) → the citations of the subject that support that property.
    statements: dict[tuple[Node, Node], list[dict]] = field(default_factory=dict)

    @cached_property
    def simple_authority(self) -> nx.DiGraph:
        """The authority edges without parallel edges, for path enumeration (built once).

        Nodes and edges are added in IRI order, so that paths and cycles are found in the same
        order whatever order the store gave the triples in: a chain read for one node from
        lookups (:mod:`r2pkg.node_chains`) then equals the one read from the whole index.
        """
        return sorted_digraph(self.authority)

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


#: The name the index is kept under by the store; bump it whenever :class:`Index` changes
#: shape (its value is r2pkg.loaded_views.CHAIN_INDEX_VIEW), so that an index saved by an
#: older version is never read.
INDEX_VIEW = CHAIN_INDEX_VIEW  # built when first asked, kept in DIR/views (r2pkg.loaded_views)


def sorted_digraph(graph: nx.DiGraph) -> nx.DiGraph:
    """``graph`` without parallel edges, its nodes and each node's successors in IRI order."""
    simple = nx.DiGraph()
    simple.add_nodes_from(sorted(graph.nodes, key=str))
    simple.add_edges_from(sorted({(a, b) for a, b in graph.edges()}, key=lambda e: (str(e[0]), str(e[1]))))
    return simple


def graph_index(store: Store) -> Index:
    """The index of ``store``, built on first use and kept with the store (until a write).

    A store that can keep it across processes (``oxigraph:DIR``) keeps it there too, keyed
    by the graph's version, so that each ``r2pkg chain`` call and each server start does not
    rebuild it (10 s at a million triples, minutes at ten million).
    """
    cached = store.derived.get(INDEX_VIEW)
    if cached is not None:
        return cached  # type: ignore[return-value]
    with _lock:
        return store.view(INDEX_VIEW, build_index)


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
    R2P.startDate, R2P.date, R2P.text, R2P.textStatus, R2P.textSha256, R2P.heading, R2P.versionInForce,
    R2P.readingText, R2P.version, R2P.supports, R2P.breadth, R2P.line, R2P.establishes, R2P.empowers,
)

#: The competence links a chain follows from an organ to the Charter (provision → organ in the graph).
COMPETENCE_PROPERTIES = (R2P.establishes, R2P.empowers)
#: The statements whose own citations (``r2p:supports``) the index keeps, for hops and precedents.
STATEMENT_PROPERTIES = (R2P.hasLegalBasis, R2P.establishedBy, R2P.partOf, R2P.issuedBy, R2P.drawsOn,
                        R2P.precedentFor, R2P.establishes, R2P.empowers)
PARTICIPANTS = {VOICES[R2P.HeldByOneSpeaker], VOICES[R2P.HeldBySeveral]}


def build_index(store: Store) -> Index:
    """Read the graph into networkx graphs and lookup tables.

    Each property is read in one pass (:class:`_Columns`), never node by node: at a million
    triples the per-node lookups were 200,000 calls into the engine and most of the 10-30 s
    the index took.
    """
    props = set(INDEX_PROPERTIES) | set(CONNECTION_PROPERTIES) | authority_properties(store)
    store = store.snapshot(props)  # an endpoint sends these triples in one request
    g = store
    col = _Columns(store)
    labels = store.labels
    node = _Interned(labels)
    authority = nx.MultiDiGraph()
    authority_props = authority_properties(store)
    for prop in authority_props:
        for s, o in g.subject_objects(prop):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                authority.add_edge(node(s), node(o), key=prop)
    roots = set(ROOT_DOCUMENTS) | {t for t in g.subjects(RDF.type, R2P.Treaty)}
    precedent = nx.DiGraph()
    cases = {node(c) for c in g.subjects(RDF.type, R2P.Case)}
    precedent.add_nodes_from(cases)
    for s, o in g.subject_objects(R2P.drawsOn):
        precedent.add_edge(node(s), node(o))
    for s, o in g.subject_objects(R2P.precedentFor):
        precedent.add_edge(node(o), node(s))
    links = nx.MultiDiGraph()
    claim_nodes = set(g.subjects(RDF.type, R2P.Claim))
    publications = set(g.subjects(RDF.type, R2P.Publication))
    for prop in CONNECTION_PROPERTIES:
        for s, o in g.subject_objects(prop):
            if isinstance(s, URIRef) and isinstance(o, URIRef) and s not in claim_nodes:
                if prop == R2P.cites and s in publications:
                    continue  # every publication cites dozens of documents: a hub, not a link
                links.add_edge(node(s), node(o), key=prop)
    claims: dict[tuple[Node, Node], list[dict]] = defaultdict(list)
    subjects, properties, values = col[R2P.claimSubject], col[R2P.claimProperty], col[R2P.claimValue]
    evidence = col[R2P.evidence]
    citations = _Citations(store)
    for claim in sorted(claim_nodes, key=str):  # the same order in every process and store
        subject, prop = _first(subjects, claim), _first(properties, claim)
        if subject is None or prop is None:
            continue
        value = _first(values, claim)
        claims[(node(subject), prop)].append({
            "claim": str(claim),
            "label": store.label(claim),
            "value": node(value) if isinstance(value, URIRef) else value,
            "evidence": sorted((citations(c) for c in evidence.get(claim, ())), key=_citation_order),
        })
    inferred = _inferred_only(g, claims)
    for (s, prop, o) in inferred:
        if prop in authority_props and isinstance(o, URIRef) and not authority.has_edge(s, o, key=prop):
            authority.add_edge(s, o, key=prop, inferred=True)
    inferred_precedents = {(s, o) for (s, prop, o) in inferred
                           if prop == R2P.drawsOn and isinstance(o, URIRef) and not precedent.has_edge(s, o)}
    for s, o in inferred_precedents:
        precedent.add_edge(s, o, inferred=True)
    for (s, prop, o) in inferred:  # an editor's link still connects two nodes, drawn as inferred
        if prop in CONNECTION_PROPERTIES and isinstance(o, URIRef) and not links.has_edge(s, o, key=prop):
            links.add_edge(s, o, key=prop, inferred=True)
    statements = _statements(col, citations, node)
    _add_competence(g, col, authority, authority_props, claims, node)
    features, dates, responses = _case_features(col, cases, node)
    return Index(statements=statements, authority=authority, precedent=precedent, links=links, roots=roots, labels=dict(labels),
                 claims=dict(claims), features=features, dates=dates, responses=responses,
                 cases=cases, property_labels={p: store.label(p) for p in CONNECTION_PROPERTIES},
                 inferred_features=_inferred_features(g, cases, responses, inferred),
                 inferred_precedents=inferred_precedents, texts=_official_texts(col))


def _statements(col: _Columns, citations: _Citations, node: _Interned) -> dict[tuple[Node, Node], list[dict]]:
    """The citations of each node that support each chain or precedent property (``r2p:supports``)."""
    supports = col[R2P.supports]
    found: dict[tuple[Node, Node], list[dict]] = defaultdict(list)
    for subject, cits in col[R2P.evidence].items():
        for c in cits:
            for prop in supports.get(c, ()):
                if prop in STATEMENT_PROPERTIES:
                    found[(node(subject), prop)].append(citations(c))
    # blank-node citations come in no fixed order: the same order in every store and process
    return {key: sorted(cits, key=_citation_order) for key, cits in found.items()}


def _citation_order(c: dict) -> tuple:
    return (str(c.get("source") or ""), str(c.get("locator") or ""), str(c.get("line") or ""), str(c.get("quote") or ""))


def _has_own_basis(col: _Columns, organs: set[Node], subject: Node) -> bool:
    """A stated legal basis of its own: a plain hasLegalBasis, or a founding instrument that is not an organ."""
    if col[R2P.hasLegalBasis].get(subject):
        return True
    return any(o not in organs for o in col[R2P.establishedBy].get(subject, ()))


def _add_competence(g, col: _Columns, authority: nx.MultiDiGraph, authority_props: set[Node],
                    claims: dict[tuple[Node, Node], list[dict]], node: _Interned) -> None:
    """Competence edges: organ → the Charter provisions that establish or empower it, and a
    document or mandate without a legal basis of its own → the organ that issued or created it."""
    organs = set(g.subjects(RDF.type, R2P.Organ))
    for prop in COMPETENCE_PROPERTIES:
        for provision, organ in g.subject_objects(prop):
            if isinstance(provision, URIRef) and isinstance(organ, URIRef):
                authority.add_edge(node(organ), node(provision), key=prop, competence=True)
    roots = set(ROOT_DOCUMENTS) | set(g.subjects(RDF.type, R2P.Treaty))  # a chain ends at a root
    for subject, organ in g.subject_objects(R2P.issuedBy):
        if subject in roots:
            continue
        if isinstance(subject, URIRef) and isinstance(organ, URIRef) and not _has_own_basis(col, organs, subject):
            authority.add_edge(node(subject), node(organ), key=R2P.issuedBy, competence=True)
    for subject, organ in g.subject_objects(R2P.establishedBy):
        if organ in organs and authority.has_edge(subject, organ, key=R2P.establishedBy):
            authority[subject][organ][R2P.establishedBy]["competence"] = True
    for (subject, prop), items in claims.items():  # "the Secretary-General established the office"
        if prop != R2P.establishedBy or _has_own_basis(col, organs, subject):
            continue
        for c in items:
            organ = c["value"]
            if organ in organs and _stated_in_own_voice(c["evidence"]) and not authority.has_edge(subject, organ, key=prop):
                authority.add_edge(subject, organ, key=prop, competence=True, claim=True)


def _stated_in_own_voice(evidence: list[dict]) -> bool:
    """At least one stated citation that is not one or several participants' view."""
    return any(e.get("assertion") == "stated" and e.get("voice") not in PARTICIPANTS for e in evidence)


class _Interned(dict):
    """One object per node: the index holds each node once, not once per triple it was read
    from (at ten million triples, millions of equal IRIs in memory and in the saved view)."""

    def __init__(self, labels: dict[Node, str]) -> None:
        super().__init__((n, n) for n in labels)

    def __call__(self, node: Node) -> Node:
        return self.setdefault(node, node)


class _Columns:
    """Each property's values by subject, read from the store in one pass per property."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.read: dict[Node, dict[Node, list[Node]]] = {}

    def __getitem__(self, prop: Node) -> dict[Node, list[Node]]:
        found = self.read.get(prop)
        if found is None:
            found = defaultdict(list)
            for s, o in self.store.subject_objects(prop):
                found[s].append(o)
            found = self.read[prop] = dict(found)
        return found


def _first(column: dict[Node, list[Node]], node: Node) -> Node | None:
    """The node's value in a column (the first, as ``Graph.value`` gives), or None."""
    values = column.get(node)
    return values[0] if values else None


def _official_texts(col: _Columns) -> dict[Node, dict]:
    """The imported official text (or heading, or version in force) of each provision that has one.

    Shown where an authority chain enters the Charter, so a reader sees the words the chain
    rests on, with how they were verified.
    """
    texts, headings, versions = col[R2P.text], col[R2P.heading], col[R2P.versionInForce]
    found: dict[Node, dict] = {}
    for node in set(texts) | set(headings) | set(versions):
        entry: dict = {}
        text = _first(texts, node)
        if text is not None:
            entry.update(text=str(text), status=str(_first(col[R2P.textStatus], node) or ""),
                         sha256=str(_first(col[R2P.textSha256], node) or ""))
        version = _first(versions, node)
        if text is None and version is not None:
            entry.update(text=str(_first(col[R2P.readingText], version) or ""),
                         status=f"version {_first(col[R2P.version], version)}, from one copy only",
                         sha256=str(_first(col[R2P.textSha256], version) or ""))
        heading = _first(headings, node)
        if heading is not None:
            entry["heading"] = str(heading)
        found[node] = entry
    return found


def _inferred_only(g, claims: dict[tuple[Node, Node], list[dict]]) -> set[tuple[Node, Node, Node]]:
    """(subject, property, value) held only by claims whose every citation is inferred, with no plain triple."""
    found: set[tuple[Node, Node, Node]] = set()
    stated: set[tuple[Node, Node, Node]] = set()
    for (s, prop), items in claims.items():
        for c in items:
            key = (s, prop, c["value"])
            if any(e.get("assertion") == "stated" for e in c["evidence"]):
                stated.add(key)
            elif c["evidence"]:
                found.add(key)
    return {k for k in found - stated if k not in g}


def _inferred_features(g, cases: set[Node], responses: dict[Node, list[Node]],
                       inferred: set[tuple[Node, Node, Node]]) -> dict[Node, dict[str, set[Node]]]:
    """The crimes, pillars and tools a case has only through an editor's inference."""
    by_subject: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
    for s, prop, o in inferred:
        by_subject[s].append((prop, o))
    kinds = {R2P.concernsCrime: "crimes", R2P.pillar: "pillars", R2P.instrument: "tools", R2P.actor: "organs"}
    out: dict[Node, dict[str, set[Node]]] = {}
    for case in cases:
        found: dict[str, set[Node]] = defaultdict(set)
        for subject in [case, *responses.get(case, [])]:
            for prop, o in by_subject.get(subject, []):
                if prop in kinds:
                    found[kinds[prop]].add(o)
        if found:
            out[case] = dict(found)
    return out


#: A citation's fields, and the property each is read from.
SOURCE = R2P.source
CITATION_FIELDS = (("locator", R2P.locator), ("line", R2P.line), ("quote", R2P.quote), ("assertion", R2P.assertion),
                   ("attributed_to", R2P.attributedTo), ("note", R2P.note), ("breadth", R2P.breadth))


class _Citations:
    """A citation node as plain data.

    Read node by node: the claims' citations are a small part of all citations (every case
    and response has its own), so reading whole columns here would cost more.
    """

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, node: Node) -> dict:
        store = self.store
        source = store.value(node, SOURCE)
        out: dict = {"source": None if source is None else str(source),
                     "source_label": None if source is None else store.label(source)}
        for name, prop in CITATION_FIELDS:
            value = store.value(node, prop)
            out[name] = None if value is None else (store.label(value) if isinstance(value, URIRef) else str(value))
        breadth = store.value(node, R2P.breadth)
        out["voice"] = VOICES.get(breadth)  # type: ignore[arg-type]
        out["supports"] = sorted(str(p) for p in store.objects(node, R2P.supports))
        return out


def _case_features(col: _Columns, cases: set[Node], node: _Interned):
    has_response, crimes, pillars = col[R2P.hasResponse], col[R2P.concernsCrime], col[R2P.pillar]
    actors, tools, starts, on = col[R2P.actor], col[R2P.instrument], col[R2P.startDate], col[R2P.date]
    features: dict[Node, dict[str, set[Node]]] = {}
    dates: dict[Node, str] = {}
    responses: dict[Node, list[Node]] = {}
    for case in cases:
        resp = sorted(map(node, has_response.get(case, ())), key=str)
        responses[case] = resp
        features[case] = {
            "crimes": set(map(node, crimes.get(case, ()))),
            "pillars": {node(p) for r in resp for p in pillars.get(r, ())},
            "organs": {node(a) for r in resp for a in actors.get(r, ())},
            "tools": {node(t) for r in resp for t in tools.get(r, ())},
        }
        start = _first(starts, case)
        if start is not None:
            dates[case] = str(start)
        for r in resp:
            when = _first(on, r) or _first(starts, r)
            if when is not None:
                dates[r] = str(when)
    return features, dates, responses


# -- authority chains ---------------------------------------------------------------------

def _hop(index: Index, s: Node, o: Node, prop: Node) -> dict:
    """One hop, with only the citations that back its statement, and what kind of hop it is."""
    edge = index.authority[s][o][prop]
    competence = bool(edge.get("competence"))
    if prop in COMPETENCE_PROPERTIES:  # drawn organ → provision; the statement is "provision empowers organ"
        subject, value = o, s
        label = "is established by" if prop == R2P.establishes else "is empowered by"
    else:
        subject, value, label = s, o, index.label(prop)
    supporting = [c for c in index.claims.get((subject, prop), []) if c["value"] == value]
    disputed = [c for c in index.claims.get((subject, prop), []) if c["value"] != value]
    evidence = [e for c in supporting for e in c["evidence"]]
    if not edge.get("inferred") and not edge.get("claim"):  # a plain triple: its own citations back it
        evidence += index.statements.get((subject, prop), [])
    hop = {
        "from": index.ref(s), "to": index.ref(o),
        "property": str(prop), "property_label": label,
        "direction": "inverse" if prop in COMPETENCE_PROPERTIES else "forward",
        "kind": ("competence" if competence else "part of" if prop == R2P.partOf else
                 "founding instrument" if prop == R2P.establishedBy else "legal basis"),
        "competence": competence,
        "evidence": evidence,
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
    hop["inferred"] = bool(edge.get("inferred"))
    if hop["inferred"]:
        hop["assertion"] = "inferred"
    return hop


def _path_hops(index: Index, path: list[Node]) -> list[list[dict]]:
    """All hop sequences along a node path (parallel edges give alternatives)."""
    options = [[_hop(index, s, o, k) for k in sorted(index.authority[s][o], key=str)] for s, o in zip(path, path[1:])]
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
                    result[bucket].append({**entry, "hops": hops,
                                           "inferred": any(h["inferred"] for h in hops),
                                           "competence": any(h["competence"] for h in hops),
                                           "official_text": _entry_text(index, path)})
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


def _entry_text(index: Index, path: list[Node]) -> dict | None:
    """The text (or heading) of the first provision on the path that has an imported one."""
    for node in path:
        if node in index.texts:
            return {**index.ref(node), **index.texts[node]}
    return None


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
    """How two nodes are connected: the shortest paths between them, ignoring direction (the
    first ``limit`` in IRI order, :mod:`r2pkg.shortest_paths`)."""
    from r2pkg.shortest_paths import first_shortest_paths

    undirected = index.undirected_links
    if start not in undirected or end not in undirected:
        return connection_along(index, start, end, [])
    return connection_along(index, start, end, first_shortest_paths(undirected.neighbors, start, end, limit))


def connection_along(index: Index, start: Node, end: Node, paths: list[list[Node]]) -> dict:
    """The answer of :func:`connection` for the given node paths, each link with its sources."""
    result = {"node": index.ref(start), "target": index.ref(end), "paths": [], "message": ""}
    for path in paths:
        result["paths"].append([_link(index, a, b) for a, b in zip(path, path[1:])])
    result["message"] = (f"{len(result['paths'])} shortest path(s) of {len(result['paths'][0])} link(s)"
                         if result["paths"] else
                         f"no link connects {index.label(start)} to {index.label(end)}.")
    return result


def _link(index: Index, a: Node, b: Node) -> dict:
    """One link of a connection path, with the claims' sources and stated/inferred as on a chain hop."""
    forward = index.links.has_edge(a, b)
    s, o = (a, b) if forward else (b, a)
    prop = next(iter(index.links[s][o]))
    evidence = [e for c in index.claims.get((s, prop), []) if c["value"] == o for e in c["evidence"]]
    assertions = {e.get("assertion") for e in evidence}
    return {"from": index.ref(a), "to": index.ref(b), "property": str(prop),
            "property_label": index.label(prop), "direction": "forward" if forward else "inverse",
            "evidence": evidence,
            "assertion": "structural" if prop == R2P.partOf else "stated" if "stated" in assertions
            else "inferred" if "inferred" in assertions else "no claim recorded"}


# -- precedents ---------------------------------------------------------------------------

def precedents(index: Index, case: Node, limit: int = 10, shown: int | None = None) -> dict:
    """What the case draws on and what draws on it (transitively), and the most similar cases.

    ``shown`` keeps only the nearest that many of each list (by depth, then IRI), and says
    how many there are in ``draws_on_total`` and ``drawn_on_by_total``: at a million
    triples 652 cases draw on Rwanda, directly or through others, and a page drawing them
    all took a quarter of a second and grew with the graph. Without it, every one is listed.
    """
    graph = index.precedent
    result = {"case": index.ref(case), "draws_on": [], "drawn_on_by": [], "similar": [], "timeline": [],
              "edges": []}
    if case in graph:
        for key, backwards in (("draws_on", False), ("drawn_on_by", True)):
            found = sorted(((other, path) for other, path in _shortest_paths(graph, case, backwards).items()
                            if other != case), key=lambda x: (len(x[1]), str(x[0])))
            if shown is not None:
                result[f"{key}_total"] = len(found)
                found = found[:shown]
            for other, path in found:
                depth = len(path) - 1
                later, earlier = (other, case) if backwards else (case, other)
                result[key].append({**index.ref(other), "depth": depth,
                                    "inferred": _path_inferred(index, path[::-1] if backwards else path),
                                    "evidence": _draws_evidence(index, later, earlier, depth)})
    elif shown is not None:
        result.update(draws_on_total=0, drawn_on_by_total=0)
    involved = {case} | {URIRef(x["iri"]) for x in result["draws_on"] + result["drawn_on_by"]}
    result["edges"] = sorted([str(a), str(b)] for a, b in graph.subgraph(involved).edges())
    result["inferred_edges"] = sorted([str(a), str(b)] for a, b in graph.subgraph(involved).edges()
                                      if (a, b) in index.inferred_precedents)
    result["similar"] = _similar(index, case, limit)
    result["timeline"] = _timeline(index, case, result)
    return result


SIMILARITY_KINDS = ("crimes", "pillars", "organs", "tools")


def _shortest_paths(graph: nx.DiGraph, source: Node, backwards: bool) -> dict[Node, list[Node]]:
    """A shortest path from ``source`` to every node it reaches (against the edges if
    ``backwards``), breadth first with neighbours in IRI order: where two paths are as short,
    the same one is kept whatever order the graph holds its edges in."""
    step = graph.predecessors if backwards else graph.successors
    paths = {source: [source]}
    level = [source]
    while level:
        following = []
        for node in level:
            for other in sorted(step(node), key=str):
                if other not in paths:
                    paths[other] = paths[node] + [other]
                    following.append(other)
        level = following
    return paths


def _path_inferred(index: Index, path: list[Node]) -> bool:
    """True when a precedent path (later → earlier) passes through an editor's inferred link."""
    return any((a, b) in index.inferred_precedents for a, b in zip(path, path[1:]))


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
    # the best ``limit`` without sorting every case that shares something (all of them, at scale)
    best = heapq.nsmallest(limit, ((other, n) for other, n in scores.items() if other in index.cases),
                           key=lambda item: (-item[1], index.label(item[0]), str(item[0])))
    similar = []
    for other, score in best:
        theirs = index.features.get(other, {})
        shared = {k: sorted((index.ref(n) for n in mine.get(k, set()) & theirs.get(k, set())),
                            key=lambda r: r["label"])
                  for k in SIMILARITY_KINDS}
        similar.append({**index.ref(other), "score": score, "shared": shared,
                        "shared_inferred": _shared_inferred(index, case, other)})
    return similar


def _shared_inferred(index: Index, case: Node, other: Node) -> dict[str, list[dict]]:
    """Features the two cases share only through an editor's inference (not counted in the score)."""
    mine_all = {k: index.features.get(case, {}).get(k, set()) | index.inferred_features.get(case, {}).get(k, set())
                for k in SIMILARITY_KINDS}
    theirs_all = {k: index.features.get(other, {}).get(k, set()) | index.inferred_features.get(other, {}).get(k, set())
                  for k in SIMILARITY_KINDS}
    out = {}
    for k in SIMILARITY_KINDS:
        stated = index.features.get(case, {}).get(k, set()) & index.features.get(other, {}).get(k, set())
        extra = (mine_all[k] & theirs_all[k]) - stated
        if extra:
            out[k] = sorted((index.ref(n) for n in extra), key=lambda r: r["label"])
    return out


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
        if e.get("voice") and e["voice"] != VOICES[R2P.HeldByPublication]:
            who += f", {e['voice']}"
        parts.append(f"{', '.join(b for b in bits if b)} [{e.get('assertion') or '?'}{who}]")
    return "; ".join(parts)


def _hops_text(hops: list[dict]) -> list[str]:
    lines = []
    for hop in hops:
        arrow = f"┄{hop['property_label']} (inferred by an editor)┄>" if hop.get("inferred") else f"—{hop['property_label']}→"
        if hop.get("competence"):
            arrow = f"={hop['property_label']} (competence of the organ, not the document's own legal basis)=>"
        lines.append(f"  {hop['from']['label']} {arrow} {hop['to']['label']}  ({hop['assertion']})")
        ev = _evidence_text(hop["evidence"])
        if ev:
            lines.append(f"      source: {ev}")
        for alt in hop["alternatives"]:
            lines.append(f"      another source says: {hop['property_label']} {alt['value']['label']} "
                         f"— {_evidence_text(alt['evidence'])}")
    return lines


def _official_text_lines(entry: dict | None) -> list[str]:
    if not entry:
        return []
    lines = [f"  text of {entry['label']}:"]
    if entry.get("heading"):
        lines.append(f"      heading: {entry['heading']}")
    if entry.get("text"):
        lines.append(f"      \"{entry['text']}\"")
        lines.append(f"      ({entry['status']}; sha256 {entry['sha256'][:12]}…)")
    return lines


def _chains_text(found: dict) -> str:
    lines = [f"{found['node']['label']} <{found['node']['iri']}>", found["message"]]
    for i, chain in enumerate(found["chains"], 1):
        mark = " (passes an editor's inferred link)" if chain.get("inferred") else ""
        if chain.get("competence"):
            mark += " (through the competence of the organ that issued or created it)"
        lines.append(f"\nchain {i} → {chain['root']['label']}{mark}")
        lines.extend(_hops_text(chain["hops"]))
        lines.extend(_official_text_lines(chain.get("official_text")))
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
        mark = " [inferred link]" if item.get("inferred") else ""
        lines.append(f"  {'  ' * (item['depth'] - 1)}{item['label']} (depth {item['depth']}){mark} {_evidence_text(item['evidence'])}")
    lines.append("\ndrawn on by:" if found["drawn_on_by"] else "\ndrawn on by: nothing recorded")
    for item in found["drawn_on_by"]:
        mark = " [inferred link]" if item.get("inferred") else ""
        lines.append(f"  {'  ' * (item['depth'] - 1)}{item['label']} (depth {item['depth']}){mark} {_evidence_text(item['evidence'])}")
    lines.append("\nmost similar cases (shared crimes, pillars, organs, tools):")
    for item in found["similar"]:
        shared = "; ".join(f"{k}: {', '.join(r['label'] for r in v)}" for k, v in item["shared"].items() if v)
        inferred = "; ".join(f"{k}: {', '.join(r['label'] for r in v)}" for k, v in item.get("shared_inferred", {}).items())
        lines.append(f"  {item['score']:2d}  {item['label']} — {shared}"
                     + (f" (also, inferred by an editor, not counted: {inferred})" if inferred else ""))
    if found["timeline"]:
        lines.append("\ntimeline:")
        for e in found["timeline"]:
            lines.append(f"  {e['date']:10} {e['kind']:9} {e['label']}")
    return "\n".join(lines)


__all__ = ["Index", "as_text", "authority_chains", "authority_cycles", "build_index", "connection",
           "graph_index", "precedents"]

"""Authority chains of one node (and how two nodes connect), read from lookups, not the whole-graph index.

The chain index (:func:`r2pkg.chains.build_index`) holds every authority, precedent and link
edge of the graph: at a million triples a chain page's first view after a restart waited
3.5 s for it to be read, and at ten million it is a 272 MB file. A chain or precedents page
needs a few dozen nodes of it. So this module walks from the node along the edges the index
would hold (authority and competence edges forward; precedent edges both ways), with one
indexed lookup per node and property, builds the small :class:`~r2pkg.chains.Index` of what it
reached, and runs the very same :func:`~r2pkg.chains.authority_chains`,
:func:`~r2pkg.chains.connection` and :func:`~r2pkg.chain_notes.cites_instead` on it
(precedents: :mod:`r2pkg.node_precedents`).

Each edge is read with the attributes :func:`~r2pkg.chains.build_index` gives it (inferred,
competence, claim), each reached node with its claims, backing citations, label and official
text, so the answers are equal to the whole index's (``tests/test_node_chains.py`` compares
them for every node of the bundled graph and of a generated one, before and after a write).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

import networkx as nx
from rdflib import BNode, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from r2pkg.chains import (
    COMPETENCE_PROPERTIES,
    CONNECTION_PROPERTIES,
    ROOT_DOCUMENTS,
    STATEMENT_PROPERTIES,
    Index,
    _Citations,
    _citation_order,
    _stated_in_own_voice,
    authority_chains,
    authority_properties,
    connection,
    connection_along,
    graph_index,
)
from r2pkg.namespaces import R2P
from r2pkg.shortest_paths import first_shortest_paths
from r2pkg.store import Store



#: The answers given since the last write, by function and arguments (a store cache, like
#: ``r2pkg.linked``'s): a warm chain page took 20 ms more than one read from the whole index.
ANSWERS = "node-chains-answers"
KEPT = 128


def kept_answer(store: Store, key: tuple, compute: Callable[[], dict]) -> dict:
    """``compute()``, kept with the store until the next write (the latest :data:`KEPT`)."""
    answers = store.derived.setdefault(ANSWERS, {})
    found = answers.get(key)
    if found is None:
        version = store.version
        found = compute()
        if store.version == version and store.derived.get(ANSWERS) is answers:  # no write meanwhile
            if len(answers) >= KEPT:
                answers.clear()
            answers[key] = found
    return found  # type: ignore[return-value]


class _Labels(dict):
    """Labels read node by node as :class:`~r2pkg.chains.Index` asks for them (``get``)."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def get(self, node: Node, default: str | None = None) -> str | None:  # type: ignore[override]
        if node not in self:
            self[node] = self.store.own_label(node) if isinstance(node, (URIRef, BNode)) else None
        found = dict.get(self, node)
        return default if found is None else found


class _Reader:
    """What the index holds about single nodes, each read once: claims, backing citations, types."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.citation = _Citations(store)
        self._claims: dict[tuple[Node, Node], list[dict]] = {}
        self._by_property: dict[Node, dict[Node, list[Node]]] = {}
        self._statements: dict[Node, dict[Node, list[dict]]] = {}
        self._types: dict[Node, set[Node]] = {}
        self._inferred: dict[tuple[Node, Node], list[Node]] = {}

    def types(self, node: Node) -> set[Node]:
        if node not in self._types:
            self._types[node] = set(self.store.objects(node, RDF.type))
        return self._types[node]

    def is_root(self, node: Node) -> bool:
        return node in ROOT_DOCUMENTS or R2P.Treaty in self.types(node)

    def _claims_by_property(self, subject: Node) -> dict[Node, list[Node]]:
        """The claims about ``subject`` by property, in IRI order (one lookup per claim)."""
        if subject not in self._by_property:
            found = defaultdict(list)
            for claim in sorted(set(self.store.subjects(R2P.claimSubject, subject)), key=str):
                prop = self.store.value(claim, R2P.claimProperty)
                if prop is not None:
                    found[prop].append(claim)
            self._by_property[subject] = dict(found)
        return self._by_property[subject]

    def claim_nodes(self, subject: Node, prop: Node) -> list[Node]:
        """The claims of (``subject``, ``prop``) the whole index keeps: typed r2p:Claim, about ``subject``."""
        return [c for c in self._claims_by_property(subject).get(prop, [])
                if self.store.value(c, R2P.claimSubject) == subject and R2P.Claim in self.types(c)]

    def claims(self, subject: Node, props: Iterable[Node] | None = None) -> dict[Node, list[dict]]:
        """The claims about ``subject`` (of ``props`` only, if given) by property, as
        :func:`r2pkg.chains.build_index` reads them: each with its citations in full."""
        wanted = self._claims_by_property(subject) if props is None else props
        found: dict[Node, list[dict]] = {}
        for prop in wanted:
            if (subject, prop) not in self._claims:
                self._claims[(subject, prop)] = [self._claim(c) for c in self.claim_nodes(subject, prop)]
            if self._claims[(subject, prop)]:
                found[prop] = self._claims[(subject, prop)]
        return found

    def _claim(self, claim: Node) -> dict:
        store = self.store
        return {"claim": str(claim), "label": store.label(claim), "value": store.value(claim, R2P.claimValue),
                "evidence": sorted((self.citation(c) for c in store.objects(claim, R2P.evidence)), key=_citation_order)}

    def _claim_assertions(self, subject: Node, prop: Node) -> list[tuple[Node, list[str]]]:
        """(value, the assertion of each citation) of each claim of (``subject``, ``prop``):
        what :meth:`inferred` needs, without reading every field of every citation."""
        if (subject, prop) in self._claims:
            return [(c["value"], [e.get("assertion") for e in c["evidence"]]) for c in self._claims[(subject, prop)]]
        store, found = self.store, []
        for claim in self.claim_nodes(subject, prop):
            assertions = []
            for c in store.objects(claim, R2P.evidence):
                value = store.value(c, R2P.assertion)
                assertions.append(None if value is None else
                                  store.label(value) if isinstance(value, URIRef) else str(value))
            found.append((store.value(claim, R2P.claimValue), assertions))
        return found

    def inferred(self, subject: Node, prop: Node) -> list[Node]:
        """The values of ``prop`` held only by an editor's inference (``_inferred_only``),
        read once per (subject, property): a connection search asks it of every node it
        passes, for every link property, and again for each claim naming a node it passes."""
        if (subject, prop) not in self._inferred:
            self._inferred[(subject, prop)] = self._inferred_of(subject, prop) \
                if prop in self._claims_by_property(subject) else []
        return self._inferred[(subject, prop)]

    def _inferred_of(self, subject: Node, prop: Node) -> list[Node]:
        stated, found = set(), []
        for value, assertions in self._claim_assertions(subject, prop):
            if "stated" in assertions:
                stated.add(value)
            elif assertions:
                found.append(value)
        out: list[Node] = []
        for value in found:
            if value not in stated and value not in out and (subject, prop, value) not in self.store:
                out.append(value)
        return out

    def statements(self, subject: Node) -> dict[Node, list[dict]]:
        """The citations of ``subject`` that back each chain or precedent property."""
        if subject not in self._statements:
            found = defaultdict(list)
            for c in self.store.objects(subject, R2P.evidence):
                for prop in self.store.objects(c, R2P.supports):
                    if prop in STATEMENT_PROPERTIES:
                        found[prop].append(self.citation(c))
            self._statements[subject] = {p: sorted(cits, key=_citation_order) for p, cits in found.items()}
        return self._statements[subject]


def _new_index(store: Store, reader: _Reader, nodes: Iterable[Node]) -> Index:
    """An index holding what the answers read about ``nodes``; graphs filled by the caller."""
    claims, statements = {}, {}
    for n in nodes:
        for prop, items in reader.claims(n).items():
            claims[(n, prop)] = items
        for prop, items in reader.statements(n).items():
            statements[(n, prop)] = items
    return Index(authority=nx.MultiDiGraph(), precedent=nx.DiGraph(), links=nx.MultiDiGraph(), roots=set(),
                 labels=_Labels(store), claims=claims, features={}, dates={}, responses={}, cases=set(),
                 statements=statements, property_labels={p: store.label(p) for p in CONNECTION_PROPERTIES})


# -- authority chains -------------------------------------------------------------------------

def _authority_edges(store: Store, reader: _Reader, props: set[Node], s: Node) -> list[tuple[Node, Node, dict]]:
    """The authority and competence edges out of ``s``, with the attributes the whole index gives them."""
    edges: dict[tuple[Node, Node], dict] = {}
    for prop in sorted(props, key=str):
        for o in store.objects(s, prop):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                edges[(o, prop)] = {}
    for prop in sorted(props, key=str):
        for o in reader.inferred(s, prop):
            if isinstance(o, URIRef) and (o, prop) not in edges:
                edges[(o, prop)] = {"inferred": True}
    for prop in COMPETENCE_PROPERTIES:  # the Charter provisions that establish or empower an organ
        for provision in store.subjects(prop, s):
            if isinstance(provision, URIRef) and isinstance(s, URIRef):
                edges.setdefault((provision, prop), {})["competence"] = True
    own_basis = _has_own_basis(store, reader, s)
    if not reader.is_root(s) and isinstance(s, URIRef) and not own_basis:
        for organ in store.objects(s, R2P.issuedBy):
            if isinstance(organ, URIRef):
                edges.setdefault((organ, R2P.issuedBy), {})["competence"] = True
    for (o, prop), attrs in edges.items():  # a plain triple only, as the whole index marks it
        if prop == R2P.establishedBy and R2P.Organ in reader.types(o) and (s, prop, o) in store:
            attrs["competence"] = True
    if not own_basis:  # "the Secretary-General established the office", stated in a claim
        for c in reader.claims(s).get(R2P.establishedBy, []):
            organ = c["value"]
            if isinstance(organ, (URIRef, BNode)) and R2P.Organ in reader.types(organ) and _stated_in_own_voice(c["evidence"]) \
                    and (organ, R2P.establishedBy) not in edges:
                edges[(organ, R2P.establishedBy)] = {"competence": True, "claim": True}
    return [(o, prop, attrs) for (o, prop), attrs in edges.items()]


def _has_own_basis(store: Store, reader: _Reader, subject: Node) -> bool:
    if store.value(subject, R2P.hasLegalBasis) is not None:
        return True
    return any(R2P.Organ not in reader.types(o) for o in store.objects(subject, R2P.establishedBy))


def chain_index(store: Store, node: Node) -> Index:
    """The index of everything ``node``'s authority chains pass: the nodes it reaches along
    authority and competence edges, each with all its out-edges, claims and official text."""
    reader = _Reader(store)
    props = authority_properties(store)
    authority = nx.MultiDiGraph()
    reached, todo = {node}, [node]
    while todo:
        s = todo.pop()
        for o, prop, attrs in _authority_edges(store, reader, props, s):
            authority.add_edge(s, o, key=prop, **attrs)
            if o not in reached:
                reached.add(o)
                todo.append(o)
    index = _new_index(store, reader, reached)
    index.authority = authority
    index.roots = {n for n in reached if reader.is_root(n)}
    index.texts = {n: t for n in reached if (t := official_text(store, n)) is not None}
    return index


def official_text(store: Store, node: Node) -> dict | None:
    """The node's imported official text, heading or version in force, as ``_official_texts`` reads it."""
    text, heading = store.value(node, R2P.text), store.value(node, R2P.heading)
    version = store.value(node, R2P.versionInForce)
    if text is None and heading is None and version is None:
        return None
    entry: dict = {}
    if text is not None:
        entry.update(text=str(text), status=str(store.value(node, R2P.textStatus) or ""),
                     sha256=str(store.value(node, R2P.textSha256) or ""))
    if text is None and version is not None:
        entry.update(text=str(store.value(version, R2P.readingText) or ""),
                     status=f"version {store.value(version, R2P.version)}, from one copy only",
                     sha256=str(store.value(version, R2P.textSha256) or ""))
    if heading is not None:
        entry["heading"] = str(heading)
    return entry


def chains_of(store: Store, node: Node) -> dict:
    """``authority_chains`` of one node, read from lookups (from the whole index on a SPARQL
    endpoint, where each lookup would be a request and the index is one)."""
    if store.uses_network:
        return authority_chains(graph_index(store), node)
    return kept_answer(store, ("chains", node), lambda: authority_chains(chain_index(store, node), node))


def links_index(store: Store, node: Node) -> Index:
    """What "what does it cite instead?" reads: the node's links, and whether each target has a
    chain (the whole index on a SPARQL endpoint)."""
    if store.uses_network:
        return graph_index(store)
    reader = _Reader(store)
    props = authority_properties(store)
    index = _new_index(store, reader, ())
    if (node, RDF.type, R2P.Claim) not in store and isinstance(node, URIRef):
        publication = (node, RDF.type, R2P.Publication) in store
        for prop in CONNECTION_PROPERTIES:
            if prop == R2P.cites and publication:
                continue
            for o in store.objects(node, prop):
                if isinstance(o, URIRef):
                    index.links.add_edge(node, o, key=prop)
            for o in reader.inferred(node, prop):
                if isinstance(o, URIRef) and not index.links.has_edge(node, o, key=prop):
                    index.links.add_edge(node, o, key=prop, inferred=True)
    for target in list(index.links.successors(node)) if node in index.links else []:
        if reader.is_root(target):
            index.roots.add(target)
        for o, prop, attrs in _authority_edges(store, reader, props, target):
            index.authority.add_edge(target, o, key=prop, **attrs)
    if R2P.Case in reader.types(node):
        index.cases.add(node)
    return index


# -- connection ---------------------------------------------------------------------------------

_LINKS = frozenset(CONNECTION_PROPERTIES)


def _link_edges(store: Store, reader: _Reader, x: Node) -> list[tuple[Node, Node, Node, bool]]:
    """The link edges at ``x``, out and in: (subject, object, property, inferred), as
    :func:`r2pkg.chains.build_index` reads them (no claim's links, no publication's citations)."""
    edges = []
    if isinstance(x, URIRef):
        if R2P.Claim not in reader.types(x):
            publication = R2P.Publication in reader.types(x)
            for p, o in store.predicate_objects(x):
                if p in _LINKS and isinstance(o, URIRef) and not (p == R2P.cites and publication):
                    edges.append((x, o, p, False))
        for s, p in store.subject_predicates(x):
            if p in _LINKS and isinstance(s, URIRef) and R2P.Claim not in reader.types(s) \
                    and not (p == R2P.cites and R2P.Publication in reader.types(s)):
                edges.append((s, x, p, False))
        for claim in set(store.subjects(R2P.claimValue, x)):  # an editor's link to x
            prop, subject = store.value(claim, R2P.claimProperty), store.value(claim, R2P.claimSubject)
            if prop in _LINKS and subject is not None and x in reader.inferred(subject, prop):
                edges.append((subject, x, prop, True))
    for prop in CONNECTION_PROPERTIES:
        for o in reader.inferred(x, prop):
            if isinstance(o, URIRef):
                edges.append((x, o, prop, True))
    return edges


def connection_of(store: Store, start: Node, end: Node, limit: int = 8) -> dict:
    """``connection`` of two nodes, read from lookups: both ends searched until they meet
    (:mod:`r2pkg.shortest_paths`), then the links of the paths found, with their claims."""
    if store.uses_network:
        return connection(graph_index(store), start, end, limit)
    return kept_answer(store, ("connection", start, end, limit), lambda: _connection(store, start, end, limit))


#: The link edges of the nodes connection searches passed since the last write (a store
#: cache, cleared by a write like :data:`ANSWERS`): searches from many nodes to one hub pass
#: the hub's neighbourhood each time. Emptied when it holds :data:`EDGES_KEPT` edges
#: (about 30 MB), so a hub with tens of thousands of links at 10M is kept only so long.
EDGES = "node-link-edges"
EDGES_KEPT = 100_000


class _Edges(dict):
    """Link edges by node, with the number of edges held."""

    held = 0


def _connection(store: Store, start: Node, end: Node, limit: int) -> dict:
    reader = _Reader(store)
    version, edges = store.version, store.derived.setdefault(EDGES, _Edges())
    if edges.held >= EDGES_KEPT:
        edges.clear()
        edges.held = 0

    def at(x: Node) -> list[tuple[Node, Node, Node, bool]]:
        found = edges.get(x)
        if found is None:
            found = _link_edges(store, reader, x)
            if store.version == version and store.derived.get(EDGES) is edges:  # no write meanwhile
                edges[x] = found
                edges.held += len(found) + 1
        return found

    def neighbours(x: Node) -> list[Node]:
        return [o if s == x else s for s, o, _p, _i in at(x)]

    ends_linked = bool(at(start)) and bool(at(end))
    paths = first_shortest_paths(neighbours, start, end, limit) if ends_linked else []
    index = _new_index(store, reader, ())
    pairs = {(a, b) for path in paths for a, b in zip(path, path[1:])}
    for a, b in sorted(pairs, key=str):
        for inferred in (False, True):  # as the whole index adds them: stated links first
            for prop in CONNECTION_PROPERTIES:
                for s, o, p, i in at(a):
                    if p == prop and i == inferred and {s, o} == {a, b} and not index.links.has_edge(s, o, key=p):
                        index.links.add_edge(s, o, key=p, **({"inferred": True} if i else {}))
                        index.claims.setdefault((s, p), reader.claims(s, (p,)).get(p, []))
    return connection_along(index, start, end, paths)


__all__ = ["chain_index", "chains_of", "connection_of", "links_index", "official_text"]

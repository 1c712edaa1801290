"""Plain-data descriptions of a node for pages and APIs: properties, evidence, inverse links."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from r2pkg.linked import inferred_value_claims, linked_from
from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import Store
from r2pkg.view_terms import key_of

#: Names of inverse links, as a reader would say them.
INVERSE_NAMES = {
    R2P.cites: "cited by",
    R2P.hasLegalBasis: "legal basis for",
    R2P.establishedBy: "founding instrument of",
    R2P.drawsOn: "drawn on by",
    R2P.partOf: "has part",
    R2P.actor: "actor in",
    R2P.addressedTo: "recommendations addressed to it",
    R2P.concerns: "recommendations concerning it",
    R2P.concernsCrime: "cases concerning it",
    R2P.pillar: "filed under it",
    R2P.instrument: "responses using it",
    R2P.heldBy: "holds",
    R2P.issuedBy: "issued",
    R2P.parentOrgan: "has subsidiary",
    R2P.withinOrgan: "mandates within it",
    R2P.country: "situations in it",
    R2P.hasResponse: "response in case",
    R2P.claimSubject: "claims about it",
    R2P.claimValue: "claims citing it as value",
    R2P.source: "cited as source",
    R2P.subItemOf: "sub-items",
    R2P.madeIn: "recommendations made in it",
    R2P.reportsOn: "reported in",
    R2P.holder: "tenures",
    R2P.readingOf: "readings of the copies of the instrument (they differ here)",
    R2P.quotationOf: "quoted by the sources as",
    R2P.textFrom: "texts taken from this copy",
    R2P.copyOf: "copies",
}


@dataclass
class Value:
    """One value shown on a page: its text, and a link if it is a node of the graph."""

    text: str
    iri: str | None = None
    href: str | None = None
    datatype: str | None = None


@dataclass
class Description:
    """What a resource page shows."""

    iri: str
    label: str
    types: list[Value]
    properties: list[tuple[Value, list[Value]]]
    evidence: list[dict[str, Value | list[Value] | None]]
    inverse: list[tuple[str, list[Value]]]
    claims: list[dict] = field(default_factory=list)
    readings: list[dict] = field(default_factory=list)
    #: property IRI → the citations of the node that back that statement (r2p:supports), and
    #: the claims of exactly one of its triples: what a fact row shows as its own sources.
    backing: dict[str, list[dict]] = field(default_factory=dict)
    #: Where the graph does not hold the official text of a provision: the link to it.
    text_not_held: Value | None = None
    #: "Linked from" name → for each kind of link with more nodes than a page lists: how
    #: many are shown, how many there are, and the address of the rest (``/linked``).
    linked_more: dict[str, list[dict]] = field(default_factory=dict)
    #: Where more claims than a page lists link here by an editor's inference only: how many
    #: are shown, how many there are, and the address of every claim citing it as value.
    inferred_more: dict | None = None


def href_for(iri: str) -> str | None:
    """The local page of an IRI of this graph, or None for outside IRIs."""
    if iri.startswith(str(R2PID)):
        return "/id/" + iri[len(str(R2PID)):]
    if iri.startswith(str(R2P)):
        return "/ontology/" + iri[len(str(R2P)):]
    return None


def linked_href(node: URIRef, prop: URIRef, offset: int) -> str:
    """The address of the nodes linked to ``node`` by ``prop`` from ``offset`` on (``/linked``)."""
    from urllib.parse import urlencode

    return "/linked?" + urlencode({"node": str(node), "property": str(prop), "offset": offset})


def web_link(iri: str) -> str | None:
    """An outside IRI as a link only if it is http(s): a ``javascript:`` IRI bound by a
    query (``IRI("javascript:alert(1)")``) must not become a link that runs on click."""
    return iri if iri.lower().startswith(("http://", "https://")) else None


def value_of(store: Store, node: Node) -> Value:
    """A node or literal as a display value."""
    if isinstance(node, Literal):
        dt = str(node.datatype).rsplit("#", 1)[-1] if node.datatype else None
        dt = None if dt in ("string", "langString") else dt  # plain text needs no label
        return Value(text=str(node), datatype=dt)
    if isinstance(node, BNode):
        return Value(text="(anonymous node)")
    iri = str(node)
    if href_for(iri) is None and store.own_label(node) is None:
        # an outside link (an official text on undocs.org, un.org): its address says more than
        # its last segment ("1", "chapter-7") would
        return Value(text=re.sub(r"^https?://(www\.)?", "", iri), iri=iri, href=web_link(iri))
    return Value(text=store.label(node), iri=iri, href=href_for(iri) or web_link(iri))


def describe(store: Store, node: URIRef, linked: bool = True) -> Description:
    """Everything a reader needs about one node, with labels resolved.

    "Linked from" lists at most :data:`r2pkg.linked.PAGE` nodes of each kind of link, and
    ``linked_more`` says how many there are and where the rest are listed; ``linked=False``
    leaves it out (an ontology term's page, which does not show the thousands of instances
    of a class).
    """
    g = store
    props: dict[Node, list[Value]] = {}
    evidence = []
    backing: dict[str, list[dict]] = {}
    for record in sorted(citations_of(store, node), key=lambda r: str(r[0])):
        evidence.append(_cited(store, record))
        for prop in (o for p, o in record[1] if p == R2P.supports):
            backing.setdefault(str(prop), []).append(evidence[-1])
    for p, o in sorted(g.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
        if p in (RDF.type, R2P.evidence):
            continue
        if p in (RDFS.label,) and isinstance(o, Literal):
            continue
        props.setdefault(p, []).append(value_of(store, o))
    inverse: dict[str, list[Value]] = {}
    more: dict[str, list[dict]] = {}
    for p, (subjects, total) in (linked_from(store, node) if linked else {}).items():
        name = INVERSE_NAMES.get(p, f"{store.label(p)} (of)")
        inverse.setdefault(name, []).extend(value_of(store, s) for s in subjects)
        if total > len(subjects):
            more.setdefault(name, []).append({"shown": len(subjects), "total": total,
                                              "href": linked_href(node, p, len(subjects))})
    claims = [claim_summary(store, c) for c in g.subjects(R2P.claimSubject, node)]
    for c in claims:  # a stated claim of exactly a plain triple backs that triple
        if c["standing"] == "stated" and c["property"].iri:
            backing.setdefault(c["property"].iri, []).extend(c["evidence"])
    held = g.value(node, R2P.officialTextHeld)
    where = g.value(node, R2P.officialTextAt)
    marked: dict[str, tuple[Value, list[Value]]] = {}
    for c in claims:  # an editor's inference is shown beside the facts, marked, never as one
        if c["standing"] == "inferred":
            text = f"{c['property'].text} (inferred by an editor, not a stated fact)"
            name = Value(text=text, iri=c["property"].iri, href=c["property"].href)
            marked.setdefault(text, (name, []))[1].append(c["value"])
    inferred, inferred_total = inferred_value_claims(store, node, inferred_only) if linked else ([], 0)
    for claim in inferred:
        subject, prop = g.value(claim, R2P.claimSubject), g.value(claim, R2P.claimProperty)
        if subject is not None and prop is not None:
            name = INVERSE_NAMES.get(prop, f"{store.label(prop)} (of)") + " (inferred by an editor, not a stated fact)"
            inverse.setdefault(name, []).append(value_of(store, subject))
    return Description(
        iri=str(node),
        label=store.label(node),
        types=[value_of(store, t) for t in sorted(store.types(node), key=str)],
        properties=[(value_of(store, p), vals) for p, vals in props.items()] + sorted(marked.values(), key=lambda m: m[0].text),
        evidence=evidence,
        inverse=sorted(((k, sorted(v, key=lambda x: x.text)) for k, v in inverse.items())),
        linked_more=more,
        inferred_more={"shown": len(inferred), "total": inferred_total,
                       "href": linked_href(node, R2P.claimValue, 0)} if inferred_total > len(inferred) else None,
        claims=claims,
        readings=readings(store, node),
        backing=backing,
        text_not_held=(value_of(store, where) if where is not None else Value(text="the official document"))
        if held is not None and not held.toPython() else None,
    )


def readings(store: Store, node: URIRef) -> list[dict]:
    """Each copy's reading (or version) of a provision whose copies differ, with its text in full.

    Where the copies differ, neither is the text, so the page shows both side by side: a
    reader sees the comma, the capital or the amended number in question, and its checksum.
    """
    found = []
    for r in sorted(store.subjects(R2P.readingOf, node), key=str):
        text = store.value(r, R2P.readingText)
        if text is None:
            continue
        source = store.value(r, R2P.textFrom)
        found.append({"reading": value_of(store, r), "text": str(text),
                      "source": value_of(store, source) if source is not None else None,
                      "sha256": str(store.value(r, R2P.textSha256) or "")})
    return found


def citation(store: Store, node: Node) -> dict:
    """A citation's source, locator, quote, assertion and attribution, for display."""
    g = store

    def one(prop: URIRef) -> Value | None:
        value = g.value(node, prop)
        return None if value is None else value_of(store, value)

    return {
        "source": one(R2P.source),
        "locator": one(R2P.locator),
        "quote": one(R2P.quote),
        "assertion": one(R2P.assertion),
        "attributed_to": one(R2P.attributedTo),
        "note": one(R2P.note),
        "line": one(R2P.line),
        "breadth": one(R2P.breadth),
        "voice": VOICE_PHRASES.get(g.value(node, R2P.breadth)),
    }


#: How a page says in whose voice a citation speaks (the breadth scheme, ontology/analysis.ttl).
VOICE_PHRASES = {
    R2P.HeldByOneSpeaker: "according to one participant",
    R2P.HeldBySeveral: "according to several participants",
    R2P.HeldBroadly: "broad agreement among participants",
    R2P.HeldByConsensus: "by consensus of the participants",
    R2P.HeldBySecretaryGeneral: "according to the Secretary-General",
    R2P.HeldByNamedAuthor: "according to a named author",
    R2P.HeldByPublication: "in the source's own voice",
}


def citations_of(store: Store, node: Node) -> list[tuple[Node, list[tuple[Node, Node]]]]:
    """``node``'s citations (``r2p:evidence``), each with its properties: one lookup of the
    node's citations, then one per citation, whatever the size of the graph (at 10M triples
    0.1-0.35 ms a node on Oxigraph). The citations are sorted, and each one's properties in
    the order of :func:`r2pkg.view_terms.key_of`, so that a page shows them the same way every time."""
    found = []
    for cite in sorted(set(store.objects(node, R2P.evidence)), key=key_of):
        pairs = sorted(set(store.predicate_objects(cite)), key=lambda po: (key_of(po[0]), key_of(po[1])))
        found.append((cite, pairs))
    return found


def _cited(store: Store, record) -> dict:
    """:func:`citation`'s answer from a citation read by :func:`citations_of`: the citation's
    own properties come from the record (no lookup per property), labels from the store."""
    return citation(_Held(store, record), record[0])


class _Held:
    """The store, except that one citation's properties are answered from its record."""

    def __init__(self, store: Store, record) -> None:
        self._store = store
        self._node = record[0]
        self._first: dict[Node, Node] = {}
        for p, o in record[1]:
            self._first.setdefault(p, o)

    def value(self, subject: Node | None = None, predicate: Node | None = None) -> Node | None:
        if subject == self._node and predicate is not None:
            return self._first.get(predicate)
        return self._store.value(subject, predicate)

    def __getattr__(self, name: str):
        return getattr(self._store, name)


def inferred_only(store: Store, claim: Node) -> bool:
    """True when the claim rests only on an editor's inference and no plain triple says the same.

    Such a claim is never a fact of the plain graph (contract: "What a triple means"), so a
    page shows it apart, marked as inferred.
    """
    g = store
    s, p, o = (g.value(claim, R2P.claimSubject), g.value(claim, R2P.claimProperty),
               g.value(claim, R2P.claimValue))
    assertions = {g.value(e, R2P.assertion) for e in g.objects(claim, R2P.evidence)}
    return (R2P.Inferred in assertions and R2P.Stated not in assertions
            and None not in (s, p, o) and (s, p, o) not in g)


def claim_summary(store: Store, claim: Node) -> dict:
    """A claim with its property, value, evidence and standing (stated, inferred, or a reported view)."""
    g = store
    s, p, o = (g.value(claim, R2P.claimSubject), g.value(claim, R2P.claimProperty),
               g.value(claim, R2P.claimValue))
    standing = ("inferred" if inferred_only(store, claim) else
                "stated" if None not in (s, p, o) and (s, p, o) in g else "reported, not in the plain graph")
    return {
        "claim": value_of(store, claim),
        "property": value_of(store, p or R2P.claimProperty),
        "value": value_of(store, o if o is not None else Literal("")),
        "evidence": [citation(store, e) for e in g.objects(claim, R2P.evidence)],
        "standing": standing,
    }


def concise_bounded(store: Store, node: URIRef) -> Graph:
    """The node's triples and those of the blank nodes it holds (its citations)."""
    out = Graph()
    pending: list[Node] = [node]
    seen: set[Node] = set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for p, o in store.predicate_objects(current):
            out.add((current, p, o))
            if isinstance(o, BNode):
                pending.append(o)
    return out


def search_labels(store: Store, text: str, limit: int = 50) -> list[Value]:
    """Nodes whose label contains every word of ``text`` (case-insensitive), best first."""
    words = [w for w in text.casefold().split() if w]
    if not words:
        return []
    hits = []
    for node, label in store.labels.items():
        if not isinstance(node, URIRef):
            continue
        folded = label.casefold()
        if all(w in folded for w in words):
            score = (0 if folded.startswith(words[0]) else 1, len(label))
            hits.append((score, node))
    hits.sort(key=lambda h: (h[0], str(h[1])))
    return [value_of(store, n) for _, n in hits[:limit]]


__all__ = ["Description", "Value", "describe", "href_for", "search_labels", "value_of"]

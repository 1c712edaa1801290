"""The namespaces of the public contract, and one place to bind them to a graph."""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

R2P = Namespace("https://w3id.org/r2pkg/ontology#")
R2PID = Namespace("https://w3id.org/r2pkg/id/")

#: Prefixes for the IRI families of individuals (data files declare the same ones).
FAMILIES = {
    "doc": "document/",
    "pub": "publication/",
    "event": "event/",
    "organ": "organ/",
    "org": "organization/",
    "state": "state/",
    "person": "person/",
    "mandate": "mandate/",
    "case": "case/",
    "response": "response/",
    "lesson": "lesson/",
    "rec": "recommendation/",
    "claim": "claim/",
    "tenure": "tenure/",
    "crime": "crime/",
    "pillar": "pillar/",
    "tool": "tool/",
    "actor": "actor/",
    # the sources' analysis (data/analysis)
    "ws": "warning-sign/",
    "factor": "enabling-factor/",
    "capacity": "capacity/",
    "obstacle": "obstacle/",
    "term": "term/",
    "position": "position/",
}

PREFIXES: dict[str, str] = {
    "r2p": str(R2P),
    "r2pid": str(R2PID),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "prov": str(PROV),
    "sh": str(SH),
    **{name: str(R2PID) + path for name, path in FAMILIES.items()},
}

#: The properties an authority chain follows (the contract's "authority chain").
AUTHORITY_PROPERTIES = (R2P.hasLegalBasis, R2P.establishedBy, R2P.partOf)


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the contract's prefixes so that serialisations are readable."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def sparql_prologue() -> str:
    """PREFIX lines for every contract prefix, for queries typed by users."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())

"""What the query editor offers to complete: prefixes, classes and properties of the graph.

Built from the store, not from a prefix service on the web: the editor must work offline
and complete the names this graph really uses. Every prefix the endpoint declares (its
service description lists them) has names to complete: the graph's own classes and
properties, the terms of the standard vocabularies (rdf, rdfs, owl, xsd, skos, dct, prov,
sh, as rdflib knows them, offline), and the graph's individuals under ``r2pid:`` with
their labels (``case:rwanda-1994``).
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

from r2pkg.namespaces import PREFIXES, R2PID
from r2pkg.store import Store

_CLASS_TYPES = (OWL.Class, RDFS.Class)
_PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
_CACHE: dict[tuple[int, int], dict] = {}


def _terms(store: Store, types) -> list[dict]:
    g = store
    nodes = {s for t in types for s in g.subjects(RDF.type, t) if isinstance(s, URIRef)}
    return sorted(({"iri": str(n), "label": store.label(n),
                    "definition": str(g.value(n, SKOS.definition) or g.value(n, RDFS.comment) or "")}
                   for n in nodes), key=lambda t: t["iri"])


#: The standard vocabularies the endpoint declares, with their terms as rdflib lists them.
_STANDARD = (RDF, RDFS, OWL, XSD, SKOS, DCTERMS, PROV, SH)


def _standard_terms() -> tuple[list[dict], list[dict]]:
    """Classes (and datatypes) and properties of the standard vocabularies: a capital first
    letter is a class, as these vocabularies name them; every xsd: term is a datatype."""
    classes, properties = [], []
    for namespace in _STANDARD:
        for name in sorted(getattr(namespace, "__annotations__", {})):
            term = {"iri": str(namespace) + name, "label": name, "definition": ""}
            (classes if namespace is XSD or name[:1].isupper() else properties).append(term)
    return classes, properties


def _individuals(store: Store) -> list[dict]:
    """The graph's labelled individuals under r2pid:, for ``case:``, ``doc:``… completion."""
    base = str(R2PID)
    return sorted(({"iri": str(n), "label": label} for n, label in store.labels.items()
                   if isinstance(n, URIRef) and str(n).startswith(base)), key=lambda t: t["iri"])


def vocabulary(store: Store) -> dict:
    """Prefixes (the ones the endpoint declares for every query), classes, properties and
    individuals, under every declared prefix."""
    key = (id(store), getattr(store, "version", 0))
    if key not in _CACHE:
        _CACHE.clear()
        own_classes, own_properties = _terms(store, _CLASS_TYPES), _terms(store, _PROPERTY_TYPES)
        known = {t["iri"] for t in own_classes + own_properties}
        classes, properties = _standard_terms()
        _CACHE[key] = {"prefixes": dict(PREFIXES),
                       "classes": own_classes + [t for t in classes if t["iri"] not in known],
                       "properties": own_properties + [t for t in properties if t["iri"] not in known],
                       "individuals": _individuals(store)}
    return _CACHE[key]

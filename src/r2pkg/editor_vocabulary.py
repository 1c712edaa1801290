"""What the query editor offers to complete: prefixes, classes and properties of the graph.

Built from the store, not from a prefix service on the web: the editor must work offline
and complete the names this graph really uses.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from r2pkg.namespaces import PREFIXES
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


def vocabulary(store: Store) -> dict:
    """Prefixes (the ones the endpoint declares for every query), classes and properties."""
    key = (id(store), getattr(store, "version", 0))
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = {"prefixes": dict(PREFIXES), "classes": _terms(store, _CLASS_TYPES),
                       "properties": _terms(store, _PROPERTY_TYPES)}
    return _CACHE[key]

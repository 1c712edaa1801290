"""RDF terms as tuples of plain strings, the form the views kept with the store hold them in.

A view (the rows of a saved query, the members of a class, a case's shared features) is saved
in ``DIR/views`` and read back by later processes. rdflib terms pickle about ten times slower
than tuples of strings and take more memory, so views hold keys (:func:`key_of`) and turn back
into rdflib terms (:func:`term_of`) only the few a page or an answer shows.

The forms are ``("u", iri)``, ``("b", id)`` and ``("l", text, language, datatype)`` (a tagged
literal has no datatype; Oxigraph gives a plain literal as an ``xsd:string``).
"""

from __future__ import annotations

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

#: A term as plain strings.
Term = tuple[str, ...]


def key_of(term: Node) -> Term:
    """An rdflib term as plain strings."""
    if isinstance(term, Literal):
        return ("l", str(term), term.language or "", str(term.datatype or ""))
    if isinstance(term, BNode):
        return ("b", str(term))
    return ("u", str(term))


def term_of(key: Term) -> Node:
    """The rdflib term :func:`key_of` wrote as ``key``."""
    if key[0] == "l":
        _, text, language, datatype = key
        return Literal(text, lang=language or None, datatype=URIRef(datatype) if datatype and not language else None)
    return BNode(key[1]) if key[0] == "b" else URIRef(key[1])

"""The saved query ``citator`` answered on the triples around its one document.

The query lists what a document cites and what cites it: the typed citations
(``r2p:CitationLink``, with treatment, pinpoint and evidence) and the plain ``r2p:cites``
that no typed citation covers. Every triple it can match touches the document through one
of four lookups, but Oxigraph joins the answer with every ``rdfs:label`` of the graph (4.6 s
at 10M triples, for a resolution that some 5,000 documents cite). The triples are read here
first, by indexed lookups (:class:`Fragment`), and the query's own SPARQL text runs on them:
the answer is the query's by definition.

What is read (:func:`around`), and why it is enough for the same rows as the whole graph:

* every node that is ``r2p:citingDocument`` or ``r2p:citedDocument`` of the document (each
  typed citation of it, whatever its class), with all its triples, its citations' (blank or
  not) and the labels of every IRI they use (treatment, source, assertion, the other
  document): the typed arm, and the ``NOT EXISTS`` of the untyped arm, which asks for such
  a node, see every one the graph holds;
* every ``r2p:cites`` triple from or to the document, and the label of the document at its
  other end.

``tests/test_query_views.py`` compares the rows with the whole graph's, on the bundled graph,
on a generated one, for other documents, and after writes.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox
from rdflib.term import Node

from r2pkg.fragments import Fragment
from r2pkg.namespaces import R2P
from r2pkg.sparql import Answer
from r2pkg.store.base import Store
from r2pkg.store.oxigraph import to_ox

CITING, CITED = to_ox(R2P.citingDocument), to_ox(R2P.citedDocument)
CITES, EVIDENCE = to_ox(R2P.cites), to_ox(R2P.evidence)


def around(store: Store, document: ox.NamedNode) -> Fragment:
    """The triples of the document's typed citations and plain ``r2p:cites``, with labels."""
    fragment = Fragment(store)
    for prop in (CITING, CITED):
        for quad in fragment.triples(None, prop, document):
            fragment.node(quad.subject)
            for cited in fragment.triples(quad.subject, EVIDENCE, None):
                fragment.node(cited.object)  # a citation that is an IRI, not a blank node
    for quad in fragment.triples(document, CITES, None):
        fragment.label(quad.object)
    for quad in fragment.triples(None, CITES, document):
        fragment.label(quad.subject)
    return fragment


def answer(store: Store, text: str, bindings: Mapping[str, Node], max_rows: int | None,
           held_only: bool = False) -> Answer | None:
    """The query's SPARQL run on the triples around ``?_document_iri``."""
    document = bindings.get("_document_iri")
    if document is None:
        return None
    return around(store, to_ox(document)).answer(text, bindings, max_rows)

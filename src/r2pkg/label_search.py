"""The saved query ``find-by-label`` answered from the store's label table.

The query looks for a text in every English (or untagged) ``rdfs:label`` of the graph:
Oxigraph reads each label and lowercases it to test it (7.3 s at 10M triples), since no index
helps with a substring. The store already keeps every node's English label in memory
(:attr:`Store.labels`, the table the name resolver and the home page's search read, kept up
to date by each write), with the few English labels the table does not show beside it
(:attr:`Store.other_labels`: a node's second label, one tagged ``en-GB``). So the nodes whose
labels contain the text are found there, and the query's own SPARQL text runs on their
triples (their labels, classes and the classes' labels, read by indexed lookups,
:class:`Fragment`): the answer is the query's by definition.

The test on the table is a superset of the query's: both sides are case-folded
(``str.casefold``), which folds at least what SPARQL's ``LCASE`` lowercases, so a label the
query matches is never left out, and the query itself then tests every candidate exactly.

The table is read from the whole graph on first use (0.65 s of CPU at 1M triples, against
0.12 s for the query itself), so a process that has not built it (the search, a name given
by its label, or this query in a server builds it) runs the SPARQL: a single ``r2pkg query``
never waits for it, nor does a web request: a server builds the table only for what needs
it (the home page's search, a name given by its label), never for this query, since at ten
million triples the table takes 9 s of CPU and 670 MB where the query takes 1.2 s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rdflib import RDF, URIRef
from rdflib.term import Node

from r2pkg.fragments import LABEL, Fragment
from r2pkg.sparql import Answer
from r2pkg.store.base import Store
from r2pkg.store.oxigraph import to_ox

TYPE = to_ox(RDF.type)


def candidates(store: Store, text: str) -> list[URIRef]:
    """The IRIs with an English or untagged label that contains ``text``, case aside (a superset)."""
    folded = text.casefold()
    # copies: a write in another thread may change the table while it is read
    found = [node for node, label in tuple(store.labels.items())
             if isinstance(node, URIRef) and folded in label.casefold()]
    found.extend(node for node, labels in tuple(store.other_labels.items())
                 if isinstance(node, URIRef) and any(folded in label.casefold() for label in labels))
    return found


def read(store: Store, nodes: Iterable[URIRef]) -> Fragment:
    """Each node's labels (every language: the query tests them), classes and classes' labels."""
    fragment = Fragment(store)
    for node in nodes:
        iri = to_ox(node)
        fragment.triples(iri, LABEL, None)
        for quad in fragment.triples(iri, TYPE, None):
            fragment.label(quad.object)
    return fragment


def answer(store: Store, text: str, bindings: Mapping[str, Node], max_rows: int | None,
           held_only: bool = False) -> Answer | None:
    """The query's SPARQL run on the triples of the nodes whose labels hold ``?_text_literal``."""
    needle = bindings.get("_text_literal")
    if needle is None:
        return None
    if store._labels is None:  # one answer: the SPARQL costs less than building the table
        return None
    return read(store, candidates(store, str(needle))).answer(text, bindings, max_rows)

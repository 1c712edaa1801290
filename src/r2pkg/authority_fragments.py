"""``authority-chain-nodes`` and ``authority-chain-roots`` answered on the chain's own triples.

Both queries start from one node and walk ``hasLegalBasis|establishedBy|partOf`` at any
depth, with an editor's inferred hop and a competence hop (an organ to the Charter
provisions that establish or empower it). Oxigraph runs their five-way UNION on the whole
graph and evaluates the property paths from every claim and provision it meets: 3 s at 100k
triples, no answer within 10 s at a million. The nodes the walk can reach are few whatever
the graph's size, so they are read here first, by indexed lookups (:class:`Fragment`), and
the query's own SPARQL text runs on their triples: the answer is the query's by definition.

What is read (:func:`reach`), and why it is enough for the same rows as the whole graph:

* every node reached from the start along the three properties, the values of the claims
  about any reached node (an inferred hop, whatever the claim's property or evidence: a
  superset), the organs a reached node was issued by, and the provisions that establish or
  empower a reached node (the competence hop; the query's ``?goesOn`` asks the same of every
  listed node), closed under all of these;
* of each reached node, every triple it is the subject of, those of its blank nodes (its
  citations) and the labels of every IRI they use (:meth:`Fragment.node`), so each negated
  pattern the query puts on a reached node (``a r2p:Treaty``, its own ``hasLegalBasis``,
  an ``establishedBy`` that is not an organ) sees what the graph holds;
* every claim about a reached node, with its citations (``NOT EXISTS { ?claim
  r2p:evidence/r2p:assertion r2p:Stated }``, the breadth of a stated citation).

``tests/test_query_views.py`` compares the rows with the whole graph's, on the bundled graph,
on a generated one, and from other start nodes.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox
from rdflib.term import Node

from r2pkg.fragments import Fragment, walk
from r2pkg.namespaces import R2P
from r2pkg.sparql import Answer
from r2pkg.store.base import Store
from r2pkg.store.oxigraph import to_ox

#: The chain's properties, followed from subject to object.
CHAIN = tuple(ox.NamedNode(str(p)) for p in (R2P.hasLegalBasis, R2P.establishedBy, R2P.partOf, R2P.issuedBy))
#: Provision -> organ links, followed backwards (from the organ to the provision).
COMPETENCE = tuple(ox.NamedNode(str(p)) for p in (R2P.establishes, R2P.empowers))
CLAIM_SUBJECT = ox.NamedNode(str(R2P.claimSubject))
CLAIM_VALUE = ox.NamedNode(str(R2P.claimValue))


def reach(store: Store, start: ox.NamedNode) -> Fragment:
    """The triples of every node an authority chain from ``start`` can pass through."""
    fragment = Fragment(store)

    def step(node) -> list:
        fragment.node(node)
        found = [q.object for prop in CHAIN for q in fragment.triples(node, prop, None)]
        for quad in fragment.triples(None, CLAIM_SUBJECT, node):
            fragment.node(quad.subject)
            found.extend(q.object for q in fragment.triples(quad.subject, CLAIM_VALUE, None))
        found.extend(q.subject for prop in COMPETENCE for q in fragment.triples(None, prop, node))
        return found

    walk(start, step)
    return fragment


def answer(store: Store, text: str, bindings: Mapping[str, Node], max_rows: int | None,
           held_only: bool = False) -> Answer | None:
    """The query's SPARQL run on the triples of the chain from ``?_node_iri``."""
    start = bindings.get("_node_iri")
    if start is None:
        return None
    return reach(store, to_ox(start)).answer(text, bindings, max_rows)

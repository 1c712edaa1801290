"""``precedents-draws-on`` and ``precedents-drawn-on-by`` answered on the walk's own triples.

Both queries start from one case and follow ``r2p:drawsOn`` (or the inverse of
``r2p:precedentFor``) at any depth, forwards (what the case draws on) or backwards (what draws
on it), with at most one editor's inferred link (an ``r2p:Claim`` of ``drawsOn`` with no
stated citation) per path. Oxigraph joins the answer with every ``rdfs:label`` of the graph
and reads every ``drawsOn`` claim for the inferred arms (4.7 s and 9.5 s at 10M triples).
The cases a walk reaches are read here first, by indexed lookups (:class:`Fragment`), and the
query's own SPARQL text runs on their triples: the answer is the query's by definition.

What is read (:func:`reach`), and why it is enough for the same rows as the whole graph:

* every node reached from the start by plain links in the query's direction, and every node
  reached from one of them through a ``drawsOn`` claim without a stated citation (its value
  going forwards, its subject going backwards), closed under both: the query reaches no node
  outside this set (it follows no claim with a stated citation: ``FILTER(!BOUND(...))``);
* of each reached node, every plain link in the query's direction (so a path the query walks
  in the fragment is one it walks in the graph, and the reverse) and its ``rdfs:label``;
* every such claim, and every ``drawsOn`` claim about the start whatever its citations (the
  query reads them for ``?direct``), with all its own triples and the ``r2p:assertion`` of
  each of its citations (blank or not): the ``OPTIONAL``/``!BOUND`` test of a stated
  citation sees every citation the graph gives the claim. A claim with a stated citation
  elsewhere matches no pattern of the query, so leaving it out changes no row.

``tests/test_query_views.py`` compares the rows with the whole graph's, on the bundled graph,
on a generated one, from other cases, and after writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib.term import Node

from r2pkg.fragments import Fragment, walk
from r2pkg.namespaces import R2P
from r2pkg.sparql import Answer
from r2pkg.store.base import Store
from r2pkg.store.oxigraph import to_ox

DRAWS_ON, PRECEDENT_FOR = to_ox(R2P.drawsOn), to_ox(R2P.precedentFor)
CLAIM_SUBJECT, CLAIM_VALUE, CLAIM_PROPERTY = to_ox(R2P.claimSubject), to_ox(R2P.claimValue), to_ox(R2P.claimProperty)
EVIDENCE, ASSERTION, STATED = to_ox(R2P.evidence), to_ox(R2P.assertion), to_ox(R2P.Stated)


@dataclass(frozen=True)
class Direction:
    """Which way a query walks: towards earlier cases (draws on) or later ones (drawn on by)."""

    #: True for ``drawsOn`` from subject to object (earlier cases).
    forwards: bool

    def links(self, fragment: Fragment, node: ox.NamedNode) -> list[ox.Term]:
        """The nodes one plain link away, the link triples kept in the fragment."""
        if self.forwards:
            return ([q.object for q in fragment.triples(node, DRAWS_ON, None)]
                    + [q.subject for q in fragment.triples(None, PRECEDENT_FOR, node)])
        return ([q.subject for q in fragment.triples(None, DRAWS_ON, node)]
                + [q.object for q in fragment.triples(node, PRECEDENT_FOR, None)])

    def claims(self, fragment: Fragment, node: ox.NamedNode, start: bool) -> list[ox.Term]:
        """The nodes one ``drawsOn`` claim away, and the claims read into the fragment (their
        own triples and their citations' assertions: all the query reads of a claim). A claim
        with a stated citation is left out, unless it is about the start: the query follows
        only claims without one, and reads the start's others for ``?direct``."""
        near, far = (CLAIM_SUBJECT, CLAIM_VALUE) if self.forwards else (CLAIM_VALUE, CLAIM_SUBJECT)
        found = []
        for quad in fragment.engine.quads_for_pattern(None, near, node, ox.DefaultGraph()):
            own = list(fragment.engine.quads_for_pattern(quad.subject, None, None, ox.DefaultGraph()))
            if not any(q.predicate == CLAIM_PROPERTY and q.object == DRAWS_ON for q in own):
                continue  # the query's claims are all of drawsOn
            assertions = [a for q in own if q.predicate == EVIDENCE
                          for a in fragment.engine.quads_for_pattern(q.object, ASSERTION, None, ox.DefaultGraph())]
            if not start and any(a.object == STATED for a in assertions):
                continue
            fragment.quads.update(own)
            fragment.quads.update(assertions)
            found.extend(q.object for q in own if q.predicate == far)
        return found


def reach(store: Store, start: ox.NamedNode, direction: Direction) -> Fragment:
    """The triples of every case a precedent walk from ``start`` can pass through."""
    fragment = Fragment(store)

    def step(node) -> list:
        fragment.label(node)
        return [*direction.links(fragment, node), *direction.claims(fragment, node, node == start)]

    walk(start, step)
    return fragment


#: The saved queries answered here, by name, and the way each walks.
DIRECTIONS = {"precedents-draws-on": Direction(forwards=True),
              "precedents-drawn-on-by": Direction(forwards=False)}


def answer(store: Store, name: str, text: str, bindings: Mapping[str, Node], max_rows: int | None,
           held_only: bool = False) -> Answer | None:
    """The query's SPARQL run on the triples of the walk from ``?_case_iri``."""
    start = bindings.get("_case_iri")
    if start is None:
        return None
    return reach(store, to_ox(start), DIRECTIONS[name]).answer(text, bindings, max_rows)

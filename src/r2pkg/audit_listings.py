"""Three whole-graph listings kept as views: ``mandates-without-founding-instrument``,
``cases-involving-all-four-crimes`` and ``recommendations-by-support-level``.

No parameter narrows what Oxigraph reads: the first joins every mandate of the graph with
its status, legal bases and the claims of a founding instrument (4.4 s at 10M triples, an
answer that grows with the graph), the second every claim of a crime with its citations,
for the two cases whose four crimes are all stated (5.6 s at 10M), the third every
recommendation of a publication with its support level and citations (3.3 s at 10M, some
4,000 rows). Each row belongs to one node (a mandate, a case, a recommendation), and what
decides a node's rows is read from that node by lookups: its own triples and the claims
about it. So all three are kept as listings
(:mod:`r2pkg.listing_views`): built from the query's own text on the whole graph as the
on-disk store loads, and brought up to date by a write from the entry alone, the query's text
run again on the triples of the nodes the entry can change.

The recommendations are kept for the default publication (the Tarrytown report) and each
support level; another publication runs the SPARQL. The queries order their rows on every
column that can tell two rows apart (``?case``, ``?mandate``, ``?recommendation`` and the
rest after the labels), so that the listing's order and the engine's agree.
``tests/test_query_views.py`` proves the rows equal to the SPARQL's on the bundled graph, on
a generated one, and after writes.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph
from rdflib.term import Node

from r2pkg.fragments import Fragment
from r2pkg.listing_views import LISTINGS, Listing, register
from r2pkg.namespaces import R2P
from r2pkg.store.base import Store
from r2pkg.store.oxigraph import to_ox

_CLAIM_SUBJECT, _EVIDENCE = to_ox(R2P.claimSubject), to_ox(R2P.evidence)
_TYPE, _ATROCITY_CRIME = to_ox(RDF.type), to_ox(R2P.AtrocityCrime)


def _read_with_claims(fragment: Fragment, node: ox.NamedNode) -> None:
    """A node's own triples and every claim about it, with the claims' citations (blank or
    not) and the labels of the IRIs they use."""
    fragment.node(node)
    for quad in fragment.triples(None, _CLAIM_SUBJECT, node):
        fragment.node(quad.subject)
        for cited in fragment.triples(quad.subject, _EVIDENCE, None):
            fragment.node(cited.object)


def _claims_affected(store: Store, entry: Graph) -> set[Node]:
    """The nodes the entry says something about, the subjects of the claims among them, and
    the holders of the citations among them (and those holders' subjects, for a claim)."""
    graphs = (store, entry)
    nodes = set(entry.subjects())
    for node in list(nodes):
        for g in graphs:
            nodes.update(g.objects(node, R2P.claimSubject))
            for holder in g.subjects(R2P.evidence, node):
                nodes.add(holder)
                nodes.update(g.objects(holder, R2P.claimSubject))
    return nodes


def _of_class(nodes: set[Node], cls: Node, store: Store, entry: Graph) -> set[Node]:
    """The nodes of class ``cls`` in the store or the entry (one whose class the entry takes
    away is still one whose rows go): the listing reads no other anchor."""
    return {n for n in nodes if (n, RDF.type, cls) in store or (n, RDF.type, cls) in entry}


# -- mandates-without-founding-instrument -----------------------------------------------------

def _mandates_affected(store: Store, entry: Graph) -> set[Node]:
    """As for any claim, plus the mandates of a status, and the subjects of the claims naming
    an instrument, whose label the entry changes."""
    nodes = _claims_affected(store, entry)
    for relabelled in {s for s, p, _o in entry if p == RDFS.label}:
        for g in (store, entry):
            nodes.update(g.subjects(R2P.mandateStatus, relabelled))
            for claim in g.subjects(R2P.claimValue, relabelled):
                nodes.update(g.objects(claim, R2P.claimSubject))
    return _of_class(nodes, R2P.Mandate, store, entry)


MANDATES_WITHOUT_FOUNDING_INSTRUMENT = Listing(
    query="mandates-without-founding-instrument", view="mandates-without-founding-instrument-1", anchor="mandate",
    variable=None, parameter=None,
    order=("statusLabel", "mandateLabel", "mandate", "status", "noFoundingInstrument", "inferredInstrument",
           "inferredInstrumentLabel", "assertion"),
    read=_read_with_claims, affected=_mandates_affected)

# -- cases-involving-all-four-crimes --------------------------------------------------------


def _read_case_crimes(fragment: Fragment, case: ox.NamedNode) -> None:
    """A case's triples and claims, and which nodes are atrocity crimes (the query counts them)."""
    _read_with_claims(fragment, case)
    fragment.triples(None, _TYPE, _ATROCITY_CRIME)


def _cases_affected(store: Store, entry: Graph) -> set[Node] | None:
    """As for any claim; None (every case) when the entry makes a node an atrocity crime or
    takes that away."""
    if (None, RDF.type, R2P.AtrocityCrime) in entry:
        return None
    return _of_class(_claims_affected(store, entry), R2P.Case, store, entry)


CASES_INVOLVING_ALL_FOUR_CRIMES = Listing(
    query="cases-involving-all-four-crimes", view="cases-involving-all-four-crimes-1", anchor="case",
    variable=None, parameter=None, order=("caseLabel", "case"),
    read=_read_case_crimes, affected=_cases_affected)

# -- recommendations-by-support-level --------------------------------------------------------


def _recommendations_affected(store: Store, entry: Graph) -> set[Node] | None:
    """The nodes the entry says something about and the holders of the citations among them;
    None (every recommendation) when it relabels a support level (each row shows its label)."""
    for relabelled in {s for s, p, _o in entry if p == RDFS.label}:
        if any((None, R2P.supportLevel, relabelled) in g for g in (store, entry)):
            return None
    return _of_class(_claims_affected(store, entry), R2P.Recommendation, store, entry)


RECOMMENDATIONS_BY_SUPPORT_LEVEL = Listing(
    query="recommendations-by-support-level", view="recommendations-by-support-level-1", anchor="recommendation",
    variable="_level_iri", parameter="level", order=("recommendationLabel", "recommendation", "levelLabel"),
    read=_read_with_claims, affected=_recommendations_affected, fixed=(("_publication_iri", "publication"),))

for _listing in (MANDATES_WITHOUT_FOUNDING_INSTRUMENT, CASES_INVOLVING_ALL_FOUR_CRIMES,
                 RECOMMENDATIONS_BY_SUPPORT_LEVEL):
    LISTINGS[_listing.query] = _listing
    register(_listing)

"""The networkx answers (r2pkg.chains) and the saved SPARQL queries agree on the bundled graph."""

from __future__ import annotations

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from r2pkg.chains import authority_chains, graph_index, precedents
from r2pkg.namespaces import R2P
from r2pkg.queries import find_query, run_saved
from r2pkg.store import Store


def _column(store: Store, query_name: str, **values: str) -> set[str]:
    """The first column of a saved query's answer, as a set of IRIs."""
    return {str(row[0]) for row in run_saved(store, find_query(query_name), values)}


def _cases(store: Store) -> list[URIRef]:
    return sorted(store.graph.subjects(RDF.type, R2P.Case), key=str)


def _nodes_with_authority_edges(store: Store) -> list[URIRef]:
    g = store.graph
    nodes = set(g.subjects(R2P.hasLegalBasis, None)) | set(g.subjects(R2P.establishedBy, None))
    # and the subjects of authority claims, so that chains through an editor's inferred hop
    # (kept off the plain graph) are compared too
    nodes |= {g.value(c, R2P.claimSubject) for c in g.subjects(R2P.claimProperty, R2P.hasLegalBasis)}
    nodes |= {g.value(c, R2P.claimSubject) for c in g.subjects(R2P.claimProperty, R2P.establishedBy)}
    return sorted((n for n in nodes if isinstance(n, URIRef)), key=str)


def test_there_is_something_to_compare(any_store: Store):
    assert len(_cases(any_store)) >= 20
    assert len(_nodes_with_authority_edges(any_store)) >= 5
    assert (None, R2P.drawsOn, None) in any_store.graph


#: Every case is compared, in this many tests per direction and store, so that xdist spreads
#: them over the workers (on rdflib's engine all of them together take a quarter of a minute).
CASE_CHUNKS = 3


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(CASE_CHUNKS))
@pytest.mark.parametrize(("key", "query_name"), [("draws_on", "precedents-draws-on"),
                                                 ("drawn_on_by", "precedents-drawn-on-by")])
def test_precedents_agree_with_the_saved_queries_for_every_case(any_store: Store, key: str, query_name: str,
                                                                chunk: int):
    index = graph_index(any_store)
    differences = []
    for case in _cases(any_store)[chunk::CASE_CHUNKS]:
        networkx = {item["iri"] for item in precedents(index, case)[key]}
        sparql = _column(any_store, query_name, case=str(case))
        if networkx != sparql:
            differences.append(f"{case} {key}: networkx {sorted(networkx)} != SPARQL {sorted(sparql)}")
    assert not differences, "\n".join(differences)


def test_authority_roots_agree_with_the_saved_query_for_every_node_with_an_authority_edge(any_store: Store):
    index = graph_index(any_store)
    differences = []
    for node in _nodes_with_authority_edges(any_store):
        networkx = {chain["root"]["iri"] for chain in authority_chains(index, node)["chains"]}
        sparql = _column(any_store, "authority-chain-roots", node=str(node))
        if networkx != sparql:
            differences.append(f"{node}: networkx {sorted(networkx)} != SPARQL {sorted(sparql)}")
    assert not differences, "\n".join(differences)


@pytest.mark.parametrize("node", [
    "https://w3id.org/r2pkg/id/mandate/special-adviser-prevention-of-genocide",
    "https://w3id.org/r2pkg/id/response/rwanda-1994-operation-turquoise",
    "https://w3id.org/r2pkg/id/organ/secretary-general",
])
def test_authority_chain_nodes_cover_every_node_on_a_networkx_chain(any_store: Store, node: str):
    found = authority_chains(graph_index(any_store), URIRef(node))
    on_chains = {hop["to"]["iri"] for chain in found["chains"] + found["partial"] for hop in chain["hops"]}
    assert on_chains and on_chains <= _column(any_store, "authority-chain-nodes", node=node)

"""The vocabulary others use: the alignment to UNDO and ELI is published at /ontology, the
typed citations are found through UNDO's terms, and the query editor completes names under
every prefix the service description declares."""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDFS, SH

from r2pkg.namespaces import R2P
from r2pkg.queries import find_query, run_saved

UNDO = Namespace("https://w3id.org/un/ontology/undo/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")


def test_the_ontology_serves_the_alignment_to_undo_and_eli(client):
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (R2P.CitationLink, RDFS.subClassOf, UNDO.Relation) in graph
    assert (R2P.citingDocument, RDFS.subPropertyOf, UNDO.hasProponent) in graph
    assert (R2P.citedDocument, RDFS.subPropertyOf, UNDO.hasReceiver) in graph
    assert (R2P.treatment, RDFS.subPropertyOf, UNDO.hasSemantics) in graph
    assert (R2P.cites, RDFS.subPropertyOf, ELI.cites) in graph
    assert any(graph.subjects(RDFS.subPropertyOf, ELI.cited_by))
    term = client.get("/ontology/CitationLink").get_data(as_text=True)
    assert "relation (UNDO)" in term  # the page of the term names the UNDO class it is a kind of


def test_a_saved_query_finds_every_typed_citation_through_undos_terms(store):
    rows = run_saved(store, find_query("typed-citations-as-undo-relations"))
    links = {str(r[0]) for r in store.query("SELECT ?l WHERE { ?l a r2p:CitationLink }")}
    assert {str(row[0]) for row in rows} == links and len(links) == 8
    assert sum(1 for row in rows if row[4] == R2P.Recalls) == 3
    # the query names no r2p: term: it reads the graph through UNDO alone
    text = find_query("typed-citations-as-undo-relations").text
    assert "r2p:" not in "\n".join(line for line in text.splitlines() if not line.startswith("#"))


def test_completion_covers_every_prefix_the_service_description_declares(client):
    described = Graph().parse(data=client.get("/sparql", headers={"Accept": "text/turtle"}).get_data(as_text=True),
                              format="turtle")
    declared = {str(described.value(d, SH.prefix)): str(described.value(d, SH.namespace))
                for d in described.objects(None, SH.declare)}
    vocabulary = client.get("/editor/vocabulary.json").get_json()
    assert vocabulary["prefixes"] == declared
    names = [t["iri"] for kind in ("classes", "properties", "individuals") for t in vocabulary[kind]]
    empty = [p for p, ns in declared.items() if not any(iri.startswith(ns) for iri in names)]
    assert empty == []
    assert str(RDFS.label) in {t["iri"] for t in vocabulary["properties"]}  # "rdfs:lab" offers rdfs:label
    assert str(URIRef("https://w3id.org/r2pkg/id/case/rwanda-1994")) in {t["iri"] for t in vocabulary["individuals"]}

"""Registries: the public API, the ontology's documentation of itself, the contract's commands and routes."""

from __future__ import annotations

import inspect

import pytest
from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

import r2pkg
from r2pkg.cli import main
from r2pkg.namespaces import R2P


def vocabulary_graph():
    """The ontology and concept schemes, as the store read them (parsed once per session)."""
    from conftest import loaded

    return loaded("oxigraph").vocabulary()


TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property, OWL.AnnotationProperty)


def test_all_matches_public_names():
    # submodules become attributes of the package once imported; they are not its API
    public = {n for n in dir(r2pkg) if not n.startswith("_") and not inspect.ismodule(getattr(r2pkg, n))}
    assert set(r2pkg.__all__) == public | {"__version__"}


def ontology_terms():
    g = vocabulary_graph()
    return sorted({s for t in TERM_TYPES for s in g.subjects(RDF.type, t) if str(s).startswith(str(R2P))}, key=str)


@pytest.mark.parametrize("term", ontology_terms(), ids=lambda t: str(t).rsplit("#", 1)[-1])
def test_each_term_has_one_english_label_and_a_definition(term):
    g = vocabulary_graph()
    labels = [lab for lab in g.objects(term, RDFS.label) if lab.language == "en"]
    assert len(labels) == 1
    definition = g.value(term, SKOS.definition)
    assert definition is not None and str(definition).endswith(".")
    assert g.value(term, RDFS.isDefinedBy) == URIRef(str(R2P))


def test_contract_classes_and_properties_are_declared():
    g = vocabulary_graph()
    classes = ["Document", "Resolution", "Report", "Letter", "Treaty", "Publication", "Provision",
               "OutcomeParagraph", "CharterChapter", "CharterArticle", "Organ", "RegionalOrganization",
               "Mandate", "Person", "Case", "Response", "Recommendation", "Event", "Citation",
               "AtrocityCrime", "Pillar"]
    properties = ["symbol", "number", "partOf", "text", "summary", "issuedBy", "cites", "hasLegalBasis",
                  "establishedBy", "heldBy", "concernsCrime", "scopeStatus", "hasResponse", "actor", "pillar",
                  "instrument", "coercive", "drawsOn", "precedentFor", "addressedTo", "evidence", "source",
                  "locator", "quote", "assertion", "startDate", "endDate"]
    for name in classes:
        assert (R2P[name], RDF.type, OWL.Class) in g, name
    for name in properties:
        assert any((R2P[name], RDF.type, t) in g for t in TERM_TYPES), name
    for concept in ("InScope", "OutOfScope", "Contested", "Stated", "Inferred"):
        assert (R2P[concept], RDF.type, SKOS.Concept) in g, concept


def test_every_r2p_iri_used_in_the_graph_is_declared(store):
    declared = set(vocabulary_graph().subjects()) | set(store.graph.subjects(RDF.type, None))
    used = set()
    for _s, p, o in store.graph:
        for term in (p, o):
            if isinstance(term, URIRef) and str(term).startswith(str(R2P)) and term != URIRef(str(R2P)):
                used.add(term)
    assert used - declared == set()


@pytest.mark.parametrize("command", ["serve", "query", "validate", "chain", "precedents", "new-case", "load", "stats"])
def test_each_contract_command_exists(runner, command):
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


@pytest.mark.parametrize("route", ["/sparql?query=ASK%7B%7D", "/", "/id/case/rwanda-1994", "/queries", "/ontology",
                                   "/chain?node=organ:secretary-general", "/precedents?case=case:somalia", "/validate",
                                   "/healthz"])
def test_each_contract_route_answers(client, route):
    assert client.get(route).status_code == 200

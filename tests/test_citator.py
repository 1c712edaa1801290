"""The citator: typed citation links (the treatment a source states), and every document's
"cites" and "cited by" tables, as a page, as JSON and as a saved query."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from r2pkg.citator import UNTYPED, citations
from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import Store, project_root

ROOT = project_root()
RES_1674 = R2PID["document/S-RES-1674"]
OUTCOME = str(R2PID["document/A-RES-60-1"])
SEEDS = Path(ROOT).parent / "shared" / "seeds"
SEED_FILES = {"ipi-blue-paper-7": "000_5a48ef3e3502f14c.txt", "stanley-tarrytown-2010": "001_434fe6e5655426aa.txt",
              "ipi-stellenbosch-2008": "002_9bb3222132af7764.txt"}


def _links(store: Store) -> list[URIRef]:
    return sorted(store.graph.subjects(RDF.type, R2P.CitationLink), key=str)


def test_s_res_1674_cites_the_outcome_with_the_treatments_its_sources_state(any_store: Store):
    found = citations(any_store, RES_1674)
    rows = {(r["document"]["iri"], r["treatment"]): r for r in found["cites"]}
    assert {t for (iri, t) in rows if iri == OUTCOME} == {"reaffirms", "recalls", "reinforces"}
    reaffirms = rows[(OUTCOME, "reaffirms")]
    assert reaffirms["pinpoint"] == "para 4"
    sources = {(e["source_label"].split(" (")[0], e["locator"], e["assertion"]) for e in reaffirms["evidence"]}
    assert ("Prevention of Genocide and Mass Atrocities and the Responsibility to Protect", "footnote 2", "stated") in sources
    assert all(r["typed"] for r in found["cites"])  # the plain cites of the Outcome is covered, not repeated


def test_s_res_1674_is_cited_by_1706_recalling_it_and_by_the_publications_untyped(any_store: Store):
    found = citations(any_store, RES_1674)
    by = {r["document"]["iri"]: r for r in found["cited_by"]}
    recall = by[str(R2PID["document/S-RES-1706"])]
    assert recall["treatment"] == "recalls" and {e["assertion"] for e in recall["evidence"]} == {"stated"}
    assert any("footnote itself ties the two" in (e["note"] or "") for e in recall["evidence"])
    for pub in ("ipi-blue-paper-7", "stanley-tarrytown-2010", "ipi-stellenbosch-2008"):
        assert by[str(R2PID["publication/" + pub])]["treatment"] == UNTYPED


def test_a_plain_citation_is_untyped_with_the_evidence_that_says_it_supports_it(any_store: Store):
    found = citations(any_store, R2PID["document/S-2008-18"])
    row = next(r for r in found["cites"] if r["document"]["iri"].endswith("S-RES-1625"))
    assert not row["typed"] and row["treatment"] == UNTYPED and row["pinpoint"] is None


def test_the_document_page_lists_what_it_cites_and_what_cites_it(client):
    html = client.get("/id/document/S-RES-1674").get_data(as_text=True)
    section = html.split('id="citator"')[1].split("</section>")[0]
    cites, cited_by = section.split("<h2>Cited by</h2>")
    assert "<b>reaffirms</b>" in cites and "<b>recalls</b>" in cites and "<b>reinforces</b>" in cites
    assert "para 4" in cites and "footnote 2" in cites and "A/RES/60/1" in cites
    assert "/id/document/S-RES-1706" in cited_by and "<b>recalls</b>" in cited_by
    assert "no source states a treatment" in cited_by


def test_every_document_page_has_the_citator_even_when_it_cites_nothing(client):
    html = client.get("/id/document/S-2004-567").get_data(as_text=True)
    assert 'id="citator"' in html and "It cites no document recorded in the graph." in html
    assert "/id/publication/ipi-stellenbosch-2008" in html.split("<h2>Cited by</h2>")[1]


def test_a_node_that_is_no_document_and_has_no_citations_has_no_citator(client):
    assert 'id="citator"' not in client.get("/id/case/rwanda-1994").get_data(as_text=True)


def test_the_citator_as_json(client):
    data = client.get("/citator?document=doc:S-RES-1674&format=json").get_json()
    assert data["document"]["iri"] == str(RES_1674)
    assert {"reaffirms", "recalls", "reinforces"} <= {r["treatment"] for r in data["cites"]}
    assert client.get("/citator?document=doc:nothing-here&format=json").status_code == 400  # an unknown name is a bad request (README, contract)
    assert client.get("/citator?format=json").status_code == 400


def test_every_typed_citation_is_complete(any_store: Store):
    g = any_store.graph
    links = _links(any_store)
    assert len(links) >= 8
    for link in links:
        citing, cited = g.value(link, R2P.citingDocument), g.value(link, R2P.citedDocument)
        assert citing is not None and any_store.exists(citing), link
        assert cited is not None and any_store.exists(cited), link
        treatment = g.value(link, R2P.treatment)
        assert (treatment, SKOS.inScheme, R2P.TreatmentScheme) in g, link
        evidence = list(g.objects(link, R2P.evidence))
        assert evidence, link
        for c in evidence:
            for prop in (R2P.source, R2P.locator, R2P.quote, R2P.assertion):
                assert g.value(c, prop) is not None, (link, prop)


def test_the_new_terms_are_labelled_and_defined():
    graph = Graph().parse(ROOT / "ontology" / "citator.ttl")
    terms = {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(R2P))}
    assert {R2P.CitationLink, R2P.treatment, R2P.pinpoint, R2P.Reaffirms, R2P.TreatmentScheme} <= terms
    for term in terms:
        assert graph.value(term, RDFS.label) is not None, term
        assert graph.value(term, SKOS.definition) is not None, term


def test_typed_citation_data_lives_in_its_own_folder():
    files = sorted((ROOT / "data" / "citations").glob("*.ttl"))
    assert files
    for path in (ROOT / "data").rglob("*.ttl"):
        if "citations" not in path.parts:
            assert "r2p:CitationLink" not in path.read_text(encoding="utf-8"), path


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed texts (../shared/seeds) are not on this machine")
def test_every_typed_citation_quote_is_in_its_source_at_its_line():
    text = (ROOT / "data" / "citations" / "typed-citations.ttl").read_text(encoding="utf-8")
    found = re.findall(r'r2p:source pub:([\w-]+) ;\s*r2p:locator "[^"]*" ; r2p:line (\d+) ;\s*r2p:quote "((?:[^"\\]|\\.)*)"',
                       text)
    assert len(found) >= 10
    for pub, line, quote in found:
        lines = (SEEDS / SEED_FILES[pub]).read_text(encoding="utf-8").splitlines()
        assert quote in lines[int(line) - 1], (pub, line, quote)

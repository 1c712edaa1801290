"""Issue 22: chains reach the Charter through the competence of the organ that issued or created
a node, each Charter hop cited to the Charter's text; every hop shows only its own citations."""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import URIRef

from r2pkg.chains import authority_chains, build_index, graph_index
from r2pkg.cli import main
from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import open_store

ROOT = Path(__file__).resolve().parents[1]
CHARTER = str(R2PID) + "document/un-charter"
SAPG = URIRef(str(R2PID) + "mandate/special-adviser-prevention-of-genocide")
RES_1674 = URIRef(str(R2PID) + "document/S-RES-1674")


def iri(path: str) -> URIRef:
    return URIRef(str(R2PID) + path)


def charter_hops(found: dict) -> list[dict]:
    return [h for c in found["chains"] for h in c["hops"] if h["property"] in (str(R2P.establishes), str(R2P.empowers))]


def test_resolution_1674_reaches_the_charter_through_the_security_councils_competence(any_store):
    found = authority_chains(graph_index(any_store), RES_1674)
    assert found["reaches_root"] and {c["root"]["iri"] for c in found["chains"]} == {CHARTER}
    first = found["chains"][0]["hops"][0]
    assert first["kind"] == "competence" and first["competence"] and first["property"] == str(R2P.issuedBy)
    assert first["to"]["iri"] == str(iri("organ/security-council"))
    reached = {h["to"]["iri"] for h in charter_hops(found)}
    assert {CHARTER + "/article-24/para-1", CHARTER + "/article-7/para-1"} <= reached
    assert all(h["kind"] != "legal basis" for c in found["chains"] for h in c["hops"])


def test_every_charter_hop_is_cited_to_the_charter_text_with_its_article(any_store):
    g = any_store.graph
    for node in (RES_1674, SAPG):
        hops = charter_hops(authority_chains(graph_index(any_store), node))
        assert hops
        for hop in hops:
            assert hop["assertion"] == "stated" and hop["evidence"]
            provision = URIRef(hop["to"]["iri"])
            words = [str(t) for t in g.objects(provision, R2P.text)]
            words += [str(g.value(r, R2P.readingText)) for r in g.subjects(R2P.readingOf, provision)]
            for e in hop["evidence"]:
                assert e["source"].startswith(CHARTER)
                assert e["locator"].startswith("Article ")
                assert any(e["quote"] in w for w in words), (provision, e["quote"])
                assert e["supports"] == [hop["property"]]


def test_the_special_adviser_reaches_the_charter_through_the_secretary_general(any_store):
    found = authority_chains(graph_index(any_store), SAPG)
    assert CHARTER in {c["root"]["iri"] for c in found["chains"]}
    through = [c for c in found["chains"] if c["hops"][0]["to"]["iri"] == str(iri("organ/secretary-general"))]
    assert through and all(c["competence"] for c in through)
    hop = through[0]["hops"][0]
    assert hop["kind"] == "competence" and hop["assertion"] == "stated"
    assert {e["locator"] for e in hop["evidence"]} and all("Kofi Annan" in e["quote"] for e in hop["evidence"])
    articles = {h["to"]["iri"] for c in through for h in c["hops"]}
    assert {CHARTER + "/article-97", CHARTER + "/article-98", CHARTER + "/article-99"} <= articles


def test_cli_chain_of_resolution_1674_exits_0_and_gives_citations_per_hop(runner):
    result = runner.invoke(main, ["chain", "doc:S-RES-1674", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    for chain in data["chains"]:
        for hop in chain["hops"]:
            for e in hop["evidence"]:
                assert "voice" in e and "supports" in e
                if e["supports"]:
                    assert hop["property"] in e["supports"]


def test_the_competence_file_is_what_the_import_makes_from_the_charter_text():
    from r2pkg.imports.charter_competence import main as build

    assert build(["--check"]) == 0


SMALL = """@prefix r2p: <https://w3id.org/r2pkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix doc: <https://w3id.org/r2pkg/id/document/> .
@prefix organ: <https://w3id.org/r2pkg/id/organ/> .
@prefix pub: <https://w3id.org/r2pkg/id/publication/> .
pub:p a r2p:Publication ; rdfs:label "A report"@en .
organ:council a r2p:Organ ; rdfs:label "Council"@en .
doc:un-charter a r2p:Treaty ; rdfs:label "Charter"@en .
<https://w3id.org/r2pkg/id/document/un-charter/article-1> a r2p:CharterArticle ; rdfs:label "Article 1"@en ;
    r2p:partOf doc:un-charter ; r2p:empowers organ:council ;
    r2p:evidence [ a r2p:Citation ; r2p:source doc:un-charter ; r2p:locator "Article 1" ; r2p:quote "The Council may act." ;
        r2p:supports r2p:empowers ; r2p:breadth r2p:HeldByPublication ; r2p:assertion r2p:Stated ] .
doc:resolution a r2p:Resolution ; rdfs:label "A resolution"@en ; r2p:issuedBy organ:council ; r2p:date "2006" ;
    r2p:evidence [ a r2p:Citation ; r2p:source pub:p ; r2p:locator "para 1" ; r2p:quote "The Council adopted it." ;
        r2p:supports r2p:issuedBy ; r2p:breadth r2p:HeldByPublication ; r2p:assertion r2p:Stated ] ,
      [ a r2p:Citation ; r2p:source pub:p ; r2p:locator "para 2" ; r2p:quote "It dates from 2006." ;
        r2p:supports r2p:date ; r2p:breadth r2p:HeldByOneSpeaker ; r2p:assertion r2p:Stated ] .
doc:based a r2p:Resolution ; rdfs:label "A resolution with its own basis"@en ; r2p:issuedBy organ:council ;
    r2p:hasLegalBasis <https://w3id.org/r2pkg/id/document/un-charter/article-1> .
"""


def small_index(tmp_path: Path):
    path = tmp_path / "small.ttl"
    path.write_text(SMALL)
    return build_index(open_store("memory", files=[*sorted((ROOT / "ontology").glob("*.ttl")), path]))


def test_a_hop_shows_only_the_citations_that_back_its_statement(tmp_path):
    found = authority_chains(small_index(tmp_path), iri("document/resolution"))
    (chain,) = found["chains"]
    issued, empowered, part = chain["hops"]
    assert [e["locator"] for e in issued["evidence"]] == ["para 1"]  # not the citation of the date
    assert issued["assertion"] == "stated" and issued["kind"] == "competence"
    assert [e["locator"] for e in empowered["evidence"]] == ["Article 1"]
    assert empowered["evidence"][0]["voice"] == "in the source's own voice"
    assert part["kind"] == "part of" and part["evidence"] == []


def test_a_document_with_its_own_legal_basis_gets_no_competence_hop(tmp_path):
    found = authority_chains(small_index(tmp_path), iri("document/based"))
    assert found["reaches_root"]
    assert not any(h["competence"] for c in found["chains"] for h in c["hops"])
    assert found["chains"][0]["hops"][0]["kind"] == "legal basis"

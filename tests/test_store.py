"""The backbone of the bundled graph, and the store that owns it."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from r2pkg.errors import InputError, UnknownNodeError
from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import load_graph, open_store

DOC = str(R2PID) + "document/"
CHARTER = DOC + "un-charter"


def iri(path: str) -> URIRef:
    return URIRef(str(R2PID) + path)


@pytest.mark.parametrize("number", ["138", "139", "140"])
def test_outcome_paragraphs_have_number_summary_link_and_part_of(any_store, number):
    g = any_store.graph
    para = iri(f"document/A-RES-60-1/para-{number}")
    assert (para, RDF.type, R2P.OutcomeParagraph) in g
    assert str(g.value(para, R2P.number)) == number
    assert g.value(para, R2P.partOf) == iri("document/A-RES-60-1")
    assert len(str(g.value(para, R2P.summary))) > 40
    assert str(g.value(para, RDFS.seeAlso)).startswith("https://undocs.org/")
    assert g.value(para, R2P.text) is None  # no official text typed from memory


def test_outcome_document_is_general_assembly_resolution_of_24_october_2005(store):
    g = store.graph
    doc = iri("document/A-RES-60-1")
    assert str(g.value(doc, R2P.symbol)) == "A/RES/60/1"
    assert str(g.value(doc, R2P.date)) == "2005-10-24"
    assert g.value(doc, R2P.issuedBy) == iri("organ/general-assembly")


@pytest.mark.parametrize("chapter", ["I", "IV", "V", "VI", "VII", "VIII", "XV"])
def test_charter_chapters_are_part_of_the_charter(store, chapter):
    node = URIRef(f"{CHARTER}/chapter-{chapter}")
    g = store.graph
    assert (node, RDF.type, R2P.CharterChapter) in g
    assert g.value(node, R2P.partOf) == URIRef(CHARTER)
    assert str(g.value(node, R2P.number)) == chapter
    assert str(g.value(node, RDFS.seeAlso)).startswith("https://www.un.org/")


ARTICLES = [1, 2, 10, 11, 12, 14, 24, 25, 27, *range(33, 43), 51, 52, 53, 54, 97, 98, 99]


@pytest.mark.parametrize("number", ARTICLES)
def test_charter_articles_are_part_of_a_chapter_of_the_charter(store, number):
    g = store.graph
    node = URIRef(f"{CHARTER}/article-{number}")
    assert (node, RDF.type, R2P.CharterArticle) in g
    chapter = g.value(node, R2P.partOf)
    assert (chapter, RDF.type, R2P.CharterChapter) in g
    assert g.value(chapter, R2P.partOf) == URIRef(CHARTER)
    assert g.value(node, R2P.summary) is not None


@pytest.mark.parametrize("number, chapter", [(99, "XV"), (53, "VIII"), (42, "VII"), (33, "VI"), (24, "V"), (11, "IV")])
def test_articles_sit_in_the_right_chapter(store, number, chapter):
    node = URIRef(f"{CHARTER}/article-{number}")
    assert store.graph.value(node, R2P.partOf) == URIRef(f"{CHARTER}/chapter-{chapter}")


def test_articles_of_other_treaties_are_not_charter_articles(store):
    g = store.graph
    au = iri("document/au-constitutive-act/article-4-h")
    assert (au, RDF.type, R2P.TreatyProvision) in g
    assert (au, RDF.type, R2P.CharterArticle) not in g
    for article in g.subjects(RDF.type, R2P.CharterArticle):
        assert str(article).startswith(CHARTER + "/article-")


def test_exactly_four_crimes_and_three_pillars(any_store):
    g = any_store.graph
    crimes = set(g.subjects(RDF.type, R2P.AtrocityCrime))
    pillars = set(g.subjects(RDF.type, R2P.Pillar))
    assert crimes == {iri(f"crime/{c}") for c in
                      ("genocide", "war-crimes", "ethnic-cleansing", "crimes-against-humanity")}
    assert pillars == {iri(f"pillar/{n}") for n in (1, 2, 3)}
    for node in crimes | pillars:
        assert g.value(node, SKOS.definition) is not None
        assert (node, SKOS.inScheme, None) in g


def test_principal_organs_and_parents(store):
    g = store.graph
    principal = {o for o in g.subjects(R2P.principalOrgan, Literal(True))}
    assert principal == {iri(f"organ/{o}") for o in (
        "general-assembly", "security-council", "economic-and-social-council",
        "trusteeship-council", "international-court-of-justice", "secretariat")}
    # the sources never say to which organ the Human Rights Council belongs: the editor's reading is a claim
    assert g.value(iri("organ/human-rights-council"), R2P.parentOrgan) is None
    read = [c for c in g.subjects(R2P.claimSubject, iri("organ/human-rights-council"))
            if g.value(c, R2P.claimProperty) == R2P.parentOrgan]
    assert [g.value(c, R2P.claimValue) for c in read] == [iri("organ/general-assembly")]
    assert g.value(g.value(read[0], R2P.evidence), R2P.assertion) == R2P.Inferred
    # "DPA's newly established Mediation Support Unit" (IPI Blue Paper, para 24): stated
    assert g.value(iri("organ/mediation-support-unit"), R2P.parentOrgan) == iri("organ/dpa")


CONTRACT_IRIS = [
    "document/S-RES-1674", "document/A-63-677", "document/A-RES-60-1", "document/A-RES-60-1/para-139",
    "document/un-charter", "document/un-charter/chapter-VII", "document/un-charter/article-99",
    "organ/security-council", "organ/general-assembly", "organ/secretary-general", "organ/human-rights-council",
    "organization/african-union", "mandate/special-adviser-prevention-of-genocide",
    "mandate/special-adviser-responsibility-to-protect", "case/kenya-2007-2008",
    "crime/genocide", "crime/war-crimes", "crime/ethnic-cleansing", "crime/crimes-against-humanity",
    "pillar/1", "pillar/2", "pillar/3",
    *(f"tool/{t}" for t in ("mediation", "good-offices", "early-warning", "humanitarian-assistance",
                            "peace-operation", "commission-of-inquiry", "sanctions", "arms-embargo",
                            "icc-referral", "use-of-force")),
]


@pytest.mark.parametrize("path", CONTRACT_IRIS)
def test_every_iri_pinned_by_the_contract_exists_with_an_english_label(store, path):
    node = iri(path)
    labels = [lab for lab in store.graph.objects(node, RDFS.label) if lab.language == "en"]
    assert labels, f"{node} has no English label"


@pytest.mark.parametrize("tool, coercive", [("sanctions", True), ("arms-embargo", True), ("icc-referral", True),
                                            ("use-of-force", True), ("mediation", False), ("peace-operation", False)])
def test_coercive_tools_are_marked(store, tool, coercive):
    assert store.graph.value(iri(f"tool/{tool}"), R2P.coercive) == Literal(coercive)


def test_both_stores_hold_the_same_triples(oxigraph_store, memory_store):
    assert len(oxigraph_store.graph) == len(memory_store.graph) > 10_000


def test_resolve_accepts_iri_prefixed_name_path_and_label(store):
    node = iri("case/kenya-2007-2008")
    assert store.resolve(str(node)) == node
    assert store.resolve("case:kenya-2007-2008") == node
    assert store.resolve("case/kenya-2007-2008") == node
    label = store.label(node)
    assert store.resolve(label.upper()) == node
    with pytest.raises(UnknownNodeError):
        store.resolve("case:atlantis-3000")


def test_malformed_turtle_names_file_line_and_column(tmp_path: Path):
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e .\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_graph([bad])
    message = caught.value.message
    assert "broken.ttl, line 3" in message
    assert "column" in message
    assert "no object" in message


def test_undeclared_prefix_names_the_line(tmp_path: Path):
    bad = tmp_path / "prefix.ttl"
    bad.write_text("\n\nnope:a nope:b nope:c .\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        open_store("memory", files=[bad])
    assert "prefix.ttl, line 3" in caught.value.message


def test_stats_count_classes(store):
    figures = store.stats()
    assert figures["triples"] == len(store.graph)
    assert figures["cases"] >= 25 and figures["mandates"] >= 20 and figures["recommendations"] >= 150


# -- rdflib's in-memory store keeps what it parsed -------------------------------------------

ENTRY = """@prefix r2p: <https://w3id.org/r2pkg/ontology#> .
@prefix own: <https://example.org/own#> .
own:a r2p:label "first" ; r2p:note [ r2p:label "inner" ] .
"""


def test_a_file_read_again_gives_the_same_graph_and_prefixes_and_a_changed_one_is_read_anew(tmp_path: Path):
    import gc

    from r2pkg.store import collector

    path = tmp_path / "kept.ttl"
    path.write_text(ENTRY, encoding="utf-8")
    first = open_store("memory", files=[path])
    again = open_store("memory", files=[path])
    assert len(first.graph) == len(again.graph) == 3
    assert set(first.graph) == set(again.graph)  # the blank node too: the same triples, copied
    assert ("own", URIRef("https://example.org/own#")) in set(again.graph.namespaces())
    first.graph.remove((None, None, Literal("first")))  # one store's change is its own
    assert (None, None, Literal("first")) in again.graph
    assert (None, None, Literal("first")) in open_store("memory", files=[path]).graph
    path.write_text(ENTRY.replace('"first"', '"second"'), encoding="utf-8")
    changed = open_store("memory", files=[path])
    assert (None, None, Literal("second")) in changed.graph
    assert (None, None, Literal("first")) not in changed.graph
    assert gc.isenabled() and collector._PAUSES["count"] == 0


def test_a_broken_file_fails_with_its_line_every_time_and_the_collector_runs_again(tmp_path: Path):
    import gc

    from r2pkg.store import collector

    bad = tmp_path / "broken-kept.ttl"
    bad.write_text(ENTRY + "own:b r2p:label .\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputError) as caught:
            open_store("memory", files=[bad])
        assert "broken-kept.ttl, line 4" in caught.value.message
    assert gc.isenabled() and collector._PAUSES["count"] == 0


def test_what_is_kept_is_bounded(tmp_path: Path, monkeypatch):
    from r2pkg.store import memory

    monkeypatch.setattr(memory, "PARSED_KEPT", 10)
    files = []
    for n in range(4):
        path = tmp_path / f"part-{n}.ttl"
        path.write_text(ENTRY.replace('"first"', f'"{n}"'), encoding="utf-8")
        files.append(path)
    store = open_store("memory", files=files)
    assert len(store.graph) == 12
    assert memory._kept["triples"] <= 10
    assert len(open_store("memory", files=files).graph) == 12

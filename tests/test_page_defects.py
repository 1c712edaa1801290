"""The page and README defects of issue 16, each pinned by a test on the real graph."""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from r2pkg.namespaces import PREFIXES, R2P

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_header_search_box_is_empty_on_a_saved_query_page(client):
    html = client.get("/queries/precedents-draws-on").get_data(as_text=True)
    header = html.split("<main>")[0]
    box = re.search(r'<input type="search" name="q"[^>]*>', header).group(0)
    assert 'value=""' in box
    assert "SavedQuery(" not in html and ".rq" not in header


def test_the_header_search_box_keeps_the_words_searched(client):
    html = client.get("/search?q=genocide").get_data(as_text=True)
    assert 'value="genocide"' in html.split("<main>")[0]


def test_precedents_of_a_mandate_is_400_and_says_why(client):
    response = client.get("/precedents?case=mandate:special-adviser-prevention-of-genocide")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "is not a case" in html and "Mandate" in html and "/chain?node=" in html
    as_json = client.get("/precedents?case=mandate:special-adviser-prevention-of-genocide&format=json")
    assert as_json.status_code == 400 and "precedents are recorded between cases" in as_json.get_json()["error"]["message"]
    assert client.get("/precedents?case=case:rwanda-1994").status_code == 200


def test_a_node_answers_rdf_xml_by_accept(client):
    response = client.get("/id/document/S-RES-1674", headers={"Accept": "application/rdf+xml"})
    assert response.status_code == 200 and response.mimetype == "application/rdf+xml"
    graph = Graph().parse(data=response.get_data(as_text=True), format="xml")
    assert (URIRef("https://w3id.org/r2pkg/id/document/S-RES-1674"), RDF.type, R2P.Resolution) in graph


def test_the_ontology_answers_turtle(client):
    for response in (client.get("/ontology", headers={"Accept": "text/turtle"}), client.get("/ontology?format=turtle")):
        assert response.status_code == 200 and response.mimetype == "text/turtle"
        graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
        assert (R2P.Case, RDF.type, OWL.Class) in graph and (R2P.CitationLink, RDF.type, OWL.Class) in graph
        assert not list(graph.subjects(RDF.type, R2P.Case))  # the ontology, not the data
    assert "<h1" in client.get("/ontology").get_data(as_text=True)


def test_every_shape_on_the_ontology_page_has_a_label_and_a_text(client):
    html = client.get("/ontology").get_data(as_text=True)
    shapes = html.split("Validation shapes")[1]
    entries = re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", shapes, re.S)
    assert len(entries) >= 40
    for head, text in entries:
        label = re.sub(r"<code>.*?</code>", "", head, flags=re.S)
        label = re.sub(r"<[^>]+>", "", label).strip()
        name = re.sub(r"<[^>]+>", "", re.search(r"<code>(.*?)</code>", head, re.S).group(1)).strip()
        assert label and label != name.split(":")[-1], head
        assert re.sub(r"<[^>]+>", "", text).strip(), head
    assert "checks on every subject of" in shapes  # AuthorityShape, which has no name of its own


def test_links_to_official_texts_say_where_they_go(client):
    outcome = client.get("/id/document/A-RES-60-1").get_data(as_text=True)
    assert '<a href="https://undocs.org/en/A/RES/60/1">undocs.org/en/A/RES/60/1</a>' in outcome
    chapter = client.get("/id/document/un-charter/chapter-VII").get_data(as_text=True)
    links = re.findall(r'<a href="https://www\.un\.org/[^"]*">([^<]*)</a>', chapter)
    assert links and all(text.startswith("un.org/") for text in links), links


def test_wide_result_tables_scroll_inside_their_box(client):
    html = client.get("/queries/citator").get_data(as_text=True)
    assert '<div class="table-wrap">\n<table class="results" id="saved-results">' in html
    static = client.get("/static/style.css")
    css = static.get_data(as_text=True)
    static.close()
    assert ".table-wrap { overflow-x: auto; max-width: 100%; }" in css


def test_blank_nodes_are_never_shown_as_hex(client):
    html = client.get("/id/case/rwanda-1994").get_data(as_text=True)
    assert not re.search(r">\s*(_:)?[nN]?[0-9a-f]{32,}\w*\s*<", html)


def test_readme_says_the_tests_need_chromium():
    head = README.split("---")[0] + README.split("---")[1][:600]
    assert "Chromium" in head and "chromium-driver" in head


def test_readme_has_the_section_the_endpoint_refers_to():
    from r2pkg import sparql

    source = Path(sparql.__file__).read_text(encoding="utf-8")
    if "README on enabling updates" in source:
        assert "### Enabling updates" in README


def test_readme_lists_every_prefix_the_server_declares():
    for prefix in PREFIXES:
        assert f"`{prefix}:`" in README, prefix

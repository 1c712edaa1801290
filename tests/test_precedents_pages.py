"""A precedents page lists and draws the nearest cases of a long list, names how many there
are and links to all of them; the JSON answer and ``&all=1`` keep every one."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from r2pkg.chains import graph_index, precedents
from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import open_store
from r2pkg.web import create_app
from r2pkg.web.api import PRECEDENTS_SHOWN

SOMALIA = URIRef(str(R2PID) + "case/somalia")
ADDED = PRECEDENTS_SHOWN + 30


@pytest.fixture(scope="module")
def big():
    g = Graph()
    for i in range(ADDED):
        case = URIRef(f"{R2PID}case/precedents-page-test-{i:03d}")
        g.add((case, RDF.type, R2P.Case))
        g.add((case, RDFS.label, Literal(f"Precedents-page test case {i:03d}")))
        g.add((case, R2P.drawsOn, SOMALIA))
    store = open_store("oxigraph")
    store.add_graph(g)
    return store, create_app({"TESTING": True}, store=store).test_client()


def drawn_on_by(html: str) -> list[str]:
    part = html.split("<h2>Drawn on by</h2>")[1].split("<h2>")[0]
    return re.findall(r'<li><a href="/id/case/([^"]+)">', part)


def test_a_long_list_shows_the_nearest_names_the_count_and_links_to_all(big):
    store, client = big
    full = precedents(graph_index(store), SOMALIA)["drawn_on_by"]
    assert len(full) > PRECEDENTS_SHOWN + 20
    html = client.get("/precedents?case=case:somalia").get_data(as_text=True)
    listed = drawn_on_by(html)
    assert listed == [c["iri"].rsplit("/case/", 1)[1] for c in full[:PRECEDENTS_SHOWN]]  # nearest first
    assert f"The nearest {PRECEDENTS_SHOWN} of {len(full):,} are listed and drawn" in html
    link = re.search(r'<a href="(\?case=[^"]+&amp;all=1)">list them all</a>', html)
    assert link
    everything = client.get("/precedents" + link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert drawn_on_by(everything) == [c["iri"].rsplit("/case/", 1)[1] for c in full]
    assert "list them all" not in everything
    data = client.get("/precedents?case=case:somalia&format=json").get_json()
    assert [c["iri"] for c in data["drawn_on_by"]] == [c["iri"] for c in full]


def test_a_bundled_precedents_page_is_whole(client, store):
    full = precedents(graph_index(store), URIRef(str(R2PID) + "case/rwanda-1994"))
    html = client.get("/precedents?case=case:rwanda-1994").get_data(as_text=True)
    assert len(drawn_on_by(html)) == len(full["drawn_on_by"]) > 0
    assert "list them all" not in html

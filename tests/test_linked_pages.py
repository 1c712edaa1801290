""""Linked from" a page at a time: a node linked from more nodes than its page lists names
how many there are and links to the rest (``/linked``), and every one of them is reachable.

The graph is the bundled one plus PAGE + 37 responses filed under pillar 3, so that its
"filed under it" row has more than one page; on each embedded store.
"""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from r2pkg.citator import SHOWN as CITATOR_SHOWN
from r2pkg.citator import citations
from r2pkg.describe import describe
from r2pkg.linked import PAGE
from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import open_store
from r2pkg.web import create_app

PILLAR = URIRef(str(R2PID) + "pillar/3")
ADDED = PAGE + 37


S1674 = URIRef(str(R2PID) + "document/S-RES-1674")
CITING = CITATOR_SHOWN + 12
INFERRED = PAGE + 5


def many_responses() -> Graph:
    """PAGE + 37 responses filed under pillar 3; CITATOR_SHOWN + 12 documents citing S/RES/1674
    by a plain r2p:cites; PAGE + 5 responses an editor's inference alone files under pillar 3."""
    g = Graph()
    for i in range(ADDED):
        node = URIRef(f"{R2PID}response/linked-pages-test-{i:03d}")
        g.add((node, RDF.type, R2P.Response))
        g.add((node, RDFS.label, Literal(f"Linked-pages test response {i:03d}")))
        g.add((node, R2P.pillar, PILLAR))
    for i in range(CITING):
        doc = URIRef(f"{R2PID}document/linked-pages-test-{i:03d}")
        g.add((doc, RDF.type, R2P.Document))
        g.add((doc, RDFS.label, Literal(f"Linked-pages test document {i:03d}")))
        g.add((doc, R2P.cites, S1674))
    for i in range(INFERRED):
        node, claim, cite = (URIRef(f"{R2PID}{kind}/linked-pages-inferred-{i:03d}")
                             for kind in ("response", "claim", "citation"))
        g.add((node, RDF.type, R2P.Response))
        g.add((node, RDFS.label, Literal(f"Linked-pages inferred response {i:03d}")))
        g.add((claim, RDF.type, R2P.Claim))
        g.add((claim, R2P.claimSubject, node))
        g.add((claim, R2P.claimProperty, R2P.pillar))
        g.add((claim, R2P.claimValue, PILLAR))
        g.add((claim, R2P.evidence, cite))
        g.add((cite, R2P.assertion, R2P.Inferred))
    return g


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def big(request):
    store = open_store(request.param)
    store.add_graph(many_responses())
    return store, create_app({"TESTING": True}, store=store).test_client()


def filed_under(store) -> set[str]:
    return {str(s) for s in store.subjects(R2P.pillar, PILLAR) if isinstance(s, URIRef)}


def row(html: str, name: str) -> str:
    found = re.search(rf"<tr><th>{re.escape(name)}</th><td>(.*?)</td></tr>", html, re.S)
    assert found, name
    return found.group(1)


def listed(fragment: str) -> list[str]:
    return [str(R2PID) + h for h in re.findall(r'<a href="/id/([^"]+)">', fragment)]


def test_a_long_row_lists_a_page_names_the_count_and_links_to_the_rest(big):
    store, client = big
    everyone = filed_under(store)
    assert len(everyone) > PAGE + 30
    html = client.get("/id/pillar/3").get_data(as_text=True)
    cell = row(html, "filed under it")
    first = listed(cell.split('<p class="more">')[0])
    assert len(first) == len(set(first)) == PAGE and set(first) <= everyone
    assert f"{PAGE} of {len(everyone):,} listed here" in cell
    more = re.search(r'<a href="(/linked\?[^"]+)">the other ([\d,]+)</a>', cell)
    assert more and int(more.group(2).replace(",", "")) == len(everyone) - PAGE
    seen, href = list(first), more.group(1).replace("&amp;", "&")
    while href:  # every other one, page by page, each once
        page = client.get(href)
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        assert f"of {len(everyone):,}" in body
        seen += listed(body.split('<ul class="linked">')[1].split("</ul>")[0])
        nxt = re.search(r'<a rel="next" href="([^"]+)">', body)
        href = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert len(seen) == len(set(seen)) and set(seen) == everyone


def test_the_description_holds_the_count_and_the_address(big):
    store, _client = big
    d = describe(store, PILLAR)
    names = dict(d.inverse)
    assert len(names["filed under it"]) == PAGE
    [more] = d.linked_more["filed under it"]
    assert more["total"] == len(filed_under(store)) and more["shown"] == PAGE
    assert more["href"].startswith("/linked?") and f"offset={PAGE}" in more["href"]


def test_a_bundled_row_is_listed_whole(client, store):
    """The bundled graph's longest row (178 texts taken from one copy of the Charter) is all
    on its page, with no link to more."""
    node = URIRef(str(R2PID) + "document/un-charter-copy-a")
    html = client.get("/id/document/un-charter-copy-a").get_data(as_text=True)
    cell = row(html, "texts taken from this copy")
    expected = {str(s) for s in store.subjects(R2P.textFrom, node) if isinstance(s, URIRef)}
    assert len(expected) > 150 and set(listed(cell)) == expected
    assert 'class="more"' not in html and "/linked?" not in html
    assert describe(store, node).linked_more == {}


def test_an_ontology_term_page_does_not_list_the_instances(client, store):
    assert describe(store, R2P.Case, linked=False).inverse == []
    html = client.get("/ontology/Case").get_data(as_text=True)
    assert "/id/case/rwanda-1994" not in html


@pytest.mark.parametrize("query, status", [
    ("node=https://w3id.org/r2pkg/id/pillar/3&property=https://w3id.org/r2pkg/ontology%23pillar&offset=x", 400),
    ("node=https://w3id.org/r2pkg/id/pillar/3&property=not-an-iri", 400),
    ("node=https://w3id.org/r2pkg/id/pillar/3&property=https://w3id.org/r2pkg/ontology%23pil%3Elar", 400),
    ("node=https://w3id.org/r2pkg/id/no-such-node&property=https://w3id.org/r2pkg/ontology%23pillar", 404),
    ("property=https://w3id.org/r2pkg/ontology%23pillar", 400),
    ("node=https://w3id.org/r2pkg/id/pillar/3&property=http://%5B::", 400),
    ("node=https://w3id.org/r2pkg/id/pillar/3&property=https://w3id.org/r2pkg/ontology%23pillar"
     "&offset=99999999999999999999999999", 200),
])
def test_linked_refuses_bad_arguments_clearly(client, query, status):
    response = client.get("/linked?" + query)
    assert response.status_code == status


def test_linked_past_the_end_says_so(client):
    body = client.get("/linked?node=https://w3id.org/r2pkg/id/pillar/3"
                      "&property=https://w3id.org/r2pkg/ontology%23pillar&offset=100000").get_data(as_text=True)
    assert "Nothing more links to it by this property" in body and 'rel="prev"' in body


def test_a_long_citator_shows_the_first_names_the_count_and_links_to_the_rest(big):
    store, client = big
    plain = {str(s) for s in store.subjects(R2P.cites, S1674) if isinstance(s, URIRef)}
    assert len(plain) >= CITING
    html = client.get("/id/document/S-RES-1674").get_data(as_text=True)
    section = html.split('<section id="citator">')[1].split("</section>")[0]
    cited_by = section.split("<h2>Cited by</h2>")[1]
    rows = re.findall(r'<tr class="untyped">\s*<td><a href="/id/([^"]+)">', cited_by)
    full = citations(store, S1674)
    typed = {r["document"]["iri"] for r in full["cited_by"] if r["typed"]}
    assert len(rows) == len(set(rows)) and len(rows) == len({r for r in rows if str(R2PID) + r not in typed})
    assert 0 < len(rows) <= CITATOR_SHOWN
    assert f"{len(plain):,} documents or publications cite it by a plain link" in cited_by
    assert f"the first {CITATOR_SHOWN} of them" in cited_by
    rest = re.search(r'<a href="(/linked\?[^"]+)">the others</a>', cited_by).group(1).replace("&amp;", "&")
    assert f"offset={CITATOR_SHOWN}" in rest
    body = client.get(rest).get_data(as_text=True)
    others = {str(R2PID) + h for h in re.findall(r'<li><a href="/id/([^"]+)">', body)}
    assert others and not others & {str(R2PID) + r for r in rows} and others <= plain
    everything = client.get("/citator?document=doc:S-RES-1674&all=1").get_data(as_text=True)
    assert {r["document"]["iri"] for r in full["cited_by"]} <= set(
        str(R2PID) + h for h in re.findall(r'<a href="/id/([^"]+)">', everything))
    assert "the others" not in everything
    assert len(client.get("/citator?document=doc:S-RES-1674&format=json").get_json()["cited_by"]) == len(full["cited_by"])


def test_links_by_an_inference_only_are_capped_counted_and_checked(big):
    store, client = big
    from r2pkg.describe import inferred_only

    every = [c for c in store.subjects(R2P.claimValue, PILLAR) if inferred_only(store, c)]
    assert len(every) >= INFERRED  # the bundled graph's own, and the added ones
    d = describe(store, PILLAR)
    shown = [v for name, values in d.inverse if "(inferred by an editor" in name for v in values]
    assert len(shown) == PAGE
    assert d.inferred_more["total"] == len(every) and d.inferred_more["shown"] == PAGE
    html = client.get("/id/pillar/3").get_data(as_text=True)
    assert f"{len(every):,} claims link it by an editor's inference" in html
    bundled = describe(store, URIRef(str(R2PID) + "document/S-2004-567"))
    assert bundled.inferred_more is None and any("inferred by an editor" in n for n, _ in bundled.inverse)

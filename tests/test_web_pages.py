"""Pages for people, the ontology's own documentation, dumps and the validation route."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from r2pkg.namespaces import R2P

SHAPES = Path(__file__).parent / "shapes"


def test_home_shows_figures_search_editor_and_saved_queries(client, store):
    html = client.get("/").get_data(as_text=True)
    stats = store.stats()
    assert f"<b>{stats['triples']}</b> triples" in html
    assert f"<b>{stats['cases']}</b> cases" in html
    assert 'id="query"' in html and 'action="/search"' in html
    assert "/queries/" in html
    assert "http://" not in html.replace("http://www.w3.org", "").split("<main>")[0]  # no external assets


def test_no_asset_comes_from_elsewhere(client):
    for url in ("/", "/ontology", "/id/case/rwanda-1994", "/chain?node=case:rwanda-1994", "/validate"):
        html = client.get(url).get_data(as_text=True)
        for marker in ('src="http', "href=\"http://cdn", "https://cdn", "googleapis", "unpkg", "jsdelivr"):
            assert marker not in html, (url, marker)


def test_search_over_labels(client):
    html = client.get("/search?q=special adviser genocide").get_data(as_text=True)
    assert "/id/mandate/special-adviser-prevention-of-genocide" in html
    data = client.get("/search?q=rwanda&format=json").get_json()
    assert any(hit["iri"].endswith("case/rwanda-1994") for hit in data)


def test_resource_page_shows_properties_evidence_and_inverse_links(client):
    html = client.get("/id/document/S-2004-567").get_data(as_text=True)
    assert "founding instrument of (inferred by an editor, not a stated fact)" in html
    assert "/id/mandate/special-adviser-prevention-of-genocide" in html
    case = client.get("/id/case/somalia").get_data(as_text=True)
    assert "drawn on by" in case and "Evidence" in case
    charter = client.get("/id/document/un-charter/chapter-VII").get_data(as_text=True)
    assert "legal basis for" in charter or "has part" in charter


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                         ("application/n-triples", "nt")])
def test_resource_as_rdf_by_accept(client, accept, fmt):
    response = client.get("/id/case/kenya-2007-2008", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    graph = Graph().parse(data=response.get_data(as_text=True), format=fmt)
    assert len(graph) > 10


def test_unknown_resource_is_404_page(client):
    response = client.get("/id/case/atlantis")
    assert response.status_code == 404 and "nothing at this address" in response.get_data(as_text=True)


def test_ontology_lists_every_class_property_scheme_and_shape(client, store):
    html = client.get("/ontology").get_data(as_text=True)
    from rdflib.namespace import OWL, SH, SKOS

    for cls in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, SKOS.ConceptScheme, SH.NodeShape):
        for term in store.graph.subjects(RDF.type, cls):
            if str(term).startswith(str(R2P)):
                name = str(term)[len(str(R2P)):]
                assert f'id="{name}"' in html, name


@pytest.mark.parametrize("term", ["Case", "hasLegalBasis", "InScope", "CrimeScheme", "CaseShape", "Case-inScopeNeedsCrime"])
def test_each_term_has_a_readable_page(client, store, term):
    response = client.get(f"/ontology/{term}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"https://w3id.org/r2pkg/ontology#{term}" in html
    assert 'class="definition"' in html


@pytest.mark.parametrize("ext, fmt", [("ttl", "TURTLE"), ("nt", "N_TRIPLES"), ("nq", "N_QUADS"), ("trig", "TRIG")])
@pytest.mark.slow
def test_dumps(client, store, ext, fmt):
    """Each dump parses back (Oxigraph's strict parser, ten times rdflib's speed) to every triple."""
    import pyoxigraph

    response = client.get(f"/dump.{ext}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    parsed = pyoxigraph.parse(response.get_data(), format=getattr(pyoxigraph.RdfFormat, fmt))
    assert len({(q.subject, q.predicate, q.object) for q in parsed}) == len(store.graph)


def test_saved_query_page_and_json(client):
    from r2pkg.queries import saved_queries

    # a query every store answers within the test app's 5 s (authority-chain-nodes, the first,
    # takes about 9 s on rdflib's memory store since it follows competence hops)
    name = "who-held-a-mandate"
    query = saved_queries()[name]
    html = client.get(f"/queries/{name}")
    from markupsafe import escape

    assert html.status_code == 200 and str(escape(query.summary)) in html.get_data(as_text=True)
    data = client.get(f"/queries/{name}?format=json").get_json()
    assert "results" in data or "boolean" in data
    assert client.get("/queries/no-such-query").status_code == 404


def test_saved_query_as_json_gives_its_expected_rows_and_marks_a_cut(client, store):
    from r2pkg.queries import saved_queries
    from r2pkg.web import create_app

    expected = saved_queries()["lessons-from-a-case"].expect["rows"]
    data = client.get("/queries/lessons-from-a-case?format=json").get_json()
    assert len(data["results"]["bindings"]) == expected
    small = create_app({"TESTING": True, "MAX_RESULT_ROWS": 2}, store=store).test_client()
    cut = small.get("/queries/lessons-from-a-case", headers={"Accept": "application/json"})
    assert cut.headers["X-R2pkg-Truncated"] == "2" and len(cut.get_json()["results"]["bindings"]) == 2


def test_healthz(client, store):
    from r2pkg.versions import release

    response = client.get("/healthz")
    body = response.get_json()
    version = body.pop("version")
    assert body == {"status": "ok", "store": store.kind, "triples": len(store.graph)}
    assert version.startswith(release() + "+") and response.headers["R2pkg-Graph-Version"] == version


def test_validate_route_accepts_turtle_body_and_writes_nothing(client, store):
    before = len(store.graph)
    body = (SHAPES / "invalid-scope-in-scope-without-crime.ttl").read_bytes()
    response = client.post("/validate", data=body, content_type="text/turtle", headers={"Accept": "application/json"})
    report = response.get_json()
    assert response.status_code == 200 and report["conforms"] is False
    assert report["findings"][0]["rule"] == "4+3"
    assert len(store.graph) == before


def test_validate_page_with_pasted_entry_groups_findings(client):
    text = (SHAPES / "invalid-authority-response-without-tool.ttl").read_text()
    html = client.post("/validate", data={"entry": text, "format": "turtle"}).get_data(as_text=True)
    assert "does not conform" in html
    assert "needs a tool from the tool scheme" in html
    assert "<h3>Response testland-notool" in html


def test_validate_upload_of_jsonld(client):
    from io import BytesIO

    data = {"file": (BytesIO((SHAPES / "valid-case-jsonld.jsonld").read_bytes()), "entry.jsonld")}
    response = client.post("/validate", data=data, content_type="multipart/form-data",
                           headers={"Accept": "application/json"})
    assert response.get_json()["conforms"] is True


def test_validate_reports_parse_errors_with_line(client):
    response = client.post("/validate", data=b"@prefix r2p: <x> .\nr2p:a r2p:b .\n", content_type="text/turtle",
                           headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "line 2" in json.loads(response.data)["error"]["message"]


def test_saved_query_page_takes_a_prefixed_name_and_links_the_editor_with_it(client):
    import html as html_module
    from urllib.parse import parse_qs, urlparse

    response = client.get("/queries/precedents-draws-on?case=case:rwanda-1994")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    table = html.split("<table")[1].split("</table>")[0]
    assert "Somalia" in table and "Great Lakes" not in table
    link = html.split('id="open-in-editor" href="')[1].split("\"")[0]
    link = html_module.unescape(link)
    text = parse_qs(urlparse(link).query)["query"][0]
    assert "<https://w3id.org/r2pkg/id/case/rwanda-1994>" in text and "?_case_iri" not in text
    data = client.get("/queries/precedents-draws-on?case=case:rwanda-1994&format=json").get_json()
    assert [b["earlierLabel"]["value"] for b in data["results"]["bindings"]] == ["Somalia"]


def test_saved_query_page_with_a_name_of_nothing_answers_400(client):
    response = client.get("/queries/precedents-draws-on?case=case:rwanda-1995")
    assert response.status_code == 400
    assert "names no node of the graph" in response.get_data(as_text=True)
    as_json = client.get("/queries/precedents-draws-on?case=case:rwanda-1995&format=json")
    assert as_json.status_code == 400 and "case:rwanda-1995" in as_json.get_json()["error"]["message"]


def test_a_long_saved_query_page_shows_its_rows_a_page_at_a_time_and_json_gives_them_all(oxigraph_store):
    """The editors'-reading listing has 304 rows on the bundled graph: its page shows 200 with
    their count and a link to the rest, the next page the other 104, in the same order as the
    JSON answer, which gives every row (also when asked with an offset); the query's
    parameters are kept by the links; a bad offset is a clear error, one past the end says so."""
    import re
    from html import unescape

    from r2pkg.queries import saved_queries
    from r2pkg.web import create_app

    client = create_app({"TESTING": True}, store=oxigraph_store).test_client()
    name = "where-the-answer-rests-on-an-editors-reading"
    path = f"/queries/{name}"
    total = saved_queries()[name].expect["rows"]
    assert total == 304

    def rows(html: str) -> list[str]:
        body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        return [unescape(m) for m in re.findall(r'<tr><td><a href="([^"]+)"', body)]

    def link(html: str, rel: str) -> str | None:
        found = re.search(rf'<a rel="{rel}" href="([^"]+)"', html)
        return unescape(found.group(1)) if found else None

    first = client.get(path)
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "Rows 1–200 of 304." in html
    assert len(rows(html)) == 200 and link(html, "next") == f"{path}?offset=200" and link(html, "prev") is None
    second = client.get(link(html, "next")).get_data(as_text=True)
    assert "Rows 201–304 of 304." in second and len(rows(second)) == 104
    assert link(second, "next") is None and link(second, "prev") == path
    as_json = client.get(f"{path}?offset=200&format=json").get_json()["results"]["bindings"]
    assert len(as_json) == total == len(client.get(path, headers={"Accept": "application/json"}).get_json()
                                          ["results"]["bindings"])
    iris = [b["node"]["value"] for b in as_json]
    assert [href.rsplit("/id/", 1)[-1] for href in rows(html) + rows(second)] == [i.rsplit("/id/", 1)[-1] for i in iris]
    assert f'href="{path}?format=json"' in html  # the JSON link: every row, whatever page it is on

    claims = client.get(f"{path}?type=r2p:Claim").get_data(as_text=True)
    wanted = len(client.get(f"{path}?type=r2p:Claim&format=json").get_json()["results"]["bindings"])
    if wanted > 200:
        assert link(claims, "next") == f"{path}?type=r2p%3AClaim&offset=200"
    else:
        assert len(rows(claims)) == wanted and link(claims, "next") is None

    bad = client.get(f"{path}?offset=ten")
    assert bad.status_code == 400 and "offset" in bad.get_data(as_text=True)
    past = client.get(f"{path}?offset=400").get_data(as_text=True)
    assert "No rows from 401: there are 304." in past and rows(past) == [] and f'href="{path}"' in past


def test_a_short_saved_query_page_shows_every_row_and_no_page_links(oxigraph_store):
    from r2pkg.web import create_app

    client = create_app({"TESTING": True}, store=oxigraph_store).test_client()
    html = client.get("/queries/who-held-a-mandate").get_data(as_text=True)
    assert " row(s)." in html and 'rel="next"' not in html and "Rows 1–" not in html

"""Cross-origin reads: the endpoint, node pages and saved queries open to any origin; writes never."""

from __future__ import annotations

import pytest

ORIGIN = {"Origin": "https://yasgui.example.org"}


@pytest.mark.parametrize("url", [
    "/sparql?query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
    "/id/case/rwanda-1994",
    "/queries/precedents-draws-on?format=json",
    "/queries",
])
def test_reads_answer_any_origin(client, url):
    response = client.get(url, headers=ORIGIN)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-R2pkg-Truncated" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_post_query_is_preflighted_and_then_answered(client):
    preflight = client.options("/sparql", headers={
        **ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    response = client.post("/sparql", data="ASK { ?s ?p ?o }", headers={
        **ORIGIN, "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert response.status_code == 200 and response.get_json()["boolean"] is True
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_an_error_from_the_endpoint_is_readable_cross_origin(client):
    response = client.get("/sparql?query=SELECT", headers=ORIGIN)
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("url", ["/entries", "/validate"])
def test_writes_and_entries_are_never_open_to_other_origins(client, url):
    preflight = client.options(url, headers={**ORIGIN, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    posted = client.post(url, data="<a> <b> <c> .", headers={**ORIGIN, "Content-Type": "text/turtle"})
    assert "Access-Control-Allow-Origin" not in posted.headers


def test_pages_for_people_other_than_nodes_stay_same_origin(client):
    assert "Access-Control-Allow-Origin" not in client.get("/", headers=ORIGIN).headers

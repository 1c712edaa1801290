"""The editors' form: built from the shapes, checked as it is filled, never losing input."""

from __future__ import annotations

import re
import shutil

import pytest

from r2pkg.store import project_root
from r2pkg.web import create_app

FILLED = {
    "mode": "form",
    "case.slug": "testland-2019",
    "case.label": "Testland, civil war (2019)",
    "case.country": "state:kenya",
    "case.startDate": "2019",
    "case.scopeStatus": "r2p:InScope",
    "case.concernsCrime": "crime:war-crimes",
    "case.ev.source": "pub:stanley-tarrytown-2010",
    "case.ev.locator": "section 'Test'",
    "case.ev.assertion": "r2p:Stated",
    "crime.ev.source": "pub:stanley-tarrytown-2010",
    "crime.ev.locator": "section 'Test'",
    "crime.ev.assertion": "r2p:Stated",
}


@pytest.fixture(scope="module")
def form_client(memory_store):
    return create_app({"TESTING": True}, store=memory_store).test_client()


def test_the_form_is_generated_from_the_shapes(form_client):
    html = form_client.get("/editors/new").get_data(as_text=True)
    # allowed values from the schemes behind sh:in: the three scope statuses, the four crimes
    for value in ("r2p:InScope", "r2p:OutOfScope", "r2p:Contested"):
        assert f'value="{value}"' in html
    crimes = re.findall(r'name="case.concernsCrime" value="([^"]+)"', html)
    assert sorted(crimes) == ["crime:crimes-against-humanity", "crime:ethnic-cleansing", "crime:genocide",
                              "crime:war-crimes"]
    assert 'value="tool:sanctions"' in html and 'value="pillar:3"' in html
    # required from sh:minCount, help from sh:description, pickers from rdfs:range
    assert re.search(r'for="case.scopeStatus">[^<]*\*</label>', html)
    assert "Every case says whether the sources place it in scope" in html
    assert 'data-search="state"' in html and 'data-search="actor"' in html and 'data-search="source"' in html
    assert "<script" in html and 'src="/editors/static/editors.js"' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "no inline script"


def test_pickers_search_the_graphs_own_nodes(form_client):
    states = form_client.get("/editors/search?kind=state&q=ken").get_json()
    assert states[0] == {"value": "state:kenya", "label": "Kenya", "iri": "https://w3id.org/r2pkg/id/state/kenya"}
    basis = form_client.get("/editors/search?kind=basis&q=paragraph 139").get_json()
    assert any(h["iri"].endswith("/A-RES-60-1/para-139") for h in basis)
    actors = [h["value"] for h in form_client.get("/editors/search?kind=actor&q=security").get_json()]
    assert "organ:security-council" in actors
    assert form_client.get("/editors/search?kind=nothing&q=x").status_code == 400


def test_a_filled_form_makes_turtle_that_conforms(form_client):
    answer = form_client.post("/editors/check", data=FILLED).get_json()
    assert answer["conforms"], answer
    assert "case:testland-2019 a r2p:Case ;" in answer["turtle"]
    assert "claim:testland-2019-concernsCrime-war-crimes a r2p:Claim" in answer["turtle"]


def test_messages_come_back_at_the_field_they_concern(form_client):
    data = dict(FILLED, **{"case.ev.locator": "TODO", "case.endDate": "2999", "case.country": "Atlantis"})
    answer = form_client.post("/editors/check", data=data).get_json()
    assert not answer["conforms"]
    messages = answer["messages"]
    assert "placeholder" in messages["case.ev.locator"][0]["message"]
    assert "future" in messages["case.endDate"][0]["message"]
    assert "No node of the graph is called 'Atlantis'" in messages["case.country"][0]["message"]
    without_claim_evidence = {k: v for k, v in FILLED.items() if not k.startswith("crime.ev")}
    answer = form_client.post("/editors/check", data=without_claim_evidence).get_json()
    assert "claim has no evidence" in answer["messages"]["crime.ev.section"][0]["message"]


def test_an_error_re_renders_the_form_with_everything_typed(form_client):
    data = dict(FILLED, **{"case.ev.locator": "TODO", "case.ev.quote": "Civilians were attacked.",
                           "action": "check"})
    response = form_client.post("/editors/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Testland, civil war (2019)"' in html and "Civilians were attacked.</textarea>" in html
    assert 'value="crime:war-crimes" checked' in html
    assert "placeholder, not a value" in html


def test_pasted_turtle_with_a_syntax_error_is_kept_and_placed(form_client):
    text = '@prefix r2p: <https://w3id.org/r2pkg/ontology#> .\n<https://w3id.org/r2pkg/id/case/x> r2p:a "open\n'
    response = form_client.post("/editors/new", data={"mode": "paste", "pasted": text, "format": "turtle",
                                                      "action": "check"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "line 2" in html and "r2p:a &#34;open" in html


def test_pasted_jsonld_is_checked(form_client):
    from pathlib import Path

    text = (Path(__file__).parent / "shapes" / "valid-case-jsonld.jsonld").read_text()
    answer = form_client.post("/editors/check", data={"mode": "paste", "pasted": text, "format": "jsonld"}).get_json()
    assert answer["conforms"], answer


def test_without_a_token_the_form_only_checks(form_client):
    html = form_client.get("/editors/new").get_data(as_text=True)
    assert 'id="accept"' not in html and "r2pkg add FILE" in html
    response = form_client.post("/editors/new", data=dict(FILLED, action="accept", token="anything"))
    assert response.status_code == 401
    assert 'value="Testland, civil war (2019)"' in response.get_data(as_text=True)


def test_the_form_accepts_with_the_token(tmp_path, monkeypatch):
    root = tmp_path / "home"
    for name in ("ontology", "data", "queries"):
        shutil.copytree(project_root() / name, root / name)
    monkeypatch.setenv("R2PKG_HOME", str(root))
    client = create_app({"TESTING": True, "STORE": "memory", "EDITOR_TOKEN": "form-token"}).test_client()
    wrong = client.post("/editors/new", data=dict(FILLED, action="accept", token="nope", editor="Ana"))
    assert wrong.status_code == 401 and 'value="Testland, civil war (2019)"' in wrong.get_data(as_text=True)
    assert not (root / "data" / "entries").exists()
    right = client.post("/editors/new", data=dict(FILLED, action="accept", token="form-token", editor="Ana"))
    assert right.status_code == 201, right.get_data(as_text=True)
    assert 'href="/id/case/testland-2019"' in right.get_data(as_text=True)
    assert client.get("/id/case/testland-2019").status_code == 200
    assert len(list((root / "data" / "entries").iterdir())) == 1

"""The editors' form with no dead ends (issue 24): an inferred crime, a Check that keeps the
token, messages in the form's words, labels unique per entry."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from r2pkg.store import project_root
from r2pkg.web import create_app

sys.path.insert(0, str(Path(__file__).parent))
from test_editors import FILLED  # noqa: E402

TOKEN = "form-editor-token-51"
INFERRED = {**FILLED, "crime.ev.assertion": "r2p:Inferred",
            "crime.ev.note": "The source describes attacks on civilians; the editor reads them as war crimes."}


@pytest.fixture()
def editor_client(tmp_path, monkeypatch):
    root = tmp_path / "home"
    for name in ("ontology", "data", "queries"):
        shutil.copytree(project_root() / name, root / name)
    monkeypatch.setenv("R2PKG_HOME", str(root))
    app = create_app({"TESTING": True, "STORE": "memory", "EDITOR_TOKEN": TOKEN})
    return app.test_client(), root


def test_the_form_enters_a_case_whose_crime_the_editor_infers(editor_client):
    client, root = editor_client
    checked = client.post("/editors/check", data=INFERRED).get_json()
    assert checked["conforms"], checked
    turtle = checked["turtle"]
    assert "r2p:concernsCrime crime:war-crimes" not in turtle  # not stated as a plain fact
    assert "r2p:claimValue crime:war-crimes" in turtle and "r2p:Inferred" in turtle
    assert "The editor reads war crimes in Testland, civil war (2019)" in turtle
    accepted = client.post("/editors/new", data={**INFERRED, "action": "accept", "token": TOKEN})
    assert accepted.status_code == 201, accepted.get_data(as_text=True)
    assert len(list((root / "data" / "entries").iterdir())) == 1
    # the same form posted again (a retry): already accepted, nothing added
    again = client.post("/editors/new", data={**INFERRED, "action": "accept", "token": TOKEN})
    assert again.status_code == 200 and "already accepted as" in again.get_data(as_text=True)
    assert len(list((root / "data" / "entries").iterdir())) == 1


def test_a_stated_crime_is_still_a_plain_fact_with_its_claim(editor_client):
    client, _root = editor_client
    turtle = client.post("/editors/check", data=FILLED).get_json()["turtle"]
    assert "r2p:concernsCrime crime:war-crimes" in turtle
    assert "The source attributes war crimes to Testland, civil war (2019)" in turtle


def test_check_keeps_every_field_and_the_token(editor_client):
    client, _root = editor_client
    page = client.post("/editors/new", data={**INFERRED, "action": "check", "token": TOKEN, "editor": "Ana"})
    html = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert f'name="token" value="{TOKEN}"' in html
    for key in ("case.slug", "case.label", "case.startDate", "crime.ev.locator", "editor"):
        assert f'value="{INFERRED.get(key, "Ana")}"' in html.replace("&#39;", "'"), key
    assert "crime.ev.note" in html and INFERRED["crime.ev.note"] in html.replace("&#39;", "'")


def test_messages_speak_the_forms_words_with_the_turtle_under_details(editor_client):
    client, _root = editor_client
    no_crime = {k: v for k, v in FILLED.items() if k != "case.concernsCrime"}
    answer = client.post("/editors/check", data=no_crime).get_json()
    shown = [m for items in answer["messages"].values() for m in items] + answer["general"]
    assert shown, answer
    for m in shown:
        assert "r2p:" not in m["message"] and "claim:" not in m["message"] and " ; " not in (m["fix"] or ""), m
    assert any(m.get("details") for m in shown) or all("r2p:" not in (m["fix"] or "") for m in shown)
    html = client.post("/editors/new", data={**no_crime, "action": "check"}).get_data(as_text=True)
    assert "every label says its language" not in html.split('for="case.label"', 1)[1].split("</label>", 1)[0]
    assert "Name (in English" in html


def test_labels_the_form_writes_are_unique_per_entry(editor_client):
    client, _root = editor_client
    one = client.post("/editors/check", data=INFERRED).get_json()["turtle"]
    other = client.post("/editors/check", data={**INFERRED, "case.slug": "otherland-2019",
                                                "case.label": "Otherland, civil war (2019)"}).get_json()["turtle"]
    labels = lambda t: {ln.split('"')[1] for ln in t.splitlines() if "rdfs:label" in ln}  # noqa: E731
    assert labels(one) and not labels(one) & labels(other)


def test_the_form_opens_a_correction_with_the_entrys_content_and_corrects_it(editor_client):
    client, root = editor_client
    assert client.post("/editors/new", data={**FILLED, "action": "accept", "token": TOKEN}).status_code == 201
    (folder,) = (root / "data" / "entries").iterdir()
    page = client.get(f"/editors/new?correct={folder.name}").get_data(as_text=True)
    assert f"Correct entry {folder.name}" in page and 'name="correct"' in page
    assert "case:testland-2019 a r2p:Case" in page and "# Accepted by" not in page
    text = page.split('id="pasted" name="pasted" rows="14" spellcheck="false">', 1)[1].split("</textarea>", 1)[0]
    import html

    fixed = html.unescape(text).replace('"2019"^^xsd:gYear', '"2018"^^xsd:gYear', 1)
    values = {"mode": "paste", "format": "turtle", "correct": folder.name, "pasted": fixed}
    checked = client.post("/editors/check", data=values).get_json()
    assert checked["conforms"], checked  # checked against the graph without the old version
    done = client.post("/editors/new", data={**values, "action": "accept", "token": TOKEN, "editor": "Ana",
                                             "reason": "start year"})
    assert done.status_code == 200, done.get_data(as_text=True)
    new_id = [c for c in (root / "data" / "entries").iterdir() if c.name != folder.name][0].name
    assert f"/editors/new?correct={new_id}" in done.get_data(as_text=True)  # and it can be corrected again
    kinds = [c["kind"] for c in client.get("/changes?format=json").get_json()["changes"]]
    assert kinds == ["correct", "accept"]
    assert "2018" in client.get("/id/case/testland-2019").get_data(as_text=True)

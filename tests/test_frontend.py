"""The query editor's bundle and what it asks of the server: fresh, self-contained, CSP-clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from r2pkg import frontend

TEMPLATES = Path(frontend.__file__).parent / "web" / "templates"


def test_the_committed_bundle_was_built_from_the_committed_sources():
    assert not frontend.is_stale(), (
        "frontend/ changed but the bundle in src/r2pkg/web/static/ was not rebuilt: "
        "run 'npm ci && npm run build' in frontend/ (or 'python src/r2pkg/frontend.py') and commit it")


def test_a_changed_source_makes_the_bundle_stale(tmp_path):
    import shutil

    copy = tmp_path / "frontend"
    shutil.copytree(frontend.FRONTEND, copy, ignore=shutil.ignore_patterns("node_modules"))
    static = tmp_path / "static"
    shutil.copytree(frontend.STATIC, static)
    assert not frontend.is_stale(copy, static)
    (copy / "src" / "editor.js").write_text((copy / "src" / "editor.js").read_text() + "\n// changed\n")
    assert frontend.is_stale(copy, static)
    (static / "editor.js").unlink()
    assert frontend.is_stale(frontend.FRONTEND, static)


def test_the_bundle_fetches_nothing_from_elsewhere():
    bundle = (frontend.STATIC / "editor.js").read_text(encoding="utf-8")
    urls = set(re.findall(r"https?://[\w./-]+", bundle))
    assert urls <= {"http://www.w3.org/2000/svg", "https://w3id.org/r2pkg/"}, urls
    css = (frontend.STATIC / "editor.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css and "@font-face" not in css


def test_templates_have_no_inline_script_or_event_handler():
    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for m in re.finditer(r"<script\b([^>]*)>", html):
            assert "src=" in m.group(1), f"{path.name}: inline <script>"
        assert not re.search(r"\son[a-z]+\s*=", html), f"{path.name}: inline event handler"


def test_home_loads_the_editor_and_lists_the_declared_prefixes(client):
    html = client.get("/").get_data(as_text=True)
    assert '<script src="/static/editor.js"></script>' in html and "/static/editor.css" in html
    for prefix in ("r2p:", "case:", "doc:", "mandate:", "rdfs:", "skos:"):
        assert f"<code>{prefix}</code>" in html


def test_vocabulary_has_prefixes_classes_and_properties_with_labels(client):
    data = client.get("/editor/vocabulary.json").get_json()
    assert data["prefixes"]["r2p"] == "https://w3id.org/r2pkg/ontology#"
    classes = {c["iri"]: c["label"] for c in data["classes"]}
    assert classes["https://w3id.org/r2pkg/ontology#Case"]
    properties = {p["iri"] for p in data["properties"]}
    assert "https://w3id.org/r2pkg/ontology#hasLegalBasis" in properties


@pytest.mark.parametrize("query, fmt, name", [
    ("SELECT ?s WHERE { ?s a r2p:Case } LIMIT 2", "csv", "r2pkg-results.csv"),
    ("SELECT ?s WHERE { ?s a r2p:Case } LIMIT 2", "json", "r2pkg-results.json"),
    ("CONSTRUCT { ?s a r2p:Case } WHERE { ?s a r2p:Case } LIMIT 2", "turtle", "r2pkg-graph.ttl"),
    ("CONSTRUCT { ?s a r2p:Case } WHERE { ?s a r2p:Case } LIMIT 2", "ntriples", "r2pkg-graph.nt"),
])
def test_a_download_from_the_endpoint_has_a_file_name(client, query, fmt, name):
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'


def test_an_ordinary_protocol_answer_is_not_a_download(client):
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                          headers={"Accept": "application/sparql-results+json"})
    assert "Content-Disposition" not in response.headers


def test_the_bundle_ships_the_licences_of_what_it_bundles():
    text = (frontend.STATIC / "editor.licenses.txt").read_text(encoding="utf-8")
    for package in ("@codemirror/view", "@codemirror/autocomplete", "codemirror-lang-sparql", "@lezer/lr", "style-mod"):
        assert f"==== {package} " in text, package
    assert "==== esbuild" not in text and "==== @esbuild" not in text  # build tools, not bundled
    assert "Permission is hereby granted" in text

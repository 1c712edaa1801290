"""The store boundary: one interface, one module per backend, and the on-disk Oxigraph store."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from r2pkg.answers import answer
from r2pkg.chains import authority_chains, graph_index, precedents
from r2pkg.cli import main
from r2pkg.errors import QueryError
from r2pkg.namespaces import R2P, R2PID
from r2pkg.queries import run_saved, saved_queries
from r2pkg.store import Store, bundled_files, open_store, view_files
from r2pkg.store.endpoint import Endpoint
from r2pkg.store.oxigraph_dir import MANIFEST, OxigraphDirStore

SRC = Path(__file__).resolve().parents[1] / "src" / "r2pkg"
QUERY_FILE = Path(__file__).resolve().parents[1] / "queries" / "cases-outside-the-scope.rq"
BACKENDS = {"memory.py", "oxigraph.py", "oxigraph_dir.py", "endpoint.py"}


def test_only_backend_modules_know_which_backend_they_talk_to():
    """The check in the issue: `grep -rn "_inner\\|is_remote" src/` hits backend modules only."""
    hits = []
    for path in SRC.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"_inner|is_remote", line):
                hits.append((path, number))
    assert all(p.parent.name == "store" and p.name in BACKENDS for p, _ in hits), hits


def test_importing_the_store_imports_no_web_or_command_line_code():
    code = ("import sys, r2pkg.store; bad = sorted(m for m in sys.modules if m.startswith("
            "('r2pkg.web', 'r2pkg.cli', 'flask', 'click', 'waitress', 'werkzeug'))); print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_no_module_imports_inside_functions_to_hide_a_cycle_between_store_and_query_code():
    """store.py <-> remote.py and sparql.py <-> native.py used to import each other from inside functions."""
    for name in ("sparql.py", "answers.py", "store/__init__.py", "store/base.py", "store/memory.py",
                 "store/oxigraph.py", "store/oxigraph_dir.py", "store/endpoint.py", "store/bundle.py"):
        text = (SRC / name).read_text(encoding="utf-8")
        assert not re.search(r"^[ \t]+(from r2pkg|import r2pkg)", text, re.M), name


def test_every_form_returns_the_one_answer_type(any_store: Store):
    rows = any_store.select("SELECT ?c WHERE { ?c a r2p:Case }")
    assert rows.form == "SELECT" and len(rows) == any_store.stats()["cases"]
    assert any_store.ask("ASK { ?c a r2p:Case }") is True
    built = any_store.construct("CONSTRUCT { ?c a r2p:Case } WHERE { ?c a r2p:Case }")
    assert built.form == "CONSTRUCT" and len(built.graph) == len(rows)
    rwanda = URIRef(str(R2PID) + "case/rwanda-1994")
    described = any_store.describe(f"DESCRIBE <{rwanda}>")
    assert (rwanda, RDF.type, R2P.Case) in set(described.triples)
    with pytest.raises(QueryError, match="expected a SELECT"):
        any_store.select("ASK { ?s ?p ?o }")


def test_a_capped_answer_is_cut_exactly_at_the_cap_on_every_road(any_store: Store):
    cases = any_store.stats()["cases"]
    text = "SELECT ?c WHERE { ?c a r2p:Case } ORDER BY ?c"
    for cap, cut in ((cases - 1, True), (cases, False), (cases + 1, False)):
        read = any_store.query(text, max_rows=cap)
        assert (len(read.rows), read.truncated) == (min(cap, cases), cut)
        for fmt in ("json", "xml", "tsv", "csv"):
            written = answer(any_store, text, fmt, None, cap)
            assert written.truncated == cut, (cap, fmt)


def test_labels_names_and_counts_through_the_interface(any_store: Store):
    rwanda = any_store.resolve("case:rwanda-1994")
    assert any_store.resolve(any_store.label(rwanda)) == rwanda
    assert any_store.value(rwanda, RDFS.label) is not None
    assert any_store.triple_count() == sum(1 for _ in any_store)
    assert any_store.uses_network is False


def test_the_ontology_comes_from_the_store_once(any_store: Store):
    vocabulary, shapes = any_store.vocabulary(), any_store.shapes()
    assert vocabulary is any_store.vocabulary() and shapes is any_store.shapes()  # parsed once
    assert (R2P.Case, RDF.type, None) in vocabulary and len(vocabulary) > 100
    assert (None, RDF.type, SH.NodeShape) in shapes and (None, RDF.type, SH.NodeShape) not in vocabulary
    assert len(any_store.ontology()) == len(vocabulary) + len(shapes)


def test_an_entry_added_as_one_unit_is_seen_by_the_next_query(tmp_path: Path):
    store = open_store("oxigraph")
    before = store.version
    entry = Graph()
    node = URIRef(str(R2PID) + "case/test-entry")
    entry.add((node, RDF.type, R2P.Case))
    entry.add((node, RDFS.label, Literal("A test entry", lang="en")))
    store.add_graph(entry)
    assert store.version == before + 1
    assert store.resolve("A test entry") == node
    assert store.ask("ASK { ?c a r2p:Case ; rdfs:label 'A test entry'@en }")


# -- oxigraph:DIR ------------------------------------------------------------------------------


def small_graph(folder: Path) -> list[Path]:
    """A copy of the ontology and one data file: enough to load in a fraction of a second."""
    files = [f for f in bundled_files() if f.parent.name == "ontology"][:2]
    files += [next(f for f in bundled_files() if f.parent.name != "ontology")]
    out = []
    for f in files:
        copy = folder / f.parent.name / f.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(f.read_bytes())
        out.append(copy)
    return out


def test_oxigraph_dir_is_loaded_once_then_opened_as_it_is(tmp_path: Path):
    files = small_graph(tmp_path / "src")
    folder = tmp_path / "db"
    first = open_store(f"oxigraph:{folder}", files)
    assert first.reloaded and (folder / MANIFEST).is_file()
    count = first.triple_count()
    assert json.loads((folder / MANIFEST).read_text())["triples"] == count  # not counted again on open
    entry = Graph()
    entry.add((URIRef(str(R2PID) + "case/kept"), RDF.type, R2P.Case))
    first.add_graph(entry)
    first.close()

    again = open_store(f"oxigraph:{folder}", files)
    assert isinstance(again, OxigraphDirStore) and not again.reloaded
    assert again.triple_count() == count + 1  # the written entry is kept, and counted again
    again.close()
    third = open_store(f"oxigraph:{folder}", files)
    assert third.triple_count() == count + 1
    third.close()

    time.sleep(0.01)
    files[-1].write_text(files[-1].read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    changed = open_store(f"oxigraph:{folder}", files)
    assert changed.reloaded and changed.triple_count() == count  # rebuilt from the files
    changed.close()


def test_oxigraph_dir_answers_like_the_in_memory_store(tmp_path: Path, oxigraph_store: Store):
    on_disk = open_store(f"oxigraph:{tmp_path / 'db'}")
    try:
        assert on_disk.triple_count() == oxigraph_store.triple_count()
        for name, saved in saved_queries().items():
            a, b = run_saved(on_disk, saved), run_saved(oxigraph_store, saved)
            assert sorted(map(tuple, a.rows), key=str) == sorted(map(tuple, b.rows), key=str), name
            assert (a.boolean, len(a)) == (b.boolean, len(b)), name
    finally:
        on_disk.close()


def test_oxigraph_dir_keeps_the_chain_index_for_later_processes_until_a_write(tmp_path: Path, oxigraph_store: Store):
    """The index is built by one open, read (not rebuilt) by the next, and dropped by a write."""
    folder = tmp_path / "db"
    sapg, rwanda = URIRef(str(R2PID) + "mandate/special-adviser-prevention-of-genocide"), URIRef(str(R2PID) + "case/rwanda-1994")
    expected = (authority_chains(graph_index(oxigraph_store), sapg), precedents(graph_index(oxigraph_store), rwanda))
    first = open_store(f"oxigraph:{folder}")
    assert (authority_chains(graph_index(first), sapg), precedents(graph_index(first), rwanda)) == expected
    saved = list((folder / "views").glob("chains-*.pickle"))
    assert len(saved) == 1
    inode = saved[0].stat().st_ino
    first.close()

    second = open_store(f"oxigraph:{folder}")
    assert (authority_chains(graph_index(second), sapg), precedents(graph_index(second), rwanda)) == expected
    assert saved[0].stat().st_ino == inode  # read as it was, not built and written again
    later = URIRef(str(R2PID) + "case/test-later-case")
    entry = Graph()
    entry.add((later, RDF.type, R2P.Case))
    entry.add((later, R2P.drawsOn, rwanda))
    second.add_graph(entry)
    assert not saved[0].exists()  # a write makes every saved view stale
    drawn = {x["iri"] for x in precedents(graph_index(second), rwanda)["drawn_on_by"]}
    assert str(later) in drawn
    second.close()

    third = open_store(f"oxigraph:{folder}")
    assert str(later) in {x["iri"] for x in precedents(graph_index(third), rwanda)["drawn_on_by"]}
    rebuilt = list((folder / "views").glob("chains-*.pickle"))  # built again, for the new generation only
    assert len(rebuilt) == 1 and third.manifest["generation"] > 0
    assert view_files.read(folder / "views", rebuilt[0].stem, third.manifest["generation"]) is not None
    assert view_files.read(folder / "views", rebuilt[0].stem, 0) is None
    third.close()


def test_oxigraph_dir_with_a_bad_file_names_file_line_and_column(tmp_path: Path):
    bad = tmp_path / "data" / "bad.ttl"
    bad.parent.mkdir()
    bad.write_text("@prefix r2p: <https://w3id.org/r2pkg/ontology#> .\n<urn:x> r2p:p <urn:y\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"bad\.ttl.*line"):
        open_store(f"oxigraph:{tmp_path / 'db'}", [bad])
    assert not (tmp_path / "db" / MANIFEST).exists()  # a failed load is redone next time


# -- --store on every subcommand ---------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["stats"], ["chain", "case:rwanda-1994"], ["precedents", "case:rwanda-1994"],
    ["query", "responses-by-pillar"], ["query", str(QUERY_FILE), "--format", "json"], ["validate", str(Path(__file__).parent / "shapes" / "valid-case-in-scope.ttl")],
])
def test_store_is_accepted_after_the_subcommand_as_before_it(runner, args):
    after = runner.invoke(main, [*args, "--store", "memory"])
    before = runner.invoke(main, ["--store", "memory", *args])
    assert after.exit_code == before.exit_code and after.exit_code in (0, 1), after.output
    assert after.output == before.output


def test_store_after_the_subcommand_is_used(runner):
    result = runner.invoke(main, ["stats", "--store", "nonsense"])
    assert result.exit_code == 2 and "unknown store 'nonsense'" in result.output


def test_an_endpoint_that_does_not_answer_is_named_and_its_password_is_not(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("R2PKG_STORE_USER", "editor")
    monkeypatch.setenv("R2PKG_STORE_PASSWORD", "s3cret-Pa55")
    with pytest.raises(Exception) as caught:
        open_store(f"http://127.0.0.1:{port}/sparql")
    assert f"127.0.0.1:{port}" in str(caught.value) and "s3cret-Pa55" not in str(caught.value)
    assert "s3cret-Pa55" not in repr(Endpoint.from_env(f"http://127.0.0.1:{port}/sparql"))


class _Flaky:
    """A real HTTP server on loopback answering the first ``failures`` requests with
    ``status``, then a SPARQL JSON answer of one row; it counts the requests."""

    def __init__(self, failures: int, status: int) -> None:
        import http.server
        import threading

        flaky = self
        self.requests = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                flaky.requests += 1
                if flaky.requests <= failures:
                    self.send_response(status)
                    self.end_headers()
                    # an error answer as Virtuoso writes it: the status text says little, the body all
                    self.wfile.write(b"Virtuoso 37000 Error SQ999: the server's own words\n\nSPARQL query:\n...")
                    return
                body = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"ok"}}]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("failures, status, answered, asked", [
    (1, 500, True, 2),    # a server error once: asked again, answered
    (5, 503, False, 2),   # a server error twice: reported, not asked a third time
    (1, 400, False, 1),   # a client error: the same query would fail again, reported at once
])
def test_an_external_store_is_asked_again_once_after_a_server_error(failures, status, answered, asked):
    from r2pkg.errors import QueryError
    from r2pkg.store.endpoint import _Connector

    server = _Flaky(failures, status)
    try:
        connector = _Connector(Endpoint(url=server.url))
        if answered:
            rows = list(connector.query("SELECT ?x WHERE { ?s ?p ?x }"))
            assert [str(row[0]) for row in rows] == ["ok"]
        else:
            with pytest.raises(QueryError) as caught:
                connector.query("SELECT ?x WHERE { ?s ?p ?x }")
            assert str(status) in str(caught.value) and server.url in str(caught.value)
            assert "Error SQ999: the server's own words SPARQL query:" in str(caught.value)  # the body, on one line
        assert server.requests == asked
    finally:
        server.close()

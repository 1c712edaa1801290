"""Views kept with the on-disk store (``DIR/views``): updated by a write from the entry alone,
read back by a later process, and right after a ``kill -9`` at any step of a write. The
example view is the rows of ``where-the-answer-rests-on-an-editors-reading``
(``r2pkg.editors_reading``), which the entry's inferred citations change.

Each is compared with a rebuild from the whole graph as it is then. A node's citations are
not a kept view: a page reads them for the node (``r2pkg.describe.citations_of``), and they
are compared with the same question asked in SPARQL of the whole graph.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef

from r2pkg.describe import citations_of
from r2pkg.editors_reading import VIEW, build, reading_rows
from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import open_store
from r2pkg.view_terms import key_of
from pausing import kill_when_paused

pytestmark = pytest.mark.slow  # each test opens an on-disk store of its own

RWANDA = URIRef(str(R2PID) + "case/rwanda-1994")
NEW = URIRef(str(R2PID) + "case/written-for-the-views-test")
PUB = URIRef(str(R2PID) + "publication/ipi-blue-paper-7")


def entry(quote: str) -> Graph:
    """An inferred citation (an editor's reading, with ``quote`` as its quote and note) added to a
    node that has citations (Rwanda), and a new case with one: both are then rows of the view."""
    g = Graph()
    g.add((NEW, RDF.type, R2P.Case))
    g.add((NEW, RDFS.label, Literal("a case written for the views test", lang="en")))
    for node in (RWANDA, NEW):
        cite = BNode()
        g.add((node, R2P.evidence, cite))
        g.add((cite, R2P.source, PUB))
        g.add((cite, R2P.locator, Literal("p. 1")))
        g.add((cite, R2P.quote, Literal(quote)))
        g.add((cite, R2P.assertion, R2P.Inferred))
        g.add((cite, R2P.note, Literal(quote)))
    return g


def saved_files(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "views").glob(f"{VIEW}-*.pickle"))


def test_a_write_updates_the_view_from_the_entry_and_a_later_process_reads_it(folder: Path):
    store = open_store(f"oxigraph:{folder}")
    before = reading_rows(store)
    assert before == build(store) and key_of(NEW) not in before["rows"]
    old = saved_files(folder)
    assert len(old) == 1
    base = (folder / "views" / old[0])
    base_bytes = base.read_bytes()
    store.add_graph(entry("a quote written for the views test"))
    after = store.derived[VIEW]  # updated, not dropped
    assert after == build(store)
    rwanda = key_of(RWANDA)
    assert len(after["rows"][rwanda]) == len(before["rows"].get(rwanda, ())) + 1 and len(after["rows"][key_of(NEW)]) == 1
    assert saved_files(folder) == old and base.read_bytes() == base_bytes  # the whole view not saved again
    log = base.with_suffix(".log")
    assert 0 < log.stat().st_size < len(base_bytes) / 10  # only the entry's changes, appended
    store.close()
    reopened = open_store(f"oxigraph:{folder}")
    assert reopened._saved_view(VIEW) is not None  # read back, not rebuilt
    assert reading_rows(reopened) == build(reopened) == after
    reopened.close()


def test_a_view_another_process_saved_is_updated_by_a_write_not_rebuilt(folder: Path, monkeypatch):
    first = open_store(f"oxigraph:{folder}")
    reading_rows(first)  # saved for this generation
    first.close()
    writer = open_store(f"oxigraph:{folder}")
    assert VIEW not in writer.derived

    def no_rebuild(_store):
        raise AssertionError("the view was built from the whole graph")

    monkeypatch.setattr("r2pkg.editors_reading.build", no_rebuild)
    writer.add_graph(entry("updated from the saved view"))
    monkeypatch.undo()
    assert writer.derived[VIEW] == build(writer)
    writer.close()


def test_a_nodes_citations_are_those_sparql_gives_for_every_node_with_evidence(oxigraph_store, memory_store):
    """What a page lists as a node's citations (one lookup of them, one per citation) is what
    one SPARQL query of the whole bundled graph gives, for every node that has citations, in
    the same order on every call; the rdflib store gives the same citations."""
    expected: dict = {}
    for s, c, p, o in oxigraph_store.select(
            "PREFIX r2p: <https://w3id.org/r2pkg/ontology#> SELECT ?s ?c ?p ?o WHERE { ?s r2p:evidence ?c . ?c ?p ?o }").rows:
        expected.setdefault(s, {}).setdefault(c, set()).add((p, o))
    assert len(expected) > 500
    for node, cites in expected.items():
        found = citations_of(oxigraph_store, node)
        assert {c: set(pairs) for c, pairs in found} == cites, node
        assert found == citations_of(oxigraph_store, node)
        assert all(len(pairs) == len(set(pairs)) for _c, pairs in found)
    for node in sorted(expected, key=str)[:200]:
        on_rdflib = citations_of(memory_store, node)
        assert sorted(len(pairs) for _c, pairs in on_rdflib) == sorted(len(cites) for cites in expected[node].values())


def test_the_page_shows_the_citations_the_store_holds_after_a_write(folder: Path):
    from r2pkg.describe import citation, describe

    store = open_store(f"oxigraph:{folder}")
    store.add_graph(entry("a quote the page must show"))
    shown = describe(store, NEW).evidence
    assert [c["quote"].text for c in shown] == ["a quote the page must show"]
    direct = [citation(store, c) for c in sorted(store.objects(RWANDA, R2P.evidence), key=str)]
    assert describe(store, RWANDA).evidence == direct  # the same as asking the store citation by citation
    store.close()
    reopened = open_store(f"oxigraph:{folder}")  # a later process: the same, read for the node
    quotes = [str(dict(pairs)[R2P.quote]) for _, pairs in citations_of(reopened, NEW)]
    assert quotes == ["a quote the page must show"] and not reopened.has_saved_view("citations-2")
    reopened.close()


WRITER = textwrap.dedent("""
    import sys
    from rdflib import BNode, Graph, Literal, URIRef
    from r2pkg.editors_reading import reading_rows
    from r2pkg.namespaces import R2P
    from r2pkg.store import open_store
    sys.path.insert(0, {tests!r})
    from test_views import entry
    store = open_store("oxigraph:" + {folder!r})
    reading_rows(store)
    print("ready", flush=True)
    store.add_graph(entry("written by a process that is killed"))
    print("done", flush=True)
""")


@pytest.mark.parametrize("step", ["views-generation", "views-written"])
def test_the_views_are_right_after_a_kill_during_a_write(folder: Path, step: str):
    script = WRITER.format(tests=str(Path(__file__).parent), folder=str(folder))
    kill_when_paused(["-c", script], step, wait=120)
    store = open_store(f"oxigraph:{folder}")
    assert reading_rows(store) == build(store)  # whatever the database holds now, the view says it
    if step == "views-written":  # the write itself had finished: the view has it
        assert key_of(NEW) in reading_rows(store)["rows"]
    store.close()


def test_serve_reads_the_saved_views_in_advance_and_pages_read_citations_node_by_node(folder: Path, monkeypatch):
    """``r2pkg serve`` reads the figures and the cases' features the load saved (in a thread,
    r2pkg.web.preload) instead of the first home or precedents page; neither the chain index
    nor the citations of a node are read from a saved view by a page: a node's chains and
    citations are read for that node. (Changed deliberately: serve read the chain index in
    advance until chain pages read one node's chains from lookups, r2pkg.node_chains; the
    citation index is no longer kept at all.)"""
    from r2pkg.chains import INDEX_VIEW, build_index, graph_index
    from r2pkg.describe import citation, describe
    from r2pkg.figures import VIEW as FIGURES
    from r2pkg.similar_cases import VIEW as CASE_FEATURES
    from r2pkg.web.preload import preload

    store = open_store(f"oxigraph:{folder}")
    assert store.has_saved_view(FIGURES) and store.has_saved_view(CASE_FEATURES)
    assert not store.has_saved_view(INDEX_VIEW)  # no longer built as the folder loads
    assert not store.has_saved_view("citations-2")  # the citation index is no longer kept
    assert not {INDEX_VIEW, FIGURES, CASE_FEATURES} & set(store.derived)
    preload(store).join(timeout=120)
    assert {FIGURES, CASE_FEATURES} <= set(store.derived) and INDEX_VIEW not in store.derived
    index = graph_index(store)  # a whole-graph report builds it when asked, and keeps it
    assert graph_index(store) is index and store.has_saved_view(INDEX_VIEW)
    assert index.authority.edges == build_index(store).authority.edges

    monkeypatch.setattr(store, "_saved_view", lambda name: (_ for _ in ()).throw(AssertionError(name)))
    direct = [citation(store, c) for c in sorted(store.objects(RWANDA, R2P.evidence), key=str)]
    assert describe(store, RWANDA).evidence == direct
    store.close()


def test_preload_leaves_a_store_in_memory_alone(oxigraph_store):
    from r2pkg.web.preload import preload

    assert preload(oxigraph_store) is None


def test_serve_reads_the_views_once_no_request_is_under_way(folder: Path):
    """With the app given (as ``r2pkg serve`` does), the views are read once it has been idle
    for a moment; requests are counted in and out, whatever they answer. The chain and
    precedents pages then answer without reading the chain index."""
    from r2pkg.chains import INDEX_VIEW
    from r2pkg.figures import VIEW as FIGURES
    from r2pkg.web import create_app
    from r2pkg.web.preload import preload

    store = open_store(f"oxigraph:{folder}")
    app = create_app({"TESTING": True}, store=store)
    thread = preload(store, app)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200 and client.get("/no-such-page").status_code == 404
    thread.join(timeout=120)
    assert not thread.is_alive() and FIGURES in store.derived
    assert client.get("/chain?node=mandate:special-adviser-prevention-of-genocide").status_code == 200
    assert client.get("/chain?node=case:rwanda-1994").status_code == 200  # no chain: what it cites instead
    assert client.get("/precedents?case=case:rwanda-1994").status_code == 200
    assert INDEX_VIEW not in store.derived
    store.close()

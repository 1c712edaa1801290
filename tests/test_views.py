"""Views kept with the on-disk store (``DIR/views``): updated by a write from the entry alone,
read back by a later process, and right after a ``kill -9`` at any step of a write.

Each is compared with a rebuild from the whole graph as it is then.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from r2pkg.citation_index import VIEW, _key, build, citation_index, citations_of
from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import open_store
from pausing import kill_when_paused

pytestmark = pytest.mark.slow  # each test opens an on-disk store of its own

RWANDA = URIRef(str(R2PID) + "case/rwanda-1994")
NEW = URIRef(str(R2PID) + "case/written-for-the-views-test")
PUB = URIRef(str(R2PID) + "publication/ipi-blue-paper-7")


def entry(quote: str) -> Graph:
    """A citation added to a node that has some (Rwanda), and a new node with one."""
    g = Graph()
    for node in (RWANDA, NEW):
        cite = BNode()
        g.add((node, R2P.evidence, cite))
        g.add((cite, R2P.source, PUB))
        g.add((cite, R2P.locator, Literal("p. 1")))
        g.add((cite, R2P.quote, Literal(quote)))
        g.add((cite, R2P.assertion, R2P.Stated))
    return g


def saved_files(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "views").glob(f"{VIEW}-*.pickle"))


def test_a_write_updates_the_view_from_the_entry_and_a_later_process_reads_it(folder: Path):
    store = open_store(f"oxigraph:{folder}")
    before = citation_index(store)
    assert before == build(store) and len(before[_key(RWANDA)]) > 0 and _key(NEW) not in before
    old = saved_files(folder)
    assert len(old) == 1
    base = (folder / "views" / old[0])
    base_bytes = base.read_bytes()
    store.add_graph(entry("a quote written for the views test"))
    after = store.derived[VIEW]  # updated, not dropped
    assert after == build(store)
    assert len(after[_key(RWANDA)]) == len(before[_key(RWANDA)]) + 1 and len(after[_key(NEW)]) == 1
    assert saved_files(folder) == old and base.read_bytes() == base_bytes  # the whole view not saved again
    log = base.with_suffix(".log")
    assert 0 < log.stat().st_size < len(base_bytes) / 10  # only the entry's changes, appended
    store.close()
    reopened = open_store(f"oxigraph:{folder}")
    assert reopened._saved_view(VIEW) is not None  # read back, not rebuilt
    assert citation_index(reopened) == build(reopened) == after
    quotes = [str(dict(pairs)[R2P.quote]) for _, pairs in citations_of(reopened, NEW)]
    assert quotes == ["a quote written for the views test"]
    reopened.close()


def test_a_view_another_process_saved_is_updated_by_a_write_not_rebuilt(folder: Path, monkeypatch):
    first = open_store(f"oxigraph:{folder}")
    citation_index(first)  # saved for this generation
    first.close()
    writer = open_store(f"oxigraph:{folder}")
    assert VIEW not in writer.derived

    def no_rebuild(_store):
        raise AssertionError("the view was built from the whole graph")

    monkeypatch.setattr("r2pkg.citation_index.build", no_rebuild)
    writer.add_graph(entry("updated from the saved view"))
    monkeypatch.undo()
    assert writer.derived[VIEW] == build(writer)
    writer.close()


def test_the_index_built_by_oxigraph_equals_the_one_read_node_by_node(oxigraph_store, memory_store):
    """The fast build (one query of the engine) and the one an update uses (lookups per node)
    give the same records; and every store gives the same citations."""
    from r2pkg.citation_index import _records

    fast = build(oxigraph_store)
    assert fast == {_key(s): _records(oxigraph_store, s) for s in set(oxigraph_store.subjects(R2P.evidence))}
    slow = build(memory_store)
    assert {k: len(v) for k, v in fast.items()} == {k: len(v) for k, v in slow.items()}


def test_the_page_shows_the_citations_the_view_holds(folder: Path):
    from r2pkg.describe import citation, describe

    store = open_store(f"oxigraph:{folder}")
    store.add_graph(entry("a quote the page must show"))
    shown = describe(store, NEW).evidence
    assert [c["quote"].text for c in shown] == ["a quote the page must show"]
    direct = [citation(store, c) for c in sorted(store.objects(RWANDA, R2P.evidence), key=str)]
    assert describe(store, RWANDA).evidence == direct  # the same as asking the store citation by citation
    store.close()


WRITER = textwrap.dedent("""
    import sys
    from rdflib import BNode, Graph, Literal, URIRef
    from r2pkg.citation_index import citation_index
    from r2pkg.namespaces import R2P
    from r2pkg.store import open_store
    sys.path.insert(0, {tests!r})
    from test_views import entry
    store = open_store("oxigraph:" + {folder!r})
    citation_index(store)
    print("ready", flush=True)
    store.add_graph(entry("written by a process that is killed"))
    print("done", flush=True)
""")


@pytest.mark.parametrize("step", ["views-generation", "views-written"])
def test_the_views_are_right_after_a_kill_during_a_write(folder: Path, step: str):
    script = WRITER.format(tests=str(Path(__file__).parent), folder=str(folder))
    kill_when_paused(["-c", script], step, wait=120)
    store = open_store(f"oxigraph:{folder}")
    assert citation_index(store) == build(store)  # whatever the database holds now, the view says it
    if step == "views-written":  # the write itself had finished: the view has it
        assert _key(NEW) in citation_index(store)
    store.close()


def test_serve_reads_the_saved_views_in_advance_and_pages_read_citations_node_by_node(folder: Path, monkeypatch):
    """``r2pkg serve`` reads the figures and the cases' features the load saved (in a thread,
    r2pkg.web.preload) instead of the first home or precedents page; neither the chain index
    nor the citation index is read by a page at all: a node's chains and citations are read
    for that node. (Changed deliberately: serve read the chain index in advance until chain
    pages read one node's chains from lookups, r2pkg.node_chains.)"""
    from r2pkg.chains import INDEX_VIEW, build_index, graph_index
    from r2pkg.describe import citation, describe
    from r2pkg.figures import VIEW as FIGURES
    from r2pkg.similar_cases import VIEW as CASE_FEATURES
    from r2pkg.web.preload import preload

    store = open_store(f"oxigraph:{folder}")
    assert store.has_saved_view(FIGURES) and store.has_saved_view(VIEW) and store.has_saved_view(CASE_FEATURES)
    assert not store.has_saved_view(INDEX_VIEW)  # no longer built as the folder loads
    assert not {INDEX_VIEW, FIGURES, VIEW, CASE_FEATURES} & set(store.derived)
    preload(store).join(timeout=120)
    assert {FIGURES, CASE_FEATURES} <= set(store.derived) and INDEX_VIEW not in store.derived
    index = graph_index(store)  # a whole-graph report builds it when asked, and keeps it
    assert graph_index(store) is index and store.has_saved_view(INDEX_VIEW)
    assert index.authority.edges == build_index(store).authority.edges

    monkeypatch.setattr(store, "_saved_view", lambda name: (_ for _ in ()).throw(AssertionError(name)))
    direct = [citation(store, c) for c in sorted(store.objects(RWANDA, R2P.evidence), key=str)]
    assert describe(store, RWANDA).evidence == direct and VIEW not in store.derived
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

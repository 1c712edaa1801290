"""One node's chains and precedents read from lookups equal those of the whole-graph index.

A chain or precedents page reads only the node's own part of the graph
(:mod:`r2pkg.node_chains`); every answer is compared with :func:`r2pkg.chains.build_index`'s,
dict for dict: the authority chains (with the official text at the root, the competence hops
and the cycles) of every node that has a page, the "cites instead" note of each node without
a chain, and every case's precedents (draws on, drawn on by, similar cases, timeline), on the
bundled graph and on a generated one, and again after an accept and after its retraction.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from rdflib import RDF, URIRef

from r2pkg.chain_notes import cites_instead, cites_instead_in
import networkx as nx

from r2pkg.chains import authority_chains, build_index, connection, precedents
from r2pkg.editing.accepted import Ledger
from r2pkg.editing.entries import read_entries
from r2pkg.namespaces import R2PID
from r2pkg.node_chains import EDGES, chain_index, chains_of, connection_of
from r2pkg.node_precedents import precedents_of
from r2pkg.shortest_paths import first_shortest_paths
from r2pkg.store import Store, bundled_files, open_store, project_root

sys.path.insert(0, str(Path(__file__).parent))
from test_validation import _filled_template  # noqa: E402

SAPG = URIRef(str(R2PID) + "mandate/special-adviser-prevention-of-genocide")
RWANDA = URIRef(str(R2PID) + "case/rwanda-1994")
#: Ends of "how is this connected to that?", asked from a sample of the nodes.
TARGETS = [URIRef(str(R2PID) + x) for x in ("document/A-RES-60-1/para-139", "document/un-charter", "case/rwanda-1994",
                                            "pillar/3", "organ/secretary-general")]


def pages(store: Store) -> list[URIRef]:
    """Every individual with a page (``/id/…``), each of which links to its chain page."""
    return sorted({s for s in store.subjects(RDF.type, None)
                   if isinstance(s, URIRef) and str(s).startswith(str(R2PID))}, key=str)


def same_answers(store: Store) -> tuple[int, int]:
    """Every node's chains and every case's precedents, from lookups and from the whole index."""
    index = build_index(store)
    nodes = pages(store)
    for node in nodes:
        found = chains_of(store, node)
        assert found == authority_chains(index, node), node
        if not found["chains"] and not found["partial"]:
            assert cites_instead(store, node) == cites_instead_in(index, node), node
    for case in sorted(index.cases, key=str):
        for shown in (None, 2):
            assert precedents_of(store, case, shown=shown) == precedents(index, case, shown=shown), case
    for node in nodes[::29]:
        for target in TARGETS:
            assert connection_of(store, node, target) == connection(index, node, target), (node, target)
    return len(nodes), len(index.cases)


def test_every_chain_and_precedents_answer_equals_the_whole_index_on_the_bundled_graph(oxigraph_store):
    nodes, cases = same_answers(oxigraph_store)
    assert nodes > 1000 and cases > 20


def test_on_rdflibs_store_too(memory_store):
    for node in (SAPG, RWANDA, URIRef(str(R2PID) + "response/rwanda-1994-operation-turquoise")):
        assert chains_of(memory_store, node) == authority_chains(build_index(memory_store), node)
    assert precedents_of(memory_store, RWANDA) == precedents(build_index(memory_store), RWANDA)


def test_a_chain_still_ends_at_the_text_that_grants_the_authority(oxigraph_store):
    found = chains_of(oxigraph_store, SAPG)
    assert found["reaches_root"] and found["chains"]
    assert all(c["root"]["iri"] in (str(R2PID) + "document/un-charter", str(R2PID) + "document/A-RES-60-1")
               for c in found["chains"])
    assert any(c["official_text"] and c["official_text"].get("text") for c in found["chains"])


def test_the_shortest_paths_are_networkxs_in_iri_order(oxigraph_store):
    """Every shortest path networkx finds, none other, each once (in IRI order, not the
    order the graph happens to hold its edges in: a deliberate change of connection's order)."""
    import random

    graph = build_index(oxigraph_store).undirected_links
    nodes = sorted(graph.nodes, key=str)
    pick = random.Random(26)
    for _ in range(300):
        a, b = pick.choice(nodes), pick.choice(nodes)
        try:
            expected = sorted(map(tuple, nx.all_shortest_paths(graph, a, b)))
        except nx.NetworkXNoPath:
            expected = []
        found = [tuple(p) for p in first_shortest_paths(graph.neighbors, a, b, 10**6)]
        assert sorted(found) == expected, (a, b)


def test_a_chain_reads_only_the_nodes_it_passes(oxigraph_store):
    """The sub-index of a mandate holds a few dozen nodes, not the graph's thousands."""
    index = chain_index(oxigraph_store, SAPG)
    assert SAPG in index.authority and len(index.authority) < 60


def test_the_link_edges_kept_between_searches_are_bounded_and_give_the_same_paths(oxigraph_store, monkeypatch):
    """Connection searches keep the link edges of the nodes they passed until the next write,
    emptied at ``EDGES_KEPT`` edges: with room for ten, every answer is still the index's."""
    import r2pkg.node_chains as node_chains

    monkeypatch.setattr(node_chains, "EDGES_KEPT", 10)
    oxigraph_store.derived.pop(node_chains.EDGES, None)
    index = build_index(oxigraph_store)
    for node in pages(oxigraph_store)[::97]:
        for target in TARGETS[:2]:
            assert connection_of(oxigraph_store, node, target, limit=3) == connection(index, node, target, 3)
            assert oxigraph_store.derived[node_chains.EDGES].held < 10 + 20_000
    oxigraph_store.derived.pop(node_chains.EDGES, None)


@pytest.fixture(scope="module")
def generated_file(tmp_path_factory) -> Path:
    """30k generated triples to add to the bundled graph (bench/generate.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from generate import generate

    out = tmp_path_factory.mktemp("generated") / "30k.ttl"
    generate(30_000, out)
    return out


def test_every_answer_equals_the_whole_index_on_a_generated_graph(generated_file):
    nodes, cases = same_answers(open_store("oxigraph", files=[*bundled_files(), generated_file]))
    assert nodes > 1500 and cases > 90


def _entry_text(slug: str) -> str:
    """The filled case template of the tests, drawing on Rwanda (a precedent link to follow)."""
    text = _filled_template(slug).replace(
        "    r2p:hasResponse response:", "    r2p:drawsOn case:rwanda-1994 ;\n    r2p:hasResponse response:").replace(
        "r2p:supports r2p:country ;", "r2p:supports r2p:country, r2p:drawsOn ;")
    assert "r2p:drawsOn case:rwanda-1994 ;" in text and "r2p:country, r2p:drawsOn" in text
    return text


@pytest.mark.parametrize("which", ["bundled", "generated"])
def test_equal_after_an_accept_and_a_retract(which, generated_file, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    for name in ("ontology", "data", "queries"):
        shutil.copytree(project_root() / name, home / name)
    monkeypatch.setenv("R2PKG_HOME", str(home))
    extra = [generated_file] if which == "generated" else []
    store = open_store("oxigraph", files=[*bundled_files(home), *extra])
    ledger = Ledger(store, root=home)
    later = URIRef(str(R2PID) + "case/testland-2019")
    # answers are kept with the store until a write: asked before, they must not be given after
    assert str(later) not in {x["iri"] for x in precedents_of(store, RWANDA)["drawn_on_by"]}
    connection_of(store, RWANDA, TARGETS[0])  # Rwanda's link edges are kept until the write
    assert RWANDA in store.derived[EDGES]
    path = tmp_path / "testland-2019.ttl"
    path.write_text(_entry_text("testland-2019"))
    outcome = ledger.accept(read_entries([path]), "Ana")
    assert outcome.accepted is not None, outcome.report
    assert str(later) in {x["iri"] for x in precedents_of(store, RWANDA)["drawn_on_by"]}
    assert connection_of(store, RWANDA, later) == connection(build_index(store), RWANDA, later)
    assert later in {s for s, _o, _p, _i in store.derived[EDGES][RWANDA]}, "Rwanda's edges were read again"
    same_answers(store)
    assert ledger.retract(outcome.accepted.id, "Ana", "a test of the retraction").accepted is not None
    assert str(later) not in {x["iri"] for x in precedents_of(store, RWANDA)["drawn_on_by"]}
    same_answers(store)

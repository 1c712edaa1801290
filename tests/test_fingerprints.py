"""Quotes checked against the committed fingerprints of their publications (no source text needed)."""

from __future__ import annotations

import re

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from r2pkg.editing import fingerprints
from r2pkg.imports import fingerprints as importer
from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import project_root
from r2pkg.store.memory import MemoryStore
from r2pkg.editing.validation import validate_store

FOLDER = project_root() / "data" / "fingerprints"
TARRYTOWN = f"{R2PID}publication/stanley-tarrytown-2010"
SEEDS = project_root().parent / "shared" / "seeds"


def test_each_publication_has_a_fingerprint_and_it_holds_no_text():
    prints = fingerprints.load(FOLDER)
    assert set(prints) == {f"{R2PID}publication/{slug}" for slug in importer.SOURCES.values()}
    for path in FOLDER.glob("*.txt"):
        body = [row for row in path.read_text().splitlines() if not row.startswith("#")]
        assert len(body) > 250
        assert all(re.fullmatch(r"[0-9]+( [0-9a-f]{8})+", row) for row in body), path


def test_every_quote_of_the_bundled_graph_is_found_at_its_line(oxigraph_store):
    prints = fingerprints.load(FOLDER)
    rows = oxigraph_store.select(f"""PREFIX r2p: <{R2P}>
        SELECT ?source ?quote ?line WHERE {{ ?c r2p:source ?source ; r2p:quote ?quote ; r2p:line ?line }}""").rows
    checked = [(str(q), int(line), prints[str(s)].find(str(q), int(line))) for s, q, line in rows if str(s) in prints]
    assert len(checked) > 900
    assert [c for c in checked if c[2] is not None] == []


def test_an_invented_quote_and_a_real_one_from_elsewhere_are_not_found():
    tarrytown = fingerprints.load(FOLDER)[TARRYTOWN]
    assert tarrytown.find("In Zembria crimes against humanity were committed in 2011.", 100) == "absent"
    # a sentence of the IPI Blue Paper (its line 238), not of the Tarrytown report
    blue = "The obstacles to effective prevention derive from a combination of mistrust and lack of will."
    assert tarrytown.find(blue, 238) == "absent"
    assert fingerprints.load(FOLDER)[f"{R2PID}publication/ipi-blue-paper-7"].find(blue, 238) is None


def test_a_real_quote_far_from_its_line_says_where_it_is():
    tarrytown = fingerprints.load(FOLDER)[TARRYTOWN]
    quote = "It contains his interpretation of the proceedings and is not merely a descriptive, chronological account."
    assert tarrytown.find(quote, 97) is None
    assert tarrytown.find(quote, 100) is None  # three lines off: near enough
    assert tarrytown.find(quote, 101) == "elsewhere:97"
    assert tarrytown.find(quote, None) is None  # no line given: found anywhere


@pytest.mark.parametrize("text, expected", [
    ("The Council’s “non-paper” — Annex 1.", ["the", "councils", "nonpaper", "annex", "1"]),
    ("Méndez", ["mendez"]),
])
def test_words_are_normalised_as_a_reader_compares_them(text, expected):
    assert fingerprints.words(text) == expected


def test_a_word_hyphenated_at_a_line_end_counts_whole():
    assert fingerprints.line_words(["the preven-", "tion of genocide"]) == [
        ("the", 1), ("prevention", 1), ("of", 2), ("genocide", 2)]


def test_whole_graph_validation_reports_a_quote_not_in_its_source(oxigraph_store):
    graph = Graph()
    for triple in oxigraph_store.graph:
        graph.add(triple)
    citation = BNode()
    case = URIRef(f"{R2PID}case/rwanda-1994")
    graph.add((case, R2P.evidence, citation))
    for p, o in ((R2P.source, URIRef(TARRYTOWN)), (R2P.locator, Literal("section 'Test'")),
                 (R2P.assertion, R2P.Stated), (R2P.line, Literal(83)), (R2P.breadth, R2P.HeldByPublication),
                 (R2P.quote, Literal("In Zembria crimes against humanity were committed in 2011."))):
        graph.add((citation, p, o))
    report = validate_store(MemoryStore(graph, oxigraph_store.files))
    assert not report.conforms
    (finding,) = report.findings
    assert finding.rule == "provenance" and finding.field_label == "quote"
    assert "are not in 'Implementing the Responsibility to Protect" in finding.message


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source copies are not on this machine")
def test_the_committed_fingerprints_are_what_the_import_builds():
    assert importer.main(["--from", str(SEEDS), "--out", str(FOLDER), "--check"]) == 0

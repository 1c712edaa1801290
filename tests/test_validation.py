"""Editors' validation: each fixture in tests/shapes/ is accepted or rejected for its own reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rdflib import Graph

from r2pkg.entries import read_entries
from r2pkg.errors import InputError
from r2pkg.queries import read_header
from r2pkg.validation import shapes_graph, validate_entry

SHAPES = Path(__file__).parent / "shapes"
FIXTURES = sorted(p for p in SHAPES.iterdir() if p.suffix in (".ttl", ".jsonld"))


def expectation(path: Path) -> dict:
    if path.suffix == ".jsonld":
        return yaml.safe_load(path.with_suffix(".expect").read_text())["expect"]
    return read_header(path.read_text())["expect"]


def test_fixture_set_is_complete():
    names = [p.name for p in FIXTURES]
    assert sum(n.startswith("valid-") for n in names) >= 7
    assert sum(n.startswith("invalid-") for n in names) >= 20
    for rule in ("scope", "authority", "provenance", "form"):
        assert any(n.startswith(f"invalid-{rule}-") for n in names), rule


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_fixture(store, path: Path):
    expect = expectation(path)
    before = len(store.graph)
    report = validate_entry(store, read_entries([path]))
    assert len(store.graph) == before, "validation must not write into the graph"
    if expect["conforms"]:
        assert report.conforms, report.as_text()
        return
    assert not report.conforms
    messages = {f.message for f in report.findings}
    own = [f for f in report.findings if expect["message"] in f.message]
    assert own, f"expected '{expect['message']}', got: {messages}"
    assert all(f.rule == expect["rule"] for f in own)
    assert {f.rule for f in report.findings} == {expect["rule"]}, f"rejected for other reasons too: {messages}"
    finding = own[0]
    assert finding.fix, "every finding says how to fix it"
    assert finding.focus_label and finding.field_label


def test_report_text_groups_by_node_and_counts_first(store):
    report = validate_entry(store, read_entries([SHAPES / "invalid-authority-response-without-actor.ttl"]))
    text = report.as_text().splitlines()
    assert text[0].startswith("does not conform: 1 problem(s) (1 authority)")
    assert any("Response testland-noactor" in line for line in text)
    assert any(line.strip().startswith("fix:") for line in text)


def test_entries_may_point_at_existing_nodes_of_the_graph(store):
    entry = Graph().parse(SHAPES / "valid-mandate-with-founding-instrument.ttl")
    assert validate_entry(store, entry).conforms


def test_every_shape_and_constraint_has_a_message_for_editors():
    from rdflib.namespace import RDF, SH

    from r2pkg.namespaces import R2P

    g = shapes_graph()
    constraints = set(g.subjects(RDF.type, SH.PropertyShape)) | set(g.subjects(RDF.type, SH.SPARQLConstraint))
    constraints |= set(g.objects(None, SH.property))
    node_shapes_with_values = [s for s in g.subjects(RDF.type, SH.NodeShape) if (s, SH["in"], None) in g]
    for node in constraints | set(node_shapes_with_values):
        assert g.value(node, SH.message), f"{node} has no sh:message"
        assert g.value(node, R2P.ruleGroup), f"{node} has no rule group"
        assert g.value(node, R2P.fix), f"{node} has no fix"


@pytest.mark.parametrize("text, needle", [
    ('@prefix r2p: <https://w3id.org/r2pkg/ontology#> .\n<x> r2p:a "open\n', "line 2"),
    ('{"@id": "x", ', "line 1"),
])
def test_unreadable_entries_name_line(tmp_path: Path, text, needle):
    path = tmp_path / ("e.jsonld" if text.startswith("{") else "e.ttl")
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_entries([path])
    assert needle in caught.value.message


def test_validation_of_one_entry_does_not_depend_on_the_whole_graph(store, monkeypatch):
    """The working graph holds the entry, the vocabulary and what the entry points at."""
    import r2pkg.validation as validation

    seen = {}
    original = validation._run_shacl

    def spy(data, focus_of, labels, **given):
        seen["size"] = len(data)
        return original(data, focus_of, labels, **given)

    monkeypatch.setattr(validation, "_run_shacl", spy)
    validate_entry(store, read_entries([SHAPES / "valid-coercive-response-chapter-vii.ttl"]))
    assert seen["size"] < len(store.graph) / 4

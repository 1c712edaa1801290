"""Issue 22: every plain fact is backed by a stated citation or claim, in a voice that is not a
participant's; the structural properties are declared once, in the ontology.

The rules are checked three ways: the SHACL shapes (fixtures in tests/shapes/, run by
test_validation.py), the two saved queries (here, on small graphs with planted offenders,
and on the whole graph), and on this branch's own backbone files.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from r2pkg.namespaces import R2P, R2PID
from r2pkg.queries import find_query, run_saved
from r2pkg.store import open_store

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY = sorted((ROOT / "ontology").glob("*.ttl"))
UNBACKED = "plain-fact-triples-without-backing"
PARTICIPANTS = "plain-triples-backed-only-by-participants"

PREFIXES = """@prefix r2p: <https://w3id.org/r2pkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix case: <https://w3id.org/r2pkg/id/case/> .
@prefix doc: <https://w3id.org/r2pkg/id/document/> .
@prefix organ: <https://w3id.org/r2pkg/id/organ/> .
@prefix state: <https://w3id.org/r2pkg/id/state/> .
@prefix claim: <https://w3id.org/r2pkg/id/claim/> .
"""

#: A source, an organ and a state the planted cases point at (each backed as the rules ask).
CONTEXT = """
doc:test-source a r2p:Report ; rdfs:label "Test report"@en .
organ:test-council a r2p:Organ ; rdfs:label "Test council"@en .
state:testland a r2p:State ; rdfs:label "Testland"@en .
"""


def small_store(tmp_path: Path, data: str):
    path = tmp_path / "data.ttl"
    path.write_text(PREFIXES + CONTEXT + data)
    return open_store("memory", files=[*ONTOLOGY, path])


def offenders(store, name: str) -> set[tuple[str, str]]:
    return {(str(row[0]), str(row[2])) for row in run_saved(store, find_query(name), {})}


CASE = str(R2PID) + "case/testland-2020"


def cite(supports: str, breadth: str = "r2p:HeldByPublication", assertion: str = "r2p:Stated") -> str:
    return (f'[ a r2p:Citation ; r2p:source doc:test-source ; r2p:locator "para 1" ; '
            f"r2p:supports {supports} ; r2p:breadth {breadth} ; r2p:assertion {assertion} ]")


def test_a_supported_triple_passes_and_an_unsupported_one_is_listed(tmp_path):
    store = small_store(tmp_path, f"""
case:testland-2020 a r2p:Case ; rdfs:label "Testland (2020)"@en ;
    r2p:scopeStatus r2p:InScope ; r2p:country state:testland ;
    r2p:evidence {cite("r2p:scopeStatus")} .""")
    assert offenders(store, UNBACKED) == {(CASE, str(R2P.country))}
    assert offenders(store, PARTICIPANTS) == set()


def test_an_inferred_citation_backs_nothing_and_a_stated_claim_backs_its_own_triple(tmp_path):
    store = small_store(tmp_path, f"""
case:testland-2020 a r2p:Case ; rdfs:label "Testland (2020)"@en ;
    r2p:scopeStatus r2p:InScope ; r2p:country state:testland ;
    r2p:evidence {cite("r2p:scopeStatus, r2p:country", assertion="r2p:Inferred")} .
claim:testland-country a r2p:Claim ; rdfs:label "Testland is the country"@en ;
    r2p:claimSubject case:testland-2020 ; r2p:claimProperty r2p:country ; r2p:claimValue state:testland ;
    r2p:evidence {cite("r2p:country")} .""")
    assert offenders(store, UNBACKED) == {(CASE, str(R2P.scopeStatus))}


def test_a_fact_resting_only_on_one_participant_is_listed_and_a_position_is_not(tmp_path):
    store = small_store(tmp_path, f"""
case:testland-2020 a r2p:Case ; rdfs:label "Testland (2020)"@en ;
    r2p:scopeStatus r2p:InScope ; r2p:country state:testland ;
    r2p:evidence {cite("r2p:country")} , {cite("r2p:scopeStatus", "r2p:HeldByOneSpeaker")} .
<https://w3id.org/r2pkg/id/position/test> a r2p:Position ; rdfs:label "A view"@en ;
    r2p:breadth r2p:HeldBySeveral ; r2p:positionSubject case:testland-2020 ;
    r2p:evidence {cite("r2p:positionSubject", "r2p:HeldBySeveral")} .""")
    assert offenders(store, PARTICIPANTS) == {(CASE, str(R2P.scopeStatus))}
    assert offenders(store, UNBACKED) == set()


def test_a_participants_view_backs_a_claim_but_the_plain_triple_needs_another_voice(tmp_path):
    store = small_store(tmp_path, f"""
case:testland-2020 a r2p:Case ; rdfs:label "Testland (2020)"@en ;
    r2p:scopeStatus r2p:InScope ; r2p:evidence {cite("r2p:scopeStatus", "r2p:HeldBySeveral")} ,
        {cite("r2p:scopeStatus", "r2p:HeldByConsensus")} .""")
    assert offenders(store, PARTICIPANTS) == set()  # consensus is not a participant's view
    assert offenders(store, UNBACKED) == set()


def test_the_structural_properties_are_declared_once_each_with_its_reason(memory_store):
    vocab = memory_store.vocabulary()
    structural = set(vocab.subjects(RDF.type, R2P.StructuralProperty))
    for prop in (RDF.type, R2P.partOf, R2P.evidence, R2P.supports, R2P.breadth, R2P.claimValue, R2P.text,
                 R2P.summary, R2P.positionKind):
        assert prop in structural, prop
    for prop in (R2P.issuedBy, R2P.hasLegalBasis, R2P.scopeStatus, R2P.concernsCrime, R2P.empowers):
        assert prop not in structural, prop
    for term in structural | set(vocab.subjects(RDF.type, R2P.StructuralVocabulary)):
        assert vocab.value(term, R2P.whyStructural), f"{term} has no reason"
    for term in (R2P.supports, R2P.establishes, R2P.empowers, R2P.officialTextHeld, R2P.StructuralProperty):
        assert vocab.value(term, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))
        assert vocab.value(term, URIRef("http://www.w3.org/2004/02/skos/core#definition"))


def test_the_rules_read_the_structural_list_from_the_ontology_not_a_copy():
    shapes = (ROOT / "ontology" / "shapes.ttl").read_text()
    rule = shapes[shapes.index("r2p:Fact-backed a"):shapes.index("r2p:Fact-notOnlyParticipants a")]
    assert "r2p:StructuralProperty" in rule and "r2p:StructuralVocabulary" in rule
    assert "r2p:partOf" not in rule and "r2p:summary" not in rule
    for name in (UNBACKED, PARTICIPANTS):
        text = (ROOT / "queries" / f"{name}.rq").read_text()
        assert "r2p:StructuralProperty" in text and "r2p:summary" not in text.split("PREFIX", 1)[1]


BACKBONE = ("document/un-charter", "document/A-RES-60-1")


@pytest.mark.parametrize("name", [UNBACKED, PARTICIPANTS])
def test_the_backbone_files_of_this_branch_have_no_offender(any_store, name):
    """The Charter, its text and competence links, and the Outcome (data/backbone), its quotations included
    (which paragraph a quotation is, is the editor's reading: an inferred claim)."""
    rows = [r for r in offenders(any_store, name) if r[0].startswith(tuple(str(R2PID) + b for b in BACKBONE))]
    assert rows == []


@pytest.mark.parametrize("name", [UNBACKED, PARTICIPANTS])
def test_the_whole_graph_has_no_offender(any_store, name):
    """Every citation of data/ says what it supports and in whose voice (issue 22)."""
    assert sorted(offenders(any_store, name)) == []

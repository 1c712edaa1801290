"""The sources' analysis as data: every listed item counted against the text, every position
with its holder, breadth, subject and pinpoint, and the shapes that check a new entry.

The expected counts below are written down with the pinpoint of each list, so that a reader
can open the publication at that place and count the items. A list that loses or gains an
item fails here; so does an item filed in the wrong list.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS

from r2pkg.namespaces import R2P, R2PID
from r2pkg.editing.validation import validate_entry_text

BP7 = R2PID["publication/ipi-blue-paper-7"]
TARRYTOWN = R2PID["publication/stanley-tarrytown-2010"]
STELLENBOSCH = R2PID["publication/ipi-stellenbosch-2008"]

#: Each list of a source, as r2p:listedIn names it, with the number of items the printed text
#: gives at that pinpoint. Single items that a source names outside any list are "lists" of one.
LISTS = {
    # IPI Blue Paper No. 7 (2009)
    "IPI Blue Paper No. 7, para 49: indicators that might foreshadow a situation spiraling into mass atrocities": 4,
    "IPI Blue Paper No. 7, para 32: kinds of indicators staff in the field should be able to recognize": 4,
    "IPI Blue Paper No. 7, Annex 1, non-paper 'Responsibility to Protect', question 3, fifth policy: kinds of "
    "indicators staff in the field should be trained to see": 3,
    "IPI Blue Paper No. 7, Annex 1, non-paper 'Responsibility to Protect', introduction: what mass atrocities tend "
    "to be associated with": 1,
    "IPI Blue Paper No. 7, para 2: machinery for conflict prevention in place": 4,
    "IPI Blue Paper No. 7, para 18: suggested \"pillar two\" efforts to help states develop their own capacity to "
    "prevent RtoP crimes": 6,
    "IPI Blue Paper No. 7, para 20: critical filters for making early-warning information meaningful": 3,
    "IPI Blue Paper No. 7, para 44: areas in which to map the comparative advantages of the UN and regional "
    "organizations": 5,
    "IPI Blue Paper No. 7, para 51: types of capacities the Secretary-General describes as critical under pillar two": 5,
    "IPI Blue Paper No. 7, Annex 1, non-paper 'Prevention of Conflict', question 1: the extensive conflict "
    "prevention machinery already in place": 5,
    "IPI Blue Paper No. 7, para 12: what the obstacles to effective prevention derive from": 2,
    "IPI Blue Paper No. 7, Annex 1, non-paper 'Prevention of Conflict', question 1: arguments easily constructed "
    "against preventive action beforehand": 5,
    "IPI Blue Paper No. 7, Annex 1, non-paper 'Prevention of Conflict', question 1: factors inhibiting collective "
    "prevention responses at the international level": 4,
    # Stellenbosch occasional paper (2008)
    "Stellenbosch paper, section 'Characteristics of Genocide Prevention and RtoP Situations': factors that "
    "immobilized the international community in Cambodia": 3,
    "Stellenbosch paper, section 'Characteristics of Genocide Prevention and RtoP Situations': factors that tend to "
    "contribute to an 'enabling environment' for RtoP violations": 7,
    "Stellenbosch paper, section 'Characteristics of Genocide Prevention and RtoP Situations': developments improved "
    "indicators should address": 3,
    "Stellenbosch paper, section 'Characteristics of Genocide Prevention and RtoP Situations': enabling factors, "
    "item 5 (positive indicator)": 1,
    "Stellenbosch paper, section 'Efforts to Address Genocide Prevention and RtoP Situations through the UN', part 2: "
    "the UN's existing early warning mechanisms": 3,
    "Stellenbosch paper, section 'Efforts to Address Genocide Prevention and RtoP Situations through the UN', part 2: "
    "components of the UN's crisis prevention toolbox": 3,
    "Stellenbosch paper, section 'Collaboration between the UN and Regional Mechanisms', part 1: options of the OSCE "
    "High Commissioner on National Minorities for reducing tensions": 4,
    "Stellenbosch paper, section 'Implications for Broader Prevention Efforts by Civil Society Actors': how civil "
    "society groups build more resilient societies": 3,
    # Tarrytown conference report (2010)
    "Tarrytown report, Conference Report, section 'Developing an Early Warning and Assessment Capability at the "
    "United Nations': three main tasks of the early warning capability": 3,
    "Tarrytown report, Conference Report, section 'Developing an Early Warning and Assessment Capability at the "
    "United Nations': what early warning must watch, named by one speaker": 1,
    "Tarrytown report, Conference Report, section 'Making the Responsibility to Protect Operational Throughout the "
    "UN System': a potential trigger named by one speaker": 1,
    "Tarrytown report, Conference Report, section 'Encouraging States to \"Own\" Their Responsibility to Protect "
    "Populations': origins of mass atrocity situations": 4,
    "Tarrytown report, Conference Report, section 'Encouraging States to \"Own\" Their Responsibility to Protect "
    "Populations': capacities named by single speakers": 3,
}

#: Distinct concepts per scheme and source (a concept counts for each source that cites it).
#: Blue Paper capacities: 4 + 6 + 3 + 5 + 5 + 5 list entries, "mediation" shared by paras 2,
#: 18 and 44, hence 26; Stellenbosch capacities 3 + 3 + 4 + 3 with "mediation" shared with
#: the Blue Paper; Stellenbosch warning signs: 3 + the positive indicator + "a history of
#: discrimination, violence, or impunity", which the paper calls "a clear warning sign".
PER_SCHEME = {
    R2P.WarningSignScheme: {BP7: 8, STELLENBOSCH: 5, TARRYTOWN: 2},
    R2P.EnablingFactorScheme: {BP7: 1, STELLENBOSCH: 7, TARRYTOWN: 4},
    R2P.PreventionCapacityScheme: {BP7: 26, STELLENBOSCH: 13, TARRYTOWN: 6},
    R2P.ObstacleScheme: {BP7: 11, STELLENBOSCH: 3},
}

#: Positions per source (a floor: adding a position the sources report does not fail).
POSITION_FLOORS = {BP7: 19, TARRYTOWN: 59, STELLENBOSCH: 20}

SCHEMES = tuple(PER_SCHEME)
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SEED_FILES = {BP7: "000_5a48ef3e3502f14c.txt", TARRYTOWN: "001_434fe6e5655426aa.txt",
              STELLENBOSCH: "002_9bb3222132af7764.txt"}


@pytest.fixture(scope="module")
def g(memory_store):
    return memory_store.graph


def listed_items(g):
    return sorted({s for scheme in SCHEMES for s in g.subjects(SKOS.inScheme, scheme)}, key=str)


def positions(g):
    return sorted(set(g.subjects(RDF.type, R2P.Position)), key=str)


def complete_stated_citations(g, node):
    """The citations of ``node`` that name a source and locator, quote it, and are stated."""
    return [c for c in g.objects(node, R2P.evidence)
            if g.value(c, R2P.source) is not None and g.value(c, R2P.locator) is not None
            and g.value(c, R2P.quote) is not None and g.value(c, R2P.assertion) == R2P.Stated]


@pytest.mark.parametrize("listed_in, expected", sorted(LISTS.items()))
def test_each_list_has_as_many_items_as_the_text(g, listed_in, expected):
    items = set(g.subjects(R2P.listedIn, Literal(listed_in)))
    assert len(items) == expected, sorted(map(str, items))


def test_no_item_is_filed_in_a_list_the_test_does_not_count(g):
    assert {str(o) for o in g.objects(None, R2P.listedIn)} == set(LISTS)


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda s: str(s).rsplit("#", 1)[-1])
def test_counts_per_scheme_and_source(g, scheme):
    counts: dict[URIRef, set] = {}
    for item in g.subjects(SKOS.inScheme, scheme):
        for c in g.objects(item, R2P.evidence):
            counts.setdefault(g.value(c, R2P.source), set()).add(item)
    assert {src: len(items) for src, items in counts.items()} == PER_SCHEME[scheme]


def test_every_listed_item_has_a_label_a_definition_and_a_complete_stated_citation(g):
    items = listed_items(g)
    assert len(items) == 15 + 12 + 44 + 14 - 1  # one item is both a warning sign and an enabling factor
    for item in items:
        assert g.value(item, SKOS.prefLabel) is not None, item
        assert g.value(item, SKOS.definition) is not None, item
        assert complete_stated_citations(g, item), f"{item} has no stated citation with source, locator and quote"
        for c in g.objects(item, R2P.evidence):  # every citation of the item names the list's source
            assert g.value(c, R2P.locator) is not None, item


def test_an_item_named_by_two_sources_carries_both_citations(g):
    mediation = R2PID["capacity/mediation"]
    sources = {g.value(c, R2P.source) for c in complete_stated_citations(g, mediation)}
    assert sources == {BP7, STELLENBOSCH}
    assert len(set(g.objects(mediation, R2P.listedIn))) == 4


def test_every_grouping_of_two_items_is_an_inferred_claim_with_a_note_and_no_plain_triple(g):
    groupings = [cl for p in (SKOS.closeMatch, SKOS.related, SKOS.exactMatch) for cl in g.subjects(R2P.claimProperty, p)
                 if any((g.value(cl, R2P.claimValue), SKOS.inScheme, sch) in g for sch in SCHEMES)]
    assert len(groupings) >= 10
    for cl in groupings:
        s, p, o = g.value(cl, R2P.claimSubject), g.value(cl, R2P.claimProperty), g.value(cl, R2P.claimValue)
        cits = list(g.objects(cl, R2P.evidence))
        assert cits and all(g.value(c, R2P.assertion) == R2P.Inferred and g.value(c, R2P.note) for c in cits), cl
        assert (s, p, o) not in g and (o, p, s) not in g, f"an editor's grouping as a plain triple: {s} {p} {o}"


def test_every_case_link_is_one_the_source_makes(g):
    links = [(s, p, o) for p in (R2P.exampleCase, R2P.counterExampleCase) for s, o in g.subject_objects(p)]
    assert len(links) >= 9
    for s, p, o in links:
        assert (o, RDF.type, R2P.Case) in g
        claims = [cl for cl in g.subjects(R2P.claimSubject, s)
                  if g.value(cl, R2P.claimProperty) == p and g.value(cl, R2P.claimValue) == o]
        assert claims and any(complete_stated_citations(g, cl) for cl in claims), f"{s} {p} {o}"


def test_every_position_has_a_holder_a_breadth_a_subject_and_evidence(g):
    found = positions(g)
    breadths = set(g.subjects(SKOS.inScheme, R2P.BreadthScheme))
    kinds = set(g.subjects(SKOS.inScheme, R2P.PositionKindScheme))
    per_source: dict[URIRef, int] = {}
    for p in found:
        assert g.value(p, R2P.heldInSourceBy), p
        assert g.value(p, R2P.breadth) in breadths, p
        assert g.value(p, R2P.positionKind) in kinds, p
        subjects = list(g.objects(p, R2P.positionSubject))
        assert subjects and all((s, RDF.type, None) in g for s in subjects), p
        cits = complete_stated_citations(g, p)
        assert cits, p
        for src in {g.value(c, R2P.source) for c in cits}:
            per_source[src] = per_source.get(src, 0) + 1
    for src, floor in POSITION_FLOORS.items():
        assert per_source.get(src, 0) >= floor, (src, per_source.get(src))


def test_the_sources_voice_is_kept(g):
    """'Consensus' and 'one participant' are different claims: the breadth follows the words."""
    for p in positions(g):
        who = str(g.value(p, R2P.heldInSourceBy)).lower()
        breadth = g.value(p, R2P.breadth)
        if re.match(r"^(one|another|the same) (speaker|participant|state representative)", who):
            assert breadth == R2P.HeldByOneSpeaker, (p, who)
        if re.match(r"^(two|three|several|some) ", who):
            assert breadth == R2P.HeldBySeveral, (p, who)
        if "consensus" in who or who.startswith("conference participants agreed"):
            assert breadth == R2P.HeldByConsensus, (p, who)


def test_disagreements_show_on_both_sides(g):
    pairs = list(g.subject_objects(R2P.disagreesWith))
    assert len(pairs) >= 20
    for a, b in pairs:
        assert (b, R2P.disagreesWith, a) in g


def test_naming_debate_on_the_joint_office_is_side_by_side(g):
    office = R2PID["mandate/joint-office-genocide-rtop"]
    names = {str(g.value(p, R2P.proposedName)) for p in g.subjects(R2P.positionSubject, office)
             if g.value(p, R2P.positionKind) == R2P.NamingProposal}
    assert names == {"Genocide Prevention and Responsibility to Protect", "Responsibility to Protect Populations",
                     "Responsibility to Protect", "Implementation of the Responsibility to Protect"}


def test_each_pillar_has_its_reception(g):
    for n in (1, 2, 3):
        kinds = {g.value(p, R2P.positionKind) for p in g.subjects(R2P.positionSubject, R2PID[f"pillar/{n}"])}
        assert R2P.Reception in kinds or n == 1 and R2P.Framing in kinds, n


def _normalized(text: str) -> str:
    """Whitespace collapsed and words rejoined where the extraction broke them at a line end."""
    return re.sub(r"(?<=[a-z])- (?=[a-z])", "", re.sub(r"\s+", " ", text)).strip()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source texts (../shared/seeds) are not on this machine")
def test_every_quote_is_in_its_source(g):
    texts = {src: _normalized((SEEDS / name).read_text(encoding="utf-8")) for src, name in SEED_FILES.items()}
    nodes = listed_items(g) + positions(g) + sorted(g.subjects(RDF.type, R2P.DebatedTerm), key=str)
    checked = 0
    for node in nodes:
        for c in g.objects(node, R2P.evidence):
            quote, src = g.value(c, R2P.quote), g.value(c, R2P.source)
            if quote is not None:
                assert _normalized(str(quote)) in texts[src], (node, str(quote)[:80])
                checked += 1
    assert checked >= 190


# --- the shapes: a new entry is validated like a case --------------------------------------

PREFIXES = """@prefix r2p: <https://w3id.org/r2pkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix pub: <https://w3id.org/r2pkg/id/publication/> .
@prefix ws: <https://w3id.org/r2pkg/id/warning-sign/> .
@prefix position: <https://w3id.org/r2pkg/id/position/> .
@prefix pillar: <https://w3id.org/r2pkg/id/pillar/> .
"""
CITATION = ('[ a r2p:Citation ; r2p:source pub:ipi-blue-paper-7 ; r2p:locator "para 49" ; '
            'r2p:quote "Such indicators could include ..." ; r2p:breadth r2p:HeldByPublication ; '
            'r2p:assertion r2p:Stated ]')
#: A position's citation also says which of its statements it backs (issue 22).
POSITION_CITATION = CITATION.replace("r2p:breadth", "r2p:supports r2p:positionSubject ; r2p:breadth")
GOOD_SIGN = PREFIXES + f"""
ws:new-sign a r2p:WarningSign, skos:Concept ; skos:inScheme r2p:WarningSignScheme ;
    rdfs:label "hate speech by officials"@en ; skos:prefLabel "hate speech by officials"@en ;
    skos:definition "Public statements by officials that vilify a group."@en ;
    r2p:listedIn "a test list" ; r2p:evidence {CITATION} .
"""
GOOD_POSITION = PREFIXES + f"""
position:new a r2p:Position ; rdfs:label "Pillar two is uncontroversial."@en ;
    r2p:positionKind r2p:Reception ; r2p:breadth r2p:HeldByOneSpeaker ;
    r2p:heldInSourceBy "one speaker" ; r2p:positionSubject pillar:2 ; r2p:evidence {POSITION_CITATION} .
"""


def messages(store, text: str) -> list[str]:
    return [f.message for f in validate_entry_text(store, text, "turtle").findings]


def test_a_complete_warning_sign_and_position_conform(memory_store):
    assert messages(memory_store, GOOD_SIGN) == []
    assert messages(memory_store, GOOD_POSITION) == []


@pytest.mark.parametrize("remove, needle", [
    ('r2p:breadth r2p:HeldByOneSpeaker ;', "breadth"),
    ('r2p:heldInSourceBy "one speaker" ;', "who holds it"),
    ('r2p:positionSubject pillar:2 ;', "what it is about"),
    ('r2p:positionKind r2p:Reception ;', "exactly one kind"),
    ('r2p:quote "Such indicators could include ..." ;', "quotation"),
])
def test_an_incomplete_position_is_refused_with_a_message(memory_store, remove, needle):
    found = messages(memory_store, GOOD_POSITION.replace(remove, ""))
    assert any(needle in m for m in found), found


@pytest.mark.parametrize("remove, needle", [
    ('r2p:listedIn "a test list" ;', "which list"),
    ('skos:definition "Public statements by officials that vilify a group."@en ;', "no definition"),
    ('r2p:assertion r2p:Stated', "stated by its source"),
])
def test_an_incomplete_warning_sign_is_refused_with_a_message(memory_store, remove, needle):
    found = messages(memory_store, GOOD_SIGN.replace(remove, ""))
    assert any(needle in m for m in found), found


def test_a_grouping_written_as_a_plain_triple_is_refused(memory_store):
    text = GOOD_SIGN.replace('r2p:listedIn "a test list" ;',
                             'r2p:listedIn "a test list" ; skos:closeMatch ws:stockpiling-of-weapons ;')
    assert any("never a plain triple" in m for m in messages(memory_store, text))


def test_a_naming_proposal_must_give_the_name(memory_store):
    text = GOOD_POSITION.replace("r2p:Reception", "r2p:NamingProposal")
    assert any("does not give the name" in m for m in messages(memory_store, text))
    named = text.replace('r2p:heldInSourceBy "one speaker" ;', 'r2p:heldInSourceBy "one speaker" ; r2p:proposedName "X" ;')
    named = named.replace("r2p:supports r2p:positionSubject", "r2p:supports r2p:positionSubject, r2p:proposedName")
    assert messages(memory_store, named) == []

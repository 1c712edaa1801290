"""Every recommendation names the addressees its source names, as nodes, or says its source names none.

The source's words decide: "Member states should..." is addressed to ``actor:member-states``, "the
UN should..." to ``actor:united-nations`` (not the Secretariat), "the president of the General
Assembly should..." to the President, not the Assembly. A passive sentence ("should be
established") or a sentence about a need ("the Secretariat was in need of a focal point") names no
one: the recommendation carries ``r2p:addresseeNamed false``, and an addressee an editor reads into
the context is an inferred ``r2p:Claim``, never a plain triple. An addressee named only in the view of
one or several participants ("one speaker suggested that the veto powers could...") is a Stated
claim carrying that citation and its breadth, not a plain triple (issue 22: a plain triple is stated
in a voice that is not a participant's). These tests read the bundled graph only, never ``../shared``.
"""

from __future__ import annotations

import re

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from r2pkg.namespaces import R2P, R2PID
from r2pkg.queries import find_query, run_saved
from r2pkg.store import Store

REC = "recommendation/"
FALSE = Literal(False)


def _rec(name: str) -> URIRef:
    return R2PID[REC + name]


PARTICIPANTS = {R2P.HeldByOneSpeaker, R2P.HeldBySeveral}


def _stated_claims(g, rec: URIRef) -> dict[URIRef, set[URIRef]]:
    """The Stated r2p:addressedTo claims about ``rec``: value -> the breadths of their stated citations."""
    found: dict[URIRef, set[URIRef]] = {}
    for claim in g.subjects(R2P.claimSubject, rec):
        if (claim, R2P.claimProperty, R2P.addressedTo) not in g:
            continue
        stated = [e for e in g.objects(claim, R2P.evidence) if (e, R2P.assertion, R2P.Stated) in g]
        if stated:
            found.setdefault(g.value(claim, R2P.claimValue), set()).update(
                b for e in stated for b in g.objects(e, R2P.breadth))
    return found


def _addressees(store: Store, name: str) -> set[str]:
    """Whom the source names: plain triples (its own voice) and Stated claims (a participant's view)."""
    g = store.graph
    named = set(g.objects(_rec(name), R2P.addressedTo)) | set(_stated_claims(g, _rec(name)))
    return {str(o).removeprefix(str(R2PID)) for o in named}


def test_every_recommendation_has_an_addressee_or_says_its_source_names_none(any_store: Store):
    unchecked = any_store.query("""PREFIX r2p: <https://w3id.org/r2pkg/ontology#>
        SELECT ?r WHERE { ?r a r2p:Recommendation .
            FILTER NOT EXISTS { ?r r2p:addressedTo ?someone }
            FILTER NOT EXISTS { ?r r2p:addresseeNamed false }
            FILTER NOT EXISTS { ?c r2p:claimSubject ?r ; r2p:claimProperty r2p:addressedTo ;
                                   r2p:evidence/r2p:assertion r2p:Stated } }""")
    assert [str(r[0]) for r in unchecked] == []
    both = any_store.query("""PREFIX r2p: <https://w3id.org/r2pkg/ontology#>
        SELECT ?r WHERE { ?r r2p:addressedTo ?someone ; r2p:addresseeNamed false }""")
    assert [str(r[0]) for r in both] == []
    # the mark is only ever "false": a named addressee is the r2p:addressedTo triple itself
    assert set(any_store.graph.objects(None, R2P.addresseeNamed)) == {FALSE}


def test_the_three_kinds_are_all_present_in_the_bundled_graph(any_store: Store):
    g = any_store.graph
    recommendations = set(g.subjects(RDF.type, R2P.Recommendation))
    named = {r for r in recommendations if (r, R2P.addressedTo, None) in g}
    not_named = {r for r in recommendations if (r, R2P.addresseeNamed, FALSE) in g}
    by_participants = {r for r in recommendations - named - not_named if _stated_claims(g, r)}
    assert len(recommendations) == len(named) + len(not_named) + len(by_participants) >= 201
    assert len(named) >= 90 and len(not_named) >= 60 and len(by_participants) >= 25


#: A phrase in a recommendation's quotation, where it is the subject of "should" (or "needs
#: to", "must"), and the node the recommendation must then be addressed to. The look-behinds
#: keep the source's distinctions: "concerned member states" are not all member states,
#: "the human rights architecture of the United Nations" is not the UN, "the president of the
#: General Assembly" is not the Assembly.
RULES: list[tuple[str, str]] = [
    (r"(?<!concerned )\b[Mm]ember [Ss]tates should\b", "actor/member-states"),
    (r"\bconcerned member states should\b", "actor/concerned-member-states"),
    (r"(?<!of )\b(?:the UN|the United Nations) (?:should|needs to|must)\b", "actor/united-nations"),
    (r"\b[Tt]he international community should\b", "actor/international-community"),
    (r"(?<!of )\b[Tt]he General Assembly should\b", "organ/general-assembly"),
    (r"\bthe president of the General Assembly should\b", "organ/president-of-the-general-assembly"),
    (r"\b[Tt]he [Ss]ecretary-[Gg]eneral should\b", "organ/secretary-general"),
    (r"\b[Tt]he (?:Security )?Council should\b", "organ/security-council"),
    (r"\b[Tt]he P5 should\b|\bpermanent members of the Security Council for restraint\b",
     "actor/permanent-members-security-council"),
    (r"\b[Dd]onor countries should\b", "actor/donor-countries"),
]


def test_rules_tell_the_sources_distinctions_apart():
    def hits(text: str) -> set[str]:
        return {node for pattern, node in RULES if re.search(pattern, text)}

    assert hits("In exchange, concerned member states should accept it.") == {"actor/concerned-member-states"}
    assert hits("the human rights architecture of the United Nations should apply an angle") == set()
    assert hits("the president of the General Assembly should host a session") == {
        "organ/president-of-the-general-assembly"}
    assert hits("At the least, the UN should develop a procedure.") == {"actor/united-nations"}


def test_a_quotation_that_names_who_should_act_gives_that_addressee(any_store: Store):
    g = any_store.graph
    missing = []
    for rec in sorted(set(g.subjects(RDF.type, R2P.Recommendation)), key=str):
        quotes = [str(q) for c in g.objects(rec, R2P.evidence) for q in g.objects(c, R2P.quote)]
        addressees = set(g.objects(rec, R2P.addressedTo)) | set(_stated_claims(g, rec))
        for pattern, node in RULES:
            for quote in quotes:
                if re.search(pattern, quote) and R2PID[node] not in addressees:
                    missing.append(f"<{rec}> quotes {quote[:80]!r}... but is not addressed to {node}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("name, expected, not_expected", [
    # "the UN and regional arrangements should enhance their respective capacities" (Executive Summary, IV)
    ("ipi-IV", {"actor/united-nations", "actor/regional-arrangements"}, {"organ/secretariat"}),
    # "The UN and regional and subregional organizations should work together" (para 42)
    ("ipi-IV-1", {"actor/united-nations", "actor/regional-and-subregional-organizations"}, set()),
    # "The supporters of RtoP should adhere strictly..." / "concerned member states should accept..."
    ("ipi-annex2-strict-138-139", {"actor/supporters-of-rtop", "actor/concerned-member-states"},
     {"actor/member-states"}),
    # "A policy agreed within the Fifth Committee..." - not the General Assembly as a whole
    ("ipi-annex1-cp-fifth-committee", {"organ/fifth-committee"}, {"organ/general-assembly"}),
    # "Security Council members could establish a series of informal groups..." - not the organ
    ("ipi-III-7", {"actor/security-council-members"}, {"organ/security-council"}),
    # "the president of the General Assembly should host an informal session..."
    ("tarrytown-next-informal-ga-session", {"organ/president-of-the-general-assembly", "organ/secretary-general"},
     {"organ/general-assembly"}),
    # "member states should refrain from micromanaging the procedures..."
    ("tarrytown-emergency-no-micromanagement", {"actor/member-states"}, set()),
    # "the United Nations and its regional partners should help states improve their governance"
    ("tarrytown-help-states-governance", {"actor/united-nations", "actor/un-regional-partners"}, set()),
    # "Their work needs to be recognized and strengthened by the UN and by Member States."
    ("stellenbosch-strengthen-civil-society", {"actor/united-nations", "actor/member-states"}, set()),
    # "...the veto powers could provide some indication of assurance..."
    ("tarrytown-veto-assurance", {"actor/permanent-members-security-council"}, set()),
])
def test_specific_addressees_follow_the_source_wording(any_store: Store, name, expected, not_expected):
    got = _addressees(any_store, name)
    assert expected <= got, f"{name}: {got}"
    assert not (not_expected & got), f"{name}: {got}"


def test_an_addressee_named_only_in_a_participants_view_is_a_stated_claim_with_its_voice(any_store: Store):
    g = any_store.graph
    # "Another speaker suggested that the veto powers could provide some indication of assurance..."
    veto = _stated_claims(g, _rec("tarrytown-veto-assurance"))
    assert veto == {R2PID["actor/permanent-members-security-council"]: {R2P.HeldByOneSpeaker}}
    # "The same participants expressed the view ... that member states should refrain from micromanaging..."
    micro = _stated_claims(g, _rec("tarrytown-emergency-no-micromanagement"))
    assert micro == {R2PID["actor/member-states"]: {R2P.HeldBySeveral}}
    for name in ("tarrytown-veto-assurance", "tarrytown-emergency-no-micromanagement"):
        assert (_rec(name), R2P.addressedTo, None) not in g, name
        assert (_rec(name), R2P.addresseeNamed, None) not in g, f"{name}: the source does name someone"
    # every such claim carries only participants' voices, and never duplicates a plain triple
    for claim in set(g.subjects(R2P.claimProperty, R2P.addressedTo)):
        stated = [e for e in g.objects(claim, R2P.evidence) if (e, R2P.assertion, R2P.Stated) in g]
        if stated:
            rec, value = g.value(claim, R2P.claimSubject), g.value(claim, R2P.claimValue)
            assert (rec, R2P.addressedTo, value) not in g, claim
            assert all(set(g.objects(e, R2P.breadth)) <= PARTICIPANTS for e in stated), claim


def test_a_sentence_about_a_need_names_no_addressee(any_store: Store):
    g = any_store.graph
    # "There was broad agreement that the UN Secretariat was in need of a focal point..." (Tarrytown)
    focal = _rec("tarrytown-early-warning-focal-point")
    assert (focal, R2P.addressedTo, None) not in g
    assert (focal, R2P.addresseeNamed, FALSE) in g
    assert (focal, R2P.concerns, R2PID["organ/secretariat"]) in g  # the need is the Secretariat's
    inferred = [c for c in g.subjects(R2P.claimSubject, focal)
                if g.value(c, R2P.claimValue) == R2PID["organ/secretariat"]
                and {g.value(e, R2P.assertion) for e in g.objects(c, R2P.evidence)} == {R2P.Inferred}]
    assert len(inferred) == 1


@pytest.mark.parametrize("name", [
    "ipi-IV-5-2",                        # "the AU's nascent early-warning system should be further developed"
    "ipi-annex2-pbc-integrate-rtop",     # "greater attention should be given to how..."
    "stellenbosch-improved-indicators",  # "it is essential to develop improved indicators"
    "tarrytown-joint-office-small-senior",  # "The joint office should be small"
])
def test_passive_recommendations_say_no_addressee_is_named(any_store: Store, name):
    g = any_store.graph
    assert (_rec(name), R2P.addresseeNamed, FALSE) in g
    assert (_rec(name), R2P.addressedTo, None) not in g


def test_an_inferred_addressee_is_a_claim_never_a_plain_triple(any_store: Store):
    g = any_store.graph
    claims = set(g.subjects(R2P.claimProperty, R2P.addressedTo))
    inferred = [c for c in claims
                if {g.value(e, R2P.assertion) for e in g.objects(c, R2P.evidence)} == {R2P.Inferred}]
    assert len(inferred) >= 5
    for claim in inferred:
        rec, value = g.value(claim, R2P.claimSubject), g.value(claim, R2P.claimValue)
        assert (rec, R2P.addressedTo, value) not in g, claim
        assert (rec, R2P.addresseeNamed, FALSE) in g, f"{claim}: the source names no one, and says so"
        assert all(g.value(e, R2P.note) for e in g.objects(claim, R2P.evidence)), claim
    # para 50 ("As part of these studies...") is passive; the studies are para 49's
    fifty = R2PID["claim/ipi-V-2-addressedTo-independent-research-institutions-editor"]
    assert fifty in inferred


def test_every_addressee_is_a_described_node_with_the_words_that_name_it(any_store: Store):
    g = any_store.graph
    undescribed = []
    for node in sorted(set(g.objects(None, R2P.addressedTo)), key=str):
        if not any(lab.language == "en" for lab in g.objects(node, RDFS.label)):
            undescribed.append(f"<{node}> has no English label")
        if (node, RDF.type, R2P.CollectiveActor) in g:
            quoted = [c for c in g.objects(node, R2P.evidence) if (c, R2P.quote, None) in g]
            if not quoted or g.value(node, RDFS.comment) is None:
                undescribed.append(f"<{node}> lacks a comment or a citation quoting the words that name it")
    assert not undescribed, "\n".join(undescribed)


def test_recommendations_to_an_organ_keep_a_committee_apart_from_its_assembly(any_store: Store):
    query = find_query("recommendations-to-an-organ")
    fifth = {str(r[0]) for r in run_saved(any_store, query, {"organ": str(R2PID["organ/fifth-committee"])})}
    assembly = {str(r[0]) for r in run_saved(any_store, query, {})}
    assert str(_rec("ipi-annex1-cp-fifth-committee")) in fifth
    assert str(_rec("ipi-annex1-cp-fifth-committee")) not in assembly

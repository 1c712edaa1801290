"""The section of case, mandate and pillar pages that lists what the sources say about them."""

from __future__ import annotations

import re

import pytest

from r2pkg.namespaces import R2P, R2PID
from r2pkg.positions import views_about


def section(html: str) -> str:
    """The positions section of a page, or '' when the page has none."""
    match = re.search(r'<section class="positions" id="positions">(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


def test_a_pillar_page_lists_its_reception_with_holder_breadth_and_pinpoint(client):
    html = client.get("/id/pillar/2").get_data(as_text=True)
    part = section(html)
    # nine positions name pillar two; three more are about it only in the editor's reading (issue 22):
    # those are inferred claims, not plain subjects, so the page does not list them as stated views
    assert part.count('<li class="position">') == 9
    assert "created no discomfort among member states" in part  # the Tarrytown consensus, quoted
    assert "conference participants concurred" in part and ">consensus<" in part
    assert "one speaker" in part and ">one speaker<" in part  # the caution, kept apart from the consensus
    assert "para 18" in part  # the Blue Paper's pinpoint


def test_pillar_two_subjects_the_sources_do_not_name_are_inferred_claims(any_store):
    g = any_store.graph
    pillar = R2PID["pillar/2"]
    for name in ("stellenbosch-sasg-prevention-focus", "tarrytown-sg-sovereignty", "tarrytown-nonconfrontational-first"):
        position = R2PID["position/" + name]
        assert (position, R2P.positionSubject, pillar) not in g, name
        claims = [c for c in g.subjects(R2P.claimSubject, position)
                  if g.value(c, R2P.claimProperty) == R2P.positionSubject and g.value(c, R2P.claimValue) == pillar]
        assert len(claims) == 1, name
        evidence = list(g.objects(claims[0], R2P.evidence))
        assert evidence and all(g.value(e, R2P.assertion) == R2P.Inferred and g.value(e, R2P.note) for e in evidence)


def test_consensus_comes_before_one_speaker(client):
    part = section(client.get("/id/pillar/2").get_data(as_text=True))
    assert part.index("created no discomfort") < part.index("avoid the dilemmas")


def test_a_mandate_page_shows_the_naming_debate_side_by_side(client):
    part = section(client.get("/id/mandate/joint-office-genocide-rtop").get_data(as_text=True))
    for name in ("Genocide Prevention and Responsibility to Protect", "Responsibility to Protect Populations",
                 "Implementation of the Responsibility to Protect"):
        assert f'<q class="position-name">{name}</q>' in part
    assert "Disagrees with:" in part and "/id/position/tarrytown-jo-name-keep-rtop" in part
    assert "three other participants" in part and "another speaker" in part


def test_a_case_page_lists_positions_and_the_lessons_drawn_from_it(client):
    part = section(client.get("/id/case/kenya-2007-2008").get_data(as_text=True))
    assert "/id/position/bp7-kenya-first-rtop-situation" in part
    assert "Secretary-General Ban Ki-moon and former Secretary-General Kofi Annan" in part
    assert "/id/lesson/kenya-2007-2008-1" in part  # lessons recorded on the case are listed too
    assert "para 24" in part


def test_a_page_with_nothing_said_about_it_has_no_section(client):
    html = client.get("/id/state/kenya").get_data(as_text=True)
    assert client.get("/id/state/kenya").status_code == 200
    assert section(html) == "" and "What the sources say about it" not in html


@pytest.mark.parametrize("node", ["pillar/1", "pillar/3", "mandate/special-adviser-prevention-of-genocide",
                                  "mandate/early-warning-capability", "case/rwanda-1994", "term/rtop-label"])
def test_every_view_has_a_holder_and_a_pinpoint(store, node):
    views = views_about(store, R2PID[node])
    assert views, node
    for v in views:
        assert v["held_by"] and v["kind"] is not None
        assert v["citations"] and all(c["source"] and c["locator"] for c in v["citations"])
        if v["kind_iri"] != R2P.LessonDrawn:
            assert v["breadth"] is not None

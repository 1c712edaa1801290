"""What the sources say about a node: the positions and lessons attached to a pillar, post, case.

A resource page lists them beside the node's own facts, so that a reader sees, for a pillar,
post or case, every framing, naming proposal, judgement about a term, reception and lesson
the sources record, each with who holds it (in the source's own words), how widely, and
its pinpoint. Lessons drawn from a case (``r2p:lesson``) are listed with the positions: the
two are the same kind of statement, recorded in two places of the graph.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from r2pkg.describe import citation, value_of
from r2pkg.namespaces import R2P
from r2pkg.store import Store

#: Order of the kinds on a page: what a concept or post is first, then how it is received,
#: what it should be called, what its terms mean, and lessons last.
KIND_ORDER = (R2P.Framing, R2P.Reception, R2P.NamingProposal, R2P.TermJudgement, R2P.LessonDrawn)
#: Within a kind, the most widely held views first: "consensus" before "one speaker".
BREADTH_ORDER = (R2P.HeldByConsensus, R2P.HeldBroadly, R2P.HeldBySecretaryGeneral, R2P.HeldByPublication,
                 R2P.HeldByNamedAuthor, R2P.HeldBySeveral, R2P.HeldByOneSpeaker)


def views_about(store: Store, node: URIRef) -> list[dict]:
    """The positions whose subject is ``node`` and the lessons drawn from it, ready to show."""
    g = store
    views = [_position(store, p) for p in set(g.subjects(R2P.positionSubject, node))
             if (p, RDF.type, R2P.Position) in g]
    views += [_lesson(store, lesson) for lesson in set(g.objects(node, R2P.lesson))]
    return sorted(views, key=_order)


def _order(view: dict) -> tuple:
    kind = view["kind_iri"]
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    return rank, view["breadth_rank"], view["statement"].text


def _position(store: Store, position: Node) -> dict:
    g = store
    kind = g.value(position, R2P.positionKind)
    breadth = g.value(position, R2P.breadth)
    name = g.value(position, R2P.proposedName)
    return {
        "statement": value_of(store, position),
        "kind_iri": kind,
        "kind": value_of(store, kind) if kind is not None else None,
        "held_by": str(g.value(position, R2P.heldInSourceBy) or ""),
        "breadth": value_of(store, breadth) if breadth is not None else None,
        "breadth_rank": BREADTH_ORDER.index(breadth) if breadth in BREADTH_ORDER else len(BREADTH_ORDER),
        "proposed_name": str(name) if name is not None else None,
        "disagrees": sorted((value_of(store, o) for o in set(g.objects(position, R2P.disagreesWith))),
                            key=lambda v: v.text),
        "note": str(g.value(position, R2P.note) or "") or None,
        "citations": [citation(store, c) for c in g.objects(position, R2P.evidence)],
    }


def _lesson(store: Store, lesson: Node) -> dict:
    g = store
    cites = [citation(store, c) for c in g.objects(lesson, R2P.evidence)]
    holders = sorted({c["attributed_to"].text for c in cites if c.get("attributed_to")})
    return {
        "statement": value_of(store, lesson),
        "kind_iri": R2P.LessonDrawn,
        "kind": value_of(store, R2P.LessonDrawn),
        "held_by": "; ".join(holders) or "not recorded; see the pinpoint",
        "breadth": None,
        "breadth_rank": len(BREADTH_ORDER),
        "proposed_name": None,
        "disagrees": [],
        "note": None,
        "citations": cites,
    }


__all__ = ["views_about"]

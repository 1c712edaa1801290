"""The claims grouped by subject and property: a view that answers ``claims-where-sources-disagree``.

That query pairs two claims on the same subject and property with different values and no
shared source; run on the whole graph, Oxigraph reads every claim's citations to find the
few pairs (26 s at 10M triples). The view keeps every claim's (subject, property, value)
triples, the claims of each (subject, property), and the groups where two claims give
different values: the only claims that can make a row. The query's own SPARQL then runs on
those claims' triples alone (:mod:`r2pkg.fragments`), so its filters (the properties that
may rightly hold several values, the shared source) stay in the query's text.

A write brings the view up to date from the entry (:func:`changes`): the claims it says
something about are read again, by lookups, and only their groups looked at; the on-disk
store builds the view as it loads and keeps it in ``DIR/views`` for later processes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from r2pkg.fragments import Fragment
from r2pkg.namespaces import R2P
from r2pkg.query_views import view_of
from r2pkg.sparql import Answer
from r2pkg.store.base import BUILT_ON_LOAD, INCREMENTAL, Store
from r2pkg.store.oxigraph import to_ox, to_rdflib
from r2pkg.view_changes import Change, apply

#: The view's name; change it whenever the view's shape changes.
VIEW = "claim-groups-1"

Group = tuple[Node, Node]  # (claim subject, claim property)

_CLAIMS = f"""SELECT ?claim ?s ?p ?v WHERE {{
  ?claim a <{R2P.Claim}> ; <{R2P.claimSubject}> ?s ; <{R2P.claimProperty}> ?p ; <{R2P.claimValue}> ?v }}"""


class ClaimGroups(dict):
    """``claims``: claim -> its (subject, property, value) triples; ``groups``: (subject,
    property) -> its claims; ``disputed``: the groups where two claims give different values."""

    def __init__(self) -> None:
        super().__init__(claims={}, groups={}, disputed=set())


def claim_groups(store: Store) -> ClaimGroups:
    """The store's view, built on first use (or read where a process saved it)."""
    return store.view(VIEW, build)


def build(store: Store) -> ClaimGroups:
    """The view from one query of the engine (claims only, no citation read)."""
    view = ClaimGroups()
    claims: dict[Node, set] = view["claims"]
    for claim, s, p, v in store.engine.query(_CLAIMS):  # type: ignore[attr-defined]
        claims.setdefault(to_rdflib(claim), set()).add((to_rdflib(s), to_rdflib(p), to_rdflib(v)))
    for claim, facts in claims.items():
        claims[claim] = frozenset(facts)
        for s, p, _v in facts:
            view["groups"].setdefault((s, p), set()).add(claim)
    for group in list(view["groups"]):
        _judge(view, group)
    return view


def update(view: ClaimGroups, store: Store, entry: Graph) -> ClaimGroups:
    """The view after ``entry`` was added to (or taken out of) ``store``."""
    return apply(view, changes(view, store, entry))  # type: ignore[return-value]


def changes(view: ClaimGroups, store: Store, entry: Graph) -> list[Change]:
    """What ``entry`` (added to, or taken out of, ``store``) changes in the view: every node
    the entry says something about is read again; only the groups it was or now is in are
    judged again."""
    claims = view["claims"]
    facts_now: dict[Node, frozenset] = {}
    members: dict[Group, set] = {}  # the touched groups' claims after the entry

    def group(key: Group) -> set:
        if key not in members:
            members[key] = set(view["groups"].get(key, ()))
        return members[key]

    found: list[Change] = []
    for node in set(entry.subjects()):
        for s, p, _v in claims.get(node, ()):
            group((s, p)).discard(node)
        facts = facts_now[node] = _facts(store, node)
        for s, p, _v in facts:
            group((s, p)).add(node)
        if facts:
            found.append(("set", ("claims", node), facts))
        elif node in claims:
            found.append(("del", ("claims", node), None))
    for key, claimed in members.items():
        found.append(("set", ("groups", key), claimed) if claimed else ("del", ("groups", key), None))
        values = {v for claim in claimed for s, p, v in facts_now.get(claim, claims.get(claim, ()))
                  if (s, p) == key}
        disputed = len(claimed) > 1 and len(values) > 1
        found.append(("add" if disputed else "discard", ("disputed",), key))
    return found


def _facts(store: Store, node: Node) -> frozenset:
    """A claim's (subject, property, value) triples, read by lookups; empty for any other node."""
    if (node, RDF.type, R2P.Claim) not in store:
        return frozenset()
    return frozenset((s, p, v) for s in store.objects(node, R2P.claimSubject)
                     for p in store.objects(node, R2P.claimProperty)
                     for v in store.objects(node, R2P.claimValue))


def _judge(view: ClaimGroups, group: Group) -> None:
    """Mark the group disputed when two of its claims give different values."""
    members = view["groups"].get(group, ())
    values = {v for claim in members for s, p, v in view["claims"][claim] if (s, p) == group}
    if len(members) > 1 and len(values) > 1:
        view["disputed"].add(group)
    else:
        view["disputed"].discard(group)


def answer(store: Store, text: str, bindings: Mapping[str, Node], max_rows: int | None,
           held_only: bool = False) -> Answer | None:
    """The query's SPARQL run on the triples of the claims in disputed groups."""
    view = view_of(store, VIEW, build, held_only)
    if view is None:
        return None
    fragment = Fragment(store)
    several = excluded(text)
    for group in view["disputed"]:
        if group[1] not in several:
            for claim in view["groups"][group]:
                fragment.node(to_ox(claim))
    return fragment.answer(text, bindings, max_rows)


def excluded(text: str) -> frozenset[URIRef]:
    """The properties the query leaves out (``FILTER(?property NOT IN (...))``, those that may
    rightly hold several values), read from its text so that the list is written once; their
    groups need not be read. A text without such a list leaves nothing out."""
    found = _NOT_IN.search(text)
    if found is None:
        return frozenset()
    prefixes = dict(_PREFIX.findall(text))
    names = re.findall(r"([A-Za-z][\w-]*):([\w-]+)", found.group(1))
    return frozenset(URIRef(prefixes[p] + local) for p, local in names if p in prefixes)


_NOT_IN = re.compile(r"FILTER\s*\(\s*\?property\s+NOT\s+IN\s*\(([^)]*)\)", re.IGNORECASE)
_PREFIX = re.compile(r"PREFIX\s+([\w-]*):\s*<([^>]*)>", re.IGNORECASE)


INCREMENTAL[VIEW] = changes
BUILT_ON_LOAD[VIEW] = build

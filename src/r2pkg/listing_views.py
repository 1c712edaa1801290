"""Saved queries that list one row per response (and the like), kept with the store as views.

``responses-by-pillar`` lists every response under a pillar, with its case and tool: an answer
that grows with the graph (2,012 rows at a million triples, ten times that at ten million),
which Oxigraph gives by joining every response, case link and tool link of the graph (0.6 s
at a million triples). Such a *listing* is kept as a view: the query's rows for each value of
its enumerated parameter (the pillars), grouped by the node each row belongs to (its
*anchor*, the response).

The view is built from the query's own SPARQL text, run once per value on the whole graph as
the on-disk store loads. A write brings it up to date from the entry alone (:func:`update`):
the anchors whose rows the entry can change are found by lookups (:attr:`Listing.affected`),
the triples their rows depend on are read (:attr:`Listing.read`, :mod:`r2pkg.fragments`),
and the same text is run on them; the changes are those anchors' rows (:func:`changes`), so a
write appends them to the view's log on disk instead of saving the whole listing. An entry that could change the rows of more anchors than
lookups find cheaply (a pillar's or a tool's label) rebuilds the view. The rows are answered
in the query's ``ORDER BY``, which names every column, so that the view's order and the
engine's agree. ``tests/test_query_views.py`` proves rows equal to the SPARQL's, on the
bundled graph, a generated one, and after writes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, RDFS, BNode, Graph, URIRef
from rdflib.term import Node

from r2pkg.fragments import Fragment
from r2pkg.namespaces import R2P
from r2pkg.query_views import view_of
from r2pkg.sparql import Answer, prepare
from r2pkg.store.base import BUILT_ON_LOAD, INCREMENTAL, Store
from r2pkg.store.oxigraph import to_ox
from r2pkg.view_changes import Change, apply
from r2pkg.view_terms import key_of, term_of


#: More anchors than this to compute again after a write (the Charter's text relabelled, a
#: source cited everywhere renamed), and the view is rebuilt from the whole graph instead.
MAX_AFFECTED = 5000


@dataclass(frozen=True)
class Listing:
    """How one saved query is kept as a view."""

    query: str
    view: str
    #: The column whose node each row belongs to.
    anchor: str
    #: The variable of the query's enumerated parameter, and the parameter's name (None: no parameter).
    variable: str | None
    parameter: str | None
    #: The ORDER BY columns, compared as ``STR()`` (an unbound value first).
    order: tuple[str, ...]
    #: Reads into a fragment the triples the rows of some anchors depend on.
    read: Callable[[Fragment, ox.NamedNode], None]
    #: The anchors whose rows an entry can change (None: rebuild the view).
    affected: Callable[[Store, Graph], "set[Node] | None"]
    #: For a listing whose anchor is OPTIONAL (a tool no response used still has a row): the
    #: column of the rows' other node, and what reads those nodes' own triples into a fragment.
    left: str | None = None
    read_left: Callable[[Fragment], None] | None = None
    #: The class the query requires of an anchor (``?response a r2p:Response``), or None (the
    #: listing's ``affected`` already keeps to its class): a node of another class has no rows,
    #: and its triples are not read (a crime an entry's claim names is the value of thousands of
    #: claims at a million triples).
    anchor_class: URIRef | None = None
    #: Other parameters, held at their defaults (variable, parameter): the view answers for
    #: those values only, and any other value runs the SPARQL.
    fixed: tuple[tuple[str, str], ...] = ()


def _text_and_values(listing: Listing) -> tuple[str, list[Node]]:
    from r2pkg.queries import find_query

    query = find_query(listing.query)
    if listing.parameter is None:
        return query.text, [None]
    parameter = next(p for p in query.parameters if p.name == listing.parameter)
    return query.text, [URIRef(choice) for choice in parameter.choices]


@functools.lru_cache(maxsize=32)
def _defaults(listing: Listing) -> dict[str, Node]:
    """The values of the parameters the view holds at their defaults, by variable (read once:
    reading a saved query's header takes longer than a view's answer)."""
    if not listing.fixed:
        return {}
    from r2pkg.queries import find_query

    declared = {p.name: p for p in find_query(listing.query).parameters}
    return {variable: URIRef(declared[name].default) for variable, name in listing.fixed}


def _bindings(listing: Listing, value: Node | None) -> dict[str, Node]:
    return {**_defaults(listing), **({} if value is None else {listing.variable: value})}


def _value_key(value: Node | None) -> tuple:
    return () if value is None else key_of(value)


def build(listing: Listing, store: Store) -> dict:
    """The view from the query run once per value of its parameter on the whole graph."""
    text, values = _text_and_values(listing)
    rows, names = {}, None
    for value in values:
        found = store.run(prepare(text, _bindings(listing, value)), None)
        names = list(found.names)
        rows[_value_key(value)] = _with_unmatched(listing, store, text, value, _grouped(listing, found, None))
    return {"text": text, "names": names, "rows": rows}


def _with_unmatched(listing: Listing, store: Store, text: str, value: Node | None, rows: dict) -> dict:
    """The rows, with (under the key None) those of the left nodes no anchor matched: the
    query run on the left nodes' own triples gives each its unmatched rows."""
    rows.pop(None, None)
    if listing.left is None:
        return rows
    fragment = Fragment(store)
    listing.read_left(fragment)
    found = fragment.answer(text, _bindings(listing, value))
    column, anchor = found.names.index(listing.left), found.names.index(listing.anchor)
    matched = {row[column] for anchored in rows.values() for row in anchored}
    unmatched = tuple(_compact(row) for row in found.rows
                      if row[anchor] is None and key_of(row[column]) not in matched)
    if unmatched:
        rows[None] = unmatched
    return rows


def _compact(row) -> tuple:
    return tuple(None if v is None else key_of(v) for v in row)


def _grouped(listing: Listing, found: Answer, wanted: set[Node] | None) -> dict:
    column = found.names.index(listing.anchor)
    grouped: dict = {}
    for row in found.rows:
        if row[column] is not None and (wanted is None or row[column] in wanted):
            grouped.setdefault(key_of(row[column]), []).append(_compact(row))
    return {anchor: tuple(rows) for anchor, rows in grouped.items()}


def update(listing: Listing, view: dict, store: Store, entry: Graph) -> dict:
    """The view after ``entry`` was added to (or taken out of) ``store``."""
    return apply(view, changes(listing, view, store, entry))  # type: ignore[return-value]


def changes(listing: Listing, view: dict, store: Store, entry: Graph) -> list[Change]:
    """What ``entry`` (added to, or taken out of, ``store``) changes in the view, keyed by
    (parameter value, anchor): the rows of the anchors it can change, computed again on their
    own triples, so that a write saves those rows alone (the whole listing, saved at each write,
    cost 50-80 ms per listing at a million triples). An entry that could change the rows of
    more anchors than lookups find cheaply gives the whole view, rebuilt."""
    anchors = listing.affected(store, entry)
    if anchors is None or len(anchors) > MAX_AFFECTED:
        return [("set", (), build(listing, store))]
    anchors = _possible_anchors(listing, view, store, anchors)
    if not anchors and listing.left is None:
        return []  # rows come only from anchors, and the entry changes none: nothing saved
    fragment = Fragment(store)
    for anchor in anchors:
        listing.read(fragment, to_ox(anchor))
    if listing.read_left is not None:
        listing.read_left(fragment)
    keys = {key_of(anchor) for anchor in anchors}
    found: list[Change] = []
    for value_key, by_anchor in view["rows"].items():
        value = term_of(value_key) if value_key else None
        answered = fragment.answer(view["text"], _bindings(listing, value))
        now = _grouped(listing, answered, anchors)
        if listing.left is not None:  # the unmatched rows depend on every anchor's rows, not only these
            kept = {anchor: rows for anchor, rows in by_anchor.items() if anchor not in keys and anchor is not None}
            now = _with_unmatched(listing, store, view["text"], value, {**kept, **now})
        for anchor in keys | ({None} if listing.left is not None else set()):
            if anchor in now:
                if by_anchor.get(anchor) != now[anchor]:
                    found.append(("set", ("rows", value_key, anchor), now[anchor]))
            elif anchor in by_anchor:
                found.append(("del", ("rows", value_key, anchor), None))
    return found


def _possible_anchors(listing: Listing, view: dict, store: Store, nodes: set[Node]) -> set[Node]:
    """The nodes among ``nodes`` that can have rows now (of the anchor's class; the queries
    require it) or had some (to be taken out); all of them for a listing whose ``affected``
    keeps to its class itself."""
    if listing.anchor_class is None:
        return nodes
    held = view["rows"].values()
    return {node for node in nodes if (node, RDF.type, listing.anchor_class) in store
            or any(key_of(node) in by_anchor for by_anchor in held)}


def answer(listing: Listing, store: Store, text: str, bindings: Mapping[str, Node], max_rows: int | None,
           held_only: bool = False) -> Answer | None:
    """The view's rows for the parameter's value in the query's order; None for a value the
    view does not hold or a text it was not built from."""
    value = None if listing.variable is None else bindings.get(listing.variable)
    if listing.variable is not None and value is None:
        return None
    if any(bindings.get(variable) != held for variable, held in _defaults(listing).items()):
        return None  # a value the view was not built for
    view = view_of(store, listing.view, lambda s: build(listing, s), held_only)
    if view is None or view["text"] != text or _value_key(value) not in view["rows"]:
        return None
    cache = store.derived.setdefault(listing.view + "-sorted", {})
    found = cache.get(_value_key(value))
    if found is None or found[0] is not view:
        at = [view["names"].index(name) for name in listing.order]
        rows = [row for rows in view["rows"][_value_key(value)].values() for row in rows]
        rows.sort(key=lambda row: tuple("" if row[i] is None else row[i][1] for i in at))
        terms: dict = {}  # each distinct value made an rdflib term once (20,019 rows, 220,209 values at 10M)
        found = cache[_value_key(value)] = (view, [[None if v is None else terms.get(v) or terms.setdefault(v, term_of(v))
                                                    for v in row] for row in rows])
    return Answer.select(list(view["names"]), iter(found[1]), max_rows)


# -- responses-by-pillar -----------------------------------------------------------------------

_CLAIM_SUBJECT, _CLAIM_VALUE = to_ox(R2P.claimSubject), to_ox(R2P.claimValue)
_HAS_RESPONSE = to_ox(R2P.hasResponse)


def _read_response(fragment: Fragment, response: ox.NamedNode) -> None:
    """A response's own triples, the claims about it (its pillar, its tool) and the claims that
    give it as a case's response, and the cases that have it, with their labels."""
    fragment.node(response)
    for quad in fragment.triples(None, _CLAIM_SUBJECT, response):
        fragment.node(quad.subject)
    for quad in fragment.triples(None, _CLAIM_VALUE, response):
        fragment.node(quad.subject)
    for quad in fragment.triples(None, _HAS_RESPONSE, response):
        fragment.label(quad.subject)


def _responses_affected(store: Store, entry: Graph) -> set[Node] | None:
    """The responses whose rows ``entry`` can change: its nodes, those it links a case or a
    claim to, the claims' own subjects and values, a relabelled case's responses; None when it
    relabels a pillar or a tool (every response under it)."""
    graphs = (store, entry)
    nodes: set[Node] = set()
    for s, p, o in entry:
        nodes.add(s)
        if p in (R2P.hasResponse, R2P.claimSubject, R2P.claimValue):
            nodes.add(o)
        for g in graphs:  # a claim's subject and value (in the store, or the entry if taken out)
            nodes.update(g.objects(s, R2P.claimSubject))
            nodes.update(g.objects(s, R2P.claimValue))
        if p == RDFS.label:
            if _pillar_or_tool(store, s):
                return None
            for g in graphs:
                nodes.update(g.objects(s, R2P.hasResponse))
                for claim in g.subjects(R2P.claimSubject, s):
                    nodes.update(g.objects(claim, R2P.claimValue))
    return nodes


def _pillar_or_tool(store: Store, node: Node) -> bool:
    """True when ``node`` is a response's pillar or tool, plainly or by a claim."""
    if any((None, prop, node) in store for prop in (R2P.pillar, R2P.instrument)):
        return True
    return any((claim, R2P.claimProperty, prop) in store for claim in store.subjects(R2P.claimValue, node)
               for prop in (R2P.pillar, R2P.instrument))


RESPONSES_BY_PILLAR = Listing(
    query="responses-by-pillar", view="responses-by-pillar-1", anchor="response",
    variable="_pillar_iri", parameter="pillar",
    order=("caseLabel", "responseLabel", "toolLabel", "response", "case", "tool", "assertion", "toolAssertion",
           "caseAssertion", "pillarLabel"),
    read=_read_response, affected=_responses_affected, anchor_class=R2P.Response)

# -- coercive-response-tools ----------------------------------------------------------------

_TYPE, _RESPONSE_TOOL = to_ox(RDF.type), to_ox(R2P.ResponseTool)


def _read_tools(fragment: Fragment) -> None:
    """Every response tool's own triples (the query keeps the coercive ones)."""
    for quad in fragment.triples(None, _TYPE, _RESPONSE_TOOL):
        fragment.node(quad.subject)


def _tool_responses_affected(store: Store, entry: Graph) -> set[Node] | None:
    """As for a pillar's responses; None also when the entry says something of a tool (its
    class, whether it is coercive)."""
    if any((s, RDF.type, R2P.ResponseTool) in g for s in set(entry.subjects()) for g in (store, entry)):
        return None
    return _responses_affected(store, entry)


COERCIVE_RESPONSE_TOOLS = Listing(
    query="coercive-response-tools", view="coercive-response-tools-1", anchor="response",
    variable=None, parameter=None,
    order=("toolLabel", "responseLabel", "tool", "response", "case", "caseLabel", "assertion", "caseAssertion"),
    read=_read_response, affected=_tool_responses_affected, left="tool", read_left=_read_tools,
    anchor_class=R2P.Response)

# -- responses-resting-on-chapter-vii ---------------------------------------------------------

#: The links of an authority chain (``(r2p:hasLegalBasis|r2p:establishedBy|r2p:partOf)*``).
CHAIN = (R2P.hasLegalBasis, R2P.establishedBy, R2P.partOf)
_CHAIN_OX = tuple(to_ox(p) for p in CHAIN)
_EVIDENCE = to_ox(R2P.evidence)


def _read_response_chain(fragment: Fragment, response: ox.NamedNode) -> None:
    """A response as for a pillar, its claims' citations, and every node its legal basis
    reaches along the chain, with their labels."""
    _read_response(fragment, response)
    for quad in fragment.triples(None, _CLAIM_SUBJECT, response):  # a claim's citation that is no blank node
        for cited in fragment.triples(quad.subject, _EVIDENCE, None):
            fragment.node(cited.object)
    seen: set = set()
    todo = [q.object for q in fragment.triples(response, _CHAIN_OX[0], None)]
    while todo:
        node = todo.pop()
        if node in seen or isinstance(node, ox.Literal):
            continue
        seen.add(node)
        fragment.node(node)
        for prop in _CHAIN_OX:
            todo.extend(q.object for q in fragment.triples(node, prop, None))


def _chain_affected(store: Store, entry: Graph) -> set[Node] | None:
    """As for a pillar's responses, plus the responses whose claims' citations the entry
    touches (or whose source it relabels), and every node from which a node the entry says
    something about is reached along the chain (the responses resting on it)."""
    nodes = _responses_affected(store, entry)
    if nodes is None:
        return None
    graphs = (store, entry)
    subjects = set(entry.subjects())
    cited = set(subjects)
    for s, p, _o in entry:
        if p == RDFS.label:
            for g in graphs:
                cited.update(g.subjects(R2P.source, s))
    for citation in cited:
        for g in graphs:
            for holder in g.subjects(R2P.evidence, citation):
                nodes.update(g.objects(holder, R2P.claimSubject))
    seen = {s for s in subjects if not isinstance(s, BNode)}
    todo = list(seen)
    while todo:
        node = todo.pop()
        for g in graphs:
            for prop in CHAIN:
                for earlier in g.subjects(prop, node):
                    if earlier not in seen:
                        seen.add(earlier)
                        todo.append(earlier)
        if len(seen) > MAX_AFFECTED:
            return None
    return nodes | seen


RESPONSES_ON_CHAPTER_VII = Listing(
    query="responses-resting-on-chapter-vii", view="responses-resting-on-chapter-vii-1", anchor="response",
    variable=None, parameter=None,
    order=("responseLabel", "response", "case", "caseLabel", "basis", "basisLabel", "provision", "provisionLabel",
           "caseAssertion", "source", "sourceLabel", "locator"),
    read=_read_response_chain, affected=_chain_affected, anchor_class=R2P.Response)

# -- cases-outside-the-scope ------------------------------------------------------------------


def _read_case(fragment: Fragment, case: ox.NamedNode) -> None:
    """A case's own triples and the claims about it."""
    fragment.node(case)
    for quad in fragment.triples(None, _CLAIM_SUBJECT, case):
        fragment.node(quad.subject)


def _cases_affected(store: Store, entry: Graph) -> set[Node]:
    """The nodes the entry says something about, and the subjects of the claims among them."""
    nodes = set(entry.subjects())
    for node in list(nodes):
        for g in (store, entry):
            nodes.update(g.objects(node, R2P.claimSubject))
    return nodes


CASES_OUTSIDE_THE_SCOPE = Listing(
    query="cases-outside-the-scope", view="cases-outside-the-scope-1", anchor="case",
    variable=None, parameter=None, order=("assertion", "caseLabel", "case", "scopeNote"),
    read=_read_case, affected=_cases_affected, anchor_class=R2P.Case)

#: The listings kept as views, by saved query.
LISTINGS = {listing.query: listing
            for listing in (RESPONSES_BY_PILLAR, COERCIVE_RESPONSE_TOOLS, RESPONSES_ON_CHAPTER_VII,
                            CASES_OUTSIDE_THE_SCOPE)}


def register(listing: Listing) -> None:
    """Keep ``listing``'s view up to date on writes, and build it as the on-disk store loads."""
    INCREMENTAL[listing.view] = lambda view, store, entry: changes(listing, view, store, entry)
    BUILT_ON_LOAD[listing.view] = lambda store: build(listing, store)


for _listing in LISTINGS.values():
    register(_listing)

"""Saved queries answered from views and indexed lookups instead of a whole-graph run.

Four saved queries read every citation of the graph when Oxigraph runs them (at 10M
triples 76 s, 92 s, 26 s and 33 s). Their SPARQL text stays their definition; here each is
answered without a whole-graph read:

* ``what-the-sources-say-about`` and ``naming-and-term-debates``: the positions (and a
  case's lessons) are found through the store's indexes (``r2p:positionSubject``,
  ``r2p:lesson``, ``rdf:type r2p:Position``), and the query runs on their triples
  (:mod:`r2pkg.fragments`);
* ``claims-where-sources-disagree``: the claims that share a subject and property with
  another value come from a view kept with the store (:mod:`r2pkg.claim_groups`), and the
  query runs on their triples;
* ``where-the-answer-rests-on-an-editors-reading``: its rows are a view kept with the store
  (:mod:`r2pkg.editors_reading`), updated by each write from the entry.

Issue 26 added the next slowest the same way: the two authority-chain queries run on the
triples of the nodes the chain can reach (:mod:`r2pkg.authority_fragments`); the two backing
audits from the nodes they list (:mod:`r2pkg.fact_backing`); ``inferred-facts-to-double-check``
from its rows by node (:mod:`r2pkg.inferred_facts`); four listings from their rows by response
or case (:mod:`r2pkg.listing_views`); ``similar-cases`` from every case's features
(:mod:`r2pkg.similar_cases`). Then the last ones over 2 s at 10M: the two precedents queries
on the cases their walk reaches (:mod:`r2pkg.precedent_fragments`), ``citator`` on the
triples around its document (:mod:`r2pkg.citator_fragment`), ``find-by-label`` from the
store's label table (:mod:`r2pkg.label_search`), and three whole-graph listings kept as views
(:mod:`r2pkg.audit_listings`).

:func:`answer_saved` is the one dispatch (the saved-query page, ``r2pkg query NAME``): it
answers where a view does, and returns None for every other query or store, which then
runs the SPARQL text as before. Only the embedded Oxigraph stores have views: the others
either hold the graph in rdflib (small) or behind an endpoint.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Mapping

import pyoxigraph as ox
from rdflib import RDF
from rdflib.term import Node

from r2pkg.fragments import Fragment
from r2pkg.namespaces import R2P
from r2pkg.sparql import Answer
from r2pkg.store.base import Store
from r2pkg.store.oxigraph import to_ox
from r2pkg.view_terms import key_of, term_of

Answerer = Callable[[Store, str, Mapping[str, Node], "int | None", bool], "Answer | None"]


def answer_saved(store: Store, name: str, text: str, bindings: Mapping[str, Node],
                 max_rows: int | None = None, held_only: bool = False) -> Answer | None:
    """The saved query ``name`` answered from views, or None where none answers it.

    With ``held_only`` (a web request), a view that neither this process holds nor another
    saved is not built here (that would be a whole-graph run in the request's thread, with
    no time limit): None, and the caller runs the SPARQL in a query worker as before."""
    answerer = ANSWERERS.get(name)
    if answerer is None or not store.kind.startswith("oxigraph") or getattr(store, "engine", None) is None:
        return None
    answers = store.derived.setdefault(ANSWERS, {})  # dropped by the next write, like every cache
    key = (name, text, tuple(sorted(bindings.items(), key=lambda item: item[0])), max_rows)
    found = answers.get(key)
    if found is None:
        if not _is_saved(name, text):  # a user's own file of the same name is run as written
            return None
        found = answerer(store, text, bindings, max_rows, held_only)
        if found is not None:
            if len(answers) >= 64:
                answers.clear()
            answers[key] = found
    return found


#: The answers given since the last write, by query (name and text), parameters and row cap
#: (a store cache: a warm answer reads no file).
ANSWERS = "saved-query-answers"


def _is_saved(name: str, text: str) -> bool:
    """True when ``text`` is the saved query ``name`` of queries/ (the views answer that one)."""
    from r2pkg.queries import queries_dir

    try:
        return (queries_dir() / f"{name}.rq").read_text(encoding="utf-8") == text
    except OSError:
        return False


def _iri(term: object) -> ox.NamedNode:
    return ox.NamedNode(str(R2P) + term) if isinstance(term, str) else term  # type: ignore[return-value]


def sources_say(store: Store, text: str, bindings: Mapping[str, Node], max_rows: int | None,
                held_only: bool = False) -> Answer | None:
    """``what-the-sources-say-about``: the subject's positions and lessons, by index."""
    fragment = Fragment(store)
    subject = to_ox(bindings["_subject_iri"])
    for quad in fragment.triples(None, _iri("positionSubject"), subject):
        fragment.node(quad.subject)
    for quad in fragment.triples(subject, _iri("lesson"), None):
        fragment.node(quad.object)
    fragment.label(_iri("LessonDrawn"))
    return fragment.answer(text, bindings, max_rows)


def naming_debates(store: Store, text: str, bindings: Mapping[str, Node], max_rows: int | None,
                held_only: bool = False) -> Answer | None:
    """``naming-and-term-debates``: every position (or the subject's), by index."""
    fragment = Fragment(store)
    subject = bindings.get("__subject_iri")
    if subject is None:
        positions = [q.subject for q in fragment.triples(None, to_ox(RDF.type), _iri("Position"))]
    else:
        positions = [q.subject for q in fragment.triples(None, _iri("positionSubject"), to_ox(subject))]
    for position in positions:
        fragment.node(position)
    return fragment.answer(text, bindings, max_rows)


def _in(module: str, name: str | None = None) -> Answerer:
    """The ``answer`` of ``r2pkg.<module>``, imported when first asked (the view modules import
    this one); with ``name``, the saved query's name is passed to it after the store."""
    def answer_it(store: Store, text: str, bindings: Mapping[str, Node], max_rows: int | None,
                  held_only: bool = False) -> Answer | None:
        answer = importlib.import_module(f"r2pkg.{module}").answer
        return answer(store, *((name,) if name else ()), text, bindings, max_rows, held_only)
    return answer_it


def _listing(name: str) -> Answerer:
    def answer_it(store: Store, text: str, bindings: Mapping[str, Node], max_rows: int | None,
                  held_only: bool = False) -> Answer | None:
        import r2pkg.audit_listings  # noqa: F401 - registers its listings
        from r2pkg.listing_views import LISTINGS, answer

        return answer(LISTINGS[name], store, text, bindings, max_rows, held_only)
    return answer_it


def view_of(store: Store, name: str, build: Callable[[Store], object], held_only: bool) -> object | None:
    """The view ``name``: held by this process, saved by another for this graph version, or
    (unless ``held_only``) built now and kept."""
    found = store.derived.get(name)
    if found is None and held_only:
        found = store._saved_view(name)
        if found is not None:
            store.derived.setdefault(name, found)
        else:
            build_later(store, name, build)
        return found
    return found if found is not None else store.view(name, build)


_BUILDING: set[tuple[int, str, int]] = set()
_BUILDING_LOCK = threading.Lock()


def build_later(store: Store, name: str, build: Callable[[Store], object]) -> None:
    """Build a missing view in a thread of its own (once per graph version), kept and saved
    as any view, so that the requests after it are answered from it; the request that
    found it missing runs the SPARQL in a query worker meanwhile."""
    key = (id(store), name, store.version)
    with _BUILDING_LOCK:
        if key in _BUILDING:
            return
        _BUILDING.add(key)
    threading.Thread(target=_build, args=(store, name, build), name=f"r2pkg-view-{name}", daemon=True).start()


def _build(store: Store, name: str, build: Callable[[Store], object]) -> None:
    """The view built and kept; a build that fails (the store closed meanwhile) is only a
    view still missing, built again by the next request that finds it so."""
    try:
        store.view(name, build)
    except Exception:  # noqa: BLE001 - a cache that could not be filled
        with _BUILDING_LOCK:
            _BUILDING.discard((id(store), name, store.version))


#: The saved queries a view answers, by name.
ANSWERERS: dict[str, Answerer] = {
    "what-the-sources-say-about": sources_say,
    "naming-and-term-debates": naming_debates,
    "claims-where-sources-disagree": _in("claim_groups"),
    "where-the-answer-rests-on-an-editors-reading": _in("editors_reading"),
    "inferred-facts-to-double-check": _in("inferred_facts"),
    "responses-by-pillar": _listing("responses-by-pillar"),
    "coercive-response-tools": _listing("coercive-response-tools"),
    "responses-resting-on-chapter-vii": _listing("responses-resting-on-chapter-vii"),
    "similar-cases": _in("similar_cases"),
    "cases-outside-the-scope": _listing("cases-outside-the-scope"),
    "authority-chain-nodes": _in("authority_fragments"),
    "authority-chain-roots": _in("authority_fragments"),
    "plain-fact-triples-without-backing": _in("fact_backing", "plain-fact-triples-without-backing"),
    "plain-triples-backed-only-by-participants": _in("fact_backing", "plain-triples-backed-only-by-participants"),
    "precedents-draws-on": _in("precedent_fragments", "precedents-draws-on"),
    "precedents-drawn-on-by": _in("precedent_fragments", "precedents-drawn-on-by"),
    "citator": _in("citator_fragment"),
    "find-by-label": _in("label_search"),
    "mandates-without-founding-instrument": _listing("mandates-without-founding-instrument"),
    "cases-involving-all-four-crimes": _listing("cases-involving-all-four-crimes"),
    "recommendations-by-support-level": _listing("recommendations-by-support-level"),
}


def order_by(names: list[str], columns: tuple[str, ...]) -> Callable[[tuple], tuple]:
    """A saved query's ``ORDER BY`` on ``columns`` as a Python sort key on a view's rows (each
    value a :mod:`r2pkg.view_terms` term, whose second string is its ``STR()``; an unbound
    value sorts first); rows the ORDER BY leaves tied are put in the order of their values."""
    at = {name: i for i, name in enumerate(names)}
    keyed = [at[name] for name in columns]

    def key(row: tuple) -> tuple:
        return (tuple("" if row[i] is None else row[i][1] for i in keyed),
                tuple("" if v is None else v[1] for v in row))
    return key


def rows_by_node(store: Store, view: dict, cache: str, key: Callable[[tuple], tuple],
                 wanted: Node | None, max_rows: int | None) -> Answer:
    """The rows of a view kept by node (``view["rows"]``, with each node's classes in
    ``view["types"]``) in the query's order, of the nodes of class ``wanted`` if given.

    The rows are sorted once per version of the view (kept in ``store.derived[cache]`` beside
    it until a write replaces it), and only the rows answered, up to the row cap, are turned
    into rdflib terms, each distinct value once."""
    ordered = store.derived.get(cache)
    if ordered is None or ordered[0] is not view:
        rows = [row for node_rows in view["rows"].values() for row in node_rows]
        ordered = store.derived[cache] = (view, sorted(rows, key=key), {})
    _, rows, terms = ordered
    if wanted is not None:
        column, wanted_key = view["names"].index("node"), key_of(wanted)
        rows = [row for row in rows if wanted_key in view["types"].get(row[column], ())]

    def term(value):
        if value is None:
            return None
        if value not in terms:
            terms[value] = term_of(value)
        return terms[value]
    return Answer.select(list(view["names"]), ([term(v) for v in row] for row in rows), max_rows)


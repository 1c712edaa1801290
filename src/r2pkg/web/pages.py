"""Pages for people: home, search, resource pages, the ontology, saved queries, dumps."""

from __future__ import annotations

import threading
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from r2pkg.answers import answer as write_answer
from r2pkg.answers import write
from r2pkg.citator import SHOWN as CITATOR_SHOWN
from r2pkg.citator import citations
from r2pkg.describe import concise_bounded, describe, search_labels, value_of
from r2pkg.errors import InputError
from r2pkg.figures import figures
from r2pkg.formats import GRAPH_TYPES, serialize_graph
from r2pkg.names import EXPECTED
from r2pkg.namespaces import PREFIXES, R2P, R2PID
from r2pkg.positions import views_about
from r2pkg.query_views import answer_saved
from r2pkg.sparql import bind_parameters, evaluate_on
from r2pkg.web import get_queries, get_store, run_task
from r2pkg.web.paging import offset_argument, page_of
from r2pkg.web.sparql import answer_response

bp = Blueprint("pages", __name__)

_RDF_MEDIA = {"text/turtle": "turtle", "application/ld+json": "jsonld", "application/n-triples": "ntriples",
              "application/rdf+xml": "rdfxml"}


def _wants_rdf() -> str | None:
    """The RDF format the client prefers to HTML, if any."""
    fmt = request.args.get("format")
    if fmt in GRAPH_TYPES:
        return fmt
    best = request.accept_mimetypes.best_match(["text/html", *_RDF_MEDIA])
    return _RDF_MEDIA.get(best or "text/html")


def _existing_as_rdf(store, node: URIRef) -> Response | None:
    """404 for an unknown node; its description as RDF if the client prefers RDF; else None."""
    if not store.exists(node):
        abort(404)
    fmt = _wants_rdf()
    if fmt is None:
        return None
    return Response(serialize_graph(concise_bounded(store, node), fmt), mimetype=GRAPH_TYPES[fmt])


@bp.get("/")
def home():
    """Search, the query editor, the saved queries and the figures of the graph."""
    store = get_store()
    return render_template("pages/home.html", stats=figures(store), queries=get_queries().values(),
                           query=request.args.get("query", ""), prefixes=sorted(PREFIXES))


@bp.get("/editor/vocabulary.json")
def vocabulary():
    """What the query editor completes: the prefixes the server declares, the ontology's classes
    and properties with their labels. Served here so the editor never asks a remote service."""
    from r2pkg.editing.vocabulary import vocabulary as build

    response = jsonify(build(get_store()))
    response.cache_control.max_age = 300
    return response


@bp.get("/search")
def search():
    """Nodes whose label contains the words typed."""
    store = get_store()
    text = request.args.get("q", "")
    hits = search_labels(store, text, current_app.config["SEARCH_LIMIT"])
    if request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json":
        return jsonify([{"iri": h.iri, "label": h.text} for h in hits])
    return render_template("pages/search.html", q=text, search_text=text, hits=hits)


@bp.get("/id/<path:rest>")
def resource(rest: str):
    """The page of one individual (HTML), or its description as RDF by Accept."""
    store = get_store()
    node = URIRef(str(R2PID) + rest)
    rdf = _existing_as_rdf(store, node)
    if rdf is not None:
        return rdf
    is_case = R2P.Case in store.types(node)
    found = citations(store, node, shown=CITATOR_SHOWN)
    shown = found if (found["cites"] or found["cited_by"] or _is_document(store, node)) else None
    return render_template("pages/resource.html", d=describe(store, node), is_case=is_case, cited=shown,
                           views=views_about(store, node))


@bp.get("/linked")
def linked():
    """The nodes linked to a node by one property, a page at a time: the rest of a "Linked
    from" row that has more than its resource page lists (``?node=&property=&offset=``)."""
    from r2pkg.describe import INVERSE_NAMES, linked_href
    from r2pkg.linked import PAGE, linked_from, linked_page

    store = get_store()
    node, prop = _iri_argument("node"), _iri_argument("property")
    if not store.exists(node):
        abort(404)
    offset = offset_argument(request.args)
    total = linked_from(store, node).get(prop, ((), 0))[1]
    shown = sorted((value_of(store, s) for s in linked_page(store, node, prop, offset)), key=lambda v: v.text)
    return render_template(
        "pages/linked.html", node=value_of(store, node), name=INVERSE_NAMES.get(prop, f"{store.label(prop)} (of)"),
        prop=value_of(store, prop), shown=shown, offset=offset, total=total,
        previous=linked_href(node, prop, max(0, offset - PAGE)) if offset > 0 else None,
        next=linked_href(node, prop, offset + PAGE) if offset + PAGE < total else None)


def _iri_argument(name: str) -> URIRef:
    """An absolute http(s) IRI from the URL, checked as Oxigraph checks one (a 400 otherwise)."""
    import pyoxigraph as ox

    value = request.args.get(name, "").strip()
    try:
        ox.NamedNode(value)
        valid = value.startswith(("http://", "https://"))
    except ValueError:
        valid = False
    if not valid:
        raise InputError(f"the parameter '{name}' must be an IRI (http:// or https://).",
                         hint="follow the link from a node's page.")
    return URIRef(value)


def _is_document(store, node: URIRef) -> bool:
    """True for a node whose class is r2p:Document or below it."""
    g = store
    return any(R2P.Document in set(g.transitive_objects(t, RDFS.subClassOf)) for t in store.types(node))


@bp.get("/citator")
def citator():
    """What a document cites and what cites it (``?document=``), with treatments: HTML or JSON."""
    from r2pkg.web.errors import wants_json

    store = get_store()
    name = request.args.get("document", "").strip()
    if not name:
        raise InputError("the parameter 'document' is missing.", hint="add ?document=doc:S-RES-1674 (or an IRI or label).")
    json = wants_json()  # the JSON answer and ``&all=1`` list every citing document
    found = citations(store, store.resolve(name, EXPECTED["document"]),
                      shown=None if json or request.args.get("all") else CITATOR_SHOWN)
    if json:
        return jsonify(found)
    return render_template("pages/citator.html", c=found)


@bp.get("/ontology")
def ontology():
    """Every class, property, concept scheme and shape, with its label and definition; or the
    ontology files themselves as RDF (Turtle, JSON-LD, N-Triples, RDF/XML) by Accept or ?format=."""
    store = get_store()
    fmt = _wants_rdf()
    if fmt is not None:
        response = Response(serialize_graph(_ontology_graph(store), fmt), mimetype=GRAPH_TYPES[fmt])
        response.headers["Vary"] = "Accept"
        return response
    return render_template("pages/ontology.html", sections=_ontology_sections(store))


def _ontology_graph(store):
    """The triples of ontology/*.ttl (classes, properties, schemes, shapes), not the data: the
    store's own copy, or, for a store loaded from no files (an endpoint), the bundled ones."""
    graph = store.ontology()
    if len(graph):
        return graph
    cached = store.derived.get("ontology-graph")
    if cached is None:
        from rdflib import Graph

        from r2pkg.namespaces import bind_prefixes
        from r2pkg.store import project_root

        cached = bind_prefixes(Graph())
        for path in sorted((project_root() / "ontology").glob("*.ttl")):
            cached.parse(path, format="turtle")
        store.derived["ontology-graph"] = cached
    return cached


@bp.get("/ontology/<term>")
def term(term: str):
    """One term of the ontology, readable by a lawyer."""
    store = get_store()
    node = URIRef(str(R2P) + term)
    rdf = _existing_as_rdf(store, node)
    if rdf is not None:
        return rdf
    # a class's instances are not listed on its page: thousands at a million triples
    return render_template("pages/term.html", t=_term(store, node), d=describe(store, node, linked=False))


def _term(store, node) -> dict:
    g = store
    label, definition = store.label(node), str(g.value(node, SKOS.definition) or g.value(node, RDFS.comment)
                                               or g.value(node, SH.description) or g.value(node, SH.message) or "")
    if _is_shape(g, node):
        label, definition = _shape_label(store, node), definition or _shape_text(store, node)
    return {
        "iri": str(node),
        "name": str(node)[len(str(R2P)):],
        "label": label,
        "definition": definition,
        "scope_note": str(g.value(node, SKOS.scopeNote) or ""),
        "domain": [value_of(store, v) for v in g.objects(node, RDFS.domain)],
        "range": [value_of(store, v) for v in g.objects(node, RDFS.range)],
        "superclass": [value_of(store, v) for v in g.objects(node, RDFS.subClassOf)],
    }


_SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint)
_TARGETS = ((SH.targetClass, "every {}"), (SH.targetSubjectsOf, "every subject of {}"),
            (SH.targetObjectsOf, "every object of {}"), (SH.targetNode, "{}"))


def _is_shape(g, node) -> bool:
    return any((node, RDF.type, t) in g for t in _SHAPE_TYPES)


def _targets(store, node) -> str:
    g = store
    found = [pattern.format(store.label(o)) for prop, pattern in _TARGETS for o in g.objects(node, prop)]
    return ", ".join(sorted(found))


def _shape_label(store, node) -> str:
    """A shape's own name (rdfs:label, sh:name), else what it checks, never its IRI's tail."""
    g = store
    own = g.value(node, RDFS.label) or g.value(node, SH.name)
    if own is not None:
        return str(own)
    if g.value(node, SH.path) is not None:
        return f"{store.label(g.value(node, SH.path))} (property check)"
    targets = _targets(store, node)
    return f"checks on {targets}" if targets else store.label(node)


def _shape_text(store, node) -> str:
    """For a shape with no description: what it applies to and the checks it groups, in words."""
    g = store
    parts = []
    targets = _targets(store, node)
    if targets:
        parts.append(f"Applies to {targets}.")
    checks = [_shape_label(store, c) for prop in (SH.property, SH.sparql) for c in g.objects(node, prop)]
    if checks:
        parts.append("Checks: " + "; ".join(sorted(checks)) + ".")
    counts = [(SH.minCount, "at least {} value(s)"), (SH.maxCount, "at most {} value(s)"),
              (SH["class"], "values of class {}"), (SH.datatype, "values of type {}"), (SH.pattern, "matching {}")]
    for prop, pattern in counts:
        for o in g.objects(node, prop):
            parts.append(pattern.format(store.label(o) if isinstance(o, URIRef) else str(o)) + ".")
    return " ".join(parts)


def _ontology_sections(store) -> list[tuple[str, list[dict]]]:
    g = store
    kinds = [
        ("Classes", [OWL.Class]),
        ("Properties", [OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property, OWL.AnnotationProperty]),
        ("Concept schemes", [SKOS.ConceptScheme]),
        ("Concepts", [SKOS.Concept]),
        ("Validation shapes", [SH.NodeShape, SH.PropertyShape, SH.SPARQLConstraint]),
    ]
    sections = []
    for title, classes in kinds:
        terms = {s for c in classes for s in g.subjects(RDF.type, c)
                 if isinstance(s, URIRef) and str(s).startswith(str(R2P))}
        sections.append((title, sorted((_term(store, t) for t in terms), key=lambda t: t["name"].lower())))
    return sections


@bp.get("/queries")
def queries():
    """The saved queries by title."""
    return render_template("pages/queries.html", queries=get_queries().values())


#: Arguments of /queries/NAME that are not parameters of the query.
PAGE_ARGUMENTS = frozenset({"format", "as-of", "offset"})


@bp.get("/queries/<name>")
def saved(name: str):
    """Run one saved query with the parameters in the URL (defaults fill the rest). The page
    shows :data:`r2pkg.web.paging.ROWS` rows from ``?offset=`` (0) with their count and links
    to the others; the JSON answer (``format=json`` or ``Accept``) has every row."""
    store = get_store()
    query = get_queries().get(name) or abort(404)
    # every argument but the page's own is a parameter: a misspelt one is an error, as on the CLI
    given = {k: v for k, v in request.args.items() if k not in PAGE_ARGUMENTS}
    bindings = query.bindings(given, store=store)
    offset = offset_argument(request.args)
    cap = int(current_app.config["MAX_RESULT_ROWS"])
    fmt = request.args.get("format")
    # from the store's views where they hold the answer (no whole-graph run), else by its SPARQL
    from_views = answer_saved(store, query.name, query.text, bindings, cap, held_only=True)
    if fmt == "json" or (fmt is None and request.accept_mimetypes.best == "application/json"):
        written = (write(from_views, "json") if from_views is not None else
                   run_task(write_answer, query.text, "json", bindings, cap))  # SPARQL JSON, as /sparql
        return answer_response(written, "application/json")
    answer = from_views if from_views is not None else run_task(evaluate_on, query.text, bindings, cap)
    page = page_of(request.path, request.args, offset, len(answer.rows))
    rows = _shown_rows(store, answer, offset, offset + page.shown, kept=from_views is not None)
    # the editor gets the query as it ran: the bindings written in, so it gives the same rows
    bound = bind_parameters(query.text, bindings) if bindings else query.text
    json_href = request.path + "?" + urlencode({**{k: v for k, v in request.args.items() if k not in ("offset", "format")},
                                                "format": "json"})
    return render_template("pages/query.html", q=query, given=given, answer=answer, rows=rows, bound_text=bound,
                           page=page, json_href=json_href)


def _shown_rows(store, answer, start: int, stop: int, kept: bool) -> list[list]:
    """Rows ``start:stop`` of the answer as the page shows them; for an answer a view gave
    (kept until the next write, :mod:`r2pkg.query_views`), kept with it, so that its next
    view only renders."""
    cache = store.derived.setdefault("saved-query-pages", {}) if kept else {}
    found = cache.get((id(answer), start))
    if found is not None and found[0] is answer:
        return found[1]
    shown: dict = {}  # a value repeats down a column (a kind, a property, a source): shown once
    rows = [[None if v is None else shown[v] if v in shown else shown.setdefault(v, value_of(store, v))
             for v in row] for row in answer.rows[start:stop]]
    if kept:
        if len(cache) >= 64:
            cache.clear()
        cache[(id(answer), start)] = (answer, rows)
    return rows


@bp.get("/dump.<ext>")
def dump(ext: str):
    """The whole graph to download, as Turtle, N-Triples, N-Quads or TriG."""
    formats = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "trig": "trig"}
    if ext not in formats:
        abort(404)
    body = _dump(get_store(), formats[ext])
    response = Response(body, mimetype=GRAPH_TYPES[formats[ext]])
    response.headers["Content-Disposition"] = f"attachment; filename=r2pkg.{ext}"
    return response


_DUMP_LOCK = threading.Lock()


def _dump(store, fmt: str) -> bytes:
    """The whole graph in ``fmt``, written once per graph version and then served from memory.

    Sixteen /dump.trig at once used to serialise the graph sixteen times; now the first
    writes it (under a lock, so the others wait for it rather than repeat it).
    """
    cache = current_app.extensions.setdefault("r2pkg.dumps", {})
    key = (fmt, store.version)
    body = cache.get(key)
    if body is None:
        with _DUMP_LOCK:
            body = cache.get(key)
            if body is None:
                text = serialize_graph(store.local_copy(), fmt) if fmt in ("turtle", "ntriples") else _named(store, fmt)
                body = text.encode("utf-8")
                for old in [k for k in cache if k[1] != store.version]:
                    del cache[old]
                cache[key] = body
    return body


def _named(store, fmt: str) -> str:
    """N-Quads/TriG: the graph as one named graph, r2pid:graph."""
    from rdflib import Dataset

    ds = Dataset()
    named = ds.graph(URIRef(str(R2PID) + "graph"))
    for triple in store:
        named.add(triple)
    return ds.serialize(format=fmt)

"""``/sparql``: the SPARQL 1.1 Protocol for queries, read-only and safe by default."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, request, url_for
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from waitress.buffers import ReadOnlyFileBasedBuffer

from r2pkg.answers import Serialized, answer_reading
from r2pkg.errors import QueryError, R2pkgError
from r2pkg.formats import GRAPH_TYPES, RESULT_TYPES, serialize_graph
from r2pkg.namespaces import PREFIXES, R2PID
from r2pkg.reading import (
    Reading,
    dataset_parameters_refused,
    decode,
    not_text,
    read_query,
    remember,
    too_long,
    update_refused,
)
from r2pkg.web import get_store, run_task
from r2pkg.web.forms import strict_form, strict_urlencoded

bp = Blueprint("sparql", __name__)

SD = "http://www.w3.org/ns/sparql-service-description#"

#: Short names users may give in ?format=, and the media types they stand for.
FORMAT_ALIASES = {
    **RESULT_TYPES, **GRAPH_TYPES,
    "ttl": "text/turtle", "json-ld": "application/ld+json", "nt": "application/n-triples",
    "srj": "application/sparql-results+json", "srx": "application/sparql-results+xml",
}
#: The file extension of each answer format, for the names of downloads.
FILE_EXTENSIONS = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "ttl",
                   "jsonld": "jsonld", "ntriples": "nt", "rdfxml": "rdf"}
#: The format name of each media type an answer is written in (the form is read in the worker).
_FORMAT_OF_MEDIA = {media: fmt for fmt, media in {**RESULT_TYPES, **GRAPH_TYPES}.items()}
_RESULT_MEDIA = {v: k for k, v in RESULT_TYPES.items()} | {
    "application/json": "json", "application/xml": "xml", "text/xml": "xml",
}
_GRAPH_MEDIA = {v: k for k, v in GRAPH_TYPES.items() if k in ("turtle", "jsonld", "ntriples", "rdfxml")} | {
    "application/x-turtle": "turtle", "application/json": "jsonld", "text/plain": "ntriples",
    # clients that ask for results formats on a CONSTRUCT (rdflib's SPARQLStore does) get the
    # graph in the nearest RDF syntax rather than a 406
    "application/sparql-results+json": "jsonld", "application/sparql-results+xml": "rdfxml",
}


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    """Answer a query, or describe the service when there is none.

    Only cheap checks run here (length, dataset parameters, what the client accepts).
    Reading the query (rdflib's parser, which a crafted 49 kB text kept busy for 29 s)
    runs in the query worker with the query itself, under the same time limit.
    """
    text = _query_text()
    if text is None:
        return _service_description()
    _refuse_datasets()
    limit = int(current_app.config["MAX_QUERY_LENGTH"])
    if len(text) > limit:
        raise too_long(len(text), limit)
    base = endpoint_url()
    if get_store().uses_network and current_app.config["ISOLATE_QUERIES"]:
        # a remote store runs the query in this process; reading it still runs in a worker
        remember(text, limit, read_in_worker(text, limit, base), base)
    formats = (_negotiated("SELECT"), _negotiated("CONSTRUCT"))
    written = run_task(answer_query, text, formats, limit, int(current_app.config["MAX_RESULT_ROWS"]), base)
    response = answer_response(written)
    response.headers["Vary"] = "Accept"
    if request.args.get("format"):  # a download link: the file gets a name fitted to its form
        fmt = _FORMAT_OF_MEDIA.get(written.media_type, "txt")
        kind = "graph" if fmt in GRAPH_TYPES else "results"
        response.headers["Content-Disposition"] = f'attachment; filename="r2pkg-{kind}.{FILE_EXTENSIONS.get(fmt, fmt)}"'
    return response


def answer_query(store, text: str, formats: tuple, max_length: int, max_rows: int,
                 base: str | None = None) -> Serialized:
    """The worker's task: read the query, pick the format for its form, answer it.

    ``formats`` holds the format negotiated for results (SELECT, ASK) and for graphs
    (CONSTRUCT, DESCRIBE), or the 406 error to raise for that kind; ``base`` is the
    endpoint's URL, against which relative IRIs resolve.
    """
    reading = read_query(text, max_length=max_length, base=base)
    fmt = formats[0] if reading.form in ("SELECT", "ASK") else formats[1]
    if isinstance(fmt, Exception):
        raise fmt
    return answer_reading(store, reading, fmt, max_rows)


def read_in_worker(text: str, max_length: int, base: str | None = None) -> Reading:
    """The reading of ``text``, made in a query worker under the query time limit."""
    client = request.remote_addr or ""
    return current_app.extensions["r2pkg.admission"].call(
        client, _read_task, text, max_length, base, timeout=float(current_app.config["QUERY_TIMEOUT"]))


def _read_task(_store, text: str, max_length: int, base: str | None = None) -> Reading:
    return read_query(text, max_length=max_length, base=base)


def endpoint_url() -> str:
    """The endpoint's own URL: the base IRI of every query asked of it."""
    return url_for("sparql.endpoint", _external=True)


def _negotiated(form: str) -> str | R2pkgError:
    try:
        return _negotiate(form)
    except R2pkgError as exc:
        return exc


def answer_response(written: Serialized, media_type: str | None = None) -> Response:
    """A written answer as a response: the cut marked, the engine's time in ``Server-Timing``.

    Under waitress the body goes out through its file wrapper, which hands the socket
    slices of it. Given as a plain body, waitress copies it into its output buffer and again
    for every send: 5.2 ms for a 2.2 MB answer, against 1.0 ms this way. Other servers get
    plain bytes, as PEP 3333 asks.
    """
    media = media_type or written.media_type
    if request.environ.get("wsgi.file_wrapper") is ReadOnlyFileBasedBuffer:
        response = Response(ReadOnlyFileBasedBuffer(_BodyFile(written.body)), mimetype=media,
                            direct_passthrough=True)
        response.content_length = len(written.body)
    else:
        response = Response(bytes(written.body), mimetype=media)
    if media.startswith("text/") or media.endswith("json") or media.endswith("xml"):
        response.charset = "utf-8"
    if written.truncated:
        response.headers["X-R2pkg-Truncated"] = str(current_app.config["MAX_RESULT_ROWS"])
    if written.seconds is not None:
        response.headers["Server-Timing"] = f'query;dur={written.seconds * 1000:.2f};desc="query run and written"'
    return response


def _query_text() -> str | None:
    strict_urlencoded(request.query_string, not_text)
    in_url = request.args.getlist("query")
    if request.method in ("GET", "HEAD"):
        return _one_query(in_url)
    ctype = (request.mimetype or "").lower()
    if ctype == "application/sparql-query":
        if in_url:
            raise QueryError("the request has a query in its body and a 'query' parameter in its "
                             "URL; the SPARQL protocol allows exactly one.", hint="send one query per request.")
        return decode(request.get_data())
    form = strict_form(not_text)  # Werkzeug's form parser would replace bad bytes
    if ctype == "application/sparql-update" or "update" in form:
        raise update_refused()
    if ctype in _FORM_TYPES:
        return _one_query(in_url + form.getlist("query"))
    if not ctype and not request.get_data():
        return None
    err = R2pkgError(f"a query cannot be sent as '{ctype}'.",
                     hint="POST it as application/sparql-query or as a form field 'query'.")
    err.http_status = 415
    raise err


def held_graph() -> str:
    """The name of the one graph the store holds (as ``/dump.nq`` names it)."""
    return str(R2PID) + "graph"


def _refuse_datasets() -> None:
    """Honour ``default-graph-uri`` naming the graph the store holds (the dataset is then the
    one it serves anyway); refuse every other graph, and say why."""
    held = held_graph()
    for parameter in ("default-graph-uri", "named-graph-uri"):
        for value in _all_values(parameter):
            if parameter == "named-graph-uri" or value.strip() != held:
                raise dataset_parameters_refused(parameter, value.strip(), held)


def _all_values(name: str) -> list[str]:
    """Every value of a parameter, from the URL and from a form body alike."""
    found = request.args.getlist(name)
    if request.method == "POST" and (request.mimetype or "") in _FORM_TYPES:
        found += request.form.getlist(name)
    return found


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _one_query(values: list[str]) -> str | None:
    """The one ``query`` of a request; the protocol allows exactly one."""
    if len(values) > 1:
        raise QueryError(f"the request has {len(values)} 'query' parameters; the SPARQL protocol "
                         "allows exactly one.", hint="send one query per request.")
    return values[0] if values else None


def _negotiate(form: str) -> str:
    """The format name to answer with, from ?format= or Accept."""
    table = _RESULT_MEDIA if form in ("SELECT", "ASK") else _GRAPH_MEDIA
    asked = (request.values.get("format") or request.values.get("output") or "").lower()
    if asked:
        if form not in ("SELECT", "ASK"):
            # SPARQLWrapper and rdflib's SPARQLStore send their result-format name for graphs too
            asked = {"json": "jsonld", "n3": "turtle"}.get(asked, asked)
        media = FORMAT_ALIASES.get(asked, asked)
        if media in table:
            return table[media]
        if asked not in ("xml", "rdf+xml", "rdfxml"):  # RDF/XML: let Accept decide instead
            _not_acceptable(form, table)
    accept = request.accept_mimetypes
    if not accept or accept.provided is False or str(accept) in ("", "*/*"):
        return "json" if form in ("SELECT", "ASK") else "turtle"
    offers = list(table)
    if "text/html" in accept.values() and accept.best_match(offers + ["text/html"]) == "text/html":
        # a browser following a link: give it something it can display
        return "json" if form in ("SELECT", "ASK") else "turtle"
    best = accept.best_match(offers)
    if best is None:
        _not_acceptable(form, table)
    return table[best]


def _not_acceptable(form: str, table: dict[str, str]) -> None:
    kinds = "results" if form in ("SELECT", "ASK") else "graphs"
    err = R2pkgError(f"cannot serve {form} {kinds} in the requested format.",
                     hint=f"ask for one of: {', '.join(sorted(set(table)))}.")
    err.http_status = 406
    raise err


def _service_description():
    """The SPARQL 1.1 Service Description of this endpoint (GET with no query)."""
    best = request.accept_mimetypes.best_match(["text/html", *(_GRAPH_MEDIA)])
    if best == "text/html" and "text/html" in request.accept_mimetypes.values():
        return redirect(url_for("pages.home") + "#editor")
    fmt = _GRAPH_MEDIA.get(best or "text/turtle", "turtle")
    g = Graph()
    g.bind("sd", SD)
    service = URIRef(request.base_url)
    g.add((service, RDF.type, URIRef(SD + "Service")))
    g.add((service, URIRef(SD + "endpoint"), service))
    g.add((service, URIRef(SD + "supportedLanguage"), URIRef(SD + "SPARQL11Query")))
    for media in list(RESULT_TYPES.values()) + ["text/turtle", "application/ld+json", "application/n-triples"]:
        g.add((service, URIRef(SD + "resultFormat"), Literal(media)))
    dataset = URIRef(request.base_url + "#dataset")
    default_graph = URIRef(request.base_url + "#default-graph")
    g.add((service, URIRef(SD + "defaultDataset"), dataset))
    g.add((dataset, RDF.type, URIRef(SD + "Dataset")))
    g.add((dataset, URIRef(SD + "defaultGraph"), default_graph))
    g.add((default_graph, RDF.type, URIRef(SD + "Graph")))
    g.add((default_graph, URIRef("http://rdfs.org/ns/void#triples"), Literal(get_store().triple_count())))
    _describe_names(g, service, default_graph)
    media = GRAPH_TYPES[fmt]
    return Response(serialize_graph(g, fmt), mimetype=media)


def _describe_names(g: Graph, service: URIRef, default_graph: URIRef) -> None:
    """What names mean here: the base IRI, the graph's name, and every declared prefix.

    The prefixes are SHACL prefix declarations (``sh:declare``), as other public endpoints
    describe theirs; the query editor completes exactly these.
    """
    g.bind("sh", SH)
    g.add((service, RDFS.comment, Literal(
        f"Relative IRIs in a query resolve against the endpoint's own URL, {service}, its base IRI. "
        f"Its one graph, the default graph, is named {held_graph()} (as in /dump.nq); "
        "default-graph-uri may name it, any other graph is refused.", lang="en")))
    for prefix, namespace in sorted(PREFIXES.items()):
        declaration = URIRef(f"{service}#prefix-{prefix}")
        g.add((service, SH.declare, declaration))
        g.add((declaration, SH.prefix, Literal(prefix)))
        g.add((declaration, SH.namespace, Literal(str(namespace), datatype=XSD.anyURI)))


class _BodyFile:
    """A read-only file over bytes already in memory whose reads are views, not copies
    (for waitress, which sends what it reads straight to the socket)."""

    def __init__(self, data: bytes | bytearray) -> None:
        self._view = memoryview(data)
        self._pos = 0

    def read(self, size: int | None = -1) -> memoryview:
        end = len(self._view) if size is None or size < 0 else min(self._pos + size, len(self._view))
        chunk = self._view[self._pos:end]
        self._pos = end
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        base = (0, self._pos, len(self._view))[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._view = memoryview(b"")

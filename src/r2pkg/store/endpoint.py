"""A SPARQL 1.1 endpoint as the store: queries over the Protocol, writes over the Graph Store Protocol.

The product runs on Oxigraph server, Virtuoso, Fuseki, GraphDB or Neptune. Two settings
make it correct on engines whose default graph means different things:

* ``graph``: the named graph holding r2pkg's triples. When given, every query is asked with
  ``default-graph-uri`` set to it, and writes go to it. Virtuoso needs it: its default
  graph is the union of every graph, its own system graphs included. Oxigraph server's
  default graph is its own graph, so there r2pkg's triples can live in it and no graph
  is needed.
* ``gsp``: the Graph Store Protocol URL, when it is not the endpoint's ``/store`` (Oxigraph)
  — e.g. Virtuoso's ``/sparql-graph-crud-auth``.

Both come from the environment (``R2PKG_STORE_GRAPH``, ``R2PKG_STORE_GSP``), as do the
credentials (``R2PKG_STORE_USER``, ``R2PKG_STORE_PASSWORD``), which are sent with Basic or
Digest authentication as the server asks, and never written to a log or an error.
"""

from __future__ import annotations

import os
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from rdflib import BNode, Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result

from r2pkg.errors import InputError, QueryError
from r2pkg.namespaces import bind_prefixes
from r2pkg.sparql import Answer, ParsedQuery
from r2pkg.store.base import Store, answer_from_result
from r2pkg.store.memory import MemoryStore

_GRAPH_QUERY = re.compile(
    r"^\s*(?:(?:#[^\n]*(?:\n|$)|PREFIX\s+[\w-]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(CONSTRUCT|DESCRIBE)\b", re.I)


@dataclass(frozen=True)
class Endpoint:
    """Where an external store is and how to reach it."""

    url: str
    graph: str | None = None
    gsp: str | None = None
    user: str | None = None
    password: str | None = None

    @classmethod
    def from_env(cls, url: str, graph: str | None = None, gsp: str | None = None) -> Endpoint:
        return cls(url=url, graph=graph or os.environ.get("R2PKG_STORE_GRAPH") or None,
                   gsp=gsp or os.environ.get("R2PKG_STORE_GSP") or None,
                   user=os.environ.get("R2PKG_STORE_USER") or None,
                   password=os.environ.get("R2PKG_STORE_PASSWORD") or None)

    def __repr__(self) -> str:  # never show the password
        return f"Endpoint(url={self.url!r}, graph={self.graph!r}, gsp={self.gsp!r})"

    @property
    def auth(self) -> tuple[str, str] | None:
        return (self.user, self.password or "") if self.user else None

    def store_url(self) -> str:
        """The Graph Store Protocol URL of r2pkg's graph."""
        return graph_store_url(self.gsp or self.url, self.graph, given=bool(self.gsp))


#: Seconds before a query that met a server error (5xx) is asked once more.
RETRY_PAUSE = 0.5


def _transient(status) -> bool:
    """A server error (HTTP 5xx), which asking again may not meet; a client error (4xx) would."""
    try:
        return 500 <= int(status) < 600
    except (TypeError, ValueError):
        return False


#: How much of an error answer's body an error message quotes (Virtuoso's is one line).
SAID_CHARS = 400


def _said(error: urllib.error.HTTPError) -> str:
    """What the server said with an error status, on one line: Virtuoso, for one, answers
    "SPARQL Request Failed" as its status text and puts its own message (error code, line
    of the query) in the body, which rdflib's connector drops."""
    try:
        body = error.read(SAID_CHARS * 4).decode("utf-8", errors="replace")
    except OSError:
        body = ""
    text = " ".join(body.split())
    if not text:
        return str(error)
    return f"{error} ({text[:SAID_CHARS]}{'…' if len(text) > SAID_CHARS else ''})"


class _Asking(SPARQLStore):
    """rdflib's SPARQLStore, with the server's own words kept when it answers an error.

    rdflib's connector returns ``(status, "HTTP Error 500: ...", None)`` and drops the
    answer's body; this one POSTs the form itself (as rdflib's ``POST_FORM`` does) and keeps
    the body's first line in the message.
    """

    def _query(self, query, default_graph=None, named_graph=None):
        self._queries += 1
        params = {"query": query}
        if default_graph is not None and not isinstance(default_graph, BNode):
            params["default-graph-uri"] = default_graph
        headers = {**self.kwargs.get("headers", {}), "Accept": self.response_mime_types()}
        request = urllib.request.Request(self.query_endpoint, data=urlencode(params).encode(), headers=headers)
        try:
            with urllib.request.urlopen(request) as answer:
                body, kind = answer.read(), answer.headers["Content-Type"].split(";")[0]
        except urllib.error.HTTPError as exc:
            return exc.code, _said(exc), None
        return Result.parse(BytesIO(body), content_type=kind)


class _Connector(_Asking):
    """rdflib's SPARQLStore, asking for SPARQL JSON for results and Turtle for graphs.

    A single SPARQLStore sends one Accept header for every query; stores such as Oxigraph
    then answer a CONSTRUCT with 406. Two connectors, chosen by the query form, fix that.
    Every query names r2pkg's graph as the default graph when one is set.
    """

    def __init__(self, endpoint: Endpoint) -> None:
        options = {"auth": endpoint.auth} if endpoint.auth else {}
        super().__init__(query_endpoint=endpoint.url, returnFormat="json", method="POST_FORM", **options)
        self._graphs = _Asking(query_endpoint=endpoint.url, returnFormat="turtle", method="POST_FORM", **options)
        self._default = endpoint.graph

    def query(self, query, initNs=None, initBindings=None, queryGraph=None, DEBUG=False):  # noqa: N803
        target = self._graphs if _GRAPH_QUERY.match(str(query)) else super()
        result = target.query(query, initNs or {}, initBindings or {}, self._default or queryGraph, DEBUG)
        if isinstance(result, tuple) and _transient(result[0]):
            # A read is safe to ask twice: Virtuoso 7.2 now and then answers a query it answers
            # the next moment with a bare 500 (seen once in a CI run's whole-graph validation).
            time.sleep(RETRY_PAUSE)
            result = target.query(query, initNs or {}, initBindings or {}, self._default or queryGraph, DEBUG)
        if isinstance(result, tuple):  # rdflib returns (status, message, None) on HTTP errors
            status, message = result[0], result[1]
            raise QueryError(f"the SPARQL endpoint {self.query_endpoint} answered {status}: {message}.")
        return result

    def triples(self, spo, context=None):
        # a pattern asked of the graph (labels, pages) is also confined to r2pkg's graph
        if self._default and context is not None and not self._is_contextual(context):
            context = Graph(identifier=URIRef(self._default))
        yield from super().triples(spo, context)


class EndpointStore(Store):
    """The graph behind a SPARQL 1.1 endpoint; written through its Graph Store Protocol."""

    kind = "remote"

    def __init__(self, endpoint: Endpoint, files: Iterable[Path] = ()) -> None:
        graph = Graph(store=_Connector(endpoint),
                      identifier=URIRef(endpoint.graph) if endpoint.graph else None)
        super().__init__(bind_prefixes(graph), files)
        self.endpoint = endpoint

    @classmethod
    def open(cls, url: str, graph: str | None = None, gsp: str | None = None,
             files: Iterable[Path] = ()) -> EndpointStore:
        """Connect to the endpoint and check that it answers.

        ``files`` are the bundled files the graph was loaded from; their ontology files give
        the vocabulary and shapes that validation uses (r2pkg's, not the engine's).
        """
        store = cls(Endpoint.from_env(url, graph, gsp), files)
        try:
            store.graph.query("ASK { ?s ?p ?o }")
        except Exception as exc:
            raise InputError(f"the SPARQL endpoint {url} does not answer: {_safe(exc, store.endpoint)}.",
                             hint="check the URL (it is the query endpoint, e.g. http://localhost:7878/query).") from None
        return store

    @property
    def uses_network(self) -> bool:
        return True

    def run(self, parsed: ParsedQuery, max_rows: int | None = None) -> Answer:
        try:
            return answer_from_result(self.graph.query(parsed.text), max_rows)
        except QueryError:
            raise
        except Exception as exc:
            raise QueryError(f"the query failed while running: {_safe(exc, self.endpoint)}.") from None

    def snapshot(self, properties: Iterable[URIRef] | None = None) -> Store:
        """The graph (or only the triples of ``properties``) copied in one CONSTRUCT request."""
        if properties is None:
            text = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        else:
            values = " ".join(f"<{p}>" for p in properties)
            text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o }}"
        copy = bind_prefixes(Graph())
        for triple in self.graph.query(text).graph or ():
            copy.add(triple)
        return MemoryStore(copy)

    def _count(self) -> int:
        rows = self.graph.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(next(iter(rows))[0])

    def _write(self, entry: Graph) -> None:
        """POST the entry's triples to the Graph Store in one request: one unit for the store."""
        post(entry, self.endpoint.store_url(), self.endpoint)

    def _remove(self, triples: Graph) -> None:
        raise InputError("corrections and retractions cannot yet be written to an external store "
                         "(the Graph Store Protocol has no partial delete).",
                         hint="correct or retract on the local graph (--store oxigraph), then reload "
                              "the external store with r2pkg load.")


def _safe(exc: Exception, endpoint: Endpoint) -> str:
    """An error's text with the password taken out (rdflib may echo a request)."""
    text = str(exc)
    return text.replace(endpoint.password, "***") if endpoint.password else text


def graph_store_url(target: str, graph_iri: str | None, given: bool = False) -> str:
    """The Graph Store Protocol URL of a graph.

    ``target`` is a query endpoint (``…/query``, ``…/sparql``: its ``/store`` is used, as on
    Oxigraph), a server's bare address (``/store`` is added), or, otherwise or when
    ``given``, the Graph Store URL itself (Fuseki's ``/ds/data``, Virtuoso's
    ``/sparql-graph-crud-auth``).
    """
    base = target.rstrip("/") if not given else target
    if not given:
        for suffix in ("/query", "/sparql", "/update"):
            if base.endswith(suffix):
                base = base[: -len(suffix)] + "/store"
                break
        else:
            if urlsplit(base).path in ("", "/"):
                base += "/store"
    sep = "&" if "?" in base else "?"
    return base + (f"{sep}graph={quote(graph_iri, safe='')}" if graph_iri else f"{sep}default")


def _opener(endpoint: Endpoint | None) -> urllib.request.OpenerDirector:
    """An opener that answers a Basic or Digest challenge with the endpoint's credentials."""
    if endpoint is None or not endpoint.user:
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithPriorAuth()
    passwords.add_password(None, endpoint.gsp or endpoint.url, endpoint.user, endpoint.password or "")
    return urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(passwords),
                                       urllib.request.HTTPDigestAuthHandler(passwords))


def post(graph: Graph, url: str, endpoint: Endpoint | None = None) -> None:
    """POST a graph as N-Triples to a Graph Store URL (one request, one transaction)."""
    body = graph.serialize(format="nt").encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/n-triples"})
    try:
        with _opener(endpoint).open(request, timeout=300) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", errors="replace")[:300]
        raise InputError(f"the store at {url} refused the data ({exc.code} {exc.reason}): {detail}",
                         hint="check that the store accepts writes (Graph Store Protocol) at this URL, "
                         "and R2PKG_STORE_USER / R2PKG_STORE_PASSWORD.") from None
    except urllib.error.URLError as exc:
        raise InputError(f"cannot reach the store at {url}: {exc.reason}.",
                         hint="check the URL and that the store is running.") from None


def push_graph(graph: Graph, target: str, graph_iri: str | None = None, batch: int = 20000,
               progress=None) -> int:
    """POST the graph to a Graph Store endpoint in N-Triples batches, showing progress."""
    endpoint = Endpoint.from_env(target, graph_iri)
    url = endpoint.store_url()
    total = len(graph)
    sent = 0
    for chunk in _batches(graph, batch):
        post(chunk, url, endpoint)
        sent += len(chunk)
        (progress or _bar)(sent, total)
    return sent


def _batches(graph: Graph, size: int):
    """Graphs of about ``size`` triples that never split a blank node from its parent.

    Blank-node labels are local to one request body, so a citation written as ``[ ... ]``
    must travel with the node that holds it, or the store would see two unrelated nodes.
    """
    chunk = Graph()
    seen: set = set()

    def closure(node):
        for p, o in graph.predicate_objects(node):
            yield node, p, o
            if isinstance(o, BNode) and o not in seen:
                seen.add(o)
                yield from closure(o)

    roots = [s for s in set(graph.subjects()) if not isinstance(s, BNode)]
    orphans = [s for s in set(graph.subjects()) if isinstance(s, BNode)]
    for subject in sorted(roots, key=str) + orphans:
        if subject in seen:
            continue
        seen.add(subject)
        for triple in closure(subject):
            chunk.add(triple)
        if len(chunk) >= size:
            yield chunk
            chunk = Graph()
    if len(chunk):
        yield chunk


def _bar(done: int, total: int) -> None:
    width = 40
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} triples")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()

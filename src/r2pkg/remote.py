"""Remote triple stores: a SPARQL 1.1 endpoint as the store, and loading data into one.

Queries go over the SPARQL 1.1 Protocol (rdflib's SPARQLStore), loading over the Graph
Store Protocol, so the product runs on Oxigraph server, Fuseki, Virtuoso, GraphDB or Neptune.
"""

from __future__ import annotations

import re
import sys
import urllib.error
import urllib.request
from urllib.parse import quote

from rdflib import BNode, Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from r2pkg.errors import InputError, QueryError
from r2pkg.namespaces import bind_prefixes

_GRAPH_QUERY = re.compile(
    r"^\s*(?:(?:#[^\n]*(?:\n|$)|PREFIX\s+[\w-]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(CONSTRUCT|DESCRIBE)\b", re.I)


class EndpointStore(SPARQLStore):
    """rdflib's SPARQLStore, asking for SPARQL JSON for results and Turtle for graphs.

    A single SPARQLStore sends one Accept header for every query; stores such as Oxigraph
    then answer a CONSTRUCT with 406. Two connectors, chosen by the query form, fix that.
    """

    def __init__(self, url: str) -> None:
        super().__init__(query_endpoint=url, returnFormat="json", method="POST")
        self._graphs = SPARQLStore(query_endpoint=url, returnFormat="turtle", method="POST")

    def query(self, query, initNs=None, initBindings=None, queryGraph=None, DEBUG=False):  # noqa: N803
        target = self._graphs if _GRAPH_QUERY.match(str(query)) else super()
        result = target.query(query, initNs or {}, initBindings or {}, queryGraph, DEBUG)
        if isinstance(result, tuple):  # rdflib returns (status, message, None) on HTTP errors
            status, message = result[0], result[1]
            raise QueryError(f"the SPARQL endpoint {self.query_endpoint} answered {status}: {message}.")
        return result


def open_remote(url: str):
    """A Store whose graph is a remote SPARQL endpoint (read-only)."""
    from r2pkg.store import Store

    graph = Graph(store=EndpointStore(url))
    bind_prefixes(graph)
    try:
        graph.query("ASK { ?s ?p ?o }")
    except Exception as exc:
        raise InputError(f"the SPARQL endpoint {url} does not answer: {exc}.",
                         hint="check the URL (it is the query endpoint, e.g. http://localhost:7878/query).") from exc
    return Store(graph=graph, kind="remote")


def graph_store_url(target: str, graph_iri: str | None) -> str:
    """The Graph Store Protocol URL for ``target`` (an endpoint or a store URL)."""
    base = target
    for suffix in ("/query", "/sparql", "/update"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    store = base + "/store" if not base.endswith(("/store", "/data")) else base
    return store + (f"?graph={quote(graph_iri, safe='')}" if graph_iri else "?default")


def push_graph(graph: Graph, target: str, graph_iri: str | None = None, batch: int = 20000,
               progress=None) -> int:
    """POST the graph to a Graph Store endpoint in N-Triples batches, showing progress."""
    url = graph_store_url(target, graph_iri)
    total = len(graph)
    sent = 0
    for chunk in _batches(graph, batch):
        body = chunk.serialize(format="nt").encode("utf-8")
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/n-triples"})
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")[:300]
            raise InputError(f"the store at {url} refused the data ({exc.code} {exc.reason}): {detail}",
                             hint="check that the store accepts writes (Graph Store Protocol) at this URL.") from exc
        except urllib.error.URLError as exc:
            raise InputError(f"cannot reach the store at {url}: {exc.reason}.",
                             hint="check the URL and that the store is running.") from exc
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

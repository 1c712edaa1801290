"""Remote triple stores: a SPARQL 1.1 endpoint as the store, and loading data into one.

Queries go over the SPARQL 1.1 Protocol (rdflib's SPARQLStore), loading over the Graph
Store Protocol, so the product runs on Oxigraph server, Fuseki, Virtuoso, GraphDB or Neptune.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from urllib.parse import quote

from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from r2pkg.errors import InputError
from r2pkg.namespaces import bind_prefixes


def open_remote(url: str):
    """A Store whose graph is a remote SPARQL endpoint (read-only)."""
    from r2pkg.store import Store

    graph = Graph(store=SPARQLStore(query_endpoint=url, returnFormat="json", method="POST"))
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
    triples = list(graph)
    total = len(triples)
    sent = 0
    for start in range(0, total, batch):
        chunk = Graph()
        for t in triples[start:start + batch]:
            chunk.add(t)
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


def _bar(done: int, total: int) -> None:
    width = 40
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} triples")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()

"""The rdflib in-memory backend: slow at scale, but pure Python and the reference answer.

Each query text is prepared (parsed and translated to algebra) once and kept, so the
same saved query asked again costs only its evaluation.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from r2pkg.errors import QueryError
from r2pkg.namespaces import bind_prefixes
from r2pkg.rdfinput import format_for, parse_data, parse_file
from r2pkg.reading import deep_call
from r2pkg.sparql import Answer, ParsedQuery
from r2pkg.store.base import Store, answer_from_result
from r2pkg.store.collector import collector_paused
from r2pkg.store.oxigraph import OxigraphStore, to_ox
from r2pkg.store.rdflib_joins import install as _install_hash_joins

_install_hash_joins()


class MemoryStore(Store):
    """The graph in rdflib's own memory store."""

    kind = "memory"

    def run(self, parsed: ParsedQuery, max_rows: int | None = None) -> Answer:
        # in a thread with a deep stack: rdflib's translation and evaluation recurse per
        # nesting level (30 nested parentheses passed Python's default limit)
        return deep_call(self._run, parsed, max_rows)

    def _run(self, parsed: ParsedQuery, max_rows: int | None) -> Answer:
        try:
            result = self.graph.query(_prepared(parsed.text))
            return answer_from_result(result, max_rows)
        except QueryError:
            raise
        except Exception as exc:
            raise QueryError(f"the query failed while running: {exc}.") from exc

    def for_whole_graph_queries(self) -> Store:
        """An Oxigraph copy of the graph, made once per graph version (0.2 s on the bundled graph)."""
        return self.view("oxigraph-copy", _oxigraph_copy)

    @classmethod
    def load(cls, files: Iterable[Path], root: Path | None = None) -> MemoryStore:
        """Parse every file into a new in-memory graph; a syntax error names file, line and column."""
        files = list(files)
        graph = bind_prefixes(Graph())
        # the bundled graph read in 1.5-2.5 s with the collector running, 1.1 s without,
        # 0.45 s copied from _PARSED
        with collector_paused():
            for path in files:
                _parse_kept(graph, Path(path), root)
        return cls(graph, files)


#: What rdflib's parser made of each Turtle or N-Triples file this process has read, by the
#: file's bytes: its prefix bindings and triples. rdflib takes a second for the bundled graph,
#: and copying its triples into a new graph a third of that: an as-of graph, a reload after
#: a change, a second store of the same files each parse only the files that changed.
_PARSED: OrderedDict[bytes, tuple[list, tuple]] = OrderedDict()
_PARSED_LOCK = threading.Lock()
#: Triples kept at most (the oldest files' are forgotten first): a few tens of MB.
PARSED_KEPT = 400_000
_kept = {"triples": 0}


def _parse_kept(graph: Graph, path: Path, root: Path | None) -> None:
    """:func:`~r2pkg.rdfinput.parse_file`, from :data:`_PARSED` when the same bytes were parsed
    before (JSON-LD is parsed each time). A file that fails to parse is not kept, and fails
    with the same message each time."""
    if format_for(path.name) == "json-ld":
        parse_file(graph, path, root=root)
        return
    try:
        data = path.read_bytes()
    except OSError:
        parse_file(graph, path, root=root)  # its message names the file
        return
    key = hashlib.blake2b(path.suffix.lower().encode() + b"\0" + data, digest_size=20).digest()
    with _PARSED_LOCK:
        kept = _PARSED.get(key)
        if kept is not None:
            _PARSED.move_to_end(key)
    if kept is not None:
        binds, triples = kept
        for args, kwargs in binds:
            graph.bind(*args, **kwargs)
        graph.addN((s, p, o, graph) for s, p, o in triples)
        return
    binds, triples = _parse_recording(graph, data, path, root)
    if len(triples) <= PARSED_KEPT:
        with _PARSED_LOCK:
            _PARSED[key] = (binds, triples)
            _kept["triples"] += len(triples)
            while _kept["triples"] > PARSED_KEPT:
                _, (_, old) = _PARSED.popitem(last=False)
                _kept["triples"] -= len(old)


def _parse_recording(graph: Graph, data: bytes, path: Path, root: Path | None) -> tuple[list, tuple]:
    """Parse ``data`` into ``graph`` as :func:`~r2pkg.rdfinput.parse_file` does, noting each
    triple and prefix binding rdflib's Turtle and N-Triples parsers hand the graph."""
    triples: list = []
    binds: list = []
    add, bind = graph.add, graph.bind

    def recording_add(triple):
        triples.append(triple)
        return add(triple)

    def recording_bind(*args, **kwargs):
        binds.append((args, kwargs))
        return bind(*args, **kwargs)

    graph.add, graph.bind = recording_add, recording_bind  # type: ignore[method-assign]
    try:
        parse_data(graph, data, path, root)
    finally:
        del graph.add, graph.bind
    return binds, tuple(triples)


#: The prefixes every loaded graph binds (the contract's and rdflib's core ones).
_NAMESPACES = {prefix: str(ns) for prefix, ns in bind_prefixes(Graph()).namespaces() if prefix}


@functools.lru_cache(maxsize=512)
def _prepared(text: str) -> Query:
    """The query's algebra, built once per text, with the graph's prefixes as rdflib gives them."""
    query = prepareQuery(text, initNs=_NAMESPACES)
    _give_construct_where_its_template(query.algebra)
    return query


def _give_construct_where_its_template(algebra) -> None:
    """Set the template of a ``CONSTRUCT WHERE { … }`` to its pattern, as SPARQL 1.1 defines it.

    rdflib looks for the pattern one level below the projection, so with a LIMIT, OFFSET
    or ORDER BY (which wrap the pattern in more levels) it fails with "'NoneType' object is
    not iterable" on a valid query that Oxigraph answers. The short form's WHERE may only be
    triples, so the first basic graph pattern down the chain is the template.
    """
    if algebra.name != "ConstructQuery" or algebra.template:
        return
    part = algebra.p
    while part is not None and getattr(part, "name", None) != "BGP":
        part = part.get("p") if hasattr(part, "get") else None
    if part is not None:
        algebra["template"] = part.triples


def _oxigraph_copy(store: Store) -> Store:
    copy = OxigraphStore(ox.Store(), store.files)
    default = ox.DefaultGraph()
    copy.engine.bulk_extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), default) for s, p, o in store.graph)
    return copy

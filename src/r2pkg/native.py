"""Oxigraph under rdflib: asking it directly where going through rdflib costs more than the query.

The default store is an rdflib graph on oxrdflib, so every caller can use the rdflib API.
Two things are slow on that road for large results, and both are measured in ``bench/``:
oxrdflib builds a fresh rdflib term for every value of every row (a literal costs about
4 µs), and a result that is only going to be written out as SPARQL JSON never needed rdflib
terms at all. So, when the graph lives in an embedded Oxigraph store:

* :func:`select_rows` / :func:`select` run a SELECT on pyoxigraph and convert each
  *distinct* value once;
* :func:`write_select` runs it and returns the bytes Oxigraph's own result writers produce;
* :func:`row_bound` tells, from those bytes alone, that a result has at most N rows.

Callers check :func:`engine` first: it is ``None`` for the rdflib memory store and for a
remote endpoint, which take the generic rdflib road and give the same answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.query import Result, ResultRow
from rdflib.term import Node

from r2pkg.errors import QueryError

if TYPE_CHECKING:
    import pyoxigraph

#: Our names of SELECT result formats, and the Oxigraph writer for each.
WRITERS = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV"}


def engine(graph: Graph) -> pyoxigraph.Store | None:
    """The pyoxigraph store holding ``graph``'s triples, if the graph is on oxrdflib."""
    return getattr(graph.store, "_inner", None)


def prefixes(graph: Graph) -> dict[str, str]:
    """The graph's bound prefixes, which oxrdflib also hands to Oxigraph with every query.

    Read once per store (listing them costs 38 µs, more than a small query): prefixes are
    bound when the graph is loaded, and the graph is read-only afterwards.
    """
    cached = getattr(graph.store, "_r2pkg_prefixes", None)
    if cached is None:
        cached = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}
        graph.store._r2pkg_prefixes = cached
    return cached


def run(graph: Graph, text: str):
    """Run a checked query on the Oxigraph store behind ``graph``, as oxrdflib would.

    oxrdflib hands Oxigraph every bound prefix with every query, which costs 15 µs on a
    0.1 ms query; they are handed over here only when the query uses one it does not declare.
    """
    from r2pkg.sparql import undeclared_prefixes

    try:
        if undeclared_prefixes(text):
            return engine(graph).query(text, prefixes=prefixes(graph))
        return engine(graph).query(text)
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryError(f"the query failed while running: {exc}.") from exc


def to_rdflib(term) -> Node:
    """One pyoxigraph term as the rdflib term oxrdflib would give (same datatypes, same forms)."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise QueryError(f"cannot read the value '{term}' (RDF-star triples are not supported).")


def select_rows(graph: Graph, text: str, max_rows: int | None = None) -> tuple[list[str], list[list[Node | None]], bool]:
    """A SELECT's variable names, rows (at most ``max_rows``) and whether rows were cut.

    Each distinct value is converted once: labels and IRIs repeat across rows (a case's
    label on each of its responses), so the memo saves most of the conversions.
    """
    solutions = run(graph, text)
    names = [v.value for v in solutions.variables]
    memo: dict[object, Node] = {}
    rows: list[list[Node | None]] = []
    for solution in solutions:
        if max_rows is not None and len(rows) >= max_rows:
            return names, rows, True
        row: list[Node | None] = []
        for term in solution:
            if term is None:
                row.append(None)
                continue
            value = memo.get(term)
            if value is None:
                value = memo[term] = to_rdflib(term)
            row.append(value)
        rows.append(row)
    return names, rows, False


def select(graph: Graph, text: str) -> Result:
    """A SELECT's result as an rdflib Result, read at once as oxrdflib's is."""
    names, rows, _ = select_rows(graph, text)
    return RowsResult(names, rows)


class RowsResult(Result):
    """An rdflib SELECT Result over rows already read, iterated without rebuilding them.

    rdflib's own iteration builds a dict per row and a label map per row, and drops a
    row whose variables are all unbound, which SPARQL (and Oxigraph) count as a row.
    """

    def __init__(self, names: list[str], rows: list[list[Node | None]]):
        super().__init__("SELECT")
        self.vars = [Variable(n) for n in names]
        self._rows = rows
        self._labels = {n: i for i, n in enumerate(names)}

    def __iter__(self):
        labels = self._labels
        for row in self._rows:
            out = tuple.__new__(ResultRow, row)
            out.labels = labels
            yield out

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def bindings(self) -> list[dict[Variable, Node]]:
        """The rows as dicts of bound values, as rdflib gives them (built when asked for)."""
        return [{v: t for v, t in zip(self.vars, row) if t is not None} for row in self._rows]

    @bindings.setter
    def bindings(self, value) -> None:  # Result.__init__ sets it; the rows are the truth here
        pass


def write_select(graph: Graph, text: str, fmt: str) -> bytes:
    """A SELECT's result in ``fmt`` (json, xml, csv, tsv), written by Oxigraph itself."""
    import pyoxigraph as ox

    solutions = run(graph, text)
    if not isinstance(solutions, ox.QuerySolutions):
        raise QueryError("only a SELECT query can be written as a table of results.")
    return solutions.serialize(format=getattr(ox.QueryResultsFormat, WRITERS[fmt]))


def row_bound(body: bytes, fmt: str) -> int:
    """An upper bound on the rows in a result Oxigraph wrote, read from the bytes alone.

    Exact for XML and TSV, where no value can contain the row marker (``<`` is escaped in
    XML, newlines in TSV). In JSON, Oxigraph writes no spaces and a string cannot hold an
    unescaped ``"``, so ``},{`` outside strings occurs only between two rows (a value
    object is followed by ``,"`` or ``}``); one inside a literal only adds to the count.
    That three-byte pattern is counted in a third of the time the row openers ``[{`` and
    ``,{`` took (1 ms instead of 3 ms on a 2 MB answer). In CSV a quoted literal may
    contain a line break, which again only adds.
    """
    if fmt == "xml":
        return body.count(b"<result>") + body.count(b"<result/>")
    if fmt == "tsv":
        return body.count(b"\n") - 1
    if fmt == "csv":
        return body.count(b"\r\n") - 1
    if body.endswith(b'"bindings":[]}}'):
        return 0
    return body.count(b"},{") + 1

"""The embedded Oxigraph backend (in memory), and the fast paths only Oxigraph has.

The rdflib view of the graph (``store.graph``) goes through oxrdflib; queries do not.
Two things are slow on that road for large results, and both are measured in ``bench/``:
oxrdflib builds a fresh rdflib term for every value of every row (a literal costs about
4 µs), and a result that is only going to be written out as SPARQL JSON never needed rdflib
terms at all. So here:

* :meth:`OxigraphStore.run` asks pyoxigraph directly and converts each *distinct* value once;
* :meth:`OxigraphStore.write` returns the bytes Oxigraph's own result writers produce, with
  the row cap applied as ``LIMIT cap+1`` and read back from the bytes (:func:`row_bound`),
  so a capped answer is never run twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from oxrdflib.store import OxigraphStore as OxrdflibStore
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.term import Node

from r2pkg.answers import Serialized, write
from r2pkg.errors import QueryError
from r2pkg.formats import RESULT_TYPES
from r2pkg.namespaces import bind_prefixes
from r2pkg.rdfinput import parse_file
from r2pkg.sparql import Answer, ParsedQuery, undeclared_prefixes
from r2pkg.store.base import Store

#: Our names of SELECT result formats, and the Oxigraph writer for each.
WRITERS = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV"}
#: Files that Oxigraph's own parser reads (13 times faster than rdflib's on the bundled graph).
NATIVE_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES}


class OxigraphStore(Store):
    """The graph in an embedded pyoxigraph store, in memory."""

    kind = "oxigraph"

    def __init__(self, engine: ox.Store, files: Iterable[Path] = ()) -> None:
        # the store's default graph, so that Oxigraph's own loader and SPARQL see the same triples
        graph = Graph(store=OxrdflibStore(store=engine), identifier=DATASET_DEFAULT_GRAPH_ID)
        super().__init__(bind_prefixes(graph), files)
        self.engine = engine
        self._prefixes = {prefix: str(ns) for prefix, ns in graph.namespaces() if prefix}

    @classmethod
    def load(cls, files: Iterable[Path], root: Path | None = None) -> OxigraphStore:
        """A new in-memory store holding every file."""
        files = list(files)
        store = cls(ox.Store(), files)
        store.load_files(files, root)
        return store

    def load_files(self, files: Iterable[Path], root: Path | None = None, bulk: bool = False) -> None:
        """Load files with Oxigraph's parser; a file it refuses is read by rdflib, whose errors
        name the file, line and column (and which adds it if it is only Oxigraph that balks)."""
        for path in map(Path, files):
            fmt = NATIVE_FORMATS.get(path.suffix)
            if fmt is not None:
                try:
                    (self.engine.bulk_load if bulk else self.engine.load)(path=str(path), format=fmt)
                    continue
                except (SyntaxError, ValueError, OSError):
                    pass
            parse_file(self.graph, path, root=root)

    # -- queries -----------------------------------------------------------------------------

    def _execute(self, text: str, parsed: ParsedQuery | None = None):
        """Run a checked query text on Oxigraph.

        oxrdflib hands Oxigraph every bound prefix with every query, which costs 15 µs on a
        0.1 ms query; they are handed over here only when the query uses one it does not declare.
        """
        try:
            if undeclared_prefixes(text):
                return self.engine.query(text, prefixes=self._prefixes)
            return self.engine.query(text)
        except SyntaxError as exc:  # what rdflib read and Oxigraph does not: a syntax error all the same
            raise (parsed.engine_error(exc) if parsed is not None else
                   QueryError(f"the query failed while running: {exc}.")) from exc
        except (ValueError, OSError) as exc:
            raise QueryError(f"the query failed while running: {exc}.") from exc
        except RuntimeError as exc:  # pyoxigraph's word for a function it does not implement
            raise unsupported_function(exc) from exc

    def run(self, parsed: ParsedQuery, max_rows: int | None = None) -> Answer:
        result = self._execute(parsed.text, parsed)
        if isinstance(result, ox.QueryBoolean):
            return Answer.ask(bool(result))
        memo: dict[object, Node] = {}
        if isinstance(result, ox.QueryTriples):
            triples = ((_term(t.subject, memo), _term(t.predicate, memo), _term(t.object, memo)) for t in result)
            return Answer.graph_of(parsed.form, triples, max_rows)
        return Answer.select([v.value for v in result.variables], _rows(result, memo), max_rows)

    def write(self, parsed: ParsedQuery, fmt: str, max_rows: int | None = None) -> Serialized | None:
        """A SELECT written by Oxigraph, run once with ``LIMIT cap+1`` when a cap is given.

        If the bytes may hold more than ``cap`` rows, they are read back (not run again) and
        cut exactly. A query that cannot be capped by appending a LIMIT returns None, and
        :meth:`run` reads it, stopping at the cap.
        """
        if parsed.form != "SELECT" or fmt not in WRITERS:
            return None
        text = parsed.text if max_rows is None else parsed.capped(max_rows)
        if text is None:
            return None
        solutions = self._execute(text, parsed)
        checked = max_rows is not None and text is not parsed.text
        if checked and fmt == "csv":  # CSV cannot be read back typed: count on TSV, then convert
            body = solutions.serialize(format=ox.QueryResultsFormat.TSV)
            if row_bound(body, "tsv") <= max_rows:
                back = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
                return Serialized(back.serialize(format=ox.QueryResultsFormat.CSV), RESULT_TYPES[fmt])
            return write(_read_back(body, "tsv", max_rows), fmt)
        body = solutions.serialize(format=getattr(ox.QueryResultsFormat, WRITERS[fmt]))
        if checked and row_bound(body, fmt) > max_rows:
            cut = _read_back(body, fmt, max_rows)
            if cut.truncated:
                return write(cut, fmt)
        return Serialized(body, RESULT_TYPES[fmt], False, "SELECT")

    # -- triples -----------------------------------------------------------------------------
    # oxrdflib builds an rdflib Graph object for the graph name of every triple it returns and
    # converts every term afresh (16 s of the 20 s the chain index took at a million triples);
    # here the default graph is read straight from pyoxigraph, each distinct term converted once.

    def _quads(self, s: Node | None, p: Node | None, o: Node | None) -> Iterator:
        try:
            pattern = [None if t is None else to_ox(t) for t in (s, p, o)]
            return self.engine.quads_for_pattern(*pattern, ox.DefaultGraph())
        except (TypeError, ValueError, QueryError):
            return iter(())  # a literal as subject or predicate matches nothing

    def triples(self, pattern) -> Iterator[tuple[Node, Node, Node]]:
        s, p, o = pattern
        if not all(t is None or isinstance(t, (URIRef, BNode, Literal)) for t in pattern):
            return super().triples(pattern)  # a property path: rdflib's evaluation
        memo: dict[object, Node] = {}
        return ((s if s is not None else _term(q.subject, memo), p if p is not None else _term(q.predicate, memo),
                 o if o is not None else _term(q.object, memo)) for q in self._quads(s, p, o))

    def __contains__(self, triple) -> bool:
        return next(iter(self.triples(triple)), None) is not None

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        return (o for _, _, o in self.triples((subject, predicate, None)))

    def subjects(self, predicate: Node | None = None, obj: Node | None = None) -> Iterator[Node]:
        return (s for s, _, _ in self.triples((None, predicate, obj)))

    def predicate_objects(self, subject: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return ((p, o) for _, p, o in self.triples((subject, None, None)))

    def subject_objects(self, predicate: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return ((s, o) for s, _, o in self.triples((None, predicate, None)))

    def subject_predicates(self, obj: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return ((s, p) for s, p, _ in self.triples((None, None, obj)))

    def value(self, subject: Node | None = None, predicate: Node | None = None) -> Node | None:
        if subject is None or predicate is None:
            return super().value(subject, predicate)
        return next(self.objects(subject, predicate), None)

    # -- writing and figures -----------------------------------------------------------------

    def _write(self, entry: Graph) -> None:
        """One Oxigraph transaction: the whole entry or nothing."""
        default = ox.DefaultGraph()
        self.engine.extend([ox.Quad(to_ox(s), to_ox(p), to_ox(o), default) for s, p, o in entry])

    def _remove(self, triples: Graph) -> None:
        default = ox.DefaultGraph()
        for s, p, o in triples:
            self.engine.remove(ox.Quad(to_ox(s), to_ox(p), to_ox(o), default))

    def _count(self) -> int:
        # oxrdflib's len() runs a COUNT over every triple (2.5 s at a million), Oxigraph's own 75 ms
        return len(self.engine)


_CUSTOM = re.compile(r"custom function <([^>]*)> is not supported")


def unsupported_function(exc: Exception) -> QueryError:
    """A call of a function the engine does not implement, said as such (a 400, not a crash)."""
    found = _CUSTOM.search(str(exc))
    if found is None:
        return QueryError(f"the query failed while running: {exc}.")
    return QueryError(f"the function <{found.group(1)}> is not implemented by this endpoint's engine "
                      "(Oxigraph implements SPARQL 1.1's functions and XPath casts only).",
                      hint="use a SPARQL 1.1 built-in function instead.")


def _rows(solutions, memo: dict[object, Node]) -> Iterator[list[Node | None]]:
    """A SELECT's rows as rdflib terms; labels and IRIs repeat across rows, so each distinct
    value is converted once."""
    for solution in solutions:
        yield [None if term is None else _term(term, memo) for term in solution]


def _term(term, memo: dict[object, Node]) -> Node:
    value = memo.get(term)
    if value is None:
        value = memo[term] = to_rdflib(term)
    return value


def _read_back(body: bytes, fmt: str, max_rows: int) -> Answer:
    """Rows Oxigraph wrote, read back into an Answer cut at ``max_rows``."""
    solutions = ox.parse_query_results(body, format=getattr(ox.QueryResultsFormat, WRITERS[fmt]))
    return Answer.select([v.value for v in solutions.variables], _rows(solutions, {}), max_rows)


def to_rdflib(term) -> Node:
    """One pyoxigraph term as the rdflib term oxrdflib would give (same datatypes, same forms)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise QueryError(f"cannot read the value '{term}' (RDF-star triples are not supported).")


def to_ox(term: Node):
    """One rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise QueryError(f"cannot store the value '{term}'.")


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

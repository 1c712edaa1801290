"""Running SPARQL queries, for the CLI, the web and the saved queries.

Every query is read once by :mod:`r2pkg.reading` (escapes replaced, parsed by rdflib,
checked: read-only, no ``SERVICE``, no ``FROM``) whatever store runs it, and the engine
is given that reading's text, so what runs is what was checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from r2pkg import native
from r2pkg.errors import QueryError

# The reading side (escapes, parse, refusals, parameters, prefixes) lives in r2pkg.reading;
# these names stay importable from here.
from r2pkg.reading import (  # noqa: F401
    QUERY_FORMS,
    Reading,
    bind_parameters,
    deep_call,
    read_query,
    term_for,
    undeclared_prefixes,
    with_prefixes,
)
from r2pkg.reading import Reading as ParsedQuery  # noqa: F401


def parse_query(text: str, bindings: Mapping[str, Node] | None = None) -> Reading:
    """The one reading of ``text`` (see :mod:`r2pkg.reading`): run ``.text``, never ``text``."""
    return read_query(text, bindings, max_length=None)  # length is checked where a query comes in


def run_query(graph: Graph, text: str, bindings: Mapping[str, Node] | None = None) -> Result:
    """Check and run one query on ``graph``; the store behind the graph evaluates it."""
    parsed = parse_query(text, bindings)
    text = parsed.text  # the checked text, escapes expanded: what the engine runs
    if parsed.form == "SELECT" and native.engine(graph) is not None:
        return native.select(graph, text)
    try:
        return graph.query(text)
    except QueryError:
        raise
    except Exception as exc:
        raise QueryError(f"the query failed while running: {exc}.") from exc


@dataclass
class Answer:
    """A query's result, fully read and picklable, with the row cap applied."""

    form: str
    names: list[str]
    rows: list[list[Node | None]]
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] | None = None
    truncated: bool = False

    def graph(self) -> Graph:
        """The CONSTRUCT/DESCRIBE triples as a graph."""
        out = Graph()
        for triple in self.triples or ():
            out.add(triple)
        return out

    # An Answer crosses from a query worker to the server as a pickle. Pickled one by one,
    # rdflib literals cost ~170 µs a row to send and rebuild (673 ms for 3,900 rows); sent as
    # a table of distinct terms and rows of indexes, each distinct term is rebuilt once.

    def __getstate__(self) -> dict:
        index: dict[tuple, int] = {}

        def ref(term: Node | None) -> int:
            if term is None:
                return -1
            key = _term_key(term)
            found = index.get(key)
            if found is None:
                found = index[key] = len(index)
            return found

        state = dict(self.__dict__)
        state["rows"] = [[ref(v) for v in row] for row in self.rows]
        if self.triples is not None:
            state["triples"] = [tuple(ref(v) for v in t) for t in self.triples]
        state["_terms"] = list(index)
        return state

    def __setstate__(self, state: dict) -> None:
        terms = [_term_from_key(key) for key in state.pop("_terms")]
        state["rows"] = [[None if i < 0 else terms[i] for i in row] for row in state["rows"]]
        if state.get("triples") is not None:
            state["triples"] = [tuple(terms[i] for i in t) for t in state["triples"]]
        self.__dict__.update(state)


def _term_key(term: Node) -> tuple:
    if isinstance(term, Literal):
        return ("l", str(term), term.language, None if term.datatype is None else str(term.datatype))
    return ("b" if isinstance(term, BNode) else "u", str(term))


def _term_from_key(key: tuple) -> Node:
    if key[0] == "l":
        return Literal(key[1], lang=key[2], datatype=None if key[3] is None else URIRef(key[3]))
    return BNode(key[1]) if key[0] == "b" else URIRef(key[1])


def evaluate(graph: Graph, text: str, bindings: Mapping[str, Node] | None = None,
             max_rows: int | None = 10_000) -> Answer:
    """Run a query and read its whole result (up to ``max_rows`` rows or triples, if given).

    In a thread with a deep stack (:func:`r2pkg.reading.deep_call`): rdflib's evaluator
    recurses per nesting level as its parser does.
    """
    if native.engine(graph) is not None:  # Oxigraph evaluates in Rust, without Python recursion
        return _evaluate(graph, text, bindings, max_rows)
    return deep_call(_evaluate, graph, text, bindings, max_rows)


def _evaluate(graph: Graph, text: str, bindings: Mapping[str, Node] | None,
              max_rows: int | None) -> Answer:
    cap = float("inf") if max_rows is None else max_rows
    if native.engine(graph) is not None:
        parsed = parse_query(text, bindings)
        text = parsed.text
        if parsed.form == "SELECT":
            names, rows, truncated = native.select_rows(graph, text, max_rows)
            return Answer(form="SELECT", names=names, rows=rows, truncated=truncated)
        bindings = None
    result = run_query(graph, text, bindings)
    if result.type == "ASK":
        return Answer(form="ASK", names=[], rows=[], boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        triples = []
        for i, triple in enumerate(result.graph or ()):
            if i >= cap:
                return Answer(form=result.type, names=[], rows=[], triples=triples, truncated=True)
            triples.append(triple)
        return Answer(form=result.type, names=[], rows=[], triples=triples)
    names = [str(v) for v in (result.vars or [])]
    rows: list[list[Node | None]] = []
    truncated = False
    for row in result:
        if len(rows) >= cap:
            truncated = True
            break
        rows.append([row[i] if i < len(row) else None for i in range(len(names))])
    return Answer(form="SELECT", names=names, rows=rows, truncated=truncated)


def evaluate_on(store, text: str, bindings: Mapping[str, Node] | None = None,
                max_rows: int | None = 10_000) -> Answer:
    """:func:`evaluate` on a store's graph: the task that query workers run."""
    return evaluate(store.graph, text, bindings, max_rows)

"""Running SPARQL queries, for the CLI, the web and the saved queries.

Every query is read once by :mod:`r2pkg.reading` (escapes replaced, parsed by rdflib,
checked: read-only, no ``SERVICE``, no ``FROM``) whatever store runs it, and the engine
is given that reading's text, so what runs is what was checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.query import ResultRow
from rdflib.term import Node

# The reading side (escapes, parse, refusals, parameters, prefixes) lives in r2pkg.reading;
# these names stay importable from here.
from r2pkg.reading import (  # noqa: F401
    QUERY_FORMS,
    Reading,
    bind_parameters,
    read_query,
    term_for,
    undeclared_prefixes,
    with_prefixes,
)
from r2pkg.reading import Reading as ParsedQuery  # noqa: F401

# -- execution ---------------------------------------------------------------------------
#
# How a query is READ (escapes, parse, refusals) is decided by :func:`prepare`; how it is
# EXECUTED is the store's business. Every caller goes through :func:`prepare`, then a store
# runs exactly ``parsed.text`` and returns one result type, :class:`Answer`.


def prepare(text: str, bindings: Mapping[str, Node] | None = None, base: str | None = None) -> ParsedQuery:
    """The one reading of ``text`` (see :mod:`r2pkg.reading`): parameters bound as terms, the
    contract's prefixes added, checked, relative IRIs resolved against ``base``. The returned
    ``parsed.text`` is the only text any engine is given; the length is checked where a
    query comes in."""
    return read_query(text, bindings, max_length=None, base=base)


#: The name the reading had before the store interface; the same function.
parse_query = prepare


class Executes(Protocol):
    """What :func:`evaluate` needs of a store (see :class:`r2pkg.store.Store`)."""

    def run(self, parsed: ParsedQuery, max_rows: int | None = None) -> Answer: ...


def evaluate(store: Executes, text: str, bindings: Mapping[str, Node] | None = None,
             max_rows: int | None = 10_000) -> Answer:
    """Run a query on a store and read its whole result (up to ``max_rows`` rows or triples)."""
    return store.run(prepare(text, bindings), max_rows)


def run_query(store: Executes, text: str, bindings: Mapping[str, Node] | None = None) -> Answer:
    """Run a query on a store with no row cap (the Python API's road)."""
    return store.run(prepare(text, bindings), None)


def evaluate_on(store: Executes, text: str, bindings: Mapping[str, Node] | None = None,
                max_rows: int | None = 10_000) -> Answer:
    """:func:`evaluate` with the store first: the task that query workers run."""
    return evaluate(store, text, bindings, max_rows)


@dataclass
class Answer:
    """A query's result, fully read and picklable, with the row cap applied.

    The one result type of every store. It also reads like an rdflib ``Result`` (``type``,
    ``vars``, ``askAnswer``, ``graph``, iteration and ``len``), so code written against
    rdflib's API keeps working whichever engine answered.
    """

    form: str
    names: list[str]
    rows: list[list[Node | None]]
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] | None = None
    truncated: bool = False

    @classmethod
    def select(cls, names: list[str], rows: Iterable[list[Node | None]], max_rows: int | None) -> Answer:
        """A SELECT answer from rows read one by one, stopping after ``max_rows``."""
        kept, truncated = _take(rows, max_rows)
        return cls(form="SELECT", names=names, rows=kept, truncated=truncated)

    @classmethod
    def graph_of(cls, form: str, triples: Iterable[tuple[Node, Node, Node]], max_rows: int | None) -> Answer:
        """A CONSTRUCT/DESCRIBE answer from triples read one by one, stopping after ``max_rows``."""
        kept, truncated = _take(triples, max_rows)
        return cls(form=form, names=[], rows=[], triples=kept, truncated=truncated)

    @classmethod
    def ask(cls, value: bool) -> Answer:
        return cls(form="ASK", names=[], rows=[], boolean=bool(value))

    # -- read like rdflib's Result ---------------------------------------------------------

    @property
    def type(self) -> str:
        return self.form

    @property
    def vars(self) -> list[Variable]:
        return [Variable(n) for n in self.names]

    @property
    def askAnswer(self) -> bool | None:  # noqa: N802 - rdflib's name
        return self.boolean

    @property
    def graph(self) -> Graph | None:
        """The CONSTRUCT/DESCRIBE triples as a graph (None for SELECT and ASK)."""
        if self.triples is None:
            return None
        out = Graph()
        for triple in self.triples:
            out.add(triple)
        return out

    @property
    def bindings(self) -> list[dict[Variable, Node]]:
        """The rows as dicts of bound values, as rdflib gives them."""
        names = self.vars
        return [{v: t for v, t in zip(names, row) if t is not None} for row in self.rows]

    def __iter__(self) -> Iterator[Any]:
        if self.form == "ASK":
            yield bool(self.boolean)
            return
        if self.triples is not None:
            yield from self.triples
            return
        labels = {n: i for i, n in enumerate(self.names)}
        for row in self.rows:
            out = tuple.__new__(ResultRow, row)
            out.labels = labels
            yield out

    def __len__(self) -> int:
        if self.form == "ASK":
            return 1
        return len(self.triples) if self.triples is not None else len(self.rows)

    def __bool__(self) -> bool:
        return self.boolean if self.form == "ASK" else len(self) > 0

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


def _take(items: Iterable, cap: int | None) -> tuple[list, bool]:
    """At most ``cap`` items, and whether there were more (read one past the cap, no further)."""
    kept: list = []
    if cap is None:
        return list(items), False
    for item in items:
        if len(kept) >= cap:
            return kept, True
        kept.append(item)
    return kept, False


def _term_key(term: Node) -> tuple:
    if isinstance(term, Literal):
        return ("l", str(term), term.language, None if term.datatype is None else str(term.datatype))
    return ("b" if isinstance(term, BNode) else "u", str(term))


def _term_from_key(key: tuple) -> Node:
    if key[0] == "l":
        return Literal(key[1], lang=key[2], datatype=None if key[3] is None else URIRef(key[3]))
    return BNode(key[1]) if key[0] == "b" else URIRef(key[1])

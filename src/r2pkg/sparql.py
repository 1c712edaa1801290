"""Parsing, checking and running SPARQL queries, for the CLI, the web and the saved queries.

Every query is parsed by rdflib first, whatever store runs it, so that a syntax error is
reported with its line and column the same way everywhere, and so that the safety rules
are checked before any engine sees the query: read-only, no ``SERVICE``, no ``FROM``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pyparsing import ParseException
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.query import ResultRow
from rdflib.term import Node

from r2pkg.errors import QueryError
from r2pkg.namespaces import PREFIXES

QUERY_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}

_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`]')


@dataclass(frozen=True)
class ParsedQuery:
    """A query that parsed and passed the safety checks."""

    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    limit: int | None = None  # the query's own top-level LIMIT
    values_at_end: bool = False  # a VALUES block after the solution modifiers

    @functools.lru_cache(maxsize=512)  # noqa: B019 - parsed queries are cached too, and few
    def capped(self, max_rows: int) -> str | None:
        """The text, limited to ``max_rows + 1`` rows so that a cut is seen, or None if it cannot be.

        The extra row tells a result that was cut from one that fits exactly. A query with
        its own LIMIT within the cap is left alone; one with a larger LIMIT, or with a
        trailing VALUES block (where no LIMIT may follow), cannot be capped by appending.
        """
        if self.limit is not None:
            return self.text if self.limit <= max_rows else None
        if self.values_at_end:
            return None
        return f"{self.text}\nLIMIT {max_rows + 1}"


@functools.lru_cache(maxsize=512)
def parse_query(text: str) -> ParsedQuery:
    """Parse and check a query; a QueryError names the line and column of a problem.

    Results are cached by text: rdflib's parser costs milliseconds per query, and saved
    queries are asked again and again.
    """
    if not text or not text.strip():
        raise QueryError("the query is empty.", hint="send a SPARQL query in the 'query' parameter.")
    try:
        parsed = parseQuery(text)
    except ParseException as exc:
        if _is_update(text):
            raise _update_refused() from exc
        raise QueryError(
            f"syntax error at line {exc.lineno}, column {exc.col}: {_explain(exc)}.",
            hint=_caret(text, exc.lineno, exc.col),
        ) from exc
    except Exception as exc:  # rdflib raises a few other types on odd input
        raise QueryError(f"the query could not be read: {exc}.") from exc
    body = parsed[1]
    form = QUERY_FORMS.get(getattr(body, "name", ""), "")
    if not form:
        raise QueryError("only SELECT, ASK, CONSTRUCT and DESCRIBE queries are accepted.")
    _refuse_remote(body)
    clauses = body["limitoffset"] if "limitoffset" in body else {}
    limit = clauses["limit"] if "limit" in clauses else None  # CompValue.get returns the key when absent
    return ParsedQuery(text=text, form=form, limit=None if limit is None else int(limit),
                       values_at_end="valuesClause" in body)


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
    except Exception:
        return False
    return True


def _update_refused() -> QueryError:
    return QueryError(
        "this endpoint is read-only: SPARQL updates (INSERT, DELETE, LOAD, CLEAR, DROP...) "
        "are refused.",
        hint="change the data in data/ and reload, or see the README on enabling updates.",
    )


def _refuse_remote(body: CompValue) -> None:
    if "datasetClause" in body:
        raise QueryError(
            "FROM and FROM NAMED are refused: the endpoint queries only its own graph and "
            "never fetches a graph from the network.",
            hint="remove the FROM clause; the default graph is the whole r2pkg graph.",
        )
    if _contains(body, "ServiceGraphPattern"):
        raise QueryError(
            "SERVICE is refused: the endpoint never sends queries to other endpoints.",
            hint="run the federated part against the other endpoint yourself.",
        )


def _contains(value: object, name: str) -> bool:
    if isinstance(value, CompValue):
        if value.name == name:
            return True
        return any(_contains(v, name) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains(v, name) for v in value)
    return False


def _explain(exc: ParseException) -> str:
    found = exc.line[exc.col - 1 : exc.col + 19].strip() if exc.line else ""
    return f"unexpected '{found}'" if found else "the query ends too early"


def _caret(text: str, lineno: int, col: int) -> str:
    lines = text.splitlines() or [""]
    line = lines[min(max(lineno, 1), len(lines)) - 1]
    return f"{line}\n{' ' * (max(col, 1) - 1)}^"


def term_for(value: Node) -> str:
    """The SPARQL form of a bound value, refusing IRIs that could break out of <...>."""
    if isinstance(value, URIRef):
        if _IRI_FORBIDDEN.search(str(value)):
            raise QueryError(f"'{value}' is not a valid IRI.")
        return f"<{value}>"
    if isinstance(value, Literal):
        return value.n3()
    if isinstance(value, BNode):
        raise QueryError("a blank node cannot be given as a parameter.")
    raise QueryError(f"cannot bind '{value}'.")


def bind_parameters(text: str, bindings: Mapping[str, Node] | None) -> str:
    """Replace each bound ``?name`` by its value, serialised as a SPARQL term.

    Values go in as terms (an IRI checked for forbidden characters, a literal escaped by
    rdflib), never as text, so a parameter cannot change the query's structure. This works
    the same on rdflib, Oxigraph and any remote endpoint, which initBindings does not.
    """
    if not bindings:
        return text
    return _bind(text, tuple(bindings.items()))


@functools.lru_cache(maxsize=1024)
def _bind(text: str, bindings: tuple[tuple[str, Node], ...]) -> str:
    """Cached by text and values: the same saved query is asked with the same values again and again."""
    for name, value in bindings:
        term = term_for(value)
        text = re.sub(r"[?$]" + re.escape(name) + r"(?![\w])", lambda _m, t=term: t, text)
    return text


_DECLARED = re.compile(r"(?i)PREFIX\s+([\w-]*)\s*:")
_USED = re.compile(r"(?<![\w?$<.-])([A-Za-z][\w-]*):")


@functools.lru_cache(maxsize=512)
def undeclared_prefixes(text: str) -> frozenset[str]:
    """Prefixes the query seems to use without declaring them (a word before a colon).

    Whole-line comments are left out (a saved query's header is full of ``key:`` lines);
    a word in a string may still be taken for a prefix, which only costs a little time.
    """
    code = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    return frozenset(_USED.findall(code)) - frozenset(_DECLARED.findall(code))


@functools.lru_cache(maxsize=512)
def with_prefixes(text: str) -> str:
    """Add the contract's PREFIX lines that the query uses but does not declare."""
    declared = set(_DECLARED.findall(text))
    used = set(_USED.findall(text))
    missing = [f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p in used and p not in declared]
    return "".join(missing) + text


# -- execution ---------------------------------------------------------------------------
#
# How a query is READ (escapes, parse, refusals) is decided by ``parse_query``; how it is
# EXECUTED is the store's business. Every caller goes through :func:`prepare`, then a store
# runs exactly ``parsed.text`` and returns one result type, :class:`Answer`.


def prepare(text: str, bindings: Mapping[str, Node] | None = None) -> ParsedQuery:
    """Bind the parameters as terms, add the contract's prefixes, and read the query once.

    The returned ``parsed.text`` is the only text any engine is given.
    """
    return parse_query(with_prefixes(bind_parameters(text, bindings)))


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

"""The one reading of a query text: what is checked is exactly what every engine runs.

A query used to be checked by rdflib and run by Oxigraph, and the two read some texts
differently: rdflib replaces ``\\uXXXX`` escapes across the whole text before parsing (as
SPARQL 1.1, section 19.2, says), Oxigraph only inside strings and IRIs; rdflib's comments
run past a lone carriage return, Oxigraph's stop there. A ``SERVICE`` (or a ``LIMIT``)
hidden by such a difference passed the check and ran. So a text is read once, here:

1. codepoint escapes are replaced across the whole text, exactly as the spec says (``\\u``
   and four hex digits, ``\\U`` and eight); a text that still spells an escape afterwards
   (one escape writing another, or an escape the spec does not allow) is refused, so that
   no engine can expand anything a second time;
2. line ends are made ``\\n`` (a lone ``\\r`` ends a comment for Oxigraph, not for rdflib);
3. parameters are bound, the contract's prefixes added and, where the query is asked of an
   endpoint, its URL made the base IRI (a ``BASE`` line in front: relative IRIs such as
   ``<a>`` resolve against it, as SPARQL 1.1, 4.1.1.1, and the protocol say);
4. the result is parsed by rdflib and checked: the form, the top-level LIMIT, and every
   refusal (updates, ``SERVICE`` anywhere, ``FROM``, length, nesting depth);
   Oxigraph's parser reads the same text too (on an empty store, never run): a text it
   refuses is a syntax error at the line and column of the client's own text; a text it
   accepts is never refused for rdflib's sake (rdflib cannot read ``?s ?p -1.0``), and is
   then checked by the scanner below instead of rdflib's tree;
5. independently of rdflib, a small scanner that follows the spec's rules for strings,
   IRIs and comments looks for the word ``SERVICE`` outside strings and comments; if it
   sees one where rdflib saw none, the query is refused all the same.

Every engine (Oxigraph, rdflib, a remote endpoint) is handed :attr:`Reading.text`, never
the text the client sent. Each refusal has one message, used by the CLI, the endpoint,
the saved queries and validation alike.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from pyparsing import ParseException, ParseResults
from rdflib import BNode, Literal, URIRef
from rdflib.plugins import sparql as _rdflib_sparql
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from r2pkg.errors import PayloadTooLarge, QueryError
from r2pkg.namespaces import PREFIXES

# rdflib would otherwise load a FROM graph from the web while evaluating; the reading
# refuses FROM, and this keeps rdflib from fetching even if a check were ever bypassed.
_rdflib_sparql.SPARQL_LOAD_GRAPHS = False

QUERY_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}

#: Characters in a query text, counted after escapes are replaced (the web's default).
MAX_LENGTH = 50_000
#: Brackets, braces and parentheses open at once. rdflib's parser needs ~30 Python frames a
#: level; 60 levels parse in a thread with a deep stack, which no real query needs.
MAX_DEPTH = 60

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_LEFTOVER = re.compile(r"\\[uU][0-9A-Fa-f]{4}")
_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`]')
# The lexical units the scanner must not look inside, in the spec's own terms (19.8):
# long strings, short strings, IRIs (looked inside all the same), comments.
_UNITS = re.compile(
    r"""(?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''|\"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\""""
    r"""|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
    r"""|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)"""
    r"""|(?<!\\)(?P<comment>\#[^\n]*)""",
    re.DOTALL,
)
# SERVICE as a keyword: not part of a variable, a prefixed name or a prefix. Preceded by
# a digit or any other character it still counts: a false alarm costs a refusal only.
_SERVICE_WORD = re.compile(r"(?<![?$:_])(?<![^\W\d])SERVICE(?!:)", re.IGNORECASE)
_BRACKETS = {"(": ")", "{": "}", "[": "]"}


# -- one message per refusal -----------------------------------------------------------

def update_refused() -> QueryError:
    """Any SPARQL update: INSERT, DELETE, LOAD, CLEAR, DROP, CREATE..."""
    return QueryError(
        "this endpoint is read-only: SPARQL updates (INSERT, DELETE, LOAD, CLEAR, DROP...) "
        "are refused.",
        hint="change the data in data/ and reload, or see the README on enabling updates.",
    )


def service_refused() -> QueryError:
    """SERVICE, at any depth: in OPTIONAL, a sub-select, EXISTS, MINUS..."""
    return QueryError(
        "SERVICE is refused: the endpoint never sends queries to other endpoints.",
        hint="run the federated part against the other endpoint yourself.",
    )


def from_refused() -> QueryError:
    """FROM / FROM NAMED in the query text."""
    return QueryError(
        "FROM and FROM NAMED are refused: the endpoint queries only its own graph and "
        "never fetches a graph from the network.",
        hint="remove the FROM clause; the default graph is the whole r2pkg graph.",
    )


def dataset_parameters_refused(parameter: str = "default-graph-uri", value: str = "",
                               held: str = "") -> QueryError:
    """default-graph-uri / named-graph-uri naming a graph the store does not hold (the
    protocol's FROM): the endpoint never loads a graph from elsewhere."""
    if parameter == "named-graph-uri" and value == held:
        why = (f"the store holds <{held}> as its default graph, not as a named graph that "
               "GRAPH could match, so a dataset with it as a named graph cannot be made")
    else:
        why = (f"the store holds one graph, <{held}>, and never loads a graph from elsewhere "
               "(the network)")
    return QueryError(
        f"{parameter}=<{value}> is refused: {why}.",
        hint=f"remove the parameter, or give default-graph-uri=<{held}> (the same whole graph).",
    )


def too_long(length: int, limit: int) -> PayloadTooLarge:
    """A query text over the length limit."""
    return PayloadTooLarge(f"the query is {length} characters long; the limit is {limit}.",
                           hint="shorten the query, or run it against your own copy of the graph.")


def too_deep(depth: int, limit: int) -> QueryError:
    """Brackets nested deeper than the parser is allowed to go."""
    return QueryError(f"the query nests brackets {depth} deep; the limit is {limit}.",
                      hint="flatten the nested groups or expressions.")


def not_text(why: str) -> QueryError:
    """A query that is not readable text (invalid UTF-8, NUL, a lone surrogate)."""
    return QueryError(f"the query is not readable text: {why}.",
                      hint="send the query as UTF-8 text.")


# -- the reading -------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """A query read once and checked: ``text`` is what every engine is given."""

    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    limit: int | None = None  # the query's own top-level LIMIT
    values_at_end: bool = False  # a VALUES block after the solution modifiers
    cappable: bool = True  # False where rdflib could not read the query: its LIMIT is unknown
    added: int = 0  # characters put in front of the client's text (BASE and PREFIX lines)

    def engine_error(self, exc: Exception) -> QueryError:
        """An engine's syntax error on this reading's text, at its place in the client's text
        (not counting the lines put in front of it, nor a LIMIT appended after it)."""
        engine = _as_engine_error(exc)
        if engine is None:
            return QueryError(f"the query failed while running: {exc}.")
        return in_client_text(engine, self.text, self.added)

    @functools.lru_cache(maxsize=512)  # noqa: B019 - readings are cached too, and few
    def capped(self, max_rows: int) -> str | None:
        """The text, limited to ``max_rows + 1`` rows so that a cut is seen, or None if it cannot be.

        The extra row tells a result that was cut from one that fits exactly. A query with
        its own LIMIT within the cap is left alone; one with a larger LIMIT, or with a
        trailing VALUES block (where no LIMIT may follow), cannot be capped by appending.
        """
        if self.limit is not None:
            return self.text if self.limit <= max_rows else None
        if self.values_at_end or not self.cappable:
            return None
        return f"{self.text}\nLIMIT {max_rows + 1}"


def read_query(text: str | bytes, bindings: Mapping[str, Node] | None = None,
               max_length: int | None = MAX_LENGTH, base: str | None = None) -> Reading:
    """Read, bind and check a query; a QueryError names what is wrong and where.

    ``base`` is the IRI relative IRIs resolve against (the endpoint's own URL); without
    one, a relative IRI is refused with a message that says so.
    """
    if isinstance(text, bytes | bytearray):
        text = decode(bytes(text))
    key = (text, tuple(bindings.items()) if bindings else (), max_length, base)
    found = _READINGS.get(key)
    if found is None:
        found = _read_like_its_shape(*key) or _read(*key)
        if len(_READINGS) >= 1024:
            _READINGS.clear()
        _READINGS[key] = found
        # the engine side reads the reading's own text again: let it find this reading
        _READINGS.setdefault((found.text, (), None, None), found)
    return found


def remember(text: str, max_length: int | None, reading: Reading, base: str | None = None) -> None:
    """Keep a reading made elsewhere (in a query worker), so that this process finds it
    instead of parsing the text again."""
    _READINGS[(text, (), max_length, base)] = reading
    _READINGS.setdefault((reading.text, (), None, None), reading)


#: Readings by (text, bindings, length limit, base): rdflib's parser costs milliseconds, and saved
#: queries are asked again and again.
_READINGS: dict[tuple, Reading] = {}


def decode(data: bytes) -> str:
    """A query sent as bytes, refused (not patched up) if it is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise not_text(f"byte {exc.start + 1} is not valid UTF-8") from exc


def expand(text: str) -> str:
    """The text with its codepoint escapes replaced (SPARQL 1.1, 19.2), checked as text."""
    def one(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or code == 0:
            line, col = _line_col(text, match.start())
            raise not_text(f"'{match.group(0)}' is not a character (syntax error at line {line}, "
                           f"column {col})")
        return chr(code)

    out = _ESCAPE.sub(one, text)
    left = _LEFTOVER.search(out)
    if left:
        line, col = _line_col(out, left.start())
        raise QueryError(
            f"syntax error at line {line}, column {col}: '{left.group(0)}' is an escape that remains after "
            "escapes are replaced (an escape that writes another, or a \\U with fewer than "
            "eight digits); engines would read it differently, so it is refused.",
            hint="write the character itself instead of the escape.",
        )
    bad = re.search(r"[\x00\ud800-\udfff]", out)
    if bad:
        raise not_text(f"it contains the code point U+{ord(bad.group(0)):04X}")
    return out.replace("\r\n", "\n").replace("\r", "\n")


#: An absolute IRI with no quotation mark of either kind (``_IRI_FORBIDDEN`` refuses the
#: rest): put anywhere in a query's text, in a string or a comment too, it stays one token.
_PLAIN_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^'\s<>\"{}|\\^`]*")
#: What a bound IRI is replaced by to read the shape of a query once for all its IRIs.
SHAPE_IRI = URIRef("urn:r2pkg:bound-iri")
#: Shapes read (a Reading, or None where the shape cannot stand for the bound query).
_SHAPES: dict[tuple, Reading | None] = {}


def _read_like_its_shape(text: str, bindings: tuple[tuple[str, Node], ...], max_length: int | None,
                         base: str | None) -> Reading | None:
    """The reading of a query whose parameters are all bound to plain absolute IRIs, taken
    from its shape (the same query with one stand-in IRI for them, read once) instead of
    rdflib's parse of each bound text: 50 ms each, for every case a saved query was asked of.

    An IRI is one token wherever it lands, so every such binding gives the same tree with
    other IRIs in it: the same form, LIMIT and VALUES, and no FROM or SERVICE the shape has
    not. The bound text still gets every textual check (SERVICE scan, depth, escapes).
    None (read it in full) for other values, or where the shape did not parse.
    """
    if not bindings or not all(isinstance(v, URIRef) and _PLAIN_IRI.fullmatch(str(v)) for _, v in bindings):
        return None
    key = (text, tuple(name for name, _ in bindings), max_length, base)
    if key not in _SHAPES:
        try:
            shape = _read(text, tuple((name, SHAPE_IRI) for name, _ in bindings), max_length, base)
        except QueryError:
            shape = None
        if len(_SHAPES) >= 1024:
            _SHAPES.clear()
        _SHAPES[key] = shape if shape is not None and shape.cappable else None
    shape = _SHAPES[key]
    if shape is None:
        return None
    bound, _shown, added = _checked_text(text, bindings, max_length, base)
    return Reading(text=bound, form=shape.form, limit=shape.limit, values_at_end=shape.values_at_end, added=added)


def _checked_text(text: str, bindings: tuple[tuple[str, Node], ...], max_length: int | None,
                  base: str | None) -> tuple[str, str, int]:
    """The text the engines are given (bound, with BASE and PREFIX lines), the client's text
    as bound, and the characters put in front; refused here if too long, too deep, holding a
    leftover escape or mentioning SERVICE, before any parser sees it."""
    if not text or not text.strip():
        raise QueryError("the query is empty.", hint="send a SPARQL query in the 'query' parameter.")
    if max_length is not None and len(text) > max_length:
        raise too_long(len(text), max_length)
    shown = bind_parameters(expand(text), dict(bindings))  # positions in messages refer to it
    # the base line only where a relative IRI needs it: an external engine then gets the
    # client's text as it would without r2pkg (Virtuoso 7.2 refuses some queries behind a BASE)
    needed = base and (_first_relative_iri(shown) is not None or re.search(r"(?i)\bBASE\s*<", shown))
    text = (base_line(base) if needed else "") + with_prefixes(shown)
    added = len(text) - len(shown)  # the BASE and PREFIX lines added in front
    if _LEFTOVER.search(text):  # a bound value that spells an escape
        raise QueryError("a parameter value contains '\\u' followed by four hex digits, which "
                         "SPARQL would read as an escape.", hint="give the value without it.")
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise too_deep(depth, MAX_DEPTH)
    if mentions_service(text):  # before any engine sees it: nothing may ever call out
        raise service_refused()
    return text, shown, added


def _read(text: str, bindings: tuple[tuple[str, Node], ...], max_length: int | None,
          base: str | None) -> Reading:
    text, shown, added = _checked_text(text, bindings, max_length, base)
    try:
        prologue, body = _parse(text, shown, added)
    except QueryError as exc:
        if getattr(exc, "refusal", False):
            raise
        # rdflib cannot read it: the engine's parser decides (rdflib fails on valid SPARQL
        # such as ``?s ?p -1.0``); only here, as Oxigraph plans a query while parsing it
        engine = engine_reading(text)
        if isinstance(engine, str):
            return _read_without_rdflib(text, engine, added)
        if isinstance(engine, QueryError) and not exc.message.startswith("syntax error"):
            raise in_client_text(engine, text, added) from exc
        raise
    form = QUERY_FORMS.get(getattr(body, "name", ""), "")
    if not form:
        raise QueryError("only SELECT, ASK, CONSTRUCT and DESCRIBE queries are accepted.")
    if "datasetClause" in body:
        raise from_refused()
    if _contains(body, "ServiceGraphPattern"):
        raise service_refused()
    _refuse_undeclared(shown, prologue, body)
    clauses = body["limitoffset"] if "limitoffset" in body else {}
    limit = clauses["limit"] if "limit" in clauses else None  # CompValue.get returns the key when absent
    return Reading(text=text, form=form, limit=None if limit is None else int(limit),
                   values_at_end="valuesClause" in body, added=added)


def base_line(base: str | None) -> str:
    """The BASE line put in front of a query asked of an endpoint (nothing without a base)."""
    if not base:
        return ""
    if _IRI_FORBIDDEN.search(base):
        raise QueryError(f"'{base}' cannot be a base IRI.")
    return f"BASE <{base}>\n"


def _parse(text: str, shown: str, added: int) -> tuple[list, CompValue]:
    """rdflib's parse of the (expanded) text (prologue, query), or a QueryError with line
    and column in ``shown``, the text without the ``added`` characters of PREFIX lines."""
    try:
        parsed = deep_call(parseQuery, text)
    except ParseException as exc:
        if _is_update(text):
            raise _refusal(update_refused()) from exc
        raise syntax_error(shown, max(exc.loc - added, 0)) from exc
    except RecursionError as exc:
        raise _refusal(too_deep(nesting_depth(text), MAX_DEPTH)) from exc
    except Exception as exc:  # rdflib raises a few other types on odd input
        raise QueryError(f"the query could not be read: {exc}.") from exc
    return list(parsed[0]), parsed[1]


def _refusal(exc: QueryError) -> QueryError:
    """Mark a refusal that stands whatever the engine's parser thinks of the text."""
    exc.refusal = True
    return exc


# -- the engine's parser -------------------------------------------------------------------

_ENGINE_ERROR = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)
_ENGINE_FORMS = {"QuerySolutions": "SELECT", "QueryBoolean": "ASK", "QueryTriples": "CONSTRUCT"}


@functools.cache
def _empty_engine():
    """An empty Oxigraph store, to parse with: a query on it is read, never run on data."""
    import pyoxigraph

    return pyoxigraph.Store()


@functools.cache
def engine_prefixes() -> dict[str, str]:
    """The prefixes every store binds, as the Oxigraph store hands them to its engine."""
    from rdflib import Graph

    from r2pkg.namespaces import bind_prefixes

    return {p: str(ns) for p, ns in bind_prefixes(Graph()).namespaces() if p}


def engine_reading(text: str) -> str | QueryError | None:
    """What Oxigraph's parser makes of ``text``: the query form, a QueryError for a syntax
    error (its position in ``text``, in ``exc.at``), or None when it says nothing of syntax
    (a function it does not implement is the running engine's to report).

    The query is read on an empty store and its solutions never taken, so nothing runs but
    an ASK over no data. Oxigraph plans the query while it parses it (a hundred joins take
    seconds), so this is asked only of texts rdflib cannot read; a text rdflib reads and
    Oxigraph refuses is refused when it runs, by :meth:`Reading.engine_error`.
    """
    try:
        result = _empty_engine().query(text, prefixes=engine_prefixes() if undeclared_prefixes(text) else None)
    except SyntaxError as exc:
        return _as_engine_error(exc)
    except Exception:  # noqa: BLE001 - not a syntax error: left to the engine that runs it
        return None
    return _ENGINE_FORMS.get(type(result).__name__)


def _as_engine_error(exc: Exception) -> QueryError | None:
    """Oxigraph's "error at L:C: expected ..." as a QueryError holding the place and reason."""
    found = _ENGINE_ERROR.search(str(exc))
    if found is None:
        return None
    err = QueryError(str(exc))
    err.at = (int(found.group(1)), int(found.group(2)))
    err.why = _engine_reason(found.group(3))
    return err


def _engine_reason(expected: str) -> str:
    """Oxigraph's "expected one of ..." list holds a sentence where the error is not one of
    tokens ("Duplicated variable name in SELECT"); that sentence is the reason."""
    for item in re.split(r",\s*", expected.replace("expected one of ", "").replace("expected ", "")):
        item = item.strip().rstrip(".")
        if " " in item and item[:1].isupper() and not item.startswith("["):
            return item[0].lower() + item[1:] if item[1:2].islower() else item
    return ""


def in_client_text(engine: QueryError, text: str, added: int) -> QueryError:
    """The engine's syntax error on ``text``, with its line and column in the client's own
    text: ``text`` less the ``added`` characters put in front of it."""
    shown = text[added:]
    line, col = getattr(engine, "at", None) or (1, 1)
    line -= text[:added].count("\n")
    if line < 1:
        line, col = 1, 1
    starts = [0] + [i + 1 for i, c in enumerate(shown) if c == "\n"]
    if line > len(starts):  # past the client's text (a LIMIT the server appended): it ends too early
        offset = len(shown)
    else:
        offset = min(starts[line - 1] + col - 1, len(shown))
    why = getattr(engine, "why", "")
    relative = None if re.search(r"(?i)\bBASE\s*<", text) else _first_relative_iri(shown)
    if relative is not None:  # Oxigraph says only what it expected there ("expected OPTIONAL")
        offset = relative
        why = "a relative IRI, and no base IRI to resolve it against (write the full IRI, or a BASE line)"
    return syntax_error(shown, offset, why)


def _first_relative_iri(text: str) -> int | None:
    """Where the first IRI without a scheme (``<a>``) starts, outside strings and comments."""
    for match in _UNITS.finditer(text):
        iri = match.group("iri")
        if iri and not re.match(r"<[A-Za-z][A-Za-z0-9+.-]*:", iri):
            return match.start()
    return None


def _read_without_rdflib(text: str, form: str, added: int) -> Reading:
    """A query Oxigraph reads and rdflib cannot: checked by the scanner (SERVICE, before;
    FROM; the form) instead of rdflib's tree, and never capped by appending a LIMIT (its own
    is unknown)."""
    if _FROM_WORD.search(_UNITS.sub(" ", text)):
        raise from_refused()
    if form == "CONSTRUCT" and _DESCRIBE_WORD.search(_UNITS.sub(" ", text)):
        form = "DESCRIBE"
    return Reading(text=text, form=form, limit=None, values_at_end=False, cappable=False, added=added)


_FROM_WORD = re.compile(r"(?<![?$:_\w])FROM(?![:\w])", re.IGNORECASE)
_DESCRIBE_WORD = re.compile(r"(?<![?$:_\w])DESCRIBE(?![:\w])", re.IGNORECASE)


@functools.cache
def known_prefixes() -> frozenset[str]:
    """Prefixes every store binds: the contract's and rdflib's own (rdf, xsd, owl...)."""
    from rdflib import Graph

    from r2pkg.namespaces import bind_prefixes

    return frozenset(PREFIXES) | frozenset(p for p, _ in bind_prefixes(Graph()).namespaces())


def _refuse_undeclared(text: str, prologue: list, body: CompValue) -> None:
    """Name a prefix that is neither declared nor known, where the engines would only
    say what they expected instead ("Prefix not found, ['%'], ['-' | '0' ..= '9'...")."""
    declared = {_prefix_of(d) for d in prologue if getattr(d, "name", "") == "PrefixDecl"}
    known = declared | known_prefixes()
    for name in _pnames(body):
        if name not in known:
            where = re.search(r"(?<![\w?$<.:-])" + re.escape(name) + ":", text)
            line, col = _line_col(text, where.start()) if where else (1, 1)
            raise QueryError(f"line {line}, column {col}: the prefix '{name}:' is not declared.",
                             hint=f"add 'PREFIX {name}: <...>' before the query, or use one of "
                             f"the prefixes the README lists ({', '.join(sorted(PREFIXES))}).")


def _prefix_of(value: CompValue) -> str:
    return str(value["prefix"]) if "prefix" in value and value["prefix"] else ""  # .get returns the key


def _pnames(body: CompValue) -> list[str]:
    found: list[str] = []
    stack: list = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if item.name == "pname":
                found.append(_prefix_of(item))
            stack.extend(item.values())
        elif isinstance(item, list | tuple | ParseResults):
            stack.extend(item)
    return found


def syntax_error(text: str, offset: int, reason: str = "") -> QueryError:
    """A parse error at ``offset`` of ``text``, with its line and column and a caret."""
    lineno, col = _line_col(text, offset)
    found = text[offset:offset + 20].split("\n")[0].strip()
    why = reason or (f"unexpected '{found}'" if found else "the query ends too early")
    return QueryError(f"syntax error at line {lineno}, column {col}: {why}.",
                      hint=_caret(text, lineno, col))


def _is_update(text: str) -> bool:
    try:
        deep_call(parseUpdate, text)
    except Exception:
        return False
    return True


def _contains(value: object, name: str) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            if item.name == name:
                return True
            stack.extend(item.values())
        elif isinstance(item, list | tuple | ParseResults):
            stack.extend(item)
    return False


def mentions_service(text: str) -> bool:
    """True if ``SERVICE`` appears as a keyword outside strings and comments.

    A second opinion, independent of rdflib's parser: strings and comments are skipped by
    the spec's rules. What looks like an IRI may be a ``<`` comparison read wrongly; a
    SERVICE clause can hide in one only if a ``#`` follows the keyword in it (an IRI holds
    no space or brace), so such an IRI is looked inside. The scan may see a keyword where
    there is none (``?a.SERVICE``); it must never miss one.
    """
    return bool(_SERVICE_WORD.search(_UNITS.sub(_kept_for_scan, text)))


def _kept_for_scan(match: re.Match) -> str:
    if match.group("iri") and re.search(_SERVICE_WORD.pattern + ".*#", match.group(0), re.IGNORECASE):
        return f" {match.group(0)[1:-1]} "
    return " "


def nesting_depth(text: str) -> int:
    """The deepest nesting of brackets outside strings, IRIs and comments."""
    kept = _UNITS.sub(" ", text)
    depth = deepest = 0
    for char in kept:
        if char in _BRACKETS:
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")}]":
            depth = max(depth - 1, 0)
    return deepest


_STACK = 256 * 1024 * 1024  # address space only: pages are used as the recursion needs them
_DEEP = threading.Lock()
_deep = {"users": 0, "saved": 0}


def deep_call(fn, *args):
    """``fn(*args)`` in a thread with a deep stack, under a high recursion limit.

    rdflib's parser and evaluator recurse ~30 frames per nesting level, so 30 nested
    parentheses (a valid query) passed Python's default limit of 1,000. The limit (one for
    the whole process) is raised while any deep call runs and restored after the last;
    MAX_DEPTH bounds the recursion, and the thread's stack has room for it.
    """
    outcome: list = []

    def run() -> None:
        try:
            outcome.append((True, fn(*args)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller as it is
            outcome.append((False, exc))

    worker = threading.Thread(target=run, name="r2pkg-deep", daemon=True)
    with _DEEP:
        if _deep["users"] == 0:
            _deep["saved"] = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_deep["saved"], 20_000))
        _deep["users"] += 1
        old_stack = threading.stack_size()
        try:
            threading.stack_size(_STACK)  # the size applies to threads started now
            worker.start()
        finally:
            threading.stack_size(old_stack)
    try:
        worker.join()
    finally:
        with _DEEP:
            _deep["users"] -= 1
            if _deep["users"] == 0:
                sys.setrecursionlimit(_deep["saved"])
    ok, value = outcome[0]
    if ok:
        return value
    raise value


# -- parameters and prefixes -----------------------------------------------------------

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


def _declared(text: str) -> set[str]:
    return set(_DECLARED.findall(text))


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
    declared = _declared(text)
    used = set(_USED.findall(text))
    missing = [f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p in used and p not in declared]
    return "".join(missing) + text


# -- messages ------------------------------------------------------------------------------

def _caret(text: str, lineno: int, col: int) -> str:
    lines = text.splitlines() or [""]
    line = lines[min(max(lineno, 1), len(lines)) - 1]
    return f"{line}\n{' ' * (max(col, 1) - 1)}^"


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1

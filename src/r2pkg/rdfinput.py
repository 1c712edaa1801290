"""Reading RDF that users give us, safely, with errors that name the line.

Only Turtle, N-Triples and JSON-LD are read. RDF/XML is refused (entity expansion and
external entities make it a denial-of-service and network vector), and a JSON-LD
document may not name a remote ``@context``: rdflib would fetch it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from rdflib import Graph

from r2pkg.errors import InputError

FORMATS_BY_SUFFIX = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "nt",
    ".jsonld": "json-ld",
    ".json": "json-ld",
}

FORMATS_BY_MEDIA_TYPE = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
}

# rdflib's Turtle parser says what it expected; users need to hear what is wrong.
_TURTLE_HINTS = {
    "objectList expected": "a statement has no object (a property is followed by nothing, "
    "or a value is missing before ';' or '.')",
    "expected '.' or '}' or ']' at end of statement": "a statement does not end with '.' "
    "(or a ';' or ',' is missing between values)",
    "EOF found in middle of path syntax": "the file ends in the middle of a statement",
    "unterminated string": "a string is not closed with its quotation mark",
    "Prefix": "a prefix is used without being declared with @prefix",
}


def format_for(name: str, media_type: str | None = None) -> str:
    """The rdflib format name for a file name or media type, or an InputError."""
    if media_type:
        base = media_type.split(";")[0].strip().lower()
        if base in FORMATS_BY_MEDIA_TYPE:
            return FORMATS_BY_MEDIA_TYPE[base]
    suffix = Path(name).suffix.lower()
    if suffix in FORMATS_BY_SUFFIX:
        return FORMATS_BY_SUFFIX[suffix]
    if suffix in (".rdf", ".xml", ".owl") or (media_type or "").endswith("xml"):
        raise InputError(
            f"{name}: RDF/XML is not accepted.",
            hint="convert the file to Turtle (.ttl) or JSON-LD (.jsonld) and try again.",
        )
    raise InputError(
        f"{name}: unknown RDF format (expected .ttl, .nt or .jsonld).",
        hint="name the file with one of these suffixes, or send the matching Content-Type.",
    )


def parse_file(graph: Graph, path: Path, root: Path | None = None) -> Graph:
    """Parse one file into ``graph``; errors name the file relative to ``root``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{_shown_name(path, root)}: cannot be read ({exc.strerror}).") from exc
    return parse_data(graph, data, path, root)


def parse_data(graph: Graph, data: bytes, path: Path, root: Path | None = None) -> Graph:
    """Parse the bytes read from ``path`` into ``graph``, as :func:`parse_file` does."""
    return parse_text(graph, data.decode("utf-8", errors="strict"), format_for(path.name), _shown_name(path, root))


def parse_text(graph: Graph, text: str, fmt: str, name: str = "the entry") -> Graph:
    """Parse RDF text in ``fmt`` into ``graph`` with the safety rules of this module."""
    if fmt == "json-ld":
        _check_jsonld(text, name)
    elif fmt not in ("turtle", "nt"):
        raise InputError(f"{name}: the format '{fmt}' is not accepted.")
    try:
        graph.parse(data=text, format=fmt)
    except InputError:
        raise
    except Exception as exc:  # rdflib raises many types; all mean "bad input" here
        raise _syntax_error(exc, text, name) from exc
    return graph


#: Arrays and objects open at once in a JSON-LD entry; rdflib's JSON-LD reader recurses
#: per level, and a real entry is a few levels deep.
MAX_JSON_DEPTH = 64


def _check_jsonld(text: str, name: str) -> None:
    depth = _json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise InputError(f"{name}: the JSON nests arrays and objects {depth} deep; the limit is {MAX_JSON_DEPTH}.",
                         hint="flatten the entry: give nodes their own @id and refer to them.")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{name}, line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg}).",
            hint="check the brackets, commas and quotation marks around that place.",
        ) from exc
    bad = _bad_context(doc)
    if bad is not None:
        raise InputError(
            f"{name}: a JSON-LD @context must be an object, a list of objects or null, not {bad}.",
            hint='write the context inline, e.g. "@context": {"r2p": "https://w3id.org/r2pkg/ontology#"}.',
        )
    remote = _remote_contexts(doc)
    if remote:
        raise InputError(
            f"{name}: the JSON-LD @context '{remote[0]}' is a remote document; "
            "r2pkg never fetches anything from the network.",
            hint="put the context inline, as a JSON object under @context.",
        )


def _json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects, counted outside strings, without parsing."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _bad_context(value: object) -> str | None:
    """A description of the first @context value that is not an object, a string, a list or null."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, sub in item.items():
                if key == "@context":
                    for ctx in sub if isinstance(sub, list) else [sub]:
                        if not (ctx is None or isinstance(ctx, dict | str)):
                            return f"{json.dumps(ctx)[:40]} ({type(ctx).__name__.replace('int', 'a number')})"
                stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _remote_contexts(value: object) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("@context", "@import"):
                items = item if isinstance(item, list) else [item]
                found.extend(i for i in items if isinstance(i, str))
            found.extend(_remote_contexts(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_remote_contexts(item))
    return found


def _syntax_error(exc: Exception, text: str, name: str) -> InputError:
    line, column, why = _position(exc, text)
    where = f"{name}, line {line}" + (f", column {column}" if column else "") if line else name
    return InputError(
        f"{where}: {why}.",
        hint="fix the file at that place; each statement ends with '.', and every prefix "
        "must be declared with @prefix.",
    )


def _position(exc: Exception, text: str) -> tuple[int | None, int | None, str]:
    why = getattr(exc, "_why", None)
    if why is not None and hasattr(exc, "_i"):  # rdflib's notation3.BadSyntax
        offset = int(exc._i)
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        return line, column, _explain(str(why))
    message = str(exc)
    match = re.search(r"line (\d+)(?:, column (\d+)|:(\d+))?", message)
    if match:
        col = match.group(2) or match.group(3)
        return int(match.group(1)), int(col) if col else None, _explain(message)
    return None, None, _explain(message)


def _explain(why: str) -> str:
    for key, plain in _TURTLE_HINTS.items():
        if key in why:
            return plain
    return why.strip().rstrip(".") or "the file does not parse"


def _shown_name(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)

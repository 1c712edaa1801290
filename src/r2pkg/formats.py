"""Query results as text: tables for people, SPARQL JSON/XML/CSV/TSV and RDF for programs.

Shared by the command line and the web front end, so both print the same answers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.query import Result
from rdflib.term import Node

from r2pkg.namespaces import bind_prefixes

#: Media types of SELECT/ASK result formats, by short name.
RESULT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
#: Media types of graph (CONSTRUCT/DESCRIBE) formats, by short name.
GRAPH_TYPES = {
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
    "nquads": "application/n-quads",
    "trig": "application/trig",
    "rdfxml": "application/rdf+xml",
}
_RDFLIB_GRAPH_FORMAT = {
    "turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt", "nquads": "nquads", "trig": "trig",
    "rdfxml": "xml",
}


def rows_of(result: Result) -> tuple[list[str], list[list[Node | None]]]:
    """Variable names and rows of a SELECT result."""
    names = [str(v) for v in (result.vars or [])]
    rows = [[row[i] if i < len(row) else None for i in range(len(names))] for row in result]
    return names, rows


def term_json(term: Node) -> dict[str, str]:
    """One RDF term in the SPARQL 1.1 JSON results format."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal):
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype and term.datatype != XSD.string:
            out["datatype"] = str(term.datatype)
    return out


def select_json(names: list[str], rows: Iterable[list[Node | None]]) -> dict:
    """SPARQL JSON for SELECT rows."""
    bindings = [{n: term_json(v) for n, v in zip(names, row) if v is not None} for row in rows]
    return {"head": {"vars": names}, "results": {"bindings": bindings}}


def ask_json(answer: bool) -> dict:
    """SPARQL JSON for an ASK answer."""
    return {"head": {}, "boolean": bool(answer)}


def select_xml(names: list[str], rows: Iterable[list[Node | None]]) -> str:
    """SPARQL XML for SELECT rows."""
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
           "<head>" + "".join(f"<variable name={quoteattr(n)}/>" for n in names) + "</head>",
           "<results>"]
    for row in rows:
        out.append("<result>")
        for name, value in zip(names, row):
            if value is not None:
                out.append(f"<binding name={quoteattr(name)}>{_term_xml(value)}</binding>")
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "\n".join(out)


def ask_xml(answer: bool) -> str:
    """SPARQL XML for an ASK answer."""
    return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if answer else 'false'}</boolean></sparql>\n")


def _term_xml(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<uri>{escape(str(term))}</uri>"
    if isinstance(term, BNode):
        return f"<bnode>{escape(str(term))}</bnode>"
    attrs = ""
    if isinstance(term, Literal) and term.language:
        attrs = f" xml:lang={quoteattr(term.language)}"
    elif isinstance(term, Literal) and term.datatype and term.datatype != XSD.string:
        attrs = f" datatype={quoteattr(str(term.datatype))}"
    return f"<literal{attrs}>{escape(str(term))}</literal>"


def select_csv(names: list[str], rows: Iterable[list[Node | None]]) -> str:
    """SPARQL CSV: plain values, empty for unbound."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    return buf.getvalue()


def select_tsv(names: list[str], rows: Iterable[list[Node | None]]) -> str:
    """SPARQL TSV: terms in Turtle syntax, tab-separated."""
    lines = ["\t".join(f"?{n}" for n in names)]
    for row in rows:
        lines.append("\t".join("" if v is None else _tsv_term(v) for v in row))
    return "\n".join(lines) + "\n"


_TSV_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _tsv_term(term: Node) -> str:
    """A term as the TSV results format wants it: Turtle syntax, on one line."""
    if not isinstance(term, Literal):
        return term.n3()
    text = f'"{str(term).translate(_TSV_ESCAPES)}"'
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype and term.datatype != XSD.string:  # a simple literal is an xsd:string
        return f"{text}^^<{term.datatype}>"
    return text


def ask_text(answer: bool, fmt: str) -> str:
    """ASK answers in CSV/TSV (one header, one value), as Fuseki does."""
    head = "_askResult" if fmt == "csv" else "?_askResult"
    return f"{head}\n{'true' if answer else 'false'}\n"


SELECT_WRITERS: dict[str, Callable[[list[str], list[list[Node | None]]], str]] = {
    "xml": select_xml, "csv": select_csv, "tsv": select_tsv,
}


def serialize_select(names: list[str], rows: list[list[Node | None]], fmt: str) -> str:
    """SELECT rows in one of RESULT_TYPES."""
    if fmt == "json":
        return json.dumps(select_json(names, rows), ensure_ascii=False)
    return SELECT_WRITERS[fmt](names, rows)


def serialize_ask(answer: bool, fmt: str) -> str:
    """An ASK answer in one of RESULT_TYPES."""
    if fmt == "json":
        return json.dumps(ask_json(answer))
    if fmt == "xml":
        return ask_xml(answer)
    return ask_text(answer, fmt)


def serialize_graph(graph: Graph, fmt: str) -> str:
    """A graph in one of GRAPH_TYPES, with the contract's prefixes."""
    bind_prefixes(graph)
    return graph.serialize(format=_RDFLIB_GRAPH_FORMAT[fmt])


def table(names: list[str], rows: list[list[Node | None]], label: Callable[[Node], str] | None = None) -> str:
    """A plain-text table for the terminal: one column per variable."""
    def cell(v: Node | None) -> str:
        return "" if v is None else str(v)

    body = [[cell(v) for v in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in body]) for i, n in enumerate(names)]
    widths = [min(w, 80) for w in widths]
    line = "  ".join(n.ljust(w) for n, w in zip(names, widths))
    rule = "  ".join("-" * w for w in widths)
    out = [line, rule] + ["  ".join(c[:80].ljust(w) for c, w in zip(r, widths)) for r in body]
    out.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(out)


__all__ = [
    "GRAPH_TYPES", "RESULT_TYPES", "render_result", "rows_of", "select_json", "serialize_ask",
    "serialize_graph", "serialize_select", "table",
]


def render_result(result: Result, fmt: str, label: Callable[[Node], str] | None = None) -> str:
    """Any query result in a CLI format: table, json, csv, tsv, xml, or an RDF format."""
    if result.type == "ASK":
        answer = bool(result.askAnswer)
        return ("true\n" if answer else "false\n") if fmt == "table" else serialize_ask(answer, fmt)
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = result.graph if result.graph is not None else Graph()
        graph_fmt = fmt if fmt in GRAPH_TYPES else "turtle"
        return serialize_graph(graph, graph_fmt)
    names, rows = rows_of(result)
    if fmt == "table":
        return table(names, rows, label) + "\n"
    if fmt not in RESULT_TYPES:
        fmt = "json"
    return serialize_select(names, rows, fmt) + ("\n" if fmt == "json" else "")

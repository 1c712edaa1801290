"""New entries from editors: reading them safely, knowing where each statement was written,
and a template to start from.

An editor fixes an entry in a text editor, so every finding must say *where*: each triple
read from Turtle remembers the line it was written on (rdflib's Turtle parser counts lines
as it goes; we listen to it). Blank nodes (the citations written inline as ``[ … ]``) have
no name an editor could search for, so their line is the only way to point at them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from r2pkg.errors import InputError
from r2pkg.namespaces import bind_prefixes
from r2pkg.rdfinput import format_for, parse_text

#: Largest entry accepted, in bytes (an entry is a handful of nodes, not a data dump).
MAX_ENTRY_BYTES = 2_000_000

Triple = tuple[Node, Node, Node]


class EntryGraph(Graph):
    """An entry's triples, each with the place (file name, line) it was written at."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.positions: dict[Triple, tuple[str, int]] = {}

    def where(self, subject: Node, predicate: Node | None = None) -> tuple[str, int] | None:
        """The first place a node (and, if given, one of its fields) is written."""
        places = [pos for (s, p, _o), pos in self.positions.items()
                  if s == subject and (predicate is None or p == predicate)]
        if not places and predicate is not None:
            return self.where(subject)
        if not places:  # a node only ever used as an object: where it is used
            places = [pos for (_s, _p, o), pos in self.positions.items() if o == subject]
        return min(places, key=lambda x: (x[0], x[1])) if places else None


def new_entry_graph() -> EntryGraph:
    """An empty entry graph with the project's prefixes bound."""
    graph = EntryGraph()
    bind_prefixes(graph)
    return graph


def read_entries(paths: Iterable[Path]) -> EntryGraph:
    """Parse entry files (Turtle or JSON-LD) into one graph; errors name file and line."""
    graph = new_entry_graph()
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot be read ({exc.strerror}).") from exc
        parse_entry_text(graph, data, str(path), format_for(str(path)))
    return graph


def parse_entry_text(graph: Graph, data: bytes, name: str, fmt: str) -> Graph:
    """Parse one entry's bytes into ``graph`` with the size and safety limits."""
    if len(data) > MAX_ENTRY_BYTES:
        raise InputError(f"{name}: the entry is larger than {MAX_ENTRY_BYTES // 1_000_000} MB.",
                         hint="split it into smaller entries.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: the file is not UTF-8 text.") from exc
    if fmt == "turtle" and isinstance(graph, EntryGraph):
        try:
            _parse_turtle_with_lines(graph, text, name)
            return graph
        except Exception:  # noqa: BLE001 - the checked reader below explains the error
            pass
    before = set(graph) if isinstance(graph, EntryGraph) else None
    parse_text(graph, text, fmt, name)
    if before is not None:
        _locate_in_text(graph, text, name, before)
    return graph


def _parse_turtle_with_lines(graph: EntryGraph, text: str, name: str) -> None:
    """Parse Turtle into a scratch graph, noting each triple's line, then copy it over."""
    from rdflib.plugins.parsers.notation3 import RDFSink, SinkParser

    scratch = bind_prefixes(Graph())
    places: dict[Triple, tuple[str, int]] = {}

    class Sink(RDFSink):
        parser: SinkParser | None = None

        def makeStatement(self, quadruple, why=None) -> None:  # noqa: N802 - rdflib's name
            super().makeStatement(quadruple, why)
            f, p, s, o = quadruple
            triple = (self.normalise(f, s), self.normalise(f, p), self.normalise(f, o))
            places.setdefault(triple, (name, self.parser.lines + 1))

    sink = Sink(scratch)
    parser = SinkParser(sink, baseURI="", turtle=True)
    sink.parser = parser
    parser.startDoc()
    parser.feed(text)
    parser.endDoc()
    for prefix, namespace in parser._bindings.items():
        if prefix:
            graph.bind(prefix, namespace, override=False)
    for triple in scratch:
        graph.add(triple)
    for triple, place in places.items():
        graph.positions.setdefault(triple, place)


def _locate_in_text(graph: EntryGraph, text: str, name: str, before: set) -> None:
    """For formats without line tracking (JSON-LD): the line where each subject's IRI appears."""
    lines = text.splitlines()
    for triple in set(graph) - before:
        s = triple[0]
        line = 1
        if isinstance(s, URIRef):
            needle = json.dumps(str(s))[1:-1]
            short = str(s).rsplit("/", 1)[-1]
            for number, content in enumerate(lines, start=1):
                if needle in content or re.search(rf'"@id"\s*:\s*"[^"]*{re.escape(short)}"', content):
                    line = number
                    break
        graph.positions.setdefault(triple, (name, line))


def case_template(slug: str = "country-years") -> str:
    """A commented Turtle template of a valid case entry."""
    return TEMPLATE.replace("SLUG", slug)


TEMPLATE = '''# A new case entry for r2pkg. Fill in every line marked TODO, then run:
#     r2pkg validate THIS-FILE.ttl        (and, to add it to the graph: r2pkg add THIS-FILE.ttl)
# The template is rejected until every TODO and the placeholder name are replaced.
# The entry may point at anything already in the graph (organs, paragraphs, documents).
# Every fact needs evidence: the source, a locator a reader can find, and whether the
# source states it (r2p:Stated) or you inferred it (r2p:Inferred, with an r2p:note on the
# citation saying why). A quote is at most one sentence, exactly as printed.
# New nodes get new IRIs. To add to a node already in the graph, say so explicitly:
#     case:rwanda-1994 r2p:extendsExisting true ; r2p:hasResponse response:… .
# (the marker is not stored; the entry may add fields, never change the node's label,
# dates, scope or country).

@prefix r2p:      <https://w3id.org/r2pkg/ontology#> .
@prefix rdfs:     <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:      <http://www.w3.org/2001/XMLSchema#> .
@prefix case:     <https://w3id.org/r2pkg/id/case/> .
@prefix response: <https://w3id.org/r2pkg/id/response/> .
@prefix claim:    <https://w3id.org/r2pkg/id/claim/> .
@prefix state:    <https://w3id.org/r2pkg/id/state/> .
@prefix organ:    <https://w3id.org/r2pkg/id/organ/> .
@prefix pub:      <https://w3id.org/r2pkg/id/publication/> .
@prefix crime:    <https://w3id.org/r2pkg/id/crime/> .
@prefix pillar:   <https://w3id.org/r2pkg/id/pillar/> .
@prefix tool:     <https://w3id.org/r2pkg/id/tool/> .

case:SLUG a r2p:Case ;
    rdfs:label "TODO Country, situation (years)"@en ;
    # r2p:country state:TODO ;                  # a state already in the graph
    r2p:startDate "2008"^^xsd:gYear ;            # TODO as precise as the source
    r2p:endDate "2008"^^xsd:gYear ;              # never before the start date
    # In scope: name at least one of the four crimes. Out of scope: r2p:OutOfScope,
    # a r2p:scopeNote saying why, and no crime. Incitement is not a fifth crime.
    r2p:scopeStatus r2p:InScope ;
    r2p:concernsCrime crime:crimes-against-humanity ;   # TODO genocide / war-crimes / ethnic-cleansing / crimes-against-humanity
    r2p:hasResponse response:SLUG-mediation ;
    r2p:evidence [ a r2p:Citation ;
        r2p:source pub:stanley-tarrytown-2010 ;  # TODO the publication or document
        r2p:locator "TODO section or para" ;
        r2p:quote "TODO at most one sentence, exactly as printed" ;
        # Which statements the quote backs (properties of the node above), and in whose
        # voice: r2p:HeldByPublication (the source's own, or an official document);
        # r2p:HeldByOneSpeaker / r2p:HeldBySeveral (participants' views) back only a claim.
        r2p:supports r2p:startDate, r2p:endDate, r2p:scopeStatus, r2p:concernsCrime, r2p:hasResponse ;
        # r2p:supports r2p:country ;              # with r2p:country above
        r2p:breadth r2p:HeldByPublication ;
        r2p:assertion r2p:Stated ] .

# Each crime attributed to a case is backed by a claim saying who says so.
claim:SLUG-concernsCrime a r2p:Claim ;
    rdfs:label "TODO the source attributes crimes against humanity to the situation"@en ;
    r2p:claimSubject case:SLUG ;
    r2p:claimProperty r2p:concernsCrime ;
    r2p:claimValue crime:crimes-against-humanity ;
    r2p:evidence [ a r2p:Citation ;
        r2p:source pub:stanley-tarrytown-2010 ;
        r2p:locator "TODO" ;
        r2p:supports r2p:concernsCrime ;
        r2p:breadth r2p:HeldByPublication ;
        r2p:assertion r2p:Stated ] .

# A response names its actor, pillar and tool. A coercive tool (sanctions, arms embargo,
# ICC referral, use of force) must be pillar three and rest on Chapter VII (or on
# Article 53 for a regional arrangement) through r2p:hasLegalBasis.
response:SLUG-mediation a r2p:Response ;
    rdfs:label "TODO Who: what was done (year)"@en ;
    r2p:actor organ:secretary-general ;          # TODO
    r2p:pillar pillar:3 ;                        # TODO pillar:1, pillar:2 or pillar:3
    r2p:instrument tool:mediation ;              # TODO a tool listed at /ontology
    r2p:date "2008"^^xsd:gYear ;
    r2p:evidence [ a r2p:Citation ;
        r2p:source pub:stanley-tarrytown-2010 ;
        r2p:locator "TODO" ;
        r2p:supports r2p:actor, r2p:pillar, r2p:instrument, r2p:date ;
        r2p:breadth r2p:HeldByPublication ;
        r2p:assertion r2p:Stated ] .
'''

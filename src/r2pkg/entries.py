"""New entries from editors: reading them safely, and a template to start from."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph

from r2pkg.errors import InputError
from r2pkg.namespaces import bind_prefixes
from r2pkg.rdfinput import format_for, parse_text

#: Largest entry accepted, in bytes (an entry is a handful of nodes, not a data dump).
MAX_ENTRY_BYTES = 2_000_000


def read_entries(paths: Iterable[Path]) -> Graph:
    """Parse entry files (Turtle or JSON-LD) into one graph; errors name file and line."""
    graph = bind_prefixes(Graph())
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
    return parse_text(graph, text, fmt, name)


def case_template(slug: str = "country-years") -> str:
    """A commented Turtle template of a valid case entry."""
    return TEMPLATE.replace("SLUG", slug)


TEMPLATE = '''# A new case entry for r2pkg. Fill in every line marked TODO, then run:
#     r2pkg validate THIS-FILE.ttl
# The entry may point at anything already in the graph (organs, paragraphs, documents).
# Every fact needs evidence: the source, a locator a reader can find, and whether the
# source states it (r2p:Stated) or you inferred it (r2p:Inferred, with an r2p:note).

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
        r2p:assertion r2p:Stated ] .
'''

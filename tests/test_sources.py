"""What each source publication contributed, and the provenance rules every entry must follow.

``pytest -s tests/test_sources.py`` prints the table of what each publication encoded.
"""

from __future__ import annotations

import re

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import Store

PUBLICATIONS = {
    "ipi-blue-paper-7": R2PID["publication/ipi-blue-paper-7"],
    "stanley-tarrytown-2010": R2PID["publication/stanley-tarrytown-2010"],
    "ipi-stellenbosch-2008": R2PID["publication/ipi-stellenbosch-2008"],
}

#: Classes counted per publication: a node counts when one of its citations has that source.
COUNTED = {
    "cases": R2P.Case,
    "responses": R2P.Response,
    "mandates": R2P.Mandate,
    "recommendations": R2P.Recommendation,
    "events": R2P.Event,
    "claims": R2P.Claim,
    "lessons": R2P.Lesson,
}

#: A little below the counts of the bundled graph (cases, responses, documents cited,
#: mandates, recommendations, events, claims, lessons): losing data fails the test,
#: adding data does not. Raise a floor when a publication is encoded further.
FLOORS = {
    "ipi-blue-paper-7": {"cases": 16, "responses": 6, "documents": 23, "mandates": 14,
                         "recommendations": 57, "events": 15, "claims": 6, "lessons": 26},
    "stanley-tarrytown-2010": {"cases": 9, "responses": 7, "documents": 26, "mandates": 12,
                               "recommendations": 98, "events": 2, "claims": 12, "lessons": 16},
    "ipi-stellenbosch-2008": {"cases": 13, "responses": 17, "documents": 29, "mandates": 11,
                              "recommendations": 26, "events": 1, "claims": 32, "lessons": 27},
}

#: Nodes that must each carry at least one complete citation.
CITED_CLASSES = (R2P.Case, R2P.Response, R2P.Mandate, R2P.Recommendation, R2P.Claim)

#: A quotation is meant to be at most about this long ...
QUOTE_TARGET = 400
#: ... and never longer than this, even when it is a single long sentence of the source.
QUOTE_CEILING = 600

_ABBREVIATIONS = re.compile(
    r"\b(?:Doc|No|Nos|para|paras|Mr|Ms|Mrs|Dr|Prof|St|vs|cf|Vol|pp|p|nr|Res|Art|e\.g|i\.e|U\.S|U\.N)\.")
_INITIAL = re.compile(r"\b([A-Z])\.")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"”’)]*\s+(?=[\"“(]*[A-Z0-9])")
#: An endnote reference ("... UN Doc. S/2001/574, June 7, 2001.") is a citation, not prose.
_REFERENCE = re.compile(r"\b(?:Doc\.|Document)\s+[A-Z][A-Za-z.]*/")


def _count(store: Store, publication: URIRef) -> dict[str, int]:
    g = store.graph
    figures = {"documents": len(set(g.objects(publication, R2P.cites)))}
    for name, cls in COUNTED.items():
        rows = store.query(
            """SELECT (COUNT(DISTINCT ?node) AS ?n) WHERE {
                 ?node a ?cls ; <https://w3id.org/r2pkg/ontology#evidence> ?citation .
                 ?citation <https://w3id.org/r2pkg/ontology#source> ?publication .
               }""",
            {"cls": cls, "publication": publication},
        )
        figures[name] = int(next(iter(rows))[0])
    return figures


def _table(counts: dict[str, dict[str, int]]) -> str:
    columns = ["cases", "responses", "documents", "mandates", "recommendations", "events", "claims", "lessons"]
    width = max(len(p) for p in counts)
    lines = [f"{'publication':{width}}  " + "  ".join(columns)]
    for publication, figures in counts.items():
        lines.append(f"{publication:{width}}  " + "  ".join(f"{figures[c]:>{len(c)}}" for c in columns))
    return "\n".join(lines)


def test_each_publication_keeps_what_it_encoded(any_store: Store):
    counts = {name: _count(any_store, iri) for name, iri in PUBLICATIONS.items()}
    print(f"\nWhat each publication encoded ({any_store.kind}):\n" + _table(counts))
    below = [f"{p}: {kind} {counts[p][kind]} < floor {floor}"
             for p, floors in FLOORS.items() for kind, floor in floors.items() if counts[p][kind] < floor]
    assert not below, "data was lost:\n" + "\n".join(below)


def test_every_case_response_mandate_recommendation_and_claim_has_a_complete_citation(any_store: Store):
    g = any_store.graph
    offenders = []
    for cls in CITED_CLASSES:
        for node in sorted(set(g.subjects(RDF.type, cls)), key=str):
            complete = [c for c in g.objects(node, R2P.evidence)
                        if (c, R2P.locator, None) in g and (c, R2P.source, None) in g
                        and (c, R2P.assertion, None) in g]
            if not complete:
                offenders.append(f"{any_store.label(cls)} {any_store.label(node)} <{node}>")
    assert not offenders, ("these nodes have no r2p:evidence with r2p:source, r2p:locator and "
                           "r2p:assertion:\n" + "\n".join(offenders))


def test_every_citation_names_its_source_locator_and_assertion(any_store: Store):
    g = any_store.graph
    offenders = []
    for node, citation in g.subject_objects(R2P.evidence):
        missing = [any_store.label(p) for p in (R2P.source, R2P.locator, R2P.assertion)
                   if (citation, p, None) not in g]
        if missing:
            offenders.append(f"{any_store.label(node)} <{node}>: a citation lacks {', '.join(missing)}")
    assert not offenders, "\n".join(sorted(offenders))


def _sentences(quote: str) -> list[str]:
    """The sentences of at least eight words in a quotation (abbreviations and initials kept whole)."""
    masked = _INITIAL.sub(r"\1", _ABBREVIATIONS.sub(lambda m: m.group(0)[:-1], quote))
    return [s for s in _SENTENCE_BREAK.split(masked) if len(s.split()) >= 8]


def test_sentence_splitting_of_quotations():
    assert len(_sentences("Paragraph 138 of the Outcome Document clearly commits member states to act.")) == 1
    assert len(_sentences("UN Doc. S/ RES/1674. Mr. Méndez was appointed to the post in April of that year.")) == 1
    assert len(_sentences("The Council met on the question of Darfur that week. It then adopted a "
                          "resolution on the deployment of a mission.")) == 2


def test_every_quotation_is_short_and_at_most_a_sentence(any_store: Store):
    """Publishers' rights: at most a sentence of the source per fact, never a passage."""
    g = any_store.graph
    offenders = []
    for citation, quote in sorted(set(g.subject_objects(R2P.quote)), key=lambda x: str(x[1])):
        text = str(quote)
        where = ", ".join(sorted(f"<{n}>" for n in g.subjects(R2P.evidence, citation))) or f"<{citation}>"
        sentences = _sentences(text)
        if len(text) > QUOTE_CEILING:
            offenders.append(f"{where}: {len(text)} characters: {text[:120]}...")
        elif len(sentences) > 1 and not _REFERENCE.search(text):
            offenders.append(f"{where}: {len(sentences)} sentences: {text[:120]}...")
        elif len(text) > QUOTE_TARGET and len(sentences) > 1:  # a long endnote reference
            offenders.append(f"{where}: {len(text)} characters over several sentences: {text[:120]}...")
    assert not offenders, "shorten these quotations to one sentence:\n" + "\n".join(offenders)


def test_every_iri_used_as_an_object_is_defined(any_store: Store):
    g = any_store.graph
    prefix = str(R2PID)
    undefined = sorted({
        f"<{o}> (used by <{s}> with {any_store.label(p)})"
        for s, p, o in g
        if isinstance(o, URIRef) and str(o).startswith(prefix) and (o, None, None) not in g
    })
    assert not undefined, "these IRIs are used but never described:\n" + "\n".join(undefined)


def test_no_official_text_is_typed_from_memory(any_store: Store):
    """r2p:text only from the verified import: every text names its copy, cites both copies or says why not."""
    g = any_store.graph
    copies = {R2PID["document/un-charter-copy-a"], R2PID["document/un-charter-copy-b"]}
    found = []
    for s in set(g.subjects(R2P.text, None)):
        cited = {g.value(c, R2P.source) for c in g.objects(s, R2P.evidence)}
        status = str(g.value(s, R2P.textStatus) or "")
        ok = (g.value(s, R2P.textFrom) in copies and g.value(s, R2P.textSha256) is not None
              and (copies <= cited if status.startswith("verified") else status.startswith("one copy")))
        if not ok:
            found.append(f"<{s}>")
    assert not found, "r2p:text without a verified import behind it, on:\n" + "\n".join(sorted(found))
    assert g.value(R2PID["document/A-RES-60-1/para-139"], R2P.text) is None  # no copy of the Outcome is held


@pytest.mark.parametrize("publication", sorted(PUBLICATIONS.values()), ids=lambda p: str(p).rsplit("/", 1)[-1])
def test_each_publication_is_described(any_store: Store, publication: URIRef):
    g = any_store.graph
    assert (publication, RDF.type, R2P.Publication) in g
    assert isinstance(g.value(publication, RDFS.label), Literal)

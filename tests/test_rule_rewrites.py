"""Rules written for speed find what their plain definitions find.

Two statement rules of the shapes are written the way the store answers them fast, not the
way one would first state them (bench/RESULTS.md, 2026-12-07): Fact-notOnlyParticipants
starts from the participants' citations, Citation-supportsOwnProperty tells a claim from
another node with one lookup. Their former, plain texts are kept here as the definitions.
Each is run against the current text, both through the compiled engine (which
test_shacl_reference.py holds to pySHACL), on the bundled graph with a few hundred
citations changed in the ways these rules read: another voice, no voice, a second voice,
inferred instead of stated, a property supported that the node lacks, a claim's property.
"""

from __future__ import annotations

import random

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from r2pkg.editing import validation
from r2pkg.editing.shacl_sparql import compile_shapes, run_checks
from r2pkg.namespaces import R2P
from r2pkg.store.memory import MemoryStore

FORMER = {
    R2P["Fact-notOnlyParticipants"]: """
        SELECT DISTINCT $this ?path ?value WHERE {
            FILTER NOT EXISTS { $this a r2p:Citation }
            FILTER NOT EXISTS { $this a r2p:Claim }
            FILTER NOT EXISTS { $this a r2p:Position }
            $this ?path ?value .
            FILTER (?path != r2p:scopeStatus || ?value != r2p:Undetermined)
            FILTER NOT EXISTS { ?path a r2p:StructuralProperty }
            FILTER NOT EXISTS { ?vocabulary a r2p:StructuralVocabulary .
                                FILTER (STRSTARTS(STR(?path), STR(?vocabulary))) }
            {
                $this r2p:evidence ?c . ?c r2p:assertion r2p:Stated ; r2p:supports ?path .
            } UNION {
                ?claim r2p:claimSubject $this ; r2p:claimProperty ?path ; r2p:claimValue ?value ; r2p:evidence ?c .
                ?c r2p:assertion r2p:Stated .
            }
            FILTER NOT EXISTS {
                $this r2p:evidence ?own . ?own r2p:assertion r2p:Stated ; r2p:supports ?path .
                FILTER NOT EXISTS { ?own r2p:breadth ?ob . FILTER (?ob IN (r2p:HeldByOneSpeaker, r2p:HeldBySeveral)) }
            }
            FILTER NOT EXISTS {
                ?claim2 r2p:claimSubject $this ; r2p:claimProperty ?path ; r2p:claimValue ?value ; r2p:evidence ?cc .
                ?cc r2p:assertion r2p:Stated .
                FILTER NOT EXISTS { ?cc r2p:breadth ?cb . FILTER (?cb IN (r2p:HeldByOneSpeaker, r2p:HeldBySeveral)) }
            }
        }""",
    R2P["Citation-supportsOwnProperty"]: """
        SELECT DISTINCT $this (r2p:supports AS ?path) ?value WHERE {
            $this r2p:supports ?value .
            ?node r2p:evidence $this .
            FILTER (
                (EXISTS { ?node r2p:claimProperty ?cp } && NOT EXISTS { ?node r2p:claimProperty ?value })
                || (NOT EXISTS { ?node r2p:claimProperty ?cp2 } && NOT EXISTS { ?node ?value ?anything })
            )
        }""",
}

VOICES = [R2P.HeldByOneSpeaker, R2P.HeldBySeveral, R2P.HeldByPublication, R2P.HeldByConsensus]


def _plain(triple: tuple) -> tuple:
    s, p, o = triple
    return s, p, Literal(str(o)) if isinstance(o, Literal) and o.datatype == XSD.string else o


def _mutated(store, rng: random.Random, changes: int) -> Graph:
    """The bundled graph with ``changes`` citations changed (or a supported property added)."""
    graph = Graph()
    for triple in store.graph:
        graph.add(_plain(triple))
    citations = sorted({c for c in graph.subjects(R2P.breadth, None)}, key=str)
    properties = sorted(set(graph.objects(None, R2P.supports)), key=str)
    for citation in rng.sample(citations, min(changes, len(citations))):
        way = rng.randrange(6)
        if way == 0:  # another voice, often a participant's
            graph.set((citation, R2P.breadth, rng.choice(VOICES)))
        elif way == 1:  # no voice at all (then not a participant's)
            graph.remove((citation, R2P.breadth, None))
        elif way == 2:  # a second voice
            graph.add((citation, R2P.breadth, rng.choice(VOICES[:2])))
        elif way == 3:  # the editor's reading, not the source's statement
            graph.set((citation, R2P.assertion, R2P.Inferred))
        elif way == 4:  # a property the node may not have
            graph.add((citation, R2P.supports, rng.choice(properties)))
        else:  # a participant's voice, stated
            graph.set((citation, R2P.breadth, rng.choice(VOICES[:2])))
            graph.set((citation, R2P.assertion, R2P.Stated))
    return graph


def _results(graph: Graph, shapes: Graph, rule: URIRef) -> set[tuple]:
    checks, _ = compile_shapes(shapes)
    checks = [c for c in checks if c.constraint == rule]
    assert len(checks) == 1
    engine = MemoryStore(graph).for_whole_graph_queries()
    results = run_checks(validation.store_select(engine), checks, validation.class_test(engine))
    return {(r.focus, r.path, r.value) for r in results}


@pytest.mark.parametrize("rule", sorted(FORMER), ids=lambda r: str(r).rsplit("#", 1)[-1])
@pytest.mark.parametrize("seed", [2311, 2312])
def test_a_rule_written_for_speed_finds_what_its_plain_text_finds(oxigraph_store, rule, seed):
    current = oxigraph_store.shapes()
    former = Graph()
    for triple in current:
        former.add(triple)
    text = current.value(rule, SH.select)
    assert " ".join(str(text).split()) != " ".join(FORMER[rule].split()), "the rule is still its former text"
    former.set((rule, SH.select, Literal(FORMER[rule])))
    graph = _mutated(oxigraph_store, random.Random(seed), 400)
    found = _results(graph, current, rule)
    assert found == _results(graph, former, rule)
    assert len(found) >= 10, "the changes break the rule many times"


def test_a_minus_group_of_plain_triples_becomes_one_subquery_per_pattern():
    """What hash_joined rewrites (the results are compared with pySHACL's in
    test_shacl_reference.py, on the rules whose MINUS groups it rewrites), and what it leaves."""
    from r2pkg.editing.shacl_sparql import hash_joined

    out = hash_joined("$this r2p:evidence ?c .\n  ?c r2p:assertion r2p:Stated ; r2p:supports ?p , ?q .", ["?p != ?q"])
    assert out == ("{ SELECT * WHERE { $this r2p:evidence ?c } } { SELECT * WHERE { ?c r2p:assertion r2p:Stated } } "
                   "{ SELECT * WHERE { ?c r2p:supports ?p } } { SELECT * WHERE { ?c r2p:supports ?q } } "
                   "FILTER (?p != ?q)")
    for left in ("?own r2p:breadth ?b .",  # one pattern: nothing to join
                 "?a ?p ?b . ?b a r2p:Case",  # a variable predicate would scan the whole graph
                 "?a r2p:partOf/r2p:partOf ?b . ?b a r2p:Case",  # a path
                 "?a r2p:locator \"x\" . ?a a r2p:Citation",  # a literal
                 "?a r2p:evidence _:c . _:c r2p:assertion r2p:Stated",  # a blank node spans the group
                 "?a r2p:evidence [ r2p:assertion r2p:Stated ]",
                 "?a r2p:evidence ?c ?d . ?c a r2p:Citation"):  # not a triple
        assert hash_joined(left, []) is None, left

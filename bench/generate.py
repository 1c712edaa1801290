"""Deterministic synthetic r2pkg graphs at a target size, shaped like the bundled graph.

    python bench/generate.py --triples 100000 --out /tmp/r2pkg-bench/100k.nt
    python bench/generate.py --triples 1000000 --out /tmp/r2pkg-bench/1M.ttl --seed 7

The output is N-Triples (``.nt``) or Turtle (``.ttl``, prefixed names, citations as
nested ``[ ]`` blank nodes like the files in ``data/``). Same seed and size, same bytes.

The graph is built from "clusters", each around one synthetic case: the case (country,
dates, scope, crimes with claims, evidence), its responses (actor, pillar, tool, date,
evidence; coercive ones with a legal basis on the cluster's Security Council resolution or
on Article 53, with a claim), its lessons, the resolution (symbol, date, issuing organ,
cites, resting on a Charter chapter, with a claim), a report every other cluster, a mandate
every third (established by the resolution, resting on an A/RES/60/1 paragraph, with
claims), recommendations (madeIn, addressedTo, concerns, supportLevel, pillar, sub-items)
and drawsOn precedent edges to earlier synthetic cases and to bundled cases. Every node
points at the real backbone (Charter chapters and articles, A/RES/60/1 paragraphs,
pillars, crimes, tools, organs, states, the three source publications), so authority
chains and validation work on ontology + bundled data + synthetic data together.

The generated graph conforms to every rule of the shapes (``tests/test_validation.py``
checks it with the bundled graph): each node's first citation is stated, in the source's
own voice (``r2p:breadth``), and ``r2p:supports`` each of the node's plain-fact properties
(those the ontology does not declare structural); a claim's stated citation supports its
property. A citation of a bundled publication is a copy of a real citation of the bundled
data (its locator, line, quote and voice), so its quote is found in the publication's
fingerprint; a citation of a synthetic document has an invented locator and words, as
the project holds no fingerprint of it. Real documents are never cited with invented words.

A sidecar ``OUT.json`` lists landmark nodes (deep precedent chains, coercive responses,
mandates, resolutions) for the benchmark harness, and the exact triple count.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

ID = "https://w3id.org/r2pkg/id/"
R2P = "https://w3id.org/r2pkg/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
XSD = "http://www.w3.org/2001/XMLSchema#"

PREFIXES = {
    "r2p": R2P,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": XSD,
    "dct": "http://purl.org/dc/terms/",
    "doc": ID + "document/",
    "pub": ID + "publication/",
    "event": ID + "event/",
    "organ": ID + "organ/",
    "org": ID + "organization/",
    "state": ID + "state/",
    "person": ID + "person/",
    "mandate": ID + "mandate/",
    "case": ID + "case/",
    "response": ID + "response/",
    "lesson": ID + "lesson/",
    "rec": ID + "recommendation/",
    "claim": ID + "claim/",
    "crime": ID + "crime/",
    "pillar": ID + "pillar/",
    "tool": ID + "tool/",
}

# -- the real backbone (IRIs that exist in the bundled graph) ----------------------------

CHARTER = ID + "document/un-charter"
OUTCOME = ID + "document/A-RES-60-1"
PARAS = [f"{OUTCOME}/para-{n}" for n in (138, 139, 140)]
CHAPTERS = {c: f"{CHARTER}/chapter-{c}" for c in ("I", "VI", "VII", "VIII", "XV")}
ARTICLES = {a: f"{CHARTER}/article-{a}" for a in (33, 34, 39, 41, 42, 52, 53, 99)}
REAL_DOCS = [ID + "document/" + d for d in ("S-RES-1674", "S-RES-1706", "A-63-677", "S-RES-1625",
                                            "A-RES-63-308", "S-2004-567", "iciss-report-2001")]
CRIMES = [ID + "crime/" + c for c in ("genocide", "war-crimes", "ethnic-cleansing", "crimes-against-humanity")]
PILLARS = [ID + "pillar/" + p for p in ("1", "2", "3")]
TOOLS = [ID + "tool/" + t for t in ("mediation", "good-offices", "early-warning", "humanitarian-assistance",
                                    "peace-operation", "commission-of-inquiry", "capacity-building",
                                    "public-statement", "diplomatic-engagement", "international-tribunal")]
COERCIVE = [ID + "tool/" + t for t in ("sanctions", "arms-embargo", "icc-referral", "use-of-force")]
ORGANS = [ID + "organ/" + o for o in ("security-council", "general-assembly", "secretary-general", "secretariat",
                                      "human-rights-council", "peacebuilding-commission", "dpa", "dpko", "ocha",
                                      "ohchr", "undp", "unhcr", "mediation-support-unit",
                                      "international-criminal-court", "economic-and-social-council")]
REGIONAL = [ID + "organization/" + o for o in ("african-union", "ecowas", "european-union", "osce", "asean",
                                               "igad", "arab-league", "nato")]
STATES = [ID + "state/" + s for s in (
    "algeria", "burundi", "cambodia", "chad", "cote-d-ivoire", "democratic-republic-of-the-congo", "eritrea",
    "ethiopia", "guatemala", "haiti", "kenya", "mozambique", "myanmar", "nepal", "rwanda", "sierra-leone",
    "somalia", "sudan", "timor-leste", "uganda", "yemen", "zimbabwe", "india", "indonesia", "pakistan",
    "venezuela", "yugoslavia", "bosnia-and-herzegovina", "nigeria", "ghana")]
PERSONS = [ID + "person/" + p for p in ("francis-deng", "juan-mendez", "edward-luck", "kofi-annan", "ban-ki-moon")]
PUBS = [ID + "publication/" + p for p in ("ipi-blue-paper-7", "stanley-tarrytown-2010", "ipi-stellenbosch-2008")]
EVENTS = [ID + "event/" + e for e in ("stellenbosch-roundtable-2007", "ipi-task-forces-2008",
                                      "tarrytown-conference-2010", "ga-debate-rtop-2009")]
REAL_CASES = [ID + "case/" + c for c in ("rwanda-1994", "srebrenica-1995", "darfur-2003", "kenya-2007-2008",
                                         "burundi-1993", "somalia", "cambodia-1975-1979", "drc")]
SUPPORT = [R2P + s for s in ("Consensus", "BroadSupport", "SeveralParticipants", "OneSpeaker",
                             "NamedSpeaker", "PublicationProposal")]
PUBLISHERS = [ID + "organization/" + o for o in ("international-peace-institute", "stanley-foundation",
                                                 "centre-for-conflict-resolution")]

WORDS = ("prevention protection civilians mediation regional early warning capacity atrocity council "
         "assembly mission monitoring accountability dialogue reconciliation displacement ceasefire "
         "sanctions inquiry humanitarian access election violence minority rights justice tribunal "
         "peacebuilding envoy deployment mandate report consultation support capacity national").split()


def iri(value: str) -> str:
    return f"<{value}>"


def r2p(local: str) -> str:
    return f"<{R2P}{local}>"


def lit(text: str, lang: str | None = None, dtype: str | None = None) -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{text}"@{lang}'
    if dtype:
        return f'"{text}"^^<{XSD}{dtype}>'
    return f'"{text}"'


ROOT = Path(__file__).resolve().parents[1]
#: Voices in which a passage is a participant's view, not the source's: a plain fact may not
#: rest on them alone (Fact-notOnlyParticipants), so they are not copied.
PARTICIPANTS = {R2P + "HeldByOneSpeaker", R2P + "HeldBySeveral"}


class Bundled:
    """What the generator takes from the project: the real citations of the bundled
    publications, and which properties the ontology calls structural. Read once, with
    pyoxigraph's parser (0.4 s for data/), in file order, so a seed gives the same bytes."""

    def __init__(self) -> None:
        self._citations: dict[str, list[tuple]] | None = None
        self._structural: tuple[set[str], tuple[str, ...]] | None = None  # (properties, namespaces)

    @property
    def citations(self) -> dict[str, list[tuple]]:
        """Source IRI -> (locator, line, quote, breadth, [attributedTo]) as N-Triples terms,
        of every stated citation of the bundled data with a locator, in the source's voice."""
        if self._citations is None:
            self._citations = _real_citations()
        return self._citations

    def structural(self, predicate: str) -> bool:
        """Is ``<predicate>`` structural (no citation needs to support it)?"""
        if self._structural is None:
            self._structural = _structural()
        names, spaces = self._structural
        full = predicate[1:-1]
        return full in names or full.startswith(spaces)


def _triples(folder: Path):
    import pyoxigraph as ox

    for path in sorted(folder.rglob("*.ttl")):
        if "entries" not in path.relative_to(folder).parts:
            yield path, ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)


def _real_citations() -> dict[str, list[tuple]]:
    fields = {R2P + f: f for f in ("source", "locator", "line", "quote", "breadth", "attributedTo", "assertion")}
    found: dict[tuple, dict] = {}
    for path, triples in _triples(ROOT / "data"):
        for t in triples:
            name = fields.get(t.predicate.value)
            if name:
                held = found.setdefault((path.name, str(t.subject)), {})
                held.setdefault(name, []).append(str(t.object))
    out: dict[str, list[tuple]] = {}
    for held in found.values():
        one = {k: v[0] for k, v in held.items()}
        if (one.get("assertion") != r2p("Stated") or "locator" not in one or "source" not in one
                or one.get("breadth", "<>")[1:-1] in PARTICIPANTS or "breadth" not in one):
            continue
        out.setdefault(one["source"][1:-1], []).append(
            (one["locator"], one.get("line"), one.get("quote"), one["breadth"], sorted(held.get("attributedTo", []))))
    return {source: sorted(items, key=repr) for source, items in out.items()}


def _structural() -> tuple[set[str], tuple[str, ...]]:
    names: set[str] = set()
    spaces: set[str] = set()
    for _path, triples in _triples(ROOT / "ontology"):
        for t in triples:
            if t.predicate.value == RDF_TYPE[1:-1] and t.object.value == R2P + "StructuralProperty":
                names.add(t.subject.value)
            elif t.predicate.value == RDF_TYPE[1:-1] and t.object.value == R2P + "StructuralVocabulary":
                spaces.add(t.subject.value)
    return names, tuple(sorted(spaces))


REAL = Bundled()


LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
COMMENT = "<http://www.w3.org/2000/01/rdf-schema#comment>"
TITLE = "<http://purl.org/dc/terms/title>"


class Graph:
    """Subject blocks: (subject term, [(predicate term, object term | nested list)])."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, list]] = []
        self.triples = 0

    def node(self, subject: str, pairs: list) -> None:
        self.blocks.append((subject, pairs))
        self.triples += _count(pairs)


def _count(pairs: list) -> int:
    return sum(1 + (_count(o) if isinstance(o, list) else 0) for _p, o in pairs)


class Generator:
    """Builds clusters until the target triple count is reached."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.graph = Graph()
        self.cases: list[str] = []
        self.resolutions: list[str] = []
        self.resolutions_vii: list[str] = []  # resting on Chapter VII (directly or by an article)
        self.mandates: list[str] = []
        self.pubs: list[str] = []
        self.coercive_responses: list[str] = []
        self.depth: dict[str, int] = {}  # longest drawsOn chain below a case

    # -- small pieces -------------------------------------------------------------------

    def words(self, n: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(n))

    def citation(self, source: str | None = None, supports: list[str] | tuple = (),
                 inferred: bool | None = None) -> list:
        """One citation. To a bundled publication it is a copy of a real citation of the
        bundled data (locator, line, quote and voice as the editors wrote them), so the quote
        is in the publication's fingerprint; to a synthetic document, an invented locator and
        words (the project holds no fingerprint of it). A stated citation supports the
        properties ``supports`` (the node's plain facts), in the voice of the source itself."""
        rng = self.rng
        if source is None:
            roll = rng.random()
            if roll < 0.6 or not self.pubs:
                source = rng.choice(PUBS)
            elif roll < 0.85:
                source = rng.choice(self.pubs)
            else:
                source = rng.choice(self.resolutions[-20:] or PUBS)
        if inferred is None:
            inferred = rng.random() < 0.2
        pairs = [(RDF_TYPE, r2p("Citation")), (r2p("source"), iri(source))]
        real = REAL.citations.get(source)
        if real:
            locator, line, quote, breadth, attributed = rng.choice(real)
            pairs.append((r2p("locator"), locator))
            if line is not None:
                pairs.append((r2p("line"), line))
            if quote is not None:
                pairs.append((r2p("quote"), quote))
            pairs += [(r2p("attributedTo"), a) for a in attributed]
        else:
            breadth = r2p("HeldByPublication")
            pairs.append((r2p("locator"), lit(rng.choice(("para ", "section ", "Annex 1, question "))
                                              + str(rng.randint(1, 200)))))
            if rng.random() < 0.6:
                pairs.append((r2p("quote"), lit(self.words(rng.randint(8, 30)).capitalize() + ".")))
        pairs.append((r2p("breadth"), breadth))
        if inferred:
            pairs.append((r2p("assertion"), r2p("Inferred")))
            pairs.append((r2p("note"), lit("Inferred by the editor: " + self.words(12) + ".", lang="en")))
        else:
            pairs.append((r2p("assertion"), r2p("Stated")))
            pairs += [(r2p("supports"), p) for p in supports]
        return pairs

    def evidence(self, lo: int, hi: int, backs: list, source: str | None = None) -> list:
        """Citations of a node whose own pairs are ``backs``: the first is stated and
        supports every plain fact of the node (every property the ontology does not call
        structural), so each plain triple is backed as the contract asks."""
        facts = sorted({p for p, _o in backs if not REAL.structural(p)})
        return [(r2p("evidence"), self.citation(source, facts, inferred=False if n == 0 else None))
                for n in range(self.rng.randint(lo, hi))]

    def claim(self, name: str, subject: str, prop: str, value: str, inferred: bool = False) -> None:
        cit = self.citation(supports=[r2p(prop)], inferred=inferred)
        self.graph.node(iri(ID + "claim/" + name), [
            (RDF_TYPE, r2p("Claim")),
            (LABEL, lit(f"{name.replace('-', ' ')}", lang="en")),
            (r2p("claimSubject"), iri(subject)),
            (r2p("claimProperty"), r2p(prop)),
            (r2p("claimValue"), iri(value)),
            (r2p("evidence"), cit),
        ])

    def year(self, k: int) -> int:
        return 1990 + (k * 7 + self.rng.randint(0, 3)) % 34

    # -- one cluster ----------------------------------------------------------------------

    def cluster(self, k: int) -> None:
        rng = self.rng
        g = self.graph
        y = self.year(k)
        country = rng.choice(STATES)
        cname = country.rsplit("/", 1)[-1].replace("-", " ").title()

        if k % 150 == 0:  # a synthetic source publication now and then
            pub = f"{ID}publication/synth-{k // 150}"
            pp = [(RDF_TYPE, r2p("Publication")),
                  (LABEL, lit(f"Synthetic report {k // 150} on {self.words(3)}", lang="en")),
                  (TITLE, lit(f"Synthetic report {k // 150}", lang="en")),
                  (r2p("publisher"), iri(rng.choice(PUBLISHERS))),
                  (r2p("date"), lit(str(y), dtype="gYear")),
                  (r2p("reportsOn"), iri(rng.choice(EVENTS)))]
            g.node(iri(pub), pp + self.evidence(1, 1, pp, source=pub))
            self.pubs.append(pub)

        # the Security Council resolution of the cluster, resting on the Charter
        num = 10000 + k
        res = f"{ID}document/S-RES-{num}"
        basis = res_basis = rng.choices([CHAPTERS["VII"], CHAPTERS["VI"], ARTICLES[41], ARTICLES[42]],
                                        [6, 2, 1, 1])[0]
        cites = rng.sample(REAL_DOCS + [OUTCOME] + PARAS, rng.randint(1, 2))
        if self.resolutions:
            cites += rng.sample(self.resolutions[-50:], min(len(self.resolutions[-50:]), rng.randint(0, 2)))
        rp = [(RDF_TYPE, r2p("Resolution")),
              (LABEL, lit(f"Security Council resolution {num} ({y}) on {cname}", lang="en")),
              (r2p("symbol"), lit(f"S/RES/{num} ({y})")),
              (r2p("printedSymbol"), lit(f"S/RES/{num}")),
              (r2p("date"), lit(f"{y}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", dtype="date")),
              (r2p("issuedBy"), iri(ORGANS[0])),
              (r2p("hasLegalBasis"), iri(basis))] + [(r2p("cites"), iri(c)) for c in cites]
        g.node(iri(res), rp + self.evidence(1, 2, rp, source=res))
        self.claim(f"synth-res-{num}-hasLegalBasis", res, "hasLegalBasis", basis)
        self.resolutions.append(res)
        if res_basis != CHAPTERS["VI"]:
            self.resolutions_vii.append(res)

        if k % 2 == 0:  # a report of the Secretary-General
            rep = f"{ID}document/A-{45 + k % 30}-{1000 + k}"
            rp = [(RDF_TYPE, r2p("Report")),
                  (LABEL, lit(f"Report of the Secretary-General on {self.words(3)} in {cname}", lang="en")),
                  (r2p("symbol"), lit(f"A/{45 + k % 30}/{1000 + k}")),
                  (r2p("date"), lit(f"{y}-{rng.randint(1, 12):02d}", dtype="gYearMonth")),
                  (r2p("issuedBy"), iri(ORGANS[2])),
                  (r2p("addressedToOrgan"), iri(ORGANS[1]))]
            rp += [(r2p("cites"), iri(c)) for c in rng.sample(REAL_DOCS + PARAS + [res] + list(ARTICLES.values()),
                                                              rng.randint(2, 5))]
            g.node(iri(rep), rp + self.evidence(1, 1, rp, source=rep))

        mandate = None
        if k % 3 == 0:  # a mandate established by the resolution, resting on the Outcome
            m = len(self.mandates)
            mandate = f"{ID}mandate/synth-{m}"
            existing = rng.random() < 0.7
            para = rng.choice(PARAS)
            pairs = [(RDF_TYPE, r2p("Mandate")),
                     (LABEL, lit(f"Synthetic {self.words(2)} office {m}", lang="en")),
                     (r2p("mandateStatus"), r2p("Existing" if existing else "Proposed")),
                     (r2p("acronym"), lit(f"SYN{m}")),
                     (r2p("withinOrgan"), iri(rng.choice(ORGANS[:6]))),
                     (r2p("level"), lit(rng.choice(("Under-Secretary-General", "Assistant Secretary-General")))),
                     (r2p("startDate"), lit(str(y), dtype="gYear")),
                     (r2p("hasLegalBasis"), iri(para))]
            pairs += [(r2p("function"), lit(self.words(10).capitalize() + ".")) for _ in range(rng.randint(1, 3))]
            if existing:
                pairs.append((r2p("establishedBy"), iri(res)))
                pairs.append((r2p("heldBy"), iri(rng.choice(PERSONS))))
            else:
                pairs.append((r2p("noFoundingInstrument"), lit("The sources give none: the mandate is only proposed.")))
            g.node(iri(mandate), pairs + self.evidence(1, 2, pairs))
            self.claim(f"synth-mandate-{m}-hasLegalBasis", mandate, "hasLegalBasis", para)
            if existing:
                self.claim(f"synth-mandate-{m}-establishedBy", mandate, "establishedBy", res)
            self.mandates.append(mandate)

        # the case, its responses and lessons
        case = f"{ID}case/synth-{k}"
        scope = rng.choices(("InScope", "OutOfScope", "Contested"), [85, 10, 5])[0]
        end = y + rng.randint(0, 4)
        pairs = [(RDF_TYPE, r2p("Case")),
                 (LABEL, lit(f"{cname}, synthetic situation {k} ({y}-{end})", lang="en")),
                 (r2p("country"), iri(country)),
                 (r2p("startDate"), lit(str(y), dtype="gYear")),
                 (r2p("endDate"), lit(str(end), dtype="gYear")),
                 (r2p("scopeStatus"), r2p(scope))]
        if scope != "InScope":
            pairs.append((r2p("scopeNote"), lit("The sources place it outside: " + self.words(8) + ".")))
        crimes = [] if scope == "OutOfScope" else rng.sample(CRIMES, rng.randint(1, 2))
        pairs += [(r2p("concernsCrime"), iri(c)) for c in crimes]
        # precedents: recent cases, any earlier case, and the bundled cases
        drawn: list[str] = []
        for _ in range(rng.choices((0, 1, 2, 3), [30, 40, 20, 10])[0]):
            roll = rng.random()
            if roll < 0.5 and self.cases:
                other = rng.choice(self.cases[-100:])
            elif roll < 0.8 and self.cases:
                other = rng.choice(self.cases)
            else:
                other = rng.choice(REAL_CASES)
            if other not in drawn:
                drawn.append(other)
        pairs += [(r2p("drawsOn"), iri(o)) for o in drawn]
        self.depth[case] = 1 + max((self.depth.get(o, 0) for o in drawn), default=-1)

        responses = []
        for j in range(rng.randint(2, 5)):
            resp = f"{ID}response/synth-{k}-{j}"
            coercive = rng.random() < 0.25
            regional = rng.random() < 0.3
            actors = [rng.choice(REGIONAL if regional else ORGANS)]
            if rng.random() < 0.3:
                actors.append(rng.choice(ORGANS + (self.mandates[-10:] or ORGANS)))
            tool = rng.choice(COERCIVE if coercive else TOOLS)
            rp = [(RDF_TYPE, r2p("Response")),
                  (LABEL, lit(f"Synthetic response {k}.{j}: {self.words(4)} ({y})", lang="en")),
                  (r2p("pillar"), iri(PILLARS[2] if coercive else rng.choice(PILLARS))),
                  (r2p("instrument"), iri(tool)),
                  (r2p("date"), lit(str(rng.randint(y, end)), dtype="gYear")),
                  (r2p("outcome"), lit(self.words(12).capitalize() + ".", lang="en"))]
            rp += [(r2p("actor"), iri(a)) for a in actors]
            if coercive:
                # a resolution resting on Chapter VI cannot carry a coercive measure
                basis = ARTICLES[53] if regional else res if res_basis != CHAPTERS["VI"] else CHAPTERS["VII"]
                rp.append((r2p("hasLegalBasis"), iri(basis)))
                self.claim(f"synth-response-{k}-{j}-hasLegalBasis", resp, "hasLegalBasis", basis)
                self.coercive_responses.append(resp)
            g.node(iri(resp), rp + self.evidence(1, 3, rp))
            responses.append(resp)
        pairs += [(r2p("hasResponse"), iri(r)) for r in responses]

        lessons = []
        for n in range(rng.randint(1, 3)):
            les = f"{ID}lesson/synth-{k}-{n}"
            lp = [(RDF_TYPE, r2p("Lesson")), (LABEL, lit(self.words(14).capitalize() + ".", lang="en"))]
            g.node(iri(les), lp + self.evidence(1, 1, lp))
            lessons.append(les)
        pairs += [(r2p("lesson"), iri(x)) for x in lessons]
        g.node(iri(case), pairs + self.evidence(1, 3, pairs))
        for c in crimes:
            self.claim(f"synth-{k}-concernsCrime-{c.rsplit('/', 1)[-1]}", case, "concernsCrime", c,
                       inferred=rng.random() < 0.4)
        for o in drawn:
            if rng.random() < 0.5:
                self.claim(f"synth-{k}-drawsOn-{o.rsplit('/', 1)[-1]}", case, "drawsOn", o)
        self.cases.append(case)

        # recommendations of some publication about this situation
        recs: list[str] = []
        for n in range(rng.randint(4, 8)):
            rec = f"{ID}recommendation/synth-{k}-{n}"
            pub = rng.choice(PUBS + self.pubs[-3:])
            rp = [(RDF_TYPE, r2p("Recommendation")),
                  (LABEL, lit(f"Recommendation {k}.{n}: {self.words(10)}", lang="en")),
                  (r2p("madeIn"), iri(pub)),
                  (r2p("supportLevel"), iri(rng.choice(SUPPORT))),
                  (r2p("recommendationNumber"), lit(f"{k}.{n}"))]
            if rng.random() < 0.4:
                rp.append((r2p("madeIn"), iri(rng.choice(EVENTS))))
            if rng.random() < 0.7:
                rp.append((r2p("pillar"), iri(rng.choice(PILLARS))))
            targets = ORGANS + REGIONAL + (self.mandates[-20:] if self.mandates else [])
            rp += [(r2p("addressedTo"), iri(t)) for t in rng.sample(targets, rng.randint(1, 2))]
            about = [case] + ([mandate] if mandate else []) + rng.sample(PARAS + ORGANS, 2)
            rp += [(r2p("concerns"), iri(t)) for t in rng.sample(about, rng.randint(1, 2))]
            if recs and rng.random() < 0.3:
                rp.append((r2p("subItemOf"), iri(recs[0])))
            g.node(iri(rec), rp + self.evidence(1, 2, rp, source=pub))
            recs.append(rec)

    def run(self, target: int) -> None:
        k = 0
        while self.graph.triples < target:
            self.cluster(k)
            k += 1
        self.clusters = k


# -- writing ----------------------------------------------------------------------------------

_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_\-]*[A-Za-z0-9_])?$")
_BY_LEN = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def _ttl_term(term: str) -> str:
    if term.startswith("<"):
        full = term[1:-1]
        for prefix, ns in _BY_LEN:
            if full.startswith(ns):
                local = full[len(ns):]
                if _LOCAL.match(local):
                    return f"{prefix}:{local}"
                break
        return term
    if term.startswith('"') and "^^<" + XSD in term:
        head, _, dt = term.rpartition("^^<")
        return f"{head}^^xsd:{dt[len(XSD):-1]}"
    return term


def write_nt(graph: Graph, out) -> None:
    counter = 0
    for subject, pairs in graph.blocks:
        stack = [(subject, pairs)]
        while stack:
            s, ps = stack.pop()
            lines = []
            for p, o in ps:
                if isinstance(o, list):
                    counter += 1
                    b = f"_:c{counter}"
                    stack.append((b, o))
                    o = b
                lines.append(f"{s} {p} {o} .\n")
            out.write("".join(lines))


def write_ttl(graph: Graph, out) -> None:
    out.write("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()))
    out.write("\n# Synthetic r2pkg data for benchmarks (bench/generate.py); not facts.\n\n")

    def pairs_text(pairs: list, indent: str) -> str:
        parts = []
        for p, o in pairs:
            pt = "a" if p == RDF_TYPE else _ttl_term(p)
            if isinstance(o, list):
                ot = "[ " + pairs_text(o, indent + "    ") + " ]"
            else:
                ot = _ttl_term(o)
            parts.append(f"{pt} {ot}")
        return (" ;\n" + indent).join(parts)

    for subject, pairs in graph.blocks:
        out.write(f"{_ttl_term(subject)} {pairs_text(pairs, '    ')} .\n\n")


def landmarks(gen: Generator) -> dict:
    """Nodes the harness uses: deep precedent chains, coercive responses, mandates."""
    deepest = sorted(gen.depth.items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "cases": [c for c, _d in deepest[:2]] + [gen.cases[len(gen.cases) // 2], gen.cases[0]],
        "case_depths": [d for _c, d in deepest[:2]],
        "coercive_responses": gen.coercive_responses[-2:],
        "mandates": gen.mandates[-2:] + gen.mandates[:1],
        "resolutions": gen.resolutions_vii[-2:],
        "clusters": gen.clusters,
    }


def generate(triples: int, out: Path, seed: int = 20091) -> dict:
    """Write the graph to ``out`` (format by suffix) and its sidecar; return the sidecar."""
    started = time.perf_counter()
    gen = Generator(seed)
    gen.run(triples)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        (write_ttl if out.suffix == ".ttl" else write_nt)(gen.graph, fh)
    tmp.replace(out)
    meta = {"version": SIDECAR_VERSION, "triples": gen.graph.triples, "target": triples, "seed": seed,
            "file": str(out),
            "bytes": out.stat().st_size, **landmarks(gen)}
    Path(str(out) + ".json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    meta["seconds"] = round(time.perf_counter() - started, 2)
    return meta


#: Bumped when the sidecar's landmarks change, so that cached graphs get a fresh sidecar.
SIDECAR_VERSION = 3


def parse_size(text: str) -> int:
    """'10k' -> 10000, '1M' -> 1000000, '2500' -> 2500."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kKmM]?)", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (use 10k, 100k, 1M or a number)")
    factor = {"": 1, "k": 1000, "m": 1_000_000}[m.group(2).lower()]
    return int(float(m.group(1)) * factor)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=parse_size, required=True, help="target size: 10k, 100k, 1M or a number")
    ap.add_argument("--out", type=Path, required=True, help="output file, .nt or .ttl")
    ap.add_argument("--seed", type=int, default=20091)
    args = ap.parse_args(argv)
    meta = generate(args.triples, args.out, args.seed)
    print(f"wrote {meta['triples']} triples ({meta['clusters']} clusters, {meta['bytes'] / 1e6:.1f} MB) "
          f"to {args.out} in {meta['seconds']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

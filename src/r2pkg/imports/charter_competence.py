"""Record which organs the Charter establishes and empowers, cited to the Charter text in the graph.

Run from the project root::

    python -m r2pkg.imports.charter_competence [--check]

It reads the verified Charter text (``data/backbone/un-charter-text.ttl``, made by
``r2pkg.imports.charter`` from two copies) and writes ``data/backbone/charter-competence.ttl``:
for each provision in :data:`LINKS`, ``r2p:establishes`` or ``r2p:empowers`` the organ, with a
citation whose quote is the sentence of that provision's text that says so.

Why it works this way (contract, "authority chain" and "Official text"): a chain passes from a
document through the organ that issued it to the Charter provisions that establish and empower
that organ - a *competence* hop. Those links are stated by the Charter's own words, so each is
cited to them: the quote is cut from the imported text, never typed; where the two copies differ
(Article 7(1), Article 97) the quote is copy A's reading, cited to copy A, after checking that
copy B's reading names the same organ. The table below says only *which* sentence to cite; a
phrase that is not in the text stops the import with an error instead of writing a guess.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from r2pkg.errors import InputError
from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import project_root

TEXT = Path("data/backbone/un-charter-text.ttl")
OUT = Path("data/backbone/charter-competence.ttl")
CHARTER = str(R2PID) + "document/un-charter"

#: The organs, and the words by which the Charter names each.
ORGANS = {
    "general-assembly": "General Assembly",
    "security-council": "Security Council",
    "economic-and-social-council": "Economic and Social Council",
    "trusteeship-council": "Trusteeship Council",
    "international-court-of-justice": "International Court of Justice",
    "secretariat": "Secretariat",
    "secretary-general": "Secretary",  # copy B prints "Secretary General" in Article 97
}


@dataclass(frozen=True)
class Link:
    """One provision that establishes or empowers organs, and the phrase that finds its sentence."""

    article: str
    para: str | None
    kind: str  # "establishes" or "empowers"
    organs: tuple[str, ...]
    phrase: str


#: Article 7 (the principal organs), and the articles on each organ's functions and powers.
LINKS = (
    Link("7", "1", "establishes", ("general-assembly", "security-council", "economic-and-social-council",
                                   "trusteeship-council", "international-court-of-justice", "secretariat"),
         "There are established as"),
    Link("10", None, "empowers", ("general-assembly",), "may discuss any questions or any matters"),
    Link("11", "2", "empowers", ("general-assembly",), "may discuss any questions relating to the maintenance"),
    Link("11", "3", "empowers", ("general-assembly",), "may call the attention of the Security Council"),
    Link("14", None, "empowers", ("general-assembly",), "may recommend measures for the peaceful adjustment"),
    Link("22", None, "empowers", ("general-assembly",), "may establish such subsidiary organs"),
    Link("24", "1", "empowers", ("security-council",), "primary responsibility for the maintenance"),
    Link("24", "2", "empowers", ("security-council",), "The specific powers granted to the Security Council"),
    Link("29", None, "empowers", ("security-council",), "may establish such subsidiary organs"),
    Link("39", None, "empowers", ("security-council",), "shall determine the existence of any threat"),
    Link("68", None, "empowers", ("economic-and-social-council",), "shall set up commissions"),
    Link("97", None, "establishes", ("secretary-general",), "The Secretariat shall comprise a Secretary"),
    Link("98", None, "empowers", ("secretary-general",), "shall perform such other functions"),
    Link("99", None, "empowers", ("secretary-general",), "may bring to the attention of the Security Council"),
)


def node_of(link: Link) -> URIRef:
    """The provision node: the article, or its numbered paragraph."""
    base = f"{CHARTER}/article-{link.article}"
    return URIRef(base + (f"/para-{link.para}" if link.para else ""))


def locator_of(link: Link) -> str:
    return f"Article {link.article}" + (f", paragraph {link.para}" if link.para else "")


def sentence_with(text: str, phrase: str) -> str | None:
    """The sentence of ``text`` that contains ``phrase`` (sentences end with '.', ';' or ':' before a space)."""
    for sentence in re.split(r"(?<=[.])\s+", text):
        if phrase in sentence:
            return sentence.strip()
    return None


def _reading(g: Graph, node: URIRef, copy: str) -> tuple[str, URIRef] | None:
    for reading in g.subjects(R2P.readingOf, node):
        if str(reading).endswith(f"/reading-{copy}"):
            return str(g.value(reading, R2P.readingText)), reading
    return None


def citation(g: Graph, link: Link) -> dict:
    """Source, locator, quote and note for one link, read from the Charter text in ``g``."""
    node = node_of(link)
    if (node, None, None) not in g:
        raise InputError(f"{node} is not in {TEXT}: import the Charter text first (python -m r2pkg.imports.charter).")
    text = g.value(node, R2P.text)
    if text is not None:
        quote = sentence_with(str(text), link.phrase)
        source, note = CHARTER, "Quoted from the verified text (copies A and B agree; r2p:text of the provision)."
    else:
        found_a, found_b = _reading(g, node, "a"), _reading(g, node, "b")
        if not found_a or not found_b:
            raise InputError(f"{node} has neither a verified text nor two readings.")
        quote = sentence_with(found_a[0], link.phrase)
        for organ in link.organs:
            for reading, _ in (found_a, found_b):
                if ORGANS[organ] not in reading:
                    raise InputError(f"{locator_of(link)}: a copy's reading does not name the {ORGANS[organ]}.")
        source = CHARTER + "-copy-a"
        note = ("Copy A's reading, quoted; the copies differ in this paragraph (see its r2p:differenceNote), "
                "and copy B's reading names the same organ(s).")
    if quote is None:
        raise InputError(f"{locator_of(link)}: the phrase {link.phrase!r} is not in the Charter text in the graph.")
    return {"source": source, "locator": locator_of(link), "quote": quote, "note": note}


def build(g: Graph) -> str:
    """The Turtle of the competence links."""
    out = [
        "# GENERATED by `python -m r2pkg.imports.charter_competence` from the Charter text in",
        "# un-charter-text.ttl. Do not edit by hand: change the table in the script and rerun it.",
        "# Which organs the Charter establishes and empowers, each link cited to the provision's",
        "# own words (the quote is cut from the imported text). A chain uses them for the",
        "# competence hop: a document issued by an organ, or a mandate it created, reaches the",
        "# Charter through the organ's competence - never as the document's own legal basis.",
        "@prefix r2p:   <https://w3id.org/r2pkg/ontology#> .",
        "@prefix organ: <https://w3id.org/r2pkg/id/organ/> .",
        "",
    ]
    for link in LINKS:
        c = citation(g, link)
        organs = ", ".join(f"organ:{o}" for o in link.organs)
        out.append(
            f"<{node_of(link)}> r2p:{link.kind} {organs} ;\n"
            f"    r2p:evidence [ a r2p:Citation ; r2p:source <{c['source']}> ;\n"
            f"        r2p:locator {Literal(c['locator']).n3()} ;\n"
            f"        r2p:quote {Literal(c['quote']).n3()} ;\n"
            f"        r2p:supports r2p:{link.kind} ; r2p:breadth r2p:HeldByPublication ;\n"
            f"        r2p:note {Literal(c['note'], lang='en').n3()} ;\n"
            f"        r2p:assertion r2p:Stated ] .\n")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m r2pkg.imports.charter_competence",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare a fresh build with the committed file")
    args = parser.parse_args(argv)
    root = project_root()
    try:
        text = build(Graph().parse(root / TEXT))
    except InputError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    out = root / OUT
    if args.check:
        same = out.is_file() and out.read_text(encoding="utf-8") == text
        print(f"{OUT}: {'up to date' if same else 'DIFFERS from a fresh build; rerun without --check'}")
        return 0 if same else 1
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}: {len(LINKS)} provisions")
    return 0


if __name__ == "__main__":
    sys.exit(main())

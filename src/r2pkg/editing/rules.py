"""Rules about a new entry that SHACL cannot state, because they compare it with the graph
or read its text: placeholders left in, a second name for a node that exists, content that
silently changes a node of the graph, quotes of more than one sentence, inferences written
as plain facts, IRIs not in the project's form.

Each rule returns :class:`r2pkg.editing.validation.Finding` objects like the SHACL shapes do, with
a message for an editor and a fix; ``r2pkg.editing.validation`` adds the line of the entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import Store

#: The explicit marker an entry puts on a node of the graph it means to add to:
#: ``case:rwanda-1994 r2p:extendsExisting true ; r2p:hasResponse response:… .``
#: It is a statement about the entry, not about the world: it is never stored.
EXTENDS = R2P.extendsExisting

#: Fields a node has once: an entry that extends a node may not give them another value.
SINGLE_VALUED = (RDFS.label, R2P.startDate, R2P.endDate, R2P.date, R2P.scopeStatus,
                 R2P.country, R2P.symbol, R2P.pillar, R2P.claimSubject, R2P.claimProperty)

_PLACEHOLDER = re.compile(r"\b(TODO|FIXME|TBD|XXX+)\b|^\s*(…|\.\.\.|\?+|-+)\s*$|lorem ipsum", re.I)
_PLACEHOLDER_IRI = re.compile(r"(^|[-/_])(todo|fixme|tbd|xxx|slug|country-years)($|[-/_])", re.I)
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: Claims repeat a property's name and a symbol; recommendations keep a source's numbering.
_MIXED_CASE_FAMILIES = ("document", "claim", "recommendation", "citation")
_DOCUMENT_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*(/[A-Za-z0-9][A-Za-z0-9.\-]*)*$")

#: Words after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "doc", "docs", "para", "paras", "art", "arts", "no", "nos", "mr", "mrs", "ms", "dr", "prof",
    "e.g", "i.e", "cf", "vol", "p", "pp", "st", "vs", "etc", "ch", "sec", "n", "nr", "op", "cit",
    "res", "u.n", "u.s", "jr", "sr", "ibid", "gen", "amb", "h.e", "approx", "fig", "ed", "eds",
}
_BOUNDARY = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"“‘(]?[A-Z])")
#: A footnote's bibliographic reference ("UN Doc. S/2001/574, June 7, 2001.") is one item.
_REFERENCE = re.compile(r"\b(UN|AU) Doc(\.|ument\b)|\bDoc\. [A-Z]")

FindingMaker = Callable[..., object]


def sentence_count(text: str) -> int:
    """How many sentences ``text`` holds, not counting abbreviations, initials and numbering."""
    if _REFERENCE.search(text):
        return 1
    count = 1
    for match in _BOUNDARY.finditer(text):
        before = text[:match.start()].rstrip(".!?\"'”’)]")
        word = re.split(r"[\s(]", before)[-1] if before else ""
        if text[match.start() - 3:match.start()] == "...":
            continue  # an elision inside the quotation
        if word.lower().rstrip(".") in _ABBREVIATIONS or len(word.rstrip(".")) <= 1:
            continue  # "para.", "Mr.", an initial "C."
        if re.fullmatch(r"[0-9]+|[IVXLC]+", word):
            continue  # a numbered or lettered item: "5.", "II."
        count += 1
    return count


def check(store: Store, entry: Graph, own: set[Node], make: FindingMaker) -> list:
    """Every rule of this module on ``entry``; ``make`` builds a finding."""
    out: list = []
    for rule in (_placeholders, _existing_nodes, _second_names, _quotes, _quotes_in_sources, _empty_values,
                 _iri_form, _inference_as_fact, _future_dates):
        out.extend(rule(store, entry, own, make))
    return out


def _sorted(entry: Graph):
    return sorted(entry, key=lambda t: (str(t[0]), str(t[1]), str(t[2])))


def _placeholders(store: Store, entry: Graph, own: set[Node], make: FindingMaker) -> list:
    out = []
    for s, p, o in _sorted(entry):
        if isinstance(o, Literal) and _PLACEHOLDER.search(str(o)):
            out.append(make(s, p, "form", f"'{_short(o)}' is a placeholder, not a value: the entry "
                            "still holds text from the template.",
                            "Replace it with the value from the source, or delete the line if the "
                            "source does not give it.", value=str(o)))
        for node in (s, o):
            if isinstance(node, URIRef) and str(node).startswith(str(R2PID)) and \
                    _PLACEHOLDER_IRI.search(str(node)[len(str(R2PID)):]):
                field = p if node is o else RDF.type
                out.append(make(s, field, "form", f"<{node}> is the template's placeholder name, not "
                                "a real identifier.",
                                "Name the node by the IRI rules of data/README.md (e.g. "
                                "case:kenya-2007-2008), or point at an existing node.",
                                value=str(node)))
    return _unique(out)


def _existing_nodes(store: Store, entry: Graph, own: set[Node], make: FindingMaker) -> list:
    """A node of the graph that the entry gives other content, said field by field."""
    out = []
    graph = store
    for node in sorted({s for s in entry.subjects() if isinstance(s, URIRef)}, key=str):
        if not store.exists(node):
            continue
        extends = (node, EXTENDS, Literal(True)) in entry
        new = [(p, o) for p, o in entry.predicate_objects(node)
               if p != EXTENDS and (node, p, o) not in graph]
        if not new:
            continue
        label = _node_label(store, node)
        where = getattr(entry, "where", None)
        if where is not None:  # name the first line the editor wrote about the node
            new.sort(key=lambda po: (where(node, po[0]) or ("", 0))[1])
        if not extends:
            fields = ", ".join(sorted({_name(p) for p, _o in new}))
            out.append(make(node, new[0][0], "identity",
                            f"<{node}> already exists in the graph ('{label}'); the entry gives it "
                            f"other content ({fields}), which would merge into that node.",
                            "Give the new node its own IRI; or, if you mean to add to the existing node, "
                            f"say so with `<{node}> r2p:extendsExisting true`.", value=str(node)))
            continue
        for p in SINGLE_VALUED:
            ours = set(entry.objects(node, p))
            theirs = {o for o in graph.objects(node, p)
                      if not (p == RDFS.label and getattr(o, "language", None) not in (None, "en"))}
            if ours and theirs and not ours & theirs:
                out.append(make(node, p, "identity",
                                f"<{node}> ('{label}') has {_name(p)} {_list(theirs)} in the graph; the "
                                f"entry gives {_list(ours)}. An entry may add to a node, not change it.",
                                "Drop this value, or, if the graph is wrong, correct the data file that "
                                "holds it (see r2pkg validate and the review in data/README.md).",
                                value=_list(ours)))
    return out


def _second_names(store: Store, entry: Graph, own: set[Node], make: FindingMaker) -> list:
    """A new node whose English label and class are those of a node already in the graph."""
    out = []
    for node in sorted({s for s in entry.subjects(RDF.type, None) if isinstance(s, URIRef)}, key=str):
        if store.exists(node):
            continue
        for label in entry.objects(node, RDFS.label):
            classes = set(entry.objects(node, RDF.type))
            same = sorted((o for o in _labelled(store, str(label))
                           if isinstance(o, URIRef) and classes & store.types(o)), key=str)
            if same:
                out.append(make(node, RDFS.label, "identity",
                                f"the graph already has <{same[0]}> of the same kind and with the same "
                                f"label '{label}': this looks like a second name for it.",
                                f"Use <{same[0]}> (with r2p:extendsExisting true to add to it), or give "
                                "the new node a label that tells them apart.", value=str(label)))
    return out


def _node_label(store: Store, node: Node) -> str:
    from r2pkg.editing.validation import node_label

    return node_label(store, node)


def _labelled(store: Store, text: str) -> set[Node]:
    """Nodes whose English (or untagged) label is ``text`` up to case, by indexed lookups.

    Each spelling an editor is likely to differ by (as written, lower case, capitalised,
    title case, upper case) is one exact lookup, so the cost does not grow with the graph,
    as reading every label of the graph did (100 ms an entry at a million triples).
    """
    found: set[Node] = set()
    for spelling in {text, text.lower(), text.capitalize(), text.title(), text.upper()}:
        for literal in (Literal(spelling, lang="en"), Literal(spelling)):
            found.update(store.subjects(RDFS.label, literal))
    return found


def _quotes(store: Store, entry: Graph, own: set[Node], make: FindingMaker) -> list:
    out = []
    for s, p, o in _sorted(entry):
        if p == R2P.quote and isinstance(o, Literal):
            n = sentence_count(str(o))
            if n > 1:
                out.append(make(s, p, "provenance",
                                f"The quote has {n} sentences; a citation quotes at most one sentence of "
                                "its source.",
                                "Keep the one sentence that supports the fact (exactly as printed); the "
                                "locator leads a reader to the rest.", value=_short(o)))
    return out


def _quotes_in_sources(store: Store, entry: Graph, own: set[Node], make: FindingMaker) -> list:
    """A quote must be in the publication it is cited to, near the cited line (fingerprints)."""
    out = []
    for citation, quote in sorted(entry.subject_objects(R2P.quote), key=lambda t: (str(t[0]), str(t[1]))):
        for source in entry.objects(citation, R2P.source):
            line = entry.value(citation, R2P.line)
            problem = quote_problem(store, source, quote, line)
            if problem:
                out.append(make(citation, R2P.quote, "provenance", problem, QUOTE_FIX, value=_short(quote)))
    return out


QUOTE_FIX = ("Copy the sentence exactly as the source prints it, and give the r2p:source and r2p:line where "
             "it is printed (the line of the source's text file).")


def quote_fingerprints() -> dict:
    """The fingerprints of the graph's publications, by IRI (read once per process)."""
    from r2pkg.editing import fingerprints
    from r2pkg.store.bundle import project_root

    return fingerprints.load(project_root() / "data" / "fingerprints")


def quote_problem(store: Store, source: Node, quote: Node, line: Node | None,
                  prints: dict | None = None) -> str | None:
    """What is wrong with a quote cited to ``source`` at ``line``, or None (also when the
    project holds no fingerprint of the source)."""
    from r2pkg.editing import fingerprints

    found = (quote_fingerprints() if prints is None else prints).get(str(source))
    if found is None or not isinstance(quote, Literal):
        return None
    at = int(line) if isinstance(line, Literal) and str(line).isdigit() else None
    problem = found.find(str(quote), at)
    return None if problem is None else fingerprints.message(problem, _node_label(store, source), at)


def _empty_values(store: Store, entry: Graph, own: set[Node], make: FindingMaker) -> list:
    return [make(s, p, "form", "The value is empty.",
                 "Write the value, or delete the line if the source does not give it.")
            for s, p, o in _sorted(entry) if isinstance(o, Literal) and not str(o).strip()]


def _iri_form(store: Store, entry: Graph, own: set[Node], make: FindingMaker) -> list:
    """New individuals named as the contract says: family/lower-case-ascii-slug."""
    out = []
    for node in sorted({s for s in entry.subjects(RDF.type, None) if isinstance(s, URIRef)}, key=str):
        text = str(node)
        if store.exists(node) or not text.startswith(str(R2PID)):
            continue
        family, _, rest = text[len(str(R2PID)):].partition("/")
        ok = _DOCUMENT_PATH.match(rest) if family in _MIXED_CASE_FAMILIES else \
            all(_SLUG.match(part) for part in rest.split("/")) if rest else False
        if not ok:
            out.append(make(node, RDF.type, "form",
                            f"<{node}> is not in the project's IRI form ({family}/ followed by "
                            "ASCII words joined by hyphens, lower-case except in documents, claims and "
                            "recommendations).",
                            "Rename it, e.g. case:kenya-2007-2008, response:kenya-2007-2008-au-mediation "
                            "(see 'Pinned IRIs' in data/README.md).", value=text))
    return out


def _inference_as_fact(store: Store, entry: Graph, own: set[Node], make: FindingMaker) -> list:
    """A plain triple backed only by inferred claims: an inference is never a plain triple."""
    out = []
    for claim in sorted(entry.subjects(RDF.type, R2P.Claim), key=str):
        s, p, o = (entry.value(claim, R2P.claimSubject), entry.value(claim, R2P.claimProperty),
                   entry.value(claim, R2P.claimValue))
        if None in (s, p, o) or (s, p, o) not in entry:
            continue
        inferred = any((c, R2P.assertion, R2P.Inferred) in entry for c in entry.objects(claim, R2P.evidence))
        if not inferred:
            continue  # a claim without evidence is reported by the claim's own shape
        if _stated_somewhere(store, entry, s, p, o):
            continue
        out.append(make(s, p, "provenance",
                        f"The entry states {_name(p)} {_short(o)} as a plain fact, but its only claim is "
                        "inferred: a plain triple means a source states it.",
                        f"Delete the plain triple and keep the claim <{claim}> (inferred, with its note); "
                        "or cite the passage that states it and mark that citation r2p:Stated.",
                        value=str(o)))
    return out


def _stated_somewhere(store: Store, entry: Graph, s: Node, p: Node, o: Node) -> bool:
    for graph in (entry, store):
        for claim in graph.subjects(R2P.claimSubject, s):
            if (claim, R2P.claimProperty, p) in graph and (claim, R2P.claimValue, o) in graph:
                for citation in graph.objects(claim, R2P.evidence):
                    if (citation, R2P.assertion, R2P.Stated) in graph or \
                            (citation, R2P.assertion, R2P.Stated) in entry:
                        return True
    return False


DATE_FIELDS = (R2P.startDate, R2P.endDate, R2P.date)


def _future_dates(store: Store, entry: Graph, own: set[Node], make: FindingMaker) -> list:
    """A date after today (compared at the precision written: "2026" is not future in 2026).

    In Python, not SPARQL: rdflib evaluates NOW() and the string functions at 30 ms a node.
    """
    today = date.today().isoformat()
    out = []
    for s, p, o in _sorted(entry):
        text = str(o)
        if p in DATE_FIELDS and isinstance(o, Literal) and re.match(r"[0-9]{4}", text) \
                and text[:10] > today[:len(text[:10])]:
            out.append(make(s, p, "form", "The date lies in the future: the graph records what sources "
                            "report, which has already happened.",
                            "Check the date against the source (a typo in the year is the usual cause); "
                            "a planned event is described in a note, not dated.", value=text))
    return out


def _unique(findings: list) -> list:
    seen, out = set(), []
    for f in findings:
        key = (f.focus, f.field, f.value)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _name(term: Node) -> str:
    text = str(term)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _short(value: Node, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _list(values: set) -> str:
    return ", ".join(sorted(_short(v) if isinstance(v, Literal) else f"<{v}>" for v in values))


__all__ = ["check", "sentence_count", "EXTENDS", "SINGLE_VALUED"]

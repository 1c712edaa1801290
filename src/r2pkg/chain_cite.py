"""The sources of an authority chain, for a reference manager: BibTeX, RIS and CSL-JSON.

A lawyer who cites a chain cites its documents (the resolutions, letters and reports on
it, and the instrument at its root) and the publications that support each hop, each with
the pinpoint the chain relies on. Every field comes from the graph: the title
(``dct:title``, else the label), the organ that issued a UN document (``r2p:issuedBy``), its
symbol and date, a publication's publishers and date, and the pinpoints (a provision's
label, a citation's ``r2p:locator``). A field the graph does not hold is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from r2pkg.namespaces import R2P
from r2pkg.store import Store

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass
class Source:
    """One document or publication cited on a chain, with every pinpoint the chain uses."""

    iri: str
    key: str
    kind: str  # "publication", "un-document" or "instrument"
    title: str
    date: str | None = None
    symbol: str | None = None
    organ: str | None = None
    publishers: list[str] = field(default_factory=list)
    url: str | None = None
    pinpoints: list[str] = field(default_factory=list)

    def pin(self, text: str | None) -> None:
        if text and text not in self.pinpoints:
            self.pinpoints.append(text)


def _text(store: Store, node, prop) -> str | None:
    value = store.value(node, prop)
    return None if value is None else str(value)


def _citable(store: Store, node: URIRef) -> bool:
    g = store
    return ((node, RDF.type, R2P.Publication) in g or (node, R2P.symbol, None) in g
            or (node, DCTERMS.title, None) in g)


def _container(store: Store, node: URIRef) -> tuple[URIRef, str | None] | None:
    """The citable document a node is, or is part of, and the pinpoint (the part's label)."""
    seen = set()
    current, pinpoint = node, None
    while current not in seen:
        seen.add(current)
        if _citable(store, current):
            return current, pinpoint
        parent = store.value(current, R2P.partOf)
        if not isinstance(parent, URIRef):
            return None
        pinpoint = pinpoint or store.label(current)
        current = parent
    return None


def _source(store: Store, node: URIRef) -> Source:
    g = store
    is_publication = (node, RDF.type, R2P.Publication) in g
    symbol = _text(store, node, R2P.symbol)
    organ = g.value(node, R2P.issuedBy)
    see_also = [str(o) for o in g.objects(node, RDFS.seeAlso) if isinstance(o, URIRef)]
    return Source(
        iri=str(node),
        key=re.sub(r"[^A-Za-z0-9_-]+", "-", str(node).rstrip("/").rsplit("/", 1)[-1]),
        kind="publication" if is_publication else "un-document" if symbol else "instrument",
        title=_text(store, node, DCTERMS.title) or store.label(node),
        date=_text(store, node, R2P.date),
        symbol=symbol,
        organ=None if organ is None else store.label(organ),
        publishers=sorted(store.label(p) for p in g.objects(node, R2P.publisher))
        + sorted(str(p) for p in g.objects(node, DCTERMS.publisher) if not isinstance(p, URIRef)),
        url=see_also[0] if see_also else None,
    )


def chain_sources(store: Store, found: dict) -> list[Source]:
    """Every document and publication on the chains of ``found`` (an ``authority_chains`` result)."""
    sources: dict[str, Source] = {}

    def add(iri: str | None, pinpoint: str | None = None) -> None:
        if not iri:
            return
        located = _container(store, URIRef(iri))
        if located is None:
            return
        node, part = located
        source = sources.get(str(node)) or sources.setdefault(str(node), _source(store, node))
        source.pin(part)
        source.pin(pinpoint)

    hop_lists = [c["hops"] for c in found.get("chains", [])] + [p["hops"] for p in found.get("partial", [])]
    for hops in hop_lists:
        for hop in hops:
            add(hop["from"]["iri"])
            add(hop["to"]["iri"])
            for evidence in hop["evidence"] + [e for alt in hop.get("alternatives", []) for e in alt["evidence"]]:
                add(evidence.get("source"), evidence.get("locator"))
    return sorted(sources.values(), key=lambda s: (s.kind != "un-document", s.date or "", s.key))


# -- BibTeX ---------------------------------------------------------------------------------

_TEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
        "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _bib(value: str) -> str:
    """A value safe inside braces: TeX's special characters escaped, so braces stay balanced."""
    return "".join(_TEX.get(c, c) for c in " ".join(value.split()))


def _bib_entry(source: Source, version: str = "") -> str:
    kind = "techreport" if source.kind == "publication" else "misc"
    fields: list[tuple[str, str]] = [("title", "{" + _bib(source.title) + "}")]
    if source.organ:
        fields.append(("author", "{" + _bib(source.organ) + "}"))  # a corporate author, kept whole
    if source.publishers:
        fields.append(("institution" if kind == "techreport" else "publisher", " and ".join(_bib(p) for p in source.publishers)))
    if source.symbol:
        fields.append(("number", _bib(source.symbol)))
        fields.append(("howpublished", "UN Doc. " + _bib(source.symbol)))
    if source.date:
        fields.append(("date", _bib(source.date)))
        fields.append(("year", source.date[:4]))
        if re.match(r"^\d{4}-\d{2}", source.date):
            fields.append(("month", _MONTHS[int(source.date[5:7]) - 1]))
    if source.url:
        fields.append(("url", _bib(source.url)))
    notes = ["Pinpoint: " + _bib("; ".join(source.pinpoints))] if source.pinpoints else []
    if version:
        notes.append("Found through the r2pkg graph, version " + _bib(version))
    if notes:
        fields.append(("note", ". ".join(notes)))
    fields.append(("keywords", "r2pkg"))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{source.key},\n{body}\n}}\n"


def as_bibtex(sources: list[Source], title: str = "", version: str = "") -> str:
    """The sources as BibTeX entries (biblatex reads them too); ``version`` is the graph's."""
    head = f"% Sources of the authority chain of {title}, from r2pkg" if title else ""
    if head:
        head += f" (graph version {version}).\n" if version else ".\n"
    return head + "\n".join(_bib_entry(s, version) for s in sources)


# -- RIS ------------------------------------------------------------------------------------

def _ris_entry(source: Source, version: str = "") -> str:
    lines = [("TY", "RPRT" if source.kind == "publication" else "GOVDOC"), ("TI", source.title)]
    if source.organ:
        lines.append(("AU", source.organ))
    if source.publishers:  # RIS has one publisher field: readers keep one PB line, so all go in it
        lines.append(("PB", "; ".join(source.publishers)))
    if source.symbol:
        lines.append(("M1", source.symbol))
        lines.append(("N1", "UN Doc. " + source.symbol))
    if source.date:
        lines.append(("PY", source.date[:4]))
        parts = source.date.split("-")
        lines.append(("DA", "/".join(parts + [""] * (3 - len(parts))) + "/"))
    if source.url:
        lines.append(("UR", source.url))
    if source.pinpoints:
        lines.append(("N1", "Pinpoint: " + "; ".join(source.pinpoints)))
    if version:
        lines.append(("N1", "Found through the r2pkg graph, version " + version))
    lines += [("ID", source.key), ("ER", "")]
    return "".join(f"{tag}  - {' '.join(value.split())}\n" for tag, value in lines)


def as_ris(sources: list[Source], version: str = "") -> str:
    """The sources as RIS records, one per document or publication; ``version`` is the graph's."""
    return "\n".join(_ris_entry(s, version) for s in sources)


# -- CSL-JSON -------------------------------------------------------------------------------

#: CSL item types: a publication is a report, a UN document a document, an instrument a treaty.
_CSL_TYPES = {"publication": "report", "un-document": "document", "instrument": "treaty"}


def _csl_item(source: Source, version: str = "") -> dict:
    item: dict = {"id": source.key, "type": _CSL_TYPES[source.kind], "title": source.title}
    if source.organ:
        item["author"] = [{"literal": source.organ}]  # a corporate author, kept whole
    if source.publishers:
        item["publisher"] = "; ".join(source.publishers)
    if source.symbol:
        item["number"] = source.symbol
        item["genre"] = "UN Doc."
    if source.date:
        parts = [int(p) for p in source.date.split("-")[:3] if p.isdigit()]
        if parts:
            item["issued"] = {"date-parts": [parts]}
    if source.url:
        item["URL"] = source.url
    notes = []
    if source.pinpoints:
        notes.append("Pinpoint: " + "; ".join(source.pinpoints))
    if version:
        notes.append(f"r2pkg graph version {version}")
    if notes:
        item["note"] = "; ".join(notes)
    return item


def as_csl_json(sources: list[Source], version: str = "") -> str:
    """The sources as CSL-JSON (an array of items), which Zotero, pandoc and citeproc read."""
    import json

    return json.dumps([_csl_item(s, version) for s in sources], indent=2, ensure_ascii=False) + "\n"


#: Each export: the function, the file extension and the media type.
EXPORTS = {
    "bibtex": ("bib", "application/x-bibtex"),
    "ris": ("ris", "application/x-research-info-systems"),
    "csl-json": ("json", "application/vnd.citationstyles.csl+json"),
}


def export(sources: list[Source], fmt: str, title: str = "", version: str = "") -> str:
    """The sources in one of the :data:`EXPORTS` formats; ``version`` is the graph's."""
    if fmt == "bibtex":
        return as_bibtex(sources, title, version)
    if fmt == "ris":
        return as_ris(sources, version)
    return as_csl_json(sources, version)

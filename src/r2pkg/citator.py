"""The citator: what a document cites and what cites it, with the treatment a source states.

Two kinds of record feed it. A typed citation (``r2p:CitationLink``, data in
``data/citations/``) names the citing and cited documents, the treatment (recalls,
reaffirms, reinforces, endorses), the pinpoint in the citing document and the evidence. A
plain ``r2p:cites`` says only that one refers to the other: it is shown as untyped, with
the citing document's evidence that says it supports that citation, if any. A plain link
that a typed one covers is not repeated. Publications that cite a document are listed
among "cited by" too, as a legal citator lists the secondary literature.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import RDF

from r2pkg.describe import href_for, linked_href
from r2pkg.linked import linked_from
from r2pkg.namespaces import R2P
from r2pkg.store import Store

UNTYPED = "cites (no source states a treatment)"


def _ref(store: Store, node) -> dict:
    kinds = sorted(store.label(t) for t in store.objects(node, RDF.type))
    return {"iri": str(node), "label": store.label(node), "href": href_for(str(node)), "kind": ", ".join(kinds)}


def _evidence(store: Store, node) -> list[dict]:
    g = store
    out = []
    for c in g.objects(node, R2P.evidence):
        source = g.value(c, R2P.source)
        assertion = g.value(c, R2P.assertion)
        out.append({
            "source": None if source is None else str(source),
            "source_label": None if source is None else store.label(source),
            "locator": None if g.value(c, R2P.locator) is None else str(g.value(c, R2P.locator)),
            "quote": None if g.value(c, R2P.quote) is None else str(g.value(c, R2P.quote)),
            "assertion": None if assertion is None else store.label(assertion),
            "note": None if g.value(c, R2P.note) is None else str(g.value(c, R2P.note)),
        })
    return sorted(out, key=lambda e: (e["source_label"] or "", e["locator"] or ""))


def _supporting(store: Store, citing, cited) -> list[dict]:
    """The citing document's evidence whose note says it supports this r2p:cites."""
    local = str(cited).rsplit("/", 1)[-1]
    return [e for e in _evidence(store, citing)
            if e["note"] and "r2p:cites" in e["note"] and local in e["note"]]


def _typed_rows(store: Store, node, as_citing: bool) -> list[dict]:
    g = store
    mine, other = (R2P.citingDocument, R2P.citedDocument) if as_citing else (R2P.citedDocument, R2P.citingDocument)
    rows = []
    for link in g.subjects(mine, node):
        if (link, RDF.type, R2P.CitationLink) not in g:
            continue
        target = g.value(link, other)
        treatment = g.value(link, R2P.treatment)
        rows.append({
            "link": str(link), "document": _ref(store, target),
            "treatment": store.label(treatment) if treatment is not None else UNTYPED,
            "typed": treatment is not None,
            "pinpoint": None if g.value(link, R2P.pinpoint) is None else str(g.value(link, R2P.pinpoint)),
            "note": None if g.value(link, R2P.note) is None else str(g.value(link, R2P.note)),
            "evidence": _evidence(store, link),
        })
    return rows


#: How many documents citing one by a plain ``r2p:cites`` a page's table shows (with their
#: evidence); the rest are counted and listed by name at ``/linked``. The bundled graph's most is 5.
SHOWN = 50


def citations(store: Store, node: URIRef, shown: int | None = None) -> dict:
    """``{"document", "cites": [...], "cited_by": [...]}``: typed rows first, then untyped, by label.

    ``shown`` keeps the untyped "cited by" rows to that many (the store's first, by indexed
    lookups, :mod:`r2pkg.linked`) and adds ``cited_by_untyped_total``, ``cited_by_untyped_shown``
    and ``cited_by_more``,
    the address of the others: at a million triples 1,300 generated resolutions cite S/RES/1674,
    and reading the evidence of each took 0.8 s a view. Without it, every one is listed.
    """
    g = store
    cites = _typed_rows(store, node, as_citing=True)
    cited_by = _typed_rows(store, node, as_citing=False)
    covered_out = {r["document"]["iri"] for r in cites}
    covered_in = {r["document"]["iri"] for r in cited_by}
    for target in g.objects(node, R2P.cites):
        if isinstance(target, URIRef) and str(target) not in covered_out:
            cites.append({"link": None, "document": _ref(store, target), "treatment": UNTYPED, "typed": False,
                          "pinpoint": None, "note": None, "evidence": _supporting(store, node, target)})
    more = {}
    if shown is None:
        citing_nodes = list(g.subjects(R2P.cites, node))
    else:
        first, total = linked_from(store, node).get(R2P.cites, ([], 0))
        citing_nodes = first[:shown]
        if total > len(citing_nodes):
            more = {"cited_by_untyped_total": total, "cited_by_untyped_shown": len(citing_nodes),
                    "cited_by_more": linked_href(node, R2P.cites, len(citing_nodes))}
    for citing in citing_nodes:
        if isinstance(citing, URIRef) and str(citing) not in covered_in:
            cited_by.append({"link": None, "document": _ref(store, citing), "treatment": UNTYPED, "typed": False,
                             "pinpoint": None, "note": None, "evidence": _supporting(store, citing, node)})

    def order(row: dict) -> tuple:
        return (not row["typed"], row["document"]["label"], row["treatment"])

    return {"document": _ref(store, node), "cites": sorted(cites, key=order), "cited_by": sorted(cited_by, key=order),
            **more}

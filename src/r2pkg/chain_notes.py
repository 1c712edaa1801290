"""What a chain page says beside the chain: the official text at the root, and, for a node
with no chain, why there is none and what the node cites or links to instead.

A lawyer who follows an "Authority chain" link must never land on a bare "nothing": either a
chain, or the reason and the nearest things that do carry authority.
"""

from __future__ import annotations

from rdflib import URIRef

from r2pkg.chains import Index
from r2pkg.namespaces import R2P
from r2pkg.store import Store


def _has_chain(index: Index, node) -> bool:
    return node in index.roots or (node in index.authority and index.authority.out_degree(node) > 0)


def cites_instead(store: Store, node: URIRef) -> dict:
    """Why ``node`` has no authority chain, and what it cites or links to that has one (read
    from the node's own links, not the whole-graph index: :func:`r2pkg.node_chains.links_index`)."""
    from r2pkg.node_chains import links_index

    return cites_instead_in(links_index(store, node), node)


def cites_instead_in(index: Index, node: URIRef) -> dict:
    """:func:`cites_instead` read from ``index`` (the whole graph's, or one node's)."""
    label = index.label(node)
    items: list[dict] = []
    seen: set = set()
    if node in index.links:
        for _, target, prop in sorted(index.links.out_edges(node, keys=True), key=lambda e: (str(e[2]), str(e[1]))):
            if target in seen or not isinstance(target, URIRef):
                continue
            seen.add(target)
            items.append({**index.ref(target), "relation": index.label(prop), "has_chain": _has_chain(index, target)})
    items.sort(key=lambda i: (not i["has_chain"], i["relation"], i["label"]))
    is_case = node in index.cases
    reason = (f"{label} is a case: cases are not founded on an instrument, so the graph gives them no "
              "legal basis of their own. The responses to it and the documents it cites may have one."
              if is_case else
              f"the graph records no legal basis (r2p:hasLegalBasis), founding instrument "
              f"(r2p:establishedBy) or containing instrument (r2p:partOf) for {label}.")
    return {"reason": reason, "items": items}


def root_texts(store: Store, found: dict) -> list[dict]:
    """The official text (``r2p:text``) the graph holds for any node on the chains, nearest the root first."""
    g = store
    out: list[dict] = []
    seen: set[str] = set()
    for chain in found.get("chains", []):
        for hop in reversed(chain["hops"]):
            for end in (hop["to"], hop["from"]):
                if end["iri"] in seen:
                    continue
                seen.add(end["iri"])
                for text in g.objects(URIRef(end["iri"]), R2P.text):
                    out.append({**end, "text": str(text)})
    return out

"""The record as the graph holds it: an entry's triples in the store's own form (to take a
superseded or withdrawn entry out), and the change log read back from the graph.
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from r2pkg.namespaces import R2P
from r2pkg.store import Store
from r2pkg.versions import CHANGE_PREFIX

CHANGE = Namespace(CHANGE_PREFIX)


def stored_form(store: Store, graph: Graph) -> Graph:
    """``graph``'s triples as the store holds them: each blank node (an inline citation)
    replaced by the store's blank node with the same parent, field and content.

    Blank nodes have no name that survives a reload, so an entry read back from its file
    is matched to the store by structure; a blank node with no match is left out (it is
    not in the store)."""
    out = Graph()
    mapping: dict[BNode, BNode] = {}

    def match(node: BNode, parent: Node, prop: Node) -> BNode | None:
        if node in mapping:
            return mapping[node]
        want = {(p, _plain(o)) for p, o in graph.predicate_objects(node) if not isinstance(o, BNode)}
        for candidate in store.objects(parent, prop):
            if isinstance(candidate, BNode) and candidate not in mapping.values():
                have = {(p, _plain(o)) for p, o in store.predicate_objects(candidate) if not isinstance(o, BNode)}
                if have == want:
                    mapping[node] = candidate
                    return candidate
        return None

    def walk(subject: Node, mapped: Node) -> None:
        for p, o in graph.predicate_objects(subject):
            if isinstance(o, BNode):
                found = match(o, mapped, p)
                if found is None:
                    continue
                out.add((mapped, p, found))
                walk(o, found)
            else:
                out.add((mapped, p, o))

    for subject in {s for s in graph.subjects() if not isinstance(s, BNode)}:
        walk(subject, subject)
    return out


def _plain(term: Node) -> Node:
    """A literal as compared across stores: ``"x"`` and ``"x"^^xsd:string`` are one value."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def changes(store: Store, limit: int = 100) -> list[dict]:
    """The change log in the graph, newest first: accepts, corrections and retractions, with
    time, editor, reason, file, checksum, the nodes concerned and the entry each replaced."""
    text = """
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX r2p: <https://w3id.org/r2pkg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?change ?kind ?time ?editor ?file ?sha ?count ?reason ?old ?later ?number
               (GROUP_CONCAT(STR(?node); SEPARATOR=" ") AS ?nodes) WHERE {
            VALUES ?kind { r2p:AcceptedEntry r2p:Correction r2p:Retraction }
            ?change a ?kind ; prov:endedAtTime ?time ;
                    prov:wasAssociatedWith/rdfs:label ?editor ; r2p:tripleCount ?count .
            OPTIONAL { ?change prov:generated ?entity . ?entity r2p:file ?file ; r2p:sha256 ?sha .
                       OPTIONAL { ?entity prov:wasInvalidatedBy ?later } }
            OPTIONAL { ?change r2p:reason ?reason }
            OPTIONAL { ?change prov:invalidated ?old }
            OPTIONAL { ?change r2p:changeNumber ?number }
            OPTIONAL { ?change dct:subject ?node }
        } GROUP BY ?change ?kind ?time ?editor ?file ?sha ?count ?reason ?old ?later ?number
          ORDER BY DESC(?time) DESC(?number) DESC(?change)
    """
    kinds = {R2P.AcceptedEntry: "accept", R2P.Correction: "correct", R2P.Retraction: "retract"}
    out = []
    for binding in store.select(text).bindings:
        row = {str(k): v for k, v in binding.items()}
        nodes = str(row["nodes"]).split() if row.get("nodes") else []

        def change_id(key: str, row: dict = row) -> str | None:
            value = row.get(key)
            return str(value)[len(str(CHANGE)):].split("/", 1)[0] if value is not None else None

        out.append({
            "id": str(row["change"]).rsplit("/", 1)[-1], "change": str(row["change"]),
            "kind": kinds.get(row["kind"], "accept"),
            "time": str(row["time"]), "editor": str(row["editor"]), "file": str(row.get("file") or ""),
            "sha256": str(row.get("sha") or ""), "triples": int(row["count"]),
            "reason": str(row.get("reason") or ""), "replaces": change_id("old"),
            "replaced_by": change_id("later"),
            "added": [{"iri": n, "label": store.label(URIRef(n))} for n in sorted(nodes)],
        })
        if len(out) >= limit:
            break
    return out


__all__ = ["changes", "stored_form"]

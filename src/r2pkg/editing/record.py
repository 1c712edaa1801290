"""The record as the graph holds it: the change log read back from the graph (``/changes``).
Replaying changes onto a store (an entry's triples in the store's own form, a change
applied, the bundled statements a correction superseded) is :mod:`r2pkg.store.replay`,
re-exported here for the ledger.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef

from r2pkg.namespaces import R2P
from r2pkg.store import Store
from r2pkg.store.replay import (apply_change, catch_up, held_changes, read_entry, read_superseded, stored_form,
                                take_out_bundled, take_out_revised)
from r2pkg.versions import CHANGE_PREFIX

CHANGE = Namespace(CHANGE_PREFIX)


def changes(store: Store, limit: int = 100) -> list[dict]:
    """The change log in the graph, newest first: accepts, corrections and retractions, with
    time, editor, reason, file, checksum, the nodes concerned and the entry each replaced."""
    text = """
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX r2p: <https://w3id.org/r2pkg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?change ?kind ?time ?editor ?file ?sha ?count ?reason ?old ?oldfile ?later ?number
               (GROUP_CONCAT(STR(?node); SEPARATOR=" ") AS ?nodes) WHERE {
            VALUES ?kind { r2p:AcceptedEntry r2p:Correction r2p:Retraction }
            ?change a ?kind ; prov:endedAtTime ?time ;
                    prov:wasAssociatedWith/rdfs:label ?editor ; r2p:tripleCount ?count .
            OPTIONAL { ?change prov:generated ?entity . ?entity r2p:file ?file ; r2p:sha256 ?sha .
                       OPTIONAL { ?entity prov:wasInvalidatedBy ?later } }
            OPTIONAL { ?change r2p:reason ?reason }
            OPTIONAL { ?change prov:invalidated ?old OPTIONAL { ?old r2p:file ?oldfile } }
            OPTIONAL { ?change r2p:changeNumber ?number }
            OPTIONAL { ?change dct:subject ?node }
        } GROUP BY ?change ?kind ?time ?editor ?file ?sha ?count ?reason ?old ?oldfile ?later ?number
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

        own = str(row["change"]).rsplit("/", 1)[-1]
        bundled = change_id("old") == own  # a correction of the bundled data (its "superseded" file)
        out.append({
            "id": own, "change": str(row["change"]),
            "kind": kinds.get(row["kind"], "accept"),
            "time": str(row["time"]), "editor": str(row["editor"]), "file": str(row.get("file") or ""),
            "sha256": str(row.get("sha") or ""), "triples": int(row["count"]),
            "reason": str(row.get("reason") or ""), "replaces": None if bundled else change_id("old"),
            "supersedes_bundled": str(row.get("oldfile") or "") if bundled else None,
            "replaced_by": change_id("later"),
            "added": [{"iri": n, "label": store.label(URIRef(n))} for n in sorted(nodes)],
        })
        if len(out) >= limit:
            break
    return out


__all__ = ["apply_change", "catch_up", "changes", "held_changes", "read_entry", "read_superseded", "stored_form",
           "take_out_bundled", "take_out_revised"]

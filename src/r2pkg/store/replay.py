"""Replaying the change log onto a store: an entry's triples in the store's own form (to take
a superseded or withdrawn entry out), one change applied to a store, the changes a store
opened as it is (the on-disk Oxigraph) does not hold yet, and the bundled statements the
project's own corrections took out. Used by the loader (``open_store``) and by the ledger
that makes the changes (``r2pkg.editing.accepted``), so that both replay a change alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace
from rdflib.namespace import XSD
from rdflib.term import Node

from r2pkg.rdfinput import parse_file
from r2pkg.store.base import Store
from r2pkg.versions import CHANGE_PREFIX, Change, live, revisions

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


# -- replaying changes onto a store ---------------------------------------------------------


def read_entry(change: Change, root: Path | None = None) -> Graph:
    """The triples a change brought (its ``entry.ttl``)."""
    return parse_file(Graph(), change.folder / "entry.ttl", root=root)


def read_superseded(change: Change, root: Path | None = None) -> Graph:
    """The bundled statements a correction of the bundled data took out (its ``superseded.ttl``)."""
    assert change.superseded is not None, change.id
    return parse_file(Graph(), change.superseded, root=root)


def take_out_bundled(store: Store, superseded: Graph, keep: Iterable[Graph] = ()) -> Graph:
    """Take the superseded bundled statements out of ``store``, except the plain triples a
    live entry in ``keep`` states too (an entry's statement stays while the entry does).
    Returns what was taken out, in the store's own form (to put back on a refusal)."""
    kept = {t for g in keep for t in g if not any(isinstance(x, BNode) for x in t)}
    gone = Graph()
    for triple in stored_form(store, superseded):
        if triple not in kept:
            gone.add(triple)
    store.remove_graph(gone)
    return gone


def apply_change(store: Store, change: Change, before: list[Change],
                 entry_of: Callable[[Change], Graph]) -> None:
    """Bring ``store`` from the graph after the changes ``before`` to the graph after ``change``
    too: take out what it supersedes (an entry, or bundled statements), add what it adds and
    its record. ``entry_of`` reads a change's entry (a ledger keeps them parsed)."""
    if change.invalidates:
        old = next((c for c in before if c.id == change.invalidates), None)
        if old is not None and old.kind != "retract":
            store.remove_graph(stored_form(store, entry_of(old)))
    if change.superseded is not None:
        nodes = set(change.nodes)
        keep = [entry_of(c) for c in live(before).values() if nodes & set(c.nodes)]
        take_out_bundled(store, read_superseded(change), keep)
    graph = Graph()
    for name in ("change.ttl",) if change.kind == "retract" else ("entry.ttl", "change.ttl"):
        parse_file(graph, change.folder / name)
    store.add_graph(graph)
    store.settle()  # the change is whole in the store


def held_changes(store: Store) -> set[str]:
    """The IDs of the changes whose records the store holds (a record goes in with its entry,
    in one write: a store that holds a change's record holds the whole change)."""
    text = """PREFIX r2p: <https://w3id.org/r2pkg/ontology#>
        SELECT ?c WHERE { VALUES ?k { r2p:AcceptedEntry r2p:Correction r2p:Retraction } ?c a ?k }"""
    prefix = str(CHANGE)
    found = (str(value) for b in store.select(text).bindings for value in b.values())
    return {c[len(prefix):] for c in found if c.startswith(prefix)}


def catch_up(store: Store, log: list[Change], root: Path | None = None) -> bool:
    """Bring a store opened as it is (the on-disk Oxigraph) up to the change log: apply, in
    order, the changes another process wrote to the log but not to this database. False
    when the store holds a change the log does not (the log was replaced: rebuild)."""
    if getattr(store, "read_only", False):
        return True  # another process holds the database for writing, and applies the changes
    held = held_changes(store)
    if not held <= {c.id for c in log}:
        return False
    cache: dict[str, Graph] = {}

    def entry_of(change: Change) -> Graph:
        return cache.setdefault(change.id, read_entry(change, root))

    for i, change in enumerate(log):
        if change.id not in held:
            apply_change(store, change, log[:i], entry_of)
    return True


def take_out_revised(store: Store, log: list[Change], upto: int | None = None,
                     root: Path | None = None) -> None:
    """After a load of the bundled files and the records (``bundled_files``): take out the
    bundled statements the project's corrections among the first ``upto`` changes superseded."""
    found = revisions(log, upto)
    if not found:
        return
    current = live(log, upto)
    cache: dict[str, Graph] = {}
    for change in found:
        nodes = set(change.nodes)
        keep = [cache.setdefault(c.id, read_entry(c, root)) for c in current.values() if nodes & set(c.nodes)]
        take_out_bundled(store, read_superseded(change, root), keep)


__all__ = ["apply_change", "catch_up", "held_changes", "read_entry", "read_superseded", "stored_form",
           "take_out_bundled", "take_out_revised"]

"""The home page's figures (cases, documents, mandates... in the graph), kept with the store.

``Store.stats`` counts the instances of each class (and of its subclasses) by reading them
all: at 100k triples 0.24 s, and ten times that per tenfold graph, on a home page's first
view after each write. This view keeps the members instead (a count alone cannot tell
whether an entry's class was new to its node): built once (saved in ``DIR/views``
by the on-disk store, so a later process reads it), and brought up to date by a write from
the entry (:func:`changes`): only the nodes whose classes the entry adds or takes away are
looked at, each by one lookup of its classes. An entry that changes the class tree itself
(``rdfs:subClassOf``) has the view built again, the only case that needs the whole graph.
"""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph

from r2pkg.store.base import BUILT_ON_LOAD, COUNTED_CLASSES, INCREMENTAL, Store
from r2pkg.view_changes import Change, apply
from r2pkg.view_terms import key_of

#: The view's name; change it whenever the view's shape changes.
VIEW = "figures-1"


def figures(store: Store) -> dict[str, int]:
    """What the home page shows: the triple count and the counts by class (as ``Store.stats``)."""
    view = store.view(VIEW, build) if store.kind.startswith("oxigraph") else None
    if view is None:
        return store.stats()
    return {"triples": store.triple_count(), **{name: len(found) for name, found in view["members"].items()}}


def build(store: Store) -> dict:
    """The members of each counted class (and of its subclasses), and the classes counted."""
    classes = {name: frozenset({cls} | set(store.transitive_subjects(RDFS.subClassOf, cls)))
               for name, cls in COUNTED_CLASSES.items()}
    members = {name: {key_of(s) for c in counted for s in store.subjects(RDF.type, c)}
               for name, counted in classes.items()}
    return {"classes": classes, "members": members}


def update(view: dict, store: Store, entry: Graph) -> dict:
    """The members after ``entry`` was added to (or taken out of) ``store``."""
    return apply(view, changes(view, store, entry))  # type: ignore[return-value]


def changes(view: dict, store: Store, entry: Graph) -> list[Change]:
    """What ``entry`` (added to, or taken out of, ``store``) changes: each node the entry
    gives or takes a class is looked up (one lookup of its classes)."""
    if (None, RDFS.subClassOf, None) in entry:
        return [("set", (), build(store))]
    found: list[Change] = []
    for node in set(entry.subjects(RDF.type, None)):
        now = set(store.objects(node, RDF.type))
        for name, counted in view["classes"].items():
            member = key_of(node) in view["members"][name]
            if bool(now & counted) != member:
                found.append(("discard" if member else "add", ("members", name), key_of(node)))
    return found


INCREMENTAL[VIEW] = changes
BUILT_ON_LOAD[VIEW] = build

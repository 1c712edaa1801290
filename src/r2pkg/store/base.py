"""The store interface: what every backend answers, and what every caller may ask.

A :class:`Store` holds the graph and answers queries, pattern lookups, labels and names.
The callers (pages, chains, validation, the CLI, the web) talk to this class only; each
backend (rdflib memory, embedded Oxigraph in memory or on disk, a SPARQL endpoint) is one
module that fills in :meth:`Store.run` and :meth:`Store._write`, and keeps whatever fast
path it has to itself. Nothing outside a backend module knows which backend it talks to.

Pattern lookups (``objects``, ``value``, ...) keep rdflib's names and signatures, so a
Store can stand where a read-only rdflib graph was used.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.query import Result
from rdflib.term import Node

from r2pkg.answers import Serialized
from r2pkg.errors import QueryError
from r2pkg.names import resolve_name
from r2pkg.namespaces import R2P, bind_prefixes
from r2pkg.rdfinput import parse_file
from r2pkg.sparql import Answer, ParsedQuery, prepare
from r2pkg.store.bundle import ontology_files
from r2pkg.view_changes import apply

#: Classes counted on the home page and by ``r2pkg stats``.
COUNTED_CLASSES = {
    "cases": R2P.Case,
    "documents": R2P.Document,
    "mandates": R2P.Mandate,
    "recommendations": R2P.Recommendation,
    "responses": R2P.Response,
    "organs": R2P.Organ,
}

T = TypeVar("T")
Triple = tuple[Node, Node, Node]
Pattern = tuple[Node | None, Node | None, Node | None]


#: Views a write brings up to date from the entry instead of dropping them:
#: ``name -> changes(view, store, entry) -> [change, ...]`` (:mod:`r2pkg.view_changes`),
#: called after the entry is in the store (or out of it). The changes are applied to the view
#: held, and a backend that keeps views on disk saves them alone, not the whole view (an
#: updater that rebuilds the view gives one change of the whole view, ``("set", (), view)``).
#: A view module registers its function when it is imported.
INCREMENTAL: dict[str, Callable[[object, Store, Graph], list]] = {}


#: Views a store that keeps views on disk builds as it loads the files (``name -> build``),
#: so that no request waits for them.
BUILT_ON_LOAD: dict[str, Callable[[Store], object]] = {}


class Store(ABC):
    """The loaded graph, with the queries and lookups every caller needs.

    ``graph`` is the rdflib view of the same triples, kept for code that needs an rdflib
    ``Graph`` object (serialising a dump, pySHACL); everything else goes through methods.
    """

    #: The spec's kind: memory, oxigraph, oxigraph-dir or remote (shown on /healthz).
    kind: str = "memory"

    def __init__(self, graph: Graph, files: Iterable[Path] = ()) -> None:
        self.graph = graph
        self.files: list[Path] = [Path(f) for f in files]
        #: Views computed from the graph once (the chain index), by name; cleared by writes.
        self.derived: dict[str, object] = {}
        #: Bumped by every write; caches of whole-graph views are keyed by it.
        self.version = 0
        self._lock = threading.Lock()
        self._labels: dict[Node, str] | None = None
        #: English or untagged ``rdfs:label`` values the table does not show, built with it.
        self._other_labels: dict[Node, list[str]] = {}
        #: Labels read node by node (:meth:`own_label`) until the whole table is built.
        self._read_labels: dict[Node, str | None] = {}
        self._triples: int | None = None
        self._stats: dict[str, int] | None = None
        self._ontology: dict[bool, Graph] | None = None

    # -- queries -----------------------------------------------------------------------------

    @abstractmethod
    def run(self, parsed: ParsedQuery, max_rows: int | None = None) -> Answer:
        """Execute exactly ``parsed.text`` and read at most ``max_rows`` rows or triples.

        A result longer than the cap is cut while it is read, never run a second time.
        """

    def write(self, parsed: ParsedQuery, fmt: str, max_rows: int | None = None) -> Serialized | None:
        """The answer already written in ``fmt`` by the engine itself, or None to let r2pkg's
        writers do it from :meth:`run`'s Answer. A backend overrides it where that is faster."""
        return None

    def query(self, text: str, bindings: Mapping[str, Node] | None = None,
              max_rows: int | None = None) -> Answer:
        """Run a SPARQL query with parameters bound as values, never spliced as text."""
        return self.run(prepare(text, bindings), max_rows)

    def select(self, text: str, bindings: Mapping[str, Node] | None = None,
               max_rows: int | None = None) -> Answer:
        """A SELECT's rows (a QueryError for any other form)."""
        return self._of_form("SELECT", text, bindings, max_rows)

    def ask(self, text: str, bindings: Mapping[str, Node] | None = None) -> bool:
        """An ASK's answer."""
        return bool(self._of_form("ASK", text, bindings, None).boolean)

    def construct(self, text: str, bindings: Mapping[str, Node] | None = None,
                  max_rows: int | None = None) -> Answer:
        """A CONSTRUCT's triples."""
        return self._of_form("CONSTRUCT", text, bindings, max_rows)

    def describe(self, text: str, bindings: Mapping[str, Node] | None = None,
                 max_rows: int | None = None) -> Answer:
        """A DESCRIBE's triples."""
        return self._of_form("DESCRIBE", text, bindings, max_rows)

    def _of_form(self, form: str, text: str, bindings, max_rows) -> Answer:
        parsed = prepare(text, bindings)
        if parsed.form != form:
            raise QueryError(f"expected a {form} query, got a {parsed.form} query.")
        return self.run(parsed, max_rows)

    # -- triples (rdflib's names, read-only) ---------------------------------------------------

    def triples(self, pattern: Pattern) -> Iterator[Triple]:
        """Triples matching a pattern (None matches anything)."""
        return self.graph.triples(pattern)

    def __contains__(self, triple: Pattern) -> bool:
        return triple in self.graph

    def __iter__(self) -> Iterator[Triple]:
        return self.triples((None, None, None))

    def objects(self, subject: Node | None = None, predicate: Node | None = None) -> Iterator[Node]:
        return self.graph.objects(subject, predicate)

    def subjects(self, predicate: Node | None = None, obj: Node | None = None) -> Iterator[Node]:
        return self.graph.subjects(predicate, obj)

    def predicate_objects(self, subject: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return self.graph.predicate_objects(subject)

    def subject_objects(self, predicate: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return self.graph.subject_objects(predicate)

    def subject_predicates(self, obj: Node | None = None) -> Iterator[tuple[Node, Node]]:
        return self.graph.subject_predicates(obj)

    def value(self, subject: Node | None = None, predicate: Node | None = None) -> Node | None:
        return self.graph.value(subject, predicate)

    def transitive_subjects(self, predicate: Node, obj: Node) -> Iterator[Node]:
        return self.graph.transitive_subjects(predicate, obj)

    def transitive_objects(self, subject: Node, predicate: Node) -> Iterator[Node]:
        return self.graph.transitive_objects(subject, predicate)

    def namespaces(self) -> Iterator[tuple[str, URIRef]]:
        return self.graph.namespaces()

    def snapshot(self, properties: Iterable[URIRef] | None = None) -> Store:
        """A store to read the whole graph (or only ``properties``) from, pattern by pattern.

        An embedded store is that store already; an endpoint copies the triples in one
        request, so that whole-graph work (indexing) is not thousands of round trips.
        """
        return self

    def for_whole_graph_queries(self) -> Store:
        """A store answering the same graph where queries that join the whole graph are fast.

        Whole-graph validation runs one join per rule over every node; an engine with
        indexes (Oxigraph, an endpoint) is that store itself. rdflib's own SPARQL took 430 s
        for what Oxigraph answers in one, so the in-memory backend lends an Oxigraph copy.
        """
        return self

    def local_copy(self, properties: Iterable[URIRef] | None = None) -> Graph:
        """The graph (or the triples of ``properties``) as an rdflib graph, for pySHACL."""
        return self.snapshot(properties).graph

    def ontology(self) -> Graph:
        """The ontology, concept schemes and shapes this store was loaded from."""
        return self.vocabulary() + self.shapes()

    def vocabulary(self) -> Graph:
        """The ontology and concept schemes (``ontology/*.ttl`` but the shapes), parsed once."""
        return self._ontology_part(shapes=False)

    def shapes(self) -> Graph:
        """The SHACL shapes (``ontology/shapes*.ttl``), parsed once."""
        return self._ontology_part(shapes=True)

    def _ontology_part(self, shapes: bool) -> Graph:
        """Read once per store and kept (writes add entries, not ontology): query and
        validation workers forked from the process that opened the store inherit it instead
        of each re-reading the files."""
        with self._lock:
            if self._ontology is None:
                self._ontology = {}
            graph = self._ontology.get(shapes)
            if graph is None:
                graph = bind_prefixes(Graph())
                for path in ontology_files(self.files):
                    if path.name.startswith("shapes") == shapes:
                        parse_file(graph, path)
                self._ontology[shapes] = graph
        return graph

    # -- views of the whole graph ----------------------------------------------------------

    def view(self, name: str, build: Callable[[Store], T]) -> T:
        """A view computed from the whole graph (the chain index), built once per graph version.

        Kept with the store until a write; a backend that can keep it across processes (the
        on-disk Oxigraph) saves it next to its database, so that a later process of the same
        graph version reads it instead of building it again. ``name`` must change whenever
        the view's shape changes (a saved view of another shape is never read).
        """
        found = self.derived.get(name)
        if found is not None:
            return found  # type: ignore[return-value]
        version = self.version
        found = self._saved_view(name)
        if found is None:
            found = build(self)
            if self.version == version:
                self._save_view(name, found)
        if self.version == version:  # a write during the build: the view is already stale
            self.derived[name] = found
        return found  # type: ignore[return-value]

    def _saved_view(self, name: str) -> object | None:
        """The view saved by an earlier process for this graph version, or None."""
        return None

    def has_saved_view(self, name: str) -> bool:
        """True when a view of this name is saved for this graph version (not read here)."""
        return False

    def _save_view(self, name: str, view: object) -> None:
        """Keep a view for later processes (nothing to do where the graph lives in memory)."""
        return None

    # -- labels and nodes --------------------------------------------------------------------

    @property
    def labels(self) -> dict[Node, str]:
        """Every node's English label, built once on first use."""
        if self._labels is None:
            with self._lock:
                if self._labels is None:
                    self._labels = self._collect_labels()
        return self._labels

    def _relabel(self, changed: Graph) -> None:
        """Bring the label table up to date for the nodes whose labels a write touched (an
        entry is a few nodes; reading every label of the graph again took 80 ms)."""
        touched = {s for s, p, _o in changed if p in (SKOS.prefLabel, RDFS.label)}
        for node in touched:
            self._read_labels.pop(node, None)
        if self._labels is None:
            return
        for node in touched:
            self._labels.pop(node, None)
            self._other_labels.pop(node, None)
            for prop in (SKOS.prefLabel, RDFS.label):
                for value in self.objects(node, prop):
                    if _shown(value):
                        self._labels[node] = str(value)
            named = [str(v) for v in self.objects(node, RDFS.label) if _shown(v)]
            other = named[:-1] + [str(v) for v in self.objects(node, RDFS.label) if _regional_english(v)]
            if other:
                self._other_labels[node] = other

    def _collect_labels(self) -> dict[Node, str]:
        labels: dict[Node, str] = {}
        for node, value in self.subject_objects(SKOS.prefLabel):
            if _shown(value):
                labels[node] = str(value)
        others: dict[Node, list[str]] = {}
        named: set[Node] = set()
        for node, value in self.subject_objects(RDFS.label):  # rdfs:label overrides prefLabel
            if _shown(value):
                if node in named:  # a second English label: the table shows the last one
                    others.setdefault(node, []).append(labels[node])
                named.add(node)
                labels[node] = str(value)
            elif _regional_english(value):
                others.setdefault(node, []).append(str(value))
        self._other_labels = others
        return labels

    @property
    def other_labels(self) -> dict[Node, list[str]]:
        """The English (``en``, ``en-GB``...) or untagged ``rdfs:label`` values of each node that
        the label table (:attr:`labels`) does not show: a second label, one in a regional
        English; few or none, kept up to date with the table."""
        self.labels  # noqa: B018 - built with the table
        return self._other_labels

    def own_label(self, node: Node) -> str | None:
        """The node's English label, or None: from the label table where it is built, else
        read for this node alone, so that a page never waits for every label of the graph
        (at 100k triples the table took 1.4 s, on a case page's first view)."""
        if self._labels is not None or self.uses_network:  # an endpoint: one request for all
            return self.labels.get(node)
        if node in self._read_labels:
            return self._read_labels[node]
        found = None
        for prop in (SKOS.prefLabel, RDFS.label):  # rdfs:label overrides prefLabel, as in the table
            for value in self.objects(node, prop):
                if isinstance(value, Literal) and value.language in (None, "en"):
                    found = str(value)
        self._read_labels[node] = found
        return found

    def label(self, node: Node) -> str:
        """A human label: rdfs:label, else skos:prefLabel, else the IRI's last segment."""
        if isinstance(node, Literal):
            return str(node)
        found = self.own_label(node)
        if found:
            return found
        text = str(node)
        return text.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or text

    def exists(self, node: Node) -> bool:
        """True when the node is the subject of at least one triple."""
        return (node, None, None) in self

    def types(self, node: Node) -> set[URIRef]:
        """The rdf:type values of a node."""
        return {t for t in self.objects(node, RDF.type) if isinstance(t, URIRef)}

    def resolve(self, iri_or_label: str, expect: tuple[URIRef, ...] | None = None) -> URIRef:
        """Turn an IRI, a prefixed name (``case:rwanda-1994``) or a label into a node, preferring
        nodes of the ``expect`` classes (the one resolver, :func:`r2pkg.names.resolve_name`)."""
        return resolve_name(self, iri_or_label, expect).node

    # -- writing -----------------------------------------------------------------------------

    @property
    def uses_network(self) -> bool:
        """True when answering a query needs the network (the graph lives behind an endpoint).

        Query workers of a store that does not are cut off from the network.
        """
        return False

    def add_graph(self, entry: Graph) -> None:
        """Add an entry's triples as one unit; views that can be updated from the entry
        (:data:`INCREMENTAL`) are, every other view derived from the graph is forgotten."""
        with self._lock:
            self._write(entry)
            changes = {name: INCREMENTAL[name](view, self, entry) for name, view in self.derived.items()
                       if name in INCREMENTAL}
            kept = {name: apply(self.derived[name], found) for name, found in changes.items()}
            self._relabel(entry)
            self._triples = None
            self._stats = None
            self.derived.clear()
            self.derived.update(kept)
            self.version += 1
            self._views_updated(kept, changes)

    def _views_updated(self, views: dict[str, object], changes: dict[str, list]) -> None:
        """Keep the views a write updated (``views``, by ``changes``) for later processes
        (nothing to do in memory)."""
        return None

    def _write(self, entry: Graph) -> None:
        """Add the triples in one transaction of the engine (all or nothing)."""
        self.graph.addN((s, p, o, self.graph) for s, p, o in entry)

    def remove_graph(self, triples: Graph) -> None:
        """Take triples out (a superseded or withdrawn entry); views that can be updated from
        what was removed (:data:`INCREMENTAL`, whose updaters read the touched nodes again) are,
        every other view derived from the graph is forgotten, as on :meth:`add_graph`.

        The triples are the store's own (blank nodes as the store names them): see
        ``r2pkg.editing.accepted.stored_form``.
        """
        with self._lock:
            self._remove(triples)
            changes = {name: INCREMENTAL[name](view, self, triples) for name, view in self.derived.items()
                       if name in INCREMENTAL}
            kept = {name: apply(self.derived[name], found) for name, found in changes.items()}
            self._relabel(triples)
            self._triples = None
            self._stats = None
            self.derived.clear()
            self.derived.update(kept)
            self.version += 1
            self._views_updated(kept, changes)

    def _remove(self, triples: Graph) -> None:
        for triple in triples:
            self.graph.remove(triple)

    # -- figures -----------------------------------------------------------------------------

    def triple_count(self) -> int:
        """How many triples the graph holds, counted once per version."""
        if self._triples is None:
            self._triples = self._count()
        return self._triples

    def _count(self) -> int:
        return len(self.graph)

    def stats(self) -> dict[str, int]:
        """The figures shown on the home page: triples and counts by class (computed once)."""
        if self._stats is None:
            figures = {"triples": self.triple_count()}
            for name, cls in COUNTED_CLASSES.items():
                figures[name] = self._count_instances(cls)
            self._stats = figures
        return dict(self._stats)

    def _count_instances(self, cls: URIRef) -> int:
        classes = {cls} | set(self.transitive_subjects(RDFS.subClassOf, cls))
        members: set[Node] = set()
        for c in classes:
            members.update(self.subjects(RDF.type, c))
        return len(members)

    def settle(self) -> None:
        """Say that the change under way is whole: the store holds whole changes of the log
        only (a backend that persists, the on-disk Oxigraph, noted the removal that began it,
        so that a process killed half-way leaves a database that is rebuilt; others need not)."""
        return None

    def close(self) -> None:
        """Release the engine's files or connections (a no-op for most backends)."""
        return None


def answer_from_result(result: Result, max_rows: int | None) -> Answer:
    """An rdflib Result read into an :class:`Answer`, stopping one past the cap."""
    if result.type == "ASK":
        return Answer.ask(bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return Answer.graph_of(result.type, result.graph or (), max_rows)
    names = [str(v) for v in (result.vars or [])]
    width = range(len(names))
    rows = ([row[i] if i < len(row) else None for i in width] for row in result)
    return Answer.select(names, rows, max_rows)


def _shown(value: Node) -> bool:
    """True for a label the table shows: a literal in English (``en``) or untagged."""
    return isinstance(value, Literal) and value.language in (None, "en")


def _regional_english(value: Node) -> bool:
    """True for a label in a regional English (``en-GB``), which SPARQL's
    ``LANGMATCHES(LANG(?l), "en")`` takes as English but the table does not show."""
    return isinstance(value, Literal) and (value.language or "").lower().startswith("en-")

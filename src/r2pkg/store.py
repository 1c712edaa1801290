"""The one place that owns the graph: finds the bundled files, loads them once, answers.

Every other module asks a :class:`Store` for the graph, for a query or for a label. The
graph behind it is an rdflib :class:`~rdflib.Graph` whose storage is chosen by a *store
spec*: ``memory`` (rdflib's in-memory store), ``oxigraph`` (the embedded Oxigraph engine
through oxrdflib) or the URL of a SPARQL 1.1 endpoint. Callers never see the difference.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.query import Result
from rdflib.term import Node

from r2pkg.errors import InputError, UnknownNodeError
from r2pkg.namespaces import R2P, R2PID, bind_prefixes
from r2pkg.native import engine
from r2pkg.rdfinput import parse_file

#: Store specs understood by :func:`open_store`; anything starting with http(s) is remote.
STORE_KINDS = ("memory", "oxigraph")
DEFAULT_STORE = os.environ.get("R2PKG_STORE", "oxigraph")

#: Classes counted on the home page and by ``r2pkg stats``.
COUNTED_CLASSES = {
    "cases": R2P.Case,
    "documents": R2P.Document,
    "mandates": R2P.Mandate,
    "recommendations": R2P.Recommendation,
    "responses": R2P.Response,
    "organs": R2P.Organ,
}


def project_root() -> Path:
    """The folder holding ``ontology/``, ``data/`` and ``queries/``.

    ``R2PKG_HOME`` wins; otherwise the source checkout this package was installed from
    (``pip install -e .``), found by walking up from this file.
    """
    env = os.environ.get("R2PKG_HOME")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        if (parent / "ontology" / "r2p.ttl").is_file() and (parent / "data").is_dir():
            return parent
    raise InputError(
        "cannot find the bundled graph (the ontology/ and data/ folders).",
        hint="install r2pkg from its source checkout with 'pip install -e .', "
        "or set R2PKG_HOME to the folder that holds ontology/ and data/.",
    )


def bundled_files(root: Path | None = None) -> list[Path]:
    """The ontology and data files of the bundled graph, in a stable order."""
    root = root or project_root()
    files = sorted((root / "ontology").glob("*.ttl")) + sorted((root / "data").rglob("*.ttl"))
    return files


def new_graph(kind: str) -> Graph:
    """An empty rdflib graph on the requested storage."""
    if kind == "memory":
        graph = Graph()
    elif kind == "oxigraph":
        # the store's default graph, so that Oxigraph's own loader and SPARQL see the same triples
        graph = Graph(store="Oxigraph", identifier=DATASET_DEFAULT_GRAPH_ID)
    else:
        raise InputError(
            f"unknown store '{kind}'.",
            hint="use --store memory, --store oxigraph, or the URL of a SPARQL endpoint.",
        )
    return bind_prefixes(graph)


def load_graph(files: Iterable[Path], kind: str = "memory", root: Path | None = None) -> Graph:
    """Parse every file into one graph; a syntax error names the file, line and column."""
    graph = new_graph(kind)
    native = _native_loader(graph)
    for path in files:
        path = Path(path)
        if native is not None and path.suffix in NATIVE_FORMATS:
            try:
                native(path)
                continue
            except (SyntaxError, ValueError, OSError):
                pass  # read it again with rdflib, whose errors we know how to explain
        parse_file(graph, path, root=root)
    return graph


#: Files that Oxigraph's own parser reads (13 times faster than rdflib's on the bundled graph).
NATIVE_FORMATS = {".ttl": "TURTLE", ".nt": "N_TRIPLES"}


def _native_loader(graph: Graph):
    """A function loading a file straight into the Oxigraph store behind ``graph``, if any."""
    inner = engine(graph)
    if inner is None:
        return None
    import pyoxigraph

    def load(path: Path) -> None:
        fmt = getattr(pyoxigraph.RdfFormat, NATIVE_FORMATS[path.suffix])
        inner.load(path=str(path), format=fmt)

    return load


@dataclass
class Store:
    """The loaded graph, with the lookups every caller needs."""

    graph: Graph
    kind: str = "memory"
    files: list[Path] = field(default_factory=list)
    _labels: dict[Node, str] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _triples: int | None = field(default=None, repr=False)
    #: Views computed from the graph once (the chain index), by name.
    derived: dict[str, object] = field(default_factory=dict, repr=False)
    _stats: dict[str, int] | None = field(default=None, repr=False)
    #: Bumped by every write; caches of whole-graph views (dumps, indexes) are keyed by it.
    version: int = 0

    # -- queries -------------------------------------------------------------------

    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> Result:
        """Run a SPARQL query with parameters bound as values, never spliced as text."""
        from r2pkg.sparql import run_query

        return run_query(self.graph, text, bindings)

    # -- labels and nodes ------------------------------------------------------------

    @property
    def labels(self) -> dict[Node, str]:
        """Every node's English label, built once on first use."""
        if self._labels is None:
            with self._lock:
                if self._labels is None:
                    self._labels = _collect_labels(self.graph)
        return self._labels

    def label(self, node: Node) -> str:
        """A human label: rdfs:label, else skos:prefLabel, else the IRI's last segment."""
        if isinstance(node, Literal):
            return str(node)
        found = self.labels.get(node)
        if found:
            return found
        text = str(node)
        return text.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or text

    def exists(self, node: Node) -> bool:
        """True when the node is the subject of at least one triple."""
        return (node, None, None) in self.graph

    def resolve(self, iri_or_label: str) -> URIRef:
        """Turn an IRI, a prefixed name (``case:rwanda-1994``) or a label into a node."""
        text = iri_or_label.strip()
        candidates = [text]
        if ":" in text and not text.startswith("http"):
            prefix, _, local = text.partition(":")
            ns = dict(self.graph.namespaces()).get(prefix)
            if ns is not None:
                candidates.insert(0, str(ns) + local)
        if not text.startswith("http") and "/" in text:
            candidates.append(str(R2PID) + text.lstrip("/"))
        for candidate in candidates:
            node = URIRef(candidate)
            if self.exists(node):
                return node
        folded = text.casefold()
        matches = sorted(
            (n for n, lab in self.labels.items() if isinstance(n, URIRef) and lab.casefold() == folded),
            key=str,
        )
        if matches:
            return matches[0]
        raise UnknownNodeError(
            f"no node of the graph is called '{text}'.",
            hint="give a full IRI, a prefixed name such as case:rwanda-1994, or an exact "
            "label; search the labels on the home page or with the saved query 'find-by-label'.",
        )

    @property
    def uses_network(self) -> bool:
        """True when answering a query needs the network (the graph lives behind an endpoint).

        Query workers of a store that does not are cut off from the network.
        """
        return self.is_remote

    def add_graph(self, entry: Graph) -> None:
        """Add an entry's triples as one unit, and forget every view derived from the graph."""
        if self.is_remote:
            raise InputError("this store is read-only: the graph lives behind a SPARQL endpoint.")
        with self._lock:
            self.graph.addN((s, p, o, self.graph) for s, p, o in entry)
            self._labels = None
            self._triples = None
            self._stats = None
            self.derived.clear()
            self.version += 1

    @property
    def is_remote(self) -> bool:
        """True when the graph lives behind a SPARQL endpoint."""
        return self.kind == "remote"

    def local_copy(self, properties: Iterable[URIRef] | None = None) -> Graph:
        """The graph (or only the triples of ``properties``) as a local in-memory graph.

        For an embedded store this is the graph itself; for a remote endpoint it is one
        CONSTRUCT request, so that whole-graph work (indexing, full validation) does not
        turn into thousands of pattern requests.
        """
        if not self.is_remote:
            return self.graph
        if properties is None:
            text = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        else:
            values = " ".join(f"<{p}>" for p in properties)
            text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o }}"
        copy = bind_prefixes(Graph())
        for triple in self.graph.query(text).graph or ():
            copy.add(triple)
        return copy

    def types(self, node: Node) -> set[URIRef]:
        """The rdf:type values of a node."""
        return {t for t in self.graph.objects(node, RDF.type) if isinstance(t, URIRef)}

    # -- figures ---------------------------------------------------------------------

    def triple_count(self) -> int:
        """How many triples the graph holds, counted once.

        The graph does not change after loading, and counting is not free: oxrdflib's
        ``len()`` runs a COUNT over every triple (2.5 s at a million), Oxigraph's own 75 ms.
        """
        if self._triples is None:
            inner = engine(self.graph)
            self._triples = len(inner) if inner is not None else len(self.graph)
        return self._triples

    def stats(self) -> dict[str, int]:
        """The figures shown on the home page: triples and counts by class (computed once)."""
        if self._stats is None:
            figures = {"triples": self.triple_count()}
            for name, cls in COUNTED_CLASSES.items():
                figures[name] = _count_instances(self.graph, cls)
            self._stats = figures
        return dict(self._stats)


def _collect_labels(graph: Graph) -> dict[Node, str]:
    labels: dict[Node, str] = {}
    for prop in (SKOS.prefLabel, RDFS.label):  # rdfs:label overrides prefLabel
        for node, value in graph.subject_objects(prop):
            if isinstance(value, Literal) and value.language in (None, "en"):
                labels[node] = str(value)
    return labels


def _count_instances(graph: Graph, cls: URIRef) -> int:
    classes = {cls} | set(graph.transitive_subjects(RDFS.subClassOf, cls))
    members: set[Node] = set()
    for c in classes:
        members.update(graph.subjects(RDF.type, c))
    return len(members)


def open_store(spec: str | None = None, files: Iterable[Path] | None = None) -> Store:
    """Load the bundled graph (or the given files) into the store named by ``spec``."""
    spec = spec or DEFAULT_STORE
    if spec.startswith(("http://", "https://")):
        from r2pkg.remote import open_remote

        return open_remote(spec)
    root = None
    if files is None:
        root = project_root()
        files = bundled_files(root)
    files = list(files)
    graph = load_graph(files, kind=spec, root=root)
    return Store(graph=graph, kind=spec, files=files)

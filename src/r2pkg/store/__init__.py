"""The one place that owns the graph: finds the bundled files, loads them once, answers.

Every other module asks a :class:`Store` (the interface in :mod:`r2pkg.store.base`) for a
query, a pattern, a label or a name. The backend behind it is chosen by a *store spec*:

==================  =============================================================
``memory``          rdflib's in-memory store (:mod:`r2pkg.store.memory`)
``oxigraph``        embedded Oxigraph in memory (:mod:`r2pkg.store.oxigraph`)
``oxigraph:DIR``    embedded Oxigraph on disk, loaded once (:mod:`r2pkg.store.oxigraph_dir`)
``http(s)://...``   a SPARQL 1.1 endpoint with the Graph Store Protocol (:mod:`r2pkg.store.endpoint`)
==================  =============================================================
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph

from r2pkg.errors import InputError
from r2pkg.store.base import COUNTED_CLASSES, Store
from r2pkg.store.bundle import (base_files, bundled_files, change_log, corrections_folder, data_dir, entries_folder,
                                project_root, writable_data_dir)
from r2pkg.store.endpoint import EndpointStore
from r2pkg.store.memory import MemoryStore
from r2pkg.store.oxigraph import OxigraphStore
from r2pkg.store.oxigraph_dir import OxigraphDirStore
from r2pkg.store.replay import catch_up, take_out_revised
from r2pkg.versions import position, record_files

#: Store specs understood by :func:`open_store`, besides ``oxigraph:DIR`` and an endpoint URL.
STORE_KINDS = ("memory", "oxigraph", "oxigraph:DIR")
DEFAULT_STORE = os.environ.get("R2PKG_STORE", "oxigraph")


def open_store(spec: str | None = None, files: Iterable[Path] | None = None, as_of: str | None = None) -> Store:
    """Open the store named by ``spec`` on the bundled graph (or the given files).

    ``as_of`` (a date, a time or a graph version) loads the graph as it was then, in memory:
    later accepts left out, later corrections and retractions undone. The graph is the
    bundled files, then the change log replayed onto them (see :mod:`r2pkg.versions`).
    """
    spec = spec or DEFAULT_STORE
    if files is not None:
        return _open_files(spec, list(files), None)
    root = project_root()
    log = change_log(root)
    upto = None
    if as_of:
        if spec.startswith(("http://", "https://")):
            raise InputError("--as-of needs the graph's own files; an external store holds only the current graph.",
                             hint="leave out --store, or use --store oxigraph.")
        upto = position(log, as_of)
        spec = "memory" if spec == "memory" else "oxigraph"
    base, records = base_files(root), record_files(log, upto)
    if spec.startswith("oxigraph:") and spec[len("oxigraph:"):]:
        return _open_dir(Path(spec[len("oxigraph:"):]).expanduser(), base, records, log, root)
    store = _open_files(spec, base + records, root)
    if not isinstance(store, EndpointStore):
        take_out_revised(store, log, upto, root)
    return store


def _open_files(spec: str, files: list[Path], root: Path | None) -> Store:
    if spec.startswith(("http://", "https://")):
        return EndpointStore.open(spec, files=files)
    if spec == "memory":
        return MemoryStore.load(files, root)
    if spec == "oxigraph":
        return OxigraphStore.load(files, root)
    if spec.startswith("oxigraph:") and spec[len("oxigraph:"):]:
        return OxigraphDirStore.open(Path(spec[len("oxigraph:"):]).expanduser(), files, root)
    raise InputError(
        f"unknown store '{spec}'.",
        hint="use --store memory, --store oxigraph, --store oxigraph:DIR, or the URL of a SPARQL endpoint.",
    )


def _open_dir(folder: Path, base: list[Path], records: list[Path], log: list, root: Path) -> Store:
    """The on-disk store: rebuilt from the files only when the bundled files changed (then
    the log is replayed onto them); otherwise opened as it is and brought up to the log by
    applying the changes it does not hold yet, one by one."""
    store = OxigraphDirStore.open(folder, base, root, records=records)
    if not store.reloaded and not catch_up(store, log, root):
        store.close()  # it holds changes the log does not: the log was replaced; start again
        store = OxigraphDirStore.open(folder, base, root, records=records, rebuild=True)
    if store.reloaded:
        take_out_revised(store, log, None, root)
    store.settle()
    return store


def load_graph(files: Iterable[Path], kind: str = "memory", root: Path | None = None) -> Graph:
    """Parse files into an rdflib graph on an embedded store (a syntax error names file, line, column)."""
    if kind not in ("memory", "oxigraph"):
        raise InputError(f"unknown store '{kind}'.", hint="use memory or oxigraph.")
    loader = MemoryStore if kind == "memory" else OxigraphStore
    return loader.load(files, root).graph


__all__ = ["COUNTED_CLASSES", "DEFAULT_STORE", "STORE_KINDS", "Store", "base_files", "bundled_files", "change_log", "corrections_folder", "data_dir", "entries_folder", "load_graph",
           "open_store", "project_root", "writable_data_dir"]

"""The embedded Oxigraph backend on disk (``--store oxigraph:DIR``): load once, open fast.

``DIR/oxigraph/`` is Oxigraph's database; ``DIR/manifest.json`` lists the files it was
loaded from, with their sizes and modification times, and the triple count (dropped by a
write, then counted again when asked). On open, if the bundled files are
still the same, the database is opened as it is (milliseconds, whatever its size); if any
file was added, removed or changed, the database is rebuilt from the files. Entries added
through the store (``add_graph``) are kept across opens, until the bundled files change.

A database already opened for writing by another process (a running ``r2pkg serve``) is
opened read-only.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from r2pkg.errors import InputError
from r2pkg.store.oxigraph import OxigraphStore

MANIFEST = "manifest.json"
DATABASE = "oxigraph"
MANIFEST_FORMAT = 1


class OxigraphDirStore(OxigraphStore):
    """The graph in an Oxigraph database in a folder, loaded on first use."""

    kind = "oxigraph-dir"

    def __init__(self, engine: ox.Store, files: Iterable[Path] = (), folder: Path | None = None,
                 read_only: bool = False, reloaded: bool = False) -> None:
        super().__init__(engine, files)
        self.folder = folder
        self.read_only = read_only
        #: True when this open (re)built the database from the files.
        self.reloaded = reloaded

    @classmethod
    def open(cls, folder: Path, files: Iterable[Path], root: Path | None = None) -> OxigraphDirStore:
        """Open the database in ``folder``, (re)loading it first if the files changed."""
        folder = Path(folder)
        files = [Path(f) for f in files]
        wanted = manifest_of(files)
        database = folder / DATABASE
        found = _read_manifest(folder)
        if database.is_dir() and found is not None and _same_files(found, wanted):
            engine, read_only = _open(database)
            store = cls(engine, files, folder, read_only=read_only)
            if isinstance(found.get("triples"), int):
                store._triples = found["triples"]  # counting 10M triples on disk takes 3 s
            return store
        return cls._rebuild(folder, files, wanted, root)

    @classmethod
    def _rebuild(cls, folder: Path, files: list[Path], wanted: dict, root: Path | None) -> OxigraphDirStore:
        database = folder / DATABASE
        manifest = folder / MANIFEST
        try:
            folder.mkdir(parents=True, exist_ok=True)
            manifest.unlink(missing_ok=True)  # a load that stops half-way is redone next time
            if database.exists():
                shutil.rmtree(database)
            engine = ox.Store(str(database))
        except OSError as exc:
            raise InputError(f"cannot create the Oxigraph database in {folder}: {exc}.",
                             hint="give a folder you can write to, and stop any r2pkg serve using it.") from exc
        store = cls(engine, files, folder, reloaded=True)
        store.load_files(files, root, bulk=True)
        engine.optimize()
        engine.flush()
        manifest.write_text(json.dumps({**wanted, "triples": store.triple_count()}, indent=1), encoding="utf-8")
        return store

    def _write(self, entry) -> None:
        if self.read_only:
            raise InputError(f"the Oxigraph database in {self.folder} is open read-only "
                             "(another process is using it); stop that process to write.")
        super()._write(entry)
        self.engine.flush()
        found = _read_manifest(self.folder)
        if found is not None and "triples" in found:  # the stored count is no longer true
            del found["triples"]
            (self.folder / MANIFEST).write_text(json.dumps(found, indent=1), encoding="utf-8")

    def close(self) -> None:
        """Release the database (and its lock) so that another open can take it."""
        self.engine.flush() if not self.read_only else None
        self.graph.store.close()  # oxrdflib drops its reference to the engine
        del self.engine


def manifest_of(files: Iterable[Path]) -> dict:
    """What the database was loaded from: each file's absolute path, size and mtime."""
    listed = []
    for path in files:
        stat = Path(path).stat()
        listed.append([str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns])
    return {"format": MANIFEST_FORMAT, "files": listed}


def _same_files(found: dict, wanted: dict) -> bool:
    return found.get("format") == wanted["format"] and found.get("files") == wanted["files"]


def _read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _open(database: Path) -> tuple[ox.Store, bool]:
    """The database for writing, or read-only when another process holds it."""
    try:
        return ox.Store(str(database)), False
    except OSError:
        try:
            return ox.Store.read_only(str(database)), True
        except OSError as exc:
            raise InputError(f"cannot open the Oxigraph database in {database.parent}: {exc}.",
                             hint="delete the folder to have it rebuilt from the bundled files.") from exc

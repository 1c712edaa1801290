"""The embedded Oxigraph backend on disk (``--store oxigraph:DIR``): load once, open fast.

``DIR/oxigraph/`` is Oxigraph's database; ``DIR/manifest.json`` lists the files it was
loaded from, with their sizes and modification times, the triple count (dropped by a
write, then counted again when asked) and a generation, bumped by every write.
``DIR/views/`` keeps views of the whole graph (the chain index) computed by one process
for the others, each under a key of the files and the generation it was computed from,
so that ``r2pkg chain`` and every server start read it instead of rebuilding it. On open, if the bundled files are
still the same, the database is opened as it is (milliseconds, whatever its size); if any
file was added, removed or changed, the database is rebuilt from the files. Entries added
through the store (``add_graph``) are kept across opens, until the bundled files change.

A database already opened for writing by another process (a running ``r2pkg serve``) is
opened read-only.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from r2pkg.errors import InputError
from r2pkg.store.oxigraph import OxigraphStore

MANIFEST = "manifest.json"
DATABASE = "oxigraph"
VIEWS = "views"
MANIFEST_FORMAT = 1


class OxigraphDirStore(OxigraphStore):
    """The graph in an Oxigraph database in a folder, loaded on first use."""

    kind = "oxigraph-dir"

    def __init__(self, engine: ox.Store, files: Iterable[Path] = (), folder: Path | None = None,
                 read_only: bool = False, reloaded: bool = False, manifest: dict | None = None) -> None:
        super().__init__(engine, files)
        self.folder = folder
        self.read_only = read_only
        #: True when this open (re)built the database from the files.
        self.reloaded = reloaded
        #: What the database holds: the files it was loaded from and the writes since.
        self.manifest = {"files": (manifest or {}).get("files"), "generation": (manifest or {}).get("generation", 0)}

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
            store = cls(engine, files, folder, read_only=read_only, manifest=found)
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
            for old in (database, folder / VIEWS):
                if old.exists():
                    shutil.rmtree(old)
            engine = ox.Store(str(database))
        except OSError as exc:
            raise InputError(f"cannot create the Oxigraph database in {folder}: {exc}.",
                             hint="give a folder you can write to, and stop any r2pkg serve using it.") from exc
        store = cls(engine, files, folder, reloaded=True, manifest=wanted)
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
        self.manifest["generation"] += 1
        found = _read_manifest(self.folder)
        if found is not None:  # the stored count is no longer true, the saved views are stale
            found.pop("triples", None)
            found["generation"] = self.manifest["generation"]
            (self.folder / MANIFEST).write_text(json.dumps(found, indent=1), encoding="utf-8")
        shutil.rmtree(self.folder / VIEWS, ignore_errors=True)

    def _remove(self, triples) -> None:
        """Remove, after dropping the manifest: a process killed half-way leaves a database
        the next open rebuilds from the files, never one that is half changed."""
        if self.read_only:
            raise InputError(f"the Oxigraph database in {self.folder} is open read-only "
                             "(another process is using it); stop that process to write.")
        (self.folder / MANIFEST).unlink(missing_ok=True)
        super()._remove(triples)
        self.engine.flush()
        self.manifest["generation"] += 1
        shutil.rmtree(self.folder / VIEWS, ignore_errors=True)

    # -- views kept across processes ---------------------------------------------------------

    def _view_path(self, name: str) -> Path:
        key = hashlib.sha256(json.dumps(self.manifest, sort_keys=True).encode()).hexdigest()[:16]
        return self.folder / VIEWS / f"{name}-{key}.pickle"

    def _saved_view(self, name: str) -> object | None:
        """The view an earlier process saved for these files and this generation.

        A file that cannot be read (cut short, or written by another version of r2pkg) is
        ignored, and the view built again.
        """
        path = self._view_path(name)
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)  # written by r2pkg itself, in the store's own folder
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - any unreadable file is only a cache miss
            path.unlink(missing_ok=True)
            return None

    def _save_view(self, name: str, view: object) -> None:
        """Write the view atomically (a reader sees the whole file or none). Older keys are
        removed by the write or the reload that made them stale, not here: a read-only process
        that opened before another's write must not remove the newer view. A folder that
        cannot be written only loses the cache."""
        path = self._view_path(name)
        try:
            path.parent.mkdir(exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as fh:
                pickle.dump(view, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(fh.name, path)
        except (OSError, pickle.PicklingError):
            return

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

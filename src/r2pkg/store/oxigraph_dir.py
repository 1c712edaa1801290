"""The embedded Oxigraph backend on disk (``--store oxigraph:DIR``): load once, open fast.

``DIR/oxigraph/`` is Oxigraph's database; ``DIR/manifest.json`` lists the files it was
loaded from, with their sizes and modification times, the triple count (dropped by a
write, then counted again when asked) and a generation, bumped by every write.
``DIR/views/`` keeps views of the whole graph (the chain index, the citation index) computed
by one process for the others, each under a key of the files and the generation it was
computed from, so that ``r2pkg chain`` and every server start read it instead of rebuilding
it. A write updates the views that can be updated from the entry (``INCREMENTAL``) and saves
them under the new generation; the others are built again when next needed. The order of a
write keeps them right after a ``kill -9`` at any point: the manifest's generation is bumped
first, then the database written, then the updated views saved under the new generation
(each file atomically), so a view saved under the current generation was always computed
from a database that held the write; a view missing there is only built again. On open, if the bundled files are
still the same, the database is opened as it is (milliseconds, whatever its size); if any
bundled file was added, removed or changed, the database is rebuilt from the files and the
change log replayed onto them. The change log (accepted entries, corrections, retractions)
is not in the manifest: each change is applied to the database as it is made, and on open
``r2pkg.store.replay.catch_up`` applies those another process made meanwhile, so an entry
never costs a reload. A removal (the first half of a correction or a retraction) marks the
manifest dirty until the write that completes it; a database left dirty by a kill is rebuilt.

A database already opened for writing by another process (a running ``r2pkg serve``) is
opened read-only.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from r2pkg.errors import InputError
from r2pkg.store.base import BUILT_ON_LOAD, INCREMENTAL
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
        #: True from a removal until the change it belongs to is whole (see settle).
        self._dirty = False
        #: True when this open (re)built the database from the files.
        self.reloaded = reloaded
        #: What the database holds: the files it was loaded from and the writes since.
        self.manifest = {"files": (manifest or {}).get("files"), "generation": (manifest or {}).get("generation", 0)}

    @classmethod
    def open(cls, folder: Path, files: Iterable[Path], root: Path | None = None,
             records: Iterable[Path] = (), rebuild: bool = False) -> OxigraphDirStore:
        """Open the database in ``folder``, (re)loading it first if the files changed.

        ``records`` are the change log's files (accepted entries and their records): loaded
        with ``files`` on a rebuild, but not part of the manifest, since a change is applied
        to the database as it is made (and one made by another process is applied on the
        next open, see ``r2pkg.editing.record.catch_up``), never by a rebuild.
        """
        folder = Path(folder)
        files = [Path(f) for f in files]
        wanted = manifest_of(files)
        database = folder / DATABASE
        found = _read_manifest(folder)
        if (not rebuild and database.is_dir() and found is not None and not found.get("dirty")
                and _same_files(found, wanted)):
            engine, read_only = _open(database)
            store = cls(engine, files, folder, read_only=read_only, manifest=found)
            if isinstance(found.get("triples"), int):
                store._triples = found["triples"]  # counting 10M triples on disk takes 3 s
            return store
        return cls._rebuild(folder, files, wanted, root, list(records))

    @classmethod
    def _rebuild(cls, folder: Path, files: list[Path], wanted: dict, root: Path | None,
                 records: list[Path] = ()) -> OxigraphDirStore:
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
        store.load_files([*files, *records], root, bulk=True)
        if records:
            print(f"r2pkg: loaded the Oxigraph database in {folder} from {len(files)} bundled files and "
                  f"{len(records)} files of the change log", file=sys.stderr)
        engine.optimize()
        engine.flush()
        manifest.write_text(json.dumps({**wanted, "triples": store.triple_count()}, indent=1), encoding="utf-8")
        for name, make in BUILT_ON_LOAD.items():  # built with the database, kept beside it
            store.view(name, make)
        return store

    def _write(self, entry) -> None:
        if self.read_only:
            raise InputError(f"the Oxigraph database in {self.folder} is open read-only "
                             "(another process is using it); stop that process to write.")
        for name in INCREMENTAL:  # views saved by another process are updated too, not rebuilt
            if name not in self.derived:
                saved = self._saved_view(name)
                if saved is not None:
                    self.derived[name] = saved
        self.manifest["generation"] += 1
        found = _read_manifest(self.folder)
        if found is not None:  # the stored count is no longer true; views of older generations are stale
            found.pop("triples", None)
            found["generation"] = self.manifest["generation"]
            _replace(self.folder / MANIFEST, json.dumps(found, indent=1).encode("utf-8"))
        _pause("views-generation")
        super()._write(entry)
        self.engine.flush()
        _pause("views-written")

    def _views_updated(self, views: dict[str, object]) -> None:
        """Save the views the write updated under the new generation; drop older generations'."""
        current = self._view_path("x").stem.rsplit("-", 1)[-1]
        for old in (self.folder / VIEWS).glob("*.pickle") if (self.folder / VIEWS).is_dir() else ():
            if not old.stem.endswith(current):
                old.unlink(missing_ok=True)
        for name, view in views.items():
            self._save_view(name, view)

    def _remove(self, triples) -> None:
        """Remove, after marking the manifest *dirty*: a removal is the first step of a
        correction or a retraction, and the mark stays until the change is whole and its
        maker says so (:meth:`settle`). A process killed in between leaves a database the
        next open rebuilds from the files, never one that is half changed."""
        if self.read_only:
            raise InputError(f"the Oxigraph database in {self.folder} is open read-only "
                             "(another process is using it); stop that process to write.")
        self.manifest["generation"] += 1
        if not self._dirty:
            self._dirty = True
            self._save_manifest(dirty=True)
        super()._remove(triples)
        self.engine.flush()
        shutil.rmtree(self.folder / VIEWS, ignore_errors=True)

    def settle(self) -> None:
        """The change under way is whole (or was undone): clear the dirty mark a removal set."""
        if self._dirty and not self.read_only:
            self._save_manifest(dirty=False)
            self._dirty = False

    def _save_manifest(self, dirty: bool) -> None:
        found = _read_manifest(self.folder)
        if found is None or self.read_only:
            return
        found.pop("triples", None)
        found["generation"] = self.manifest["generation"]
        if dirty:
            found["dirty"] = True
        else:
            found.pop("dirty", None)
        _replace(self.folder / MANIFEST, json.dumps(found, indent=1).encode("utf-8"))

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
                return _unpickled(fh)  # written by r2pkg itself, in the store's own folder
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - any unreadable file is only a cache miss
            path.unlink(missing_ok=True)
            return None

    def has_saved_view(self, name: str) -> bool:
        return self._view_path(name).is_file()

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


def _unpickled(fh) -> object:
    """``pickle.load`` with the cyclic garbage collector paused: a view is hundreds of
    thousands of small objects, and the collections their allocation sets off took most of
    the time (the chain index at a million triples: 1.0-1.3 s paused, 2.7-5 s not). The
    file is read through :class:`_Yielding`, so that a view read in the background (``r2pkg
    serve``'s preload) lets the threads answering requests run between its frames."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(_Yielding(fh))
    finally:
        if paused:
            gc.enable()


class _Yielding:
    """A binary file that offers the interpreter to other threads at each read: the
    unpickler reads a pickle a frame (64 kB) at a time, and holds the interpreter between."""

    def __init__(self, fh) -> None:
        self._fh = fh

    def read(self, size: int = -1) -> bytes:
        time.sleep(0)
        return self._fh.read(size)

    def readinto(self, buffer) -> int:
        time.sleep(0)
        return self._fh.readinto(buffer)

    def readline(self) -> bytes:
        return self._fh.readline()


def _replace(path: Path, data: bytes) -> None:
    """Write ``path`` atomically: a reader, or the next open after a kill, sees the old or the new."""
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(fh.name, path)


def _pause(step: str) -> None:
    """A test hook: ``R2PKG_TEST_PAUSE=step:seconds`` stops between the steps of a write,
    so that a test can kill the process there."""
    wanted, _, seconds = os.environ.get("R2PKG_TEST_PAUSE", "").partition(":")
    if wanted == step:
        print(f"r2pkg: paused at {step}", file=sys.stderr, flush=True)
        time.sleep(float(seconds or 30))


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

import r2pkg.citation_index  # noqa: E402,F401 - registers the citation index as a view a write updates
import r2pkg.claim_groups  # noqa: E402,F401 - and the views that answer slow saved queries
import r2pkg.editors_reading  # noqa: E402,F401
import r2pkg.figures  # noqa: E402,F401
import r2pkg.loaded_views  # noqa: E402,F401 - the chain index, built as the folder loads

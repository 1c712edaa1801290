"""The embedded Oxigraph backend on disk (``--store oxigraph:DIR``): load once, open fast.

``DIR/oxigraph/`` is Oxigraph's database; ``DIR/manifest.json`` lists the files it was
loaded from, with their sizes and modification times, the triple count (dropped by a
write, then counted again when asked) and a generation, bumped by every write.
``DIR/views/`` keeps views of the whole graph (the chain index, the listings) computed
by one process for the others, so that ``r2pkg chain`` and every server start read it
instead of rebuilding it: each view as a base (the whole view at one generation) and a log
of what each later write changed in it (:mod:`r2pkg.store.view_files`), under a key of the
files and the load it was computed from. A write updates the views that can be updated from
the entry (``INCREMENTAL``) and appends their changes to the logs, a few kilobytes, instead
of saving each view whole (when a log has grown past a share of its base, the view is saved
whole as a new base instead). The others are dropped and built again when next needed. The
order of a write keeps them right after a ``kill -9`` at any point: the manifest's generation
is bumped first, then the database written, then the views' changes saved under the new
generation, so a record of the current generation was always computed from a database that
held the write; a reader replays the records up to its generation only, and a view whose
chain of records stops short is only built again.

On open, if the bundled files are still the same, the database is opened as it is
(milliseconds, whatever its size); if any bundled file was added, removed or changed, the
database is rebuilt from the files and the change log replayed onto them. The change log
(accepted entries, corrections, retractions) is not in the manifest: each change is applied
to the database as it is made, and on open
``r2pkg.store.replay.catch_up`` applies those another process made meanwhile, so an entry
never costs a reload. A removal (the first half of a correction or a retraction) marks the
manifest dirty until the write that completes it; a database left dirty by a kill is rebuilt.

A database already opened for writing by another process (a running ``r2pkg serve``) is
opened read-only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from r2pkg.errors import InputError
from r2pkg.store import view_files
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
        #: What the database holds: the files it was loaded from (and the load's epoch) and the writes since.
        self.manifest = {"files": (manifest or {}).get("files"), "epoch": (manifest or {}).get("epoch"),
                         "generation": (manifest or {}).get("generation", 0)}
        #: What ``DIR/views`` holds of each view this process read or saved (``view_files.OnDisk``).
        self._on_disk: dict[str, view_files.OnDisk] = {}

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
        wanted = {**wanted, "epoch": secrets.token_hex(8)}  # views of an earlier load never match
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
        self._hold_saved_views()
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

    def _hold_saved_views(self) -> None:
        """Read the views saved by another process, so that a write updates them, not drops them."""
        for name in INCREMENTAL:
            if name not in self.derived:
                saved = self._saved_view(name)
                if saved is not None:
                    self.derived[name] = saved

    def _views_updated(self, views: dict[str, object], changes: dict[str, list]) -> None:
        """Save what the write changed in each view it updated, under the new generation: the
        changes appended to the view's log, or the whole view as a new base where the log has
        grown long (or the files do not hold the view at the generation before). The files of
        views the write did not update, and of other loads, are removed: they are stale."""
        generation = self.manifest["generation"]
        folder = self.folder / VIEWS
        for i, (name, view) in enumerate(views.items()):
            if i == 1:
                _pause("views-saved-one")
            held = self._on_disk.get(name)
            if held is not None and held.generation == generation - 1 and not view_files.wants_compaction(held):
                try:
                    self._on_disk[name] = view_files.append(folder, self._view_stem(name), held, generation,
                                                            changes[name], _pause)
                    continue
                except (OSError, pickle.PicklingError):
                    self._on_disk.pop(name, None)
            self._save_view(name, view)
        current = self._view_stem("")
        for old in [*folder.glob("*.pickle"), *folder.glob("*.log")] if folder.is_dir() else ():
            name, _, key = old.stem.rpartition("-")
            if f"-{key}" != current or name not in views:
                old.unlink(missing_ok=True)
        for part in folder.glob("*.part") if folder.is_dir() else ():  # left by a process killed while saving
            with contextlib.suppress(OSError):
                if time.time() - part.stat().st_mtime > 3600:
                    part.unlink()

    def _remove(self, triples) -> None:
        """Remove, after marking the manifest *dirty*: a removal is the first step of a
        correction or a retraction, and the mark stays until the change is whole and its
        maker says so (:meth:`settle`). A process killed in between leaves a database the
        next open rebuilds from the files (views included), never one that is half changed.
        The views are updated from what was removed, as by a write."""
        if self.read_only:
            raise InputError(f"the Oxigraph database in {self.folder} is open read-only "
                             "(another process is using it); stop that process to write.")
        self._hold_saved_views()
        self.manifest["generation"] += 1
        if not self._dirty:
            self._dirty = True
            self._save_manifest(dirty=True)
        super()._remove(triples)
        self.engine.flush()

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

    def _view_stem(self, name: str) -> str:
        """The view's file names (``view_files``) but their extension: its name and a key of
        the files and the load the database holds; the generation is inside the files."""
        loaded = {"files": self.manifest["files"], "epoch": self.manifest["epoch"]}
        return f"{name}-{hashlib.sha256(json.dumps(loaded, sort_keys=True).encode()).hexdigest()[:16]}"

    def _saved_view(self, name: str) -> object | None:
        """The view saved (base and log, :mod:`r2pkg.store.view_files`) for these files and
        this generation, by this process or another.

        Files that cannot be read (cut short, or written by another version of r2pkg) are
        ignored, and the view built again.
        """
        stem = self._view_stem(name)
        try:
            found = view_files.read(self.folder / VIEWS, stem, self.manifest["generation"])
        except Exception:  # noqa: BLE001 - any unreadable file is only a cache miss
            if not self.read_only:
                view_files.remove(self.folder / VIEWS, stem)
            return None
        if found is None:
            return None
        view, on_disk = found
        held = self._on_disk.get(name)
        if not self.read_only and (held is None or held.generation <= on_disk.generation):
            self._on_disk[name] = on_disk  # a page's read of an older generation must not hide a write's
        return view

    def has_saved_view(self, name: str) -> bool:
        """Whether a base of the view is on disk for these files (serve's preload reads it)."""
        return view_files.base_path(self.folder / VIEWS, self._view_stem(name)).is_file()

    def _save_view(self, name: str, view: object) -> None:
        """Write the view whole, as the base of this generation (a reader sees the whole file
        or none). A read-only process that opened before another's write saves it only where
        no base is (it must not replace the writer's newer files). Stale files are removed by
        the write or the reload that made them stale, not here. A folder that cannot be
        written only loses the cache."""
        stem = self._view_stem(name)
        try:
            saved = view_files.save_base(self.folder / VIEWS, stem, self.manifest["generation"], view,
                                         exclusive=self.read_only, pause=_pause)
        except (OSError, pickle.PicklingError):
            self._on_disk.pop(name, None)
            return
        if saved is not None:
            self._on_disk[name] = saved

    def close(self) -> None:
        """Release the database (and its lock) so that another open can take it."""
        self.engine.flush() if not self.read_only else None
        self.graph.store.close()  # oxrdflib drops its reference to the engine
        del self.engine


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

import r2pkg.claim_groups  # noqa: E402,F401 - registers the views that answer slow saved queries
import r2pkg.editors_reading  # noqa: E402,F401
import r2pkg.fact_backing  # noqa: E402,F401
import r2pkg.inferred_facts  # noqa: E402,F401
import r2pkg.listing_views  # noqa: E402,F401
import r2pkg.audit_listings  # noqa: E402,F401
import r2pkg.similar_cases  # noqa: E402,F401
import r2pkg.figures  # noqa: E402,F401

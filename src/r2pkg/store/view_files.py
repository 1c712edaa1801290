"""A view on disk as a base and a log: what lets a write save only what it changed.

``NAME-KEY.pickle`` (the base) holds the view as it was at one generation of the store;
``NAME-KEY.log`` holds, for each later write, the changes it made to the view
(:mod:`r2pkg.view_changes`), one record per generation. A reader at generation ``G`` takes
the base of generation ``B <= G`` and replays the records ``B+1 .. G``; if any is missing,
or the base is newer than ``G``, it has no view (and builds it): an older generation is
never read as the current one. So a write appends a few kilobytes where it used to pickle
the whole view again (72 MB, two seconds, at a million triples), and when the log has grown
past a share of the base the write saves the whole view as a new base instead (compaction).

Why it stays right after a ``kill -9`` anywhere:

* a base is written to a temporary file and renamed, so it is whole or absent; it holds the
  view at the generation written in its header;
* a log record carries its generation, its length and a CRC of its bytes; a record cut
  short by a kill fails the check, the log is read up to it, and the next append starts
  where the last whole record ends (the torn tail is cut off first);
* a compaction renames the new base into place before it empties the log, so a kill in
  between leaves a base that is newer than every record (they are skipped);
* a record of generation ``G`` is only written by the process that holds the view at
  ``G-1`` and made write ``G`` (the store's writer, the only one: Oxigraph locks its
  database), so every base and record on disk is right for its generation, and any chain of
  them from a base is the view at the chain's end.

A reader reads the log before the base, so that a compaction between the two reads gives a
base newer than the records it read, never records missing after an older base.
"""

from __future__ import annotations

import gc
import os
import pickle
import struct
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from r2pkg.store.collector import collector_paused
from r2pkg.view_changes import Change, apply

#: The base's header: a magic string, then the generation it holds.
MAGIC = b"r2pkg-view-base-1\n"
_GENERATION = struct.Struct("<Q")
#: A log record's header: generation, length of the pickled changes, their CRC-32.
_RECORD = struct.Struct("<QII")
#: A write saves a new base instead of appending when the log is past this share of the base...
COMPACT_SHARE = 0.25
#: ... and past this many bytes (a small view is cheap to save whole; a long log to read is not).
COMPACT_MIN = 1 << 20


@dataclass
class OnDisk:
    """What a view's files hold, as the writer last read or wrote them: the generation the
    chain reaches, where its last whole record ends, and the base's size."""

    generation: int
    log_end: int
    base_size: int


def base_path(folder: Path, stem: str) -> Path:
    return folder / f"{stem}.pickle"


def log_path(folder: Path, stem: str) -> Path:
    return folder / f"{stem}.log"


def read(folder: Path, stem: str, generation: int) -> tuple[object, OnDisk] | None:
    """The view at ``generation`` from its base and log, or None if they do not reach it.

    Python's cycle collector is held off meanwhile, and what it tracks then frozen
    (``gc.freeze``): a view is millions of small objects, none in a cycle and kept until the
    next write replaces them, and the collections their creation sets off, or that would scan
    them later, cost more than the read itself (at a million triples, the chain index read
    in 1.0-1.3 s instead of 2.0-3.1 s). What is frozen
    is freed as usual when no longer referenced; only a cycle that was already garbage and
    old would stay (the young ones are collected first). A few reads per process: one per
    view, and again only where a write's changes were not saved."""
    gc.collect(1)  # the young garbage first, so that none is frozen with the view
    with collector_paused():
        found = _read(folder, stem, generation)
        if found is not None:
            gc.freeze()
        return found


def _read(folder: Path, stem: str, generation: int) -> tuple[object, OnDisk] | None:
    records, _end = _records(log_path(folder, stem))
    try:
        with open(base_path(folder, stem), "rb") as fh:
            base_generation = _read_header(fh)
            if base_generation is None or base_generation > generation:
                return None
            needed = [(g, payload, end) for g, payload, end in records if base_generation < g <= generation]
            if [g for g, _p, _e in needed] != list(range(base_generation + 1, generation + 1)):
                return None  # a generation without its record: a write whose changes were not saved
            view = pickle.load(_Yielding(fh))  # written by r2pkg itself, in the store's own folder
            base_size = fh.tell()
    except FileNotFoundError:
        return None
    for _g, payload, _e in needed:
        view = apply(view, pickle.loads(payload), copy=False)
    log_end = max((end for g, _p, end in records if g <= generation), default=0)  # the next append goes there
    return view, OnDisk(generation, log_end, base_size)


def save_base(folder: Path, stem: str, generation: int, view: object, exclusive: bool = False,
              pause: Callable[[str], None] = lambda step: None) -> OnDisk | None:
    """Save the whole view as the base of ``generation`` and empty the log. With
    ``exclusive`` (a read-only process, which must not replace the writer's files), only
    where the view has no base yet."""
    folder.mkdir(exist_ok=True)
    path = base_path(folder, stem)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as fh:
        fh.write(MAGIC + _GENERATION.pack(generation))
        pickle.dump(view, fh, protocol=pickle.HIGHEST_PROTOCOL)
        size = fh.tell()
    if exclusive:
        try:
            os.link(fh.name, path)  # fails if a base is there
        except OSError:
            pass
        finally:
            os.unlink(fh.name)
        return None
    os.replace(fh.name, path)
    pause("view-base-saved")
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".part", delete=False) as empty:
        pass
    os.replace(empty.name, log_path(folder, stem))
    return OnDisk(generation, 0, size)


def append(folder: Path, stem: str, on_disk: OnDisk, generation: int, changes: list[Change],
           pause: Callable[[str], None] = lambda step: None) -> OnDisk:
    """Append the record of ``generation`` after the last whole one (a torn tail cut off)."""
    payload = pickle.dumps(changes, protocol=pickle.HIGHEST_PROTOCOL)
    record = _RECORD.pack(generation, len(payload), zlib.crc32(payload)) + payload
    fd = os.open(log_path(folder, stem), os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.ftruncate(fd, on_disk.log_end)
        os.lseek(fd, on_disk.log_end, os.SEEK_SET)
        half = len(record) // 2
        os.write(fd, record[:half])
        pause("view-record-half")
        os.write(fd, record[half:])
    finally:
        os.close(fd)
    return OnDisk(generation, on_disk.log_end + len(record), on_disk.base_size)


def wants_compaction(on_disk: OnDisk) -> bool:
    """True when the log has grown enough that reading it would cost a share of the base's read."""
    return on_disk.log_end > max(COMPACT_MIN, COMPACT_SHARE * on_disk.base_size)


def remove(folder: Path, stem: str) -> None:
    """Drop a view's files: the base first, so that a kill in between leaves no base to replay on."""
    base_path(folder, stem).unlink(missing_ok=True)
    log_path(folder, stem).unlink(missing_ok=True)


def _read_header(fh) -> int | None:
    head = fh.read(len(MAGIC) + _GENERATION.size)
    if len(head) != len(MAGIC) + _GENERATION.size or not head.startswith(MAGIC):
        return None
    return _GENERATION.unpack(head[len(MAGIC):])[0]


def _records(path: Path) -> tuple[list[tuple[int, bytes, int]], int]:
    """The log's whole records, as ``(generation, pickled changes, end offset)``, up to the
    first that is cut short or does not match its CRC; and where they end."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], 0
    found, at = [], 0
    while at + _RECORD.size <= len(data):
        generation, length, crc = _RECORD.unpack_from(data, at)
        payload = data[at + _RECORD.size: at + _RECORD.size + length]
        if len(payload) != length or zlib.crc32(payload) != crc:
            break
        at += _RECORD.size + length
        found.append((generation, payload, at))
    return found, at


#: Set in a thread that reads views in the background (``r2pkg serve``'s preload, :func:`in_background`).
_THREAD = threading.local()


def in_background() -> None:
    """Mark the calling thread as a background reader: its view reads give the interpreter
    away at every frame (:class:`_Yielding`), so that requests run meanwhile."""
    _THREAD.background = True


class _Yielding:
    """A binary file that offers the interpreter to other threads at each read: the
    unpickler reads a pickle a frame (64 kB) at a time, and holds the interpreter between, so
    a view read in the background (``r2pkg serve``'s preload) lets requests run meanwhile.
    A request that reads a view itself does not sleep between frames (the 1,268 sleeps of the
    case-features view cost a precedents page 0.1 s at ten million triples on a busy machine);
    being Python, its reads still let a waiting thread take over after the switch interval."""

    def __init__(self, fh) -> None:
        self._fh = fh
        self._sleep = getattr(_THREAD, "background", False)

    def read(self, size: int = -1) -> bytes:
        if self._sleep:
            time.sleep(0)
        return self._fh.read(size)

    def readinto(self, buffer) -> int:
        if self._sleep:
            time.sleep(0)
        return self._fh.readinto(buffer)

    def readline(self) -> bytes:
        return self._fh.readline()

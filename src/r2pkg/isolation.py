"""Running untrusted queries with a time limit that really stops the work.

A thread cannot be stopped from outside in Python, and rdflib's regex filters run in
Python's ``re``, which a nested quantifier can keep busy for minutes. So queries from the
web run in worker processes forked from the server after the graph is loaded: they share
it copy-on-write (Oxigraph's data lives outside Python's heap and stays shared). A task
goes to an idle worker over a pipe; when its time limit passes, that worker is killed, its
memory returned, and a fresh one forked in its place. A memory cap on each worker stops a
query that would exhaust the machine. The server's threads go on serving meanwhile.

A worker for an embedded store also gives up the network as it starts: it moves into a
network namespace of its own (``unshare(CLONE_NEWNET)``, as root, or inside a new user
namespace otherwise), where no address but a loopback that is down exists. Should a check
in :mod:`r2pkg.reading` ever be bypassed, a ``SERVICE`` query fails there instead of
reaching another machine or a port of this one. Where the system refuses, it is logged
once and workers run as before.

Tasks are module-level functions called as ``fn(context, *args)``, where ``context`` is
the object the pool was made with (the store); they travel by name, so nothing but their
arguments and results is pickled. Large byte strings that offer themselves out of band
(pickle protocol 5, as :class:`r2pkg.answers.Serialized` does) cross the pipe as they
are, without being copied into the pickle and out of it again.
"""

from __future__ import annotations

import ctypes
import fcntl
import functools
import logging
import os
import pickle
import queue
import resource
import select
import signal
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

from r2pkg.errors import QueryError, QueryTimeout, R2pkgError

log = logging.getLogger(__name__)

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


def _find_unshare() -> Callable[[int], int] | None:
    """libc's unshare, looked up now: a child forked from a threaded server must not
    dlopen or dlsym (another thread may have held the loader's lock at the fork)."""
    try:
        return ctypes.CDLL(None, use_errno=True).unshare
    except (OSError, AttributeError):
        return None


_UNSHARE = _find_unshare()

#: Address space a worker may add to what the server already uses.
DEFAULT_MEMORY_HEADROOM = 2 * 1024**3
_FRAME = struct.Struct("!QI")  # pickle length, number of out-of-band buffers
_SIZE = struct.Struct("!Q")
#: Pipe capacity asked for (Linux's default ceiling, /proc/sys/fs/pipe-max-size). With the
#: default 64 KiB, a 2 MB answer crosses in 30 hand-offs between worker and server.
_PIPE_SIZE = 1 << 20


class _Worker:
    """One forked worker process and the two pipes to it."""

    def __init__(self, context: Any, headroom: int, offline: bool = False, generation: int = 0) -> None:
        self.generation = generation
        task_r, self.task_w = os.pipe()
        self.reply_r, reply_w = os.pipe()
        _widen(reply_w)
        self.pid = os.fork()
        if self.pid == 0:  # the worker: serve tasks until the pipe closes, never return
            os.close(self.task_w)
            os.close(self.reply_r)
            _serve(task_r, reply_w, context, headroom, offline)
        os.close(task_r)
        os.close(reply_w)

    def kill(self) -> None:
        for fd in (self.task_w, self.reply_r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


class Isolator:
    """A pool of at most ``slots`` worker processes, forked on first need.

    ``offline`` (by default: unless the context is a store that queries over the network,
    ``uses_network``) cuts each worker off the network as it starts.
    """

    def __init__(self, slots: int = 4, context: Any = None,
                 memory_headroom: int = DEFAULT_MEMORY_HEADROOM, offline: bool | None = None) -> None:
        self.context = context
        self.memory_headroom = memory_headroom
        self.offline = not getattr(context, "uses_network", False) if offline is None else offline
        if self.offline:
            network_can_be_cut()  # logs once if the system will not allow it
        self._free = threading.BoundedSemaphore(slots)
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._owner = os.getpid()
        #: Bumped by :meth:`retire`; a worker forked under an older generation is not reused.
        self._generation = 0

    def warm(self, count: int = 1) -> None:
        """Fork workers now (before the server starts its threads), rather than on first query."""
        for _ in range(count):
            self._idle.put(self._fork())

    def _fork(self) -> _Worker:
        return _Worker(self.context, self.memory_headroom, self.offline, self._generation)

    def retire(self) -> None:
        """Stop the workers forked so far: they hold a copy of the graph from before a write.

        Idle workers are stopped now, busy ones when their task ends; the next task forks a
        worker that sees the graph as it is.
        """
        self._generation += 1
        self.close()

    def _release(self, worker: _Worker) -> None:
        if worker.generation == self._generation:
            self._idle.put(worker)
        else:
            worker.kill()

    def call(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """``fn(context, *args)`` in a worker; QueryTimeout after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        if not self._free.acquire(timeout=timeout):
            raise QueryTimeout(f"the server is busy: no query slot was free within {timeout:g} s.",
                               hint="try again in a moment.")
        try:
            return self._dispatch(fn, args, deadline, timeout)
        finally:
            self._free.release()

    def _dispatch(self, fn: Callable[..., Any], args: tuple, deadline: float, timeout: float) -> Any:
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            worker = self._fork()
        try:
            _set_nice(worker.pid, 0)
            _send(worker.task_w, (fn, args))
            _demote_when_slow(worker, deadline)
            status, value = _receive(worker.reply_r, deadline)
        except _Late:
            worker.kill()
            self._replace()
            raise QueryTimeout(
                f"the query was stopped after {timeout:g} s (timed out).",
                hint="narrow it with more specific patterns, a LIMIT, or simpler FILTERs "
                "(nested regular-expression quantifiers are a common cause).",
            ) from None
        except (_Closed, OSError):
            worker.kill()
            raise QueryError("the query was stopped because it used too much memory.",
                             hint="narrow it with more specific patterns or a LIMIT.") from None
        except Exception:
            # pickling the task or unpickling the reply failed, each before or after a whole
            # message: the pipes are in step and the worker can take the next task
            self._release(worker)
            raise
        self._release(worker)
        if status == "ok":
            return value
        raise value

    def _replace(self) -> None:
        """Fork the successor of a killed worker now, so the next task does not wait for it
        (this request is answered 503 anyway; the next one may be a small query)."""
        try:
            self._idle.put(self._fork())
        except OSError:
            pass  # out of processes or memory: the next task forks on demand

    def close(self) -> None:
        """Stop every idle worker (busy ones are stopped when their call ends)."""
        if os.getpid() != self._owner:
            return
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _serve(task_fd: int, reply_fd: int, context: Any, headroom: int, offline: bool) -> None:
    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if offline:
            cut_network()
        _limit_memory(headroom)
        while True:
            try:
                fn, args = _receive(task_fd, None)
            except _Closed:
                break  # the server closed the pipe: it has gone away
            outcome = _run(fn, context, args)
            try:
                _send(reply_fd, outcome)
            except (pickle.PicklingError, TypeError, AttributeError) as exc:  # pickled before any write
                _send(reply_fd, ("err", QueryError(f"the answer could not be sent back: {exc}.")))
    except BaseException:  # noqa: BLE001 - a worker must never return into the server
        code = 1
    finally:
        os._exit(code)


def _run(fn: Callable[..., Any], context: Any, args: tuple) -> tuple[str, Any]:
    try:
        return "ok", fn(context, *args)
    except R2pkgError as exc:
        return "err", exc
    except MemoryError:
        return "err", QueryError("the query needed more memory than it is allowed.",
                                 hint="narrow it with more specific patterns or a LIMIT.")
    except Exception as exc:  # noqa: BLE001 - reported to the caller as a query error
        return "err", QueryError(f"the query failed while running: {type(exc).__name__}: {exc}.")


def cut_network() -> bool:
    """Move this (single-threaded, just forked) process into a network namespace of its own.

    As root a plain new network namespace; otherwise inside a new user namespace, where
    the kernel allows unprivileged ones. False where neither is allowed.
    """
    if _UNSHARE is None:
        return False
    return any(_UNSHARE(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET))


@functools.cache
def network_can_be_cut() -> bool:
    """Whether workers can be cut off the network here: tried once in a throwaway child."""
    try:
        pid = os.fork()
    except OSError:
        return False
    if pid == 0:
        os._exit(0 if cut_network() else 1)
    _, status = os.waitpid(pid, 0)
    ok = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    if not ok:
        log.warning("query workers keep network access: this system allows no network "
                    "namespace (run as root, or allow unprivileged user namespaces); "
                    "the query checks remain the only guard against SERVICE.")
    return ok


def cap_server_memory(headroom: int) -> int | None:
    """Cap the server process's address space at what it uses now plus ``headroom``.

    Only the soft limit is set: workers fork from the server and set their own cap (soft
    and hard) as they start, which a lowered hard limit would forbid. Returns the cap in
    bytes, or None where it cannot be set. A request that would pass it fails with a
    MemoryError (a 500 for that request) instead of taking the machine.
    """
    try:
        current = _address_space()
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = current + headroom
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
        return cap
    except (OSError, ValueError):
        return None


def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _limit_memory(headroom: int) -> None:
    try:
        current = _address_space()
        resource.setrlimit(resource.RLIMIT_AS, (current + headroom, current + headroom))
    except (OSError, ValueError):
        pass  # no /proc or no permission: run without a cap rather than not at all


#: A task still running after this many seconds is a slow one: its worker is reniced to
#: SLOW_NICE, so that small queries, pages and /healthz keep the CPU while slow queries
#: share what is left (the machine may have two cores). Each task starts at nice 0 again
#: where the system allows raising a priority back (as root).
DEMOTE_AFTER = 0.25
SLOW_NICE = 10


def _demote_when_slow(worker: _Worker, deadline: float) -> None:
    wait = min(DEMOTE_AFTER, max(deadline - time.monotonic(), 0.0))
    if not select.select([worker.reply_r], [], [], wait)[0]:
        _set_nice(worker.pid, SLOW_NICE)


def _set_nice(pid: int, value: int) -> None:
    try:
        if os.getpriority(os.PRIO_PROCESS, pid) != value:
            os.setpriority(os.PRIO_PROCESS, pid, value)
    except OSError:
        pass  # not allowed (raising a priority back needs privilege), or the worker is gone


def _widen(fd: int) -> None:
    """Ask for a larger pipe buffer; keep the default where the system refuses."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
    except (AttributeError, OSError):
        pass  # not Linux, or over the user's pipe-buffer allowance


class _Closed(Exception):
    """The other end of the pipe went away (a worker that died, or a server that left)."""


class _Late(Exception):
    """The deadline passed before the whole message arrived."""


def _send(fd: int, obj: Any) -> None:
    """``obj`` pickled, its out-of-band buffers written as they are after it.

    Frame: pickle length and buffer count, each buffer's length, the pickle, the buffers.
    Everything is pickled before anything is written, so a value that cannot be pickled
    leaves the pipe clean.
    """
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    _write_all(fd, _FRAME.pack(len(data), len(raws)) + b"".join(_SIZE.pack(r.nbytes) for r in raws))
    _write_all(fd, data)
    for raw in raws:
        _write_all(fd, raw)


def _receive(fd: int, deadline: float | None) -> Any:
    """The next object sent with :func:`_send`; _Late or _Closed when it cannot come whole."""
    size, count = _FRAME.unpack(_read_exactly(fd, _FRAME.size, deadline))
    sizes = [_SIZE.unpack(_read_exactly(fd, _SIZE.size, deadline))[0] for _ in range(count)]
    data = _read_exactly(fd, size, deadline)
    return pickle.loads(data, buffers=[_read_exactly(fd, n, deadline) for n in sizes])


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytearray:
    """``size`` bytes read straight into one buffer (joining chunks would copy them twice).

    :raises _Late: the deadline passed first.
    :raises _Closed: the pipe ended first.
    """
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise _Late()
        got = os.readv(fd, [view[done:]])
        if not got:
            raise _Closed()
        done += got
    return buffer

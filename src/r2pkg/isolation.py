"""Running untrusted queries with a time limit that really stops the work.

A thread cannot be stopped from outside in Python, and rdflib's regex filters run in
Python's ``re``, which a nested quantifier can keep busy for minutes. So queries from the
web run in worker processes forked from the server after the graph is loaded: they share
it copy-on-write (Oxigraph's data lives outside Python's heap and stays shared). A task
goes to an idle worker over a pipe; when its time limit passes, that worker is killed, its
memory returned, and a fresh one forked in its place. A memory cap on each worker stops a
query that would exhaust the machine. The server's threads go on serving meanwhile.

Tasks are module-level functions called as ``fn(context, *args)``, where ``context`` is
the object the pool was made with (the store); they travel by name, so nothing but their
arguments and results is pickled.
"""

from __future__ import annotations

import fcntl
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

#: Address space a worker may add to what the server already uses.
DEFAULT_MEMORY_HEADROOM = 2 * 1024**3
_HEADER = struct.Struct("!Q")
#: Pipe capacity asked for (Linux's default ceiling, /proc/sys/fs/pipe-max-size). With the
#: default 64 KiB, a 2 MB answer crosses in 30 hand-offs between worker and server.
_PIPE_SIZE = 1 << 20


class _Worker:
    """One forked worker process and the two pipes to it."""

    def __init__(self, context: Any, headroom: int) -> None:
        task_r, self.task_w = os.pipe()
        self.reply_r, reply_w = os.pipe()
        _widen(reply_w)
        self.pid = os.fork()
        if self.pid == 0:  # the worker: serve tasks until the pipe closes, never return
            os.close(self.task_w)
            os.close(self.reply_r)
            _serve(task_r, reply_w, context, headroom)
        os.close(task_r)
        os.close(reply_w)

    def send(self, message: bytes) -> None:
        _send(self.task_w, message)

    def receive(self, deadline: float) -> bytes | bytearray | None:
        """The reply, b"" if the worker died, or None if the deadline passed first."""
        header = _read_exactly(self.reply_r, _HEADER.size, deadline)
        if not header:
            return header
        return _read_exactly(self.reply_r, _HEADER.unpack(header)[0], deadline)

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
    """A pool of at most ``slots`` worker processes, forked on first need."""

    def __init__(self, slots: int = 4, context: Any = None,
                 memory_headroom: int = DEFAULT_MEMORY_HEADROOM) -> None:
        self.context = context
        self.memory_headroom = memory_headroom
        self._free = threading.BoundedSemaphore(slots)
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._owner = os.getpid()

    def warm(self, count: int = 1) -> None:
        """Fork workers now (before the server starts its threads), rather than on first query."""
        for _ in range(count):
            self._idle.put(_Worker(self.context, self.memory_headroom))

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
            worker = _Worker(self.context, self.memory_headroom)
        try:
            worker.send(pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL))
            reply = worker.receive(deadline)
        except OSError:
            reply = b""
        if reply is None:
            worker.kill()
            raise QueryTimeout(
                f"the query was stopped after {timeout:g} s (timed out).",
                hint="narrow it with more specific patterns, a LIMIT, or simpler FILTERs "
                "(nested regular-expression quantifiers are a common cause).",
            )
        if not reply:
            worker.kill()
            raise QueryError("the query was stopped because it used too much memory.",
                             hint="narrow it with more specific patterns or a LIMIT.")
        self._idle.put(worker)
        status, value = pickle.loads(reply)
        if status == "ok":
            return value
        raise value

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


def _serve(task_fd: int, reply_fd: int, context: Any, headroom: int) -> None:
    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _limit_memory(headroom)
        while True:
            header = _read_exactly(task_fd, _HEADER.size, None)
            if not header:
                break  # the server closed the pipe: it has gone away
            fn, args = pickle.loads(_read_exactly(task_fd, _HEADER.unpack(header)[0], None))
            outcome = _run(fn, context, args)
            _send(reply_fd, pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
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


def _limit_memory(headroom: int) -> None:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        current = pages * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (current + headroom, current + headroom))
    except (OSError, ValueError):
        pass  # no /proc or no permission: run without a cap rather than not at all


def _widen(fd: int) -> None:
    """Ask for a larger pipe buffer; keep the default where the system refuses."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
    except (AttributeError, OSError):
        pass  # not Linux, or over the user's pipe-buffer allowance


def _send(fd: int, message: bytes) -> None:
    """A length header, then the message (written as it is: concatenating would copy it)."""
    _write_all(fd, _HEADER.pack(len(message)))
    _write_all(fd, message)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytearray | None:
    """``size`` bytes, empty at end of file, or None when the deadline passes first.

    Read straight into one buffer: gathering chunks and joining them copies a large
    answer twice more.
    """
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
        got = os.readv(fd, [view[done:]])
        if not got:
            return bytearray()
        done += got
    return buffer

"""Running untrusted queries with a time limit that really stops the work.

A thread cannot be stopped from outside in Python, and rdflib's regex filters run in
Python's ``re``, which a nested quantifier can keep busy for minutes. So each query from the
web runs in a forked child process that shares the loaded graph copy-on-write; when the
time limit passes, the child is killed and its memory returned. A memory cap on the child
stops a query that would exhaust the machine. The parent's threads go on serving.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from r2pkg.errors import QueryError, QueryTimeout, R2pkgError

T = TypeVar("T")

#: Address space a query child may add to what the server already uses.
DEFAULT_MEMORY_HEADROOM = 2 * 1024**3


class Isolator:
    """Runs functions in forked children, at most ``slots`` at a time."""

    def __init__(self, slots: int = 4, memory_headroom: int = DEFAULT_MEMORY_HEADROOM) -> None:
        self.slots = threading.BoundedSemaphore(slots)
        self.memory_headroom = memory_headroom

    def run(self, fn: Callable[[], T], timeout: float) -> T:
        """Call ``fn()`` in a child process; raise QueryTimeout after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        if not self.slots.acquire(timeout=timeout):
            raise QueryTimeout(
                f"the server is busy: no query slot was free within {timeout:g} s.",
                hint="try again in a moment.",
            )
        try:
            return self._fork_and_wait(fn, deadline, timeout)
        finally:
            self.slots.release()

    def _fork_and_wait(self, fn: Callable[[], T], deadline: float, timeout: float) -> T:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: run, send the pickled outcome, exit without cleanup
            os.close(read_fd)
            _child(fn, write_fd, self.memory_headroom)
        os.close(write_fd)
        try:
            payload = _read_until(read_fd, deadline)
        finally:
            os.close(read_fd)
        if payload is None:
            _kill(pid)
            raise QueryTimeout(
                f"the query was stopped after {timeout:g} s (timed out).",
                hint="narrow it with more specific patterns, a LIMIT, or simpler FILTERs "
                "(nested regular-expression quantifiers are a common cause).",
            )
        os.waitpid(pid, 0)
        if not payload:
            raise QueryError(
                "the query was stopped because it used too much memory.",
                hint="narrow it with more specific patterns or a LIMIT.",
            )
        status, value = pickle.loads(payload)
        if status == "ok":
            return value
        raise value


def _child(fn: Callable[[], object], write_fd: int, headroom: int) -> None:
    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _limit_memory(headroom)
        try:
            outcome = ("ok", fn())
        except R2pkgError as exc:
            outcome = ("err", exc)
        except MemoryError:
            outcome = ("err", QueryError("the query needed more memory than it is allowed.",
                                         hint="narrow it with more specific patterns or a LIMIT."))
        except Exception as exc:  # noqa: BLE001 - reported to the caller as a query error
            outcome = ("err", QueryError(f"the query failed while running: {type(exc).__name__}: {exc}."))
        data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            written = os.write(write_fd, view)
            view = view[written:]
    except BaseException:  # noqa: BLE001 - a child must never return into the server
        code = 1
    finally:
        os._exit(code)


def _limit_memory(headroom: int) -> None:
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        current = pages * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (current + headroom, current + headroom))
    except (OSError, ValueError):
        pass  # no /proc or no permission: run without a cap rather than not at all


def _read_until(fd: int, deadline: float) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)

"""Admission: which request may start work in a query worker now, which waits a little,
and which is told to retry.

Without it, a few slow queries took every worker slot and then every server thread
(each waiting for a slot), and ``/healthz`` waited 20 s. The rules:

1. **Regular slots** (``QUERY_SLOTS``) run a task with its full time limit. One client
   (one remote address) holds at most ``CLIENT_SLOTS`` of them (default: all but one), so
   one client's slow queries always leave a slot to the others.
2. **Fast lane** (``FAST_SLOTS``): a client that holds no regular slot and finds none free
   may run one task at a time in a free fast slot, with a short limit (``FAST_TIMEOUT``). A
   small ASK or a page of a saved query finishes long before it. A task that overruns it is
   stopped (503), and its client kept out of the fast lane for ``FAST_PENALTY`` seconds, so
   slow queries cannot hold it. (A client with work in a regular slot waits for its own.)
   One fast slot is kept for clients with a record: those whose last task finished within
   the fast limit. Sixteen new clients each sending a first slow query thus share the other
   fast slots, and a client that has been asking cheap questions keeps getting answers.
3. **A short wait**: otherwise the request waits up to ``QUEUE_WAIT`` seconds for a slot of
   either kind, if fewer than ``QUEUE_DEPTH`` requests are waiting. Slots that serve cheap
   queries free up within milliseconds; slots held by slow queries do not.
4. Otherwise the answer is a **503 with Retry-After**, and the thread is free again: so
   ``/healthz``, pages and the fast lane keep answering.

Requests that need no worker (``/healthz``, pages, dumps) are never held here.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from r2pkg.errors import QueryTimeout
from r2pkg.isolation import Isolator

_POLL = 0.005  # seconds between two looks for a free slot while waiting


class Busy(QueryTimeout):
    """The server cannot take this task now; the client should retry after ``retry_after`` s."""

    def __init__(self, message: str, hint: str = "", retry_after: int = 5) -> None:
        super().__init__(message, hint)
        self.retry_after = retry_after


class Admission:
    """Regular slots with a per-client cap, a fast lane with a short limit, a short wait, refusals."""

    def __init__(self, isolator: Isolator, slots: int, client_slots: int, fast_slots: int,
                 fast_timeout: float, fast_penalty: float, queue_wait: float = 2.0,
                 queue_depth: int = 16) -> None:
        self.isolator = isolator
        self.slots = max(1, slots)
        self.client_slots = max(1, min(client_slots, self.slots))
        self.fast_slots = max(0, fast_slots)
        self.fast_timeout = fast_timeout
        self.fast_penalty = fast_penalty
        self.queue_wait = queue_wait
        self.queue_depth = queue_depth
        self._lock = threading.Lock()
        self._regular: Counter[str] = Counter()  # regular slots held, by client
        self._fast: dict[str, bool] = {}  # clients with a task in the fast lane -> has a record
        self._record: dict[str, float] = {}  # client -> when its last task finished within fast_timeout
        self._barred: dict[str, float] = {}  # client -> when it may use the fast lane again
        self._waiting = 0

    def call(self, client: str, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """``fn(context, *args)`` in a worker under the rules above."""
        lane = self._admit(client) or self._wait(client)
        started = time.monotonic()
        if lane == "regular":
            try:
                result = self.isolator.call(fn, *args, timeout=timeout)
            finally:
                with self._lock:
                    self._regular[client] -= 1
                    if self._regular[client] <= 0:
                        del self._regular[client]
            self._note(client, time.monotonic() - started)
            return result
        try:
            result = self.isolator.call(fn, *args, timeout=min(timeout, self.fast_timeout))
        except QueryTimeout:
            if timeout <= self.fast_timeout:
                raise  # the task's own limit, not the lane's
            raise self._overran(client) from None
        finally:
            with self._lock:
                self._fast.pop(client, None)
        self._note(client, time.monotonic() - started)
        return result

    def _note(self, client: str, seconds: float) -> None:
        """Keep (or lose) the client's record: did its last task finish within the fast limit?"""
        with self._lock:
            if seconds <= self.fast_timeout:
                if len(self._record) >= 10_000:  # forget the oldest half, so the table stays small
                    for old in sorted(self._record, key=self._record.get)[:5_000]:
                        del self._record[old]
                self._record[client] = time.monotonic()
            else:
                self._record.pop(client, None)

    def _admit(self, client: str) -> str | None:
        """The lane this client may use at once, taken; or None."""
        with self._lock:
            if sum(self._regular.values()) < self.slots and self._regular[client] < self.client_slots:
                self._regular[client] += 1
                return "regular"
            if (len(self._fast) < self.fast_slots and self._regular[client] == 0
                    and client not in self._fast and not self._is_barred(client)):
                known = client in self._record
                newcomers = sum(1 for k in self._fast.values() if not k)
                if known or self.fast_slots < 2 or newcomers < self.fast_slots - 1:
                    self._fast[client] = known
                    return "fast"
        return None

    def _wait(self, client: str) -> str:
        with self._lock:
            if self._waiting >= self.queue_depth:
                raise self._busy(2)
            self._waiting += 1
        try:
            deadline = time.monotonic() + self.queue_wait
            while time.monotonic() < deadline:
                time.sleep(_POLL)
                lane = self._admit(client)
                if lane:
                    return lane
        finally:
            with self._lock:
                self._waiting -= 1
        with self._lock:
            barred = self._is_barred(client)
        raise self._busy(max(1, round(self._barred.get(client, 0.0) - time.monotonic())) if barred else 2)

    def _is_barred(self, client: str) -> bool:
        until = self._barred.get(client)
        if until is None:
            return False
        if until <= time.monotonic():
            del self._barred[client]
            return False
        return True

    def _overran(self, client: str) -> Busy:
        with self._lock:
            self._barred[client] = time.monotonic() + self.fast_penalty
            self._record.pop(client, None)
            for other in [c for c, until in self._barred.items() if until <= time.monotonic()]:
                del self._barred[other]  # forget served penalties, so the table stays small
        return self._busy(int(self.fast_penalty), overran=True)

    def _busy(self, retry_after: int, overran: bool = False) -> Busy:
        why = (f"it needed more than the {self.fast_timeout:g} s a query may take while every "
               "regular slot is in use" if overran else "every query slot open to you is in use")
        return Busy(f"the server is busy: {why}.",
                    hint=f"try again in {retry_after} s; one client may run "
                    f"{self.client_slots} long queries at once.", retry_after=retry_after)

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
3. **A wait by expected time**: otherwise the request joins a first-come queue if the
   work ahead of it will let it start within ``QUEUE_WAIT`` seconds, judged from measured
   service times (a moving average per client, and over all clients): when the client holds
   all the slots it may, its own requests waiting ahead of it take turns in them; when every
   slot is taken, the running tasks' expected ends, soonest first, one per request waiting
   ahead. A slot that frees is handed at once to the first
   waiting request that may take it. So 64 browsers behind one proxy address sending cheap
   queries all wait their few milliseconds and are answered, while a client whose queries
   each take seconds is told at once to come back later. ``QUEUE_DEPTH``, when set, caps
   the requests waiting at once (each holds a server thread).
4. Otherwise (or when the wait runs past ``QUEUE_WAIT`` after all) the answer is a **503
   with Retry-After** (the expected wait, in whole seconds), and the thread is free again:
   so ``/healthz``, pages and the fast lane keep answering.

Requests that need no worker (``/healthz``, pages, dumps) are never held here.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from r2pkg.errors import QueryTimeout
from r2pkg.isolation import Isolator

#: seconds a task is assumed to take before any has been measured (a small query's time)
_FIRST_GUESS = 0.05
#: weight of the newest measurement in a moving average of service times
_ALPHA = 0.3
#: clients whose figures are kept at most; past it the oldest half is forgotten
_TABLE = 10_000


class Busy(QueryTimeout):
    """The server cannot take this task now; the client should retry after ``retry_after`` s."""

    def __init__(self, message: str, hint: str = "", retry_after: int = 5) -> None:
        super().__init__(message, hint)
        self.retry_after = retry_after


class _Ticket:
    """A waiting request: its client, and the lane handed to it when a slot frees."""

    __slots__ = ("client", "lane", "ready")

    def __init__(self, client: str) -> None:
        self.client = client
        self.lane: str | None = None
        self.ready = threading.Event()


class Admission:
    """Regular slots with a per-client cap, a fast lane with a short limit, a wait judged by
    measured service times, refusals only when that wait would be too long."""

    def __init__(self, isolator: Isolator, slots: int, client_slots: int, fast_slots: int,
                 fast_timeout: float, fast_penalty: float, queue_wait: float = 2.0,
                 queue_depth: int | None = None) -> None:
        self.isolator = isolator
        self.slots = max(1, slots)
        self.client_slots = max(1, min(client_slots, self.slots))
        self.fast_slots = max(0, fast_slots)
        self.fast_timeout = fast_timeout
        self.fast_penalty = fast_penalty
        self.queue_wait = queue_wait
        self.queue_depth = queue_depth or None
        self._lock = threading.Lock()
        self._regular: Counter[str] = Counter()  # regular slots held, by client
        self._fast: dict[str, bool] = {}  # clients with a task in the fast lane -> has a record
        self._record: dict[str, float] = {}  # client -> when its last task finished within fast_timeout
        self._barred: dict[str, float] = {}  # client -> when it may use the fast lane again
        self._queue: list[_Ticket] = []  # waiting requests, first come first
        self._service: dict[str, float] = {}  # client -> moving average of its tasks' seconds
        self._overall = _FIRST_GUESS  # moving average of every task's seconds
        self._running: dict[object, tuple[str, float]] = {}  # task -> its client, when it started

    @property
    def _waiting(self) -> int:
        return len(self._queue)

    def call(self, client: str, fn: Callable[..., Any], *args: Any, timeout: float,
             isolator: Isolator | None = None) -> Any:
        """``fn(context, *args)`` in a worker under the rules above (in ``isolator``'s workers
        when given: those of an earlier version of the graph, ``?as-of=``)."""
        isolator = isolator or self.isolator
        lane = self._admit(client) or self._wait(client)
        started = time.monotonic()
        task = object()
        with self._lock:
            self._running[task] = (client, started)
        if lane == "regular":
            try:
                return isolator.call(fn, *args, timeout=timeout)
            finally:
                self._release(task, client, lane, time.monotonic() - started)
        try:
            return isolator.call(fn, *args, timeout=min(timeout, self.fast_timeout))
        except QueryTimeout:
            if timeout <= self.fast_timeout:
                raise  # the task's own limit, not the lane's
            raise self._overran(client) from None
        finally:
            self._release(task, client, lane, time.monotonic() - started)

    def expected_wait(self, client: str) -> float:
        """Seconds a new request of ``client`` would wait for a slot now (an estimate)."""
        with self._lock:
            return self._expected_wait(client)

    def _release(self, task: object, client: str, lane: str, seconds: float) -> None:
        """Give the slot back, learn from the task's time, hand the slot to the next in line."""
        with self._lock:
            self._running.pop(task, None)
            if lane == "regular":
                self._regular[client] -= 1
                if self._regular[client] <= 0:
                    del self._regular[client]
            else:
                self._fast.pop(client, None)
            self._note(client, seconds)
            self._dispatch()

    def _note(self, client: str, seconds: float) -> None:
        """Learn the task's time; keep (or lose) the client's record: did it finish within
        the fast limit? Called with the lock held."""
        if len(self._service) >= _TABLE:
            for old in list(self._service)[:_TABLE // 2]:  # insertion order: the oldest first
                del self._service[old]
        known = self._service.pop(client, None)
        self._service[client] = seconds if known is None else known + _ALPHA * (seconds - known)
        self._overall += _ALPHA * (seconds - self._overall)
        if seconds <= self.fast_timeout:
            if len(self._record) >= _TABLE:  # forget the oldest half, so the table stays small
                for old in sorted(self._record, key=self._record.get)[:_TABLE // 2]:
                    del self._record[old]
            self._record[client] = time.monotonic()
        else:
            self._record.pop(client, None)

    def _admit(self, client: str) -> str | None:
        """The lane this client may use at once, taken; or None. Nobody already waiting is
        passed: a new request takes a free slot only if no waiting request could."""
        with self._lock:
            if any(self._could_take(t.client) for t in self._queue):
                return None
            return self._take(client)

    def _could_take(self, client: str) -> bool:
        if sum(self._regular.values()) < self.slots and self._regular[client] < self.client_slots:
            return True
        return self._fast_open(client)

    def _fast_open(self, client: str) -> bool:
        if (len(self._fast) >= self.fast_slots or self._regular[client] or client in self._fast
                or self._is_barred(client)):
            return False
        newcomers = sum(1 for k in self._fast.values() if not k)
        return client in self._record or self.fast_slots < 2 or newcomers < self.fast_slots - 1

    def _take(self, client: str) -> str | None:
        """Take a slot for ``client`` if one is open to it. Called with the lock held."""
        if sum(self._regular.values()) < self.slots and self._regular[client] < self.client_slots:
            self._regular[client] += 1
            return "regular"
        if self._fast_open(client):
            self._fast[client] = client in self._record
            return "fast"
        return None

    def _dispatch(self) -> None:
        """Hand free slots to waiting requests, first come first. Called with the lock held."""
        for ticket in list(self._queue):
            lane = self._take(ticket.client)
            if lane:
                ticket.lane = lane
                self._queue.remove(ticket)
                ticket.ready.set()

    def _expected_wait(self, client: str) -> float:
        """The work ahead of a new request of ``client``, in seconds. Called with the lock held.

        Two bounds, the larger wins. Its own: when the client holds all the slots it may, its
        waiting requests (and this one) take turns in them, each taking the client's average
        time. Everybody's: when every slot is taken, the running tasks end at their start plus
        their client's average time, soonest first, one per request waiting ahead; past the
        running ones, each further turn takes the overall average. A client with nothing
        measured yet is assumed to be like the average client.
        """
        now = time.monotonic()
        own = 0.0
        if self._regular[client] >= self.client_slots:
            mine = sum(1 for t in self._queue if t.client == client)
            own = math.ceil((mine + 1) / self.client_slots) * self._service.get(client, self._overall)
        capacity = self.slots + self.fast_slots
        if len(self._running) < capacity:
            return own
        ends = sorted(max(0.0, started + self._service.get(c, self._overall) - now)
                      for c, started in self._running.values())
        ahead = len(self._queue)
        if ahead < len(ends):
            return max(own, ends[ahead])
        return max(own, ends[-1] + math.ceil((ahead - len(ends) + 1) / capacity) * self._overall)

    def _wait(self, client: str) -> str:
        """Queue for a slot if it should come within ``queue_wait``; else a 503 at once."""
        with self._lock:
            lane = self._take(client) if not self._queue else None
            if lane:
                return lane
            expected = self._expected_wait(client)
            full = self.queue_depth is not None and len(self._queue) >= self.queue_depth
            if expected > self.queue_wait or full:
                raise self._busy(self._retry_after(client, expected))
            ticket = _Ticket(client)
            self._queue.append(ticket)
            self._dispatch()  # a slot may have freed between the look and the queueing
        if ticket.ready.wait(self.queue_wait):
            return ticket.lane  # type: ignore[return-value]
        with self._lock:
            if ticket.lane:  # handed a slot as the wait ran out
                return ticket.lane
            self._queue.remove(ticket)
            expected = self._expected_wait(client)
            self._dispatch()  # passing over this ticket may have let another through
        raise self._busy(self._retry_after(client, expected))

    def _retry_after(self, client: str, expected: float) -> int:
        """Whole seconds to come back after: the penalty left for a barred client with
        nothing else open, else the expected wait (at least 1 s)."""
        until = self._barred.get(client)
        if until is not None and until > time.monotonic() and self._regular[client] == 0:
            return max(1, round(until - time.monotonic()))
        return max(1, min(60, math.ceil(expected)))

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
               "regular slot is in use" if overran else
               "the queries ahead of yours would not finish within the wait allowed")
        return Busy(f"the server is busy: {why}.",
                    hint=f"try again in {retry_after} s; one client may run "
                    f"{self.client_slots} long queries at once.", retry_after=retry_after)

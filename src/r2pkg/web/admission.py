"""Admission: which request may start work in a query worker now, and which is told to retry.

Without it, a few slow queries took every worker slot and then every server thread
(each waiting for a slot), and ``/healthz`` waited 20 s. The rules, in order:

1. **Regular slots** (``QUERY_SLOTS``) run a task with its full time limit. One client
   (one remote address) holds at most ``CLIENT_SLOTS`` of them at once.
2. **Fast lane** (``FAST_SLOTS``): when a client cannot have a regular slot, its task may
   run in a fast slot with a short limit (``FAST_TIMEOUT``): a small ASK, a page of a
   saved query, finish long before it. A request waits at most that long for a fast slot.
   A task that overruns the fast lane is stopped, and its client is kept out of the fast
   lane for ``FAST_PENALTY`` seconds, so slow queries cannot hold it.
3. Otherwise the answer is at once a **503 with Retry-After**: no server thread is tied up
   waiting, so ``/healthz``, pages and the fast lane keep answering.

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


class Busy(QueryTimeout):
    """The server cannot take this task now; the client should retry after ``retry_after`` s."""

    def __init__(self, message: str, hint: str = "", retry_after: int = 5) -> None:
        super().__init__(message, hint)
        self.retry_after = retry_after


class Admission:
    """Regular slots with a per-client cap, a fast lane with a short limit, and refusals."""

    def __init__(self, isolator: Isolator, slots: int, client_slots: int, fast_slots: int,
                 fast_timeout: float, fast_penalty: float) -> None:
        self.isolator = isolator
        self.fast_timeout = fast_timeout
        self.fast_penalty = fast_penalty
        self.client_slots = max(1, client_slots)
        self._regular = threading.BoundedSemaphore(max(1, slots))
        self._fast = threading.BoundedSemaphore(max(0, fast_slots)) if fast_slots > 0 else None
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()  # regular slots held, by client
        self._barred: dict[str, float] = {}  # client -> when it may use the fast lane again

    def call(self, client: str, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """``fn(context, *args)`` in a worker under the rules above."""
        if self._take_regular(client):
            try:
                return self.isolator.call(fn, *args, timeout=timeout)
            finally:
                self._give_regular(client)
        return self._fast_lane(client, fn, args, timeout)

    def _take_regular(self, client: str) -> bool:
        with self._lock:
            if self._held[client] >= self.client_slots or not self._regular.acquire(blocking=False):
                return False
            self._held[client] += 1
            return True

    def _give_regular(self, client: str) -> None:
        with self._lock:
            self._held[client] -= 1
            if self._held[client] <= 0:
                del self._held[client]
            self._regular.release()

    def _fast_lane(self, client: str, fn: Callable[..., Any], args: tuple, timeout: float) -> Any:
        now = time.monotonic()
        with self._lock:
            barred_until = self._barred.get(client, 0.0)
            if barred_until <= now:
                self._barred.pop(client, None)
        if self._fast is None or barred_until > now:
            raise self._busy(max(1, round(barred_until - now)) if barred_until > now else 5)
        if not self._fast.acquire(timeout=self.fast_timeout):
            raise self._busy(2)
        try:
            return self.isolator.call(fn, *args, timeout=min(timeout, self.fast_timeout))
        except QueryTimeout:
            if timeout <= self.fast_timeout:
                raise  # the task's own limit, not the lane's
            with self._lock:
                self._barred[client] = time.monotonic() + self.fast_penalty
            raise self._busy(int(self.fast_penalty), overran=True) from None
        finally:
            self._fast.release()

    def _busy(self, retry_after: int, overran: bool = False) -> Busy:
        why = (f"it needed more than the {self.fast_timeout:g} s a query may take while every "
               "regular slot is in use" if overran else "every query slot open to you is in use")
        return Busy(f"the server is busy: {why}.",
                    hint=f"try again in {retry_after} s; a client may run "
                    f"{self.client_slots} long queries at once.", retry_after=retry_after)

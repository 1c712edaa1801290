"""Python's cycle collector held off while a store makes many long-lived objects.

A graph read into rdflib's memory store, or a view read from its file, is hundreds of
thousands to millions of small objects, none of them garbage. Each full collection their
creation sets off walks every object of the process, and costs more than the reading
itself. Readers in several threads may overlap: the collector runs again after the last
one, and only if it was running before the first.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_PAUSES = {"count": 0}
_PAUSES_LOCK = threading.Lock()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector paused for the ``with`` block (see the module's docstring)."""
    with _PAUSES_LOCK:
        if _PAUSES["count"] == 0:
            _PAUSES["was_enabled"] = gc.isenabled()
            gc.disable()
        _PAUSES["count"] += 1
    try:
        yield
    finally:
        with _PAUSES_LOCK:
            _PAUSES["count"] -= 1
            if _PAUSES["count"] == 0 and _PAUSES.pop("was_enabled", False):
                gc.enable()

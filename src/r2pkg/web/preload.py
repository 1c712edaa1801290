"""Read the views pages need while ``r2pkg serve`` is idle, not on a reader's first view.

The on-disk store (``oxigraph:DIR``) builds the home page's figures and the cases' features
(``r2pkg.similar_cases``, which a precedents page scores similar cases from) as it loads and
keeps them in ``DIR/views``; a process that opens the folder reads them when first asked
(and the editor's inferred precedent links are picked out, :mod:`r2pkg.node_precedents`). So
``serve`` reads them in a background thread, as soon as no request has been under way for
:data:`QUIET` seconds: on two busy cores, a read started at once slowed the pages asked during
it (in ``bench/pages.py`` at 1M an organ page's first view went from 1.2 s to 2.0 s), so it
waits for a pause and never runs ahead of a reader. Nothing is built here that the load did
not already build: a view missing from the folder is left for the page that needs it.

The whole-graph chain index is not read: chain and precedents pages read one node's chains
from lookups (:mod:`r2pkg.node_chains`); at ten million triples the index was a 272 MB file
that serve held for pages that need a few dozen of its nodes.
"""

from __future__ import annotations

import sys
import threading
import time

from flask import Flask, g

from r2pkg.store import Store

#: Seconds with no request under way before the views are read.
QUIET = 0.3


class _Requests:
    """How many requests are under way, and when the last one ended."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.under_way = 0
        self.last = time.monotonic()

    def started(self) -> None:
        with self.lock:
            self.under_way += 1
        g.r2pkg_counted = True  # an earlier hook may answer first and skip this one

    def ended(self, _exc: BaseException | None = None) -> None:
        if not g.pop("r2pkg_counted", False):
            return
        with self.lock:
            self.under_way -= 1
            self.last = time.monotonic()

    def quiet_for(self) -> float:
        with self.lock:
            return 0.0 if self.under_way else time.monotonic() - self.last


def preload(store: Store, app: Flask | None = None) -> threading.Thread | None:
    """Start reading the saved views of an on-disk store in a daemon thread, once ``app`` has
    been idle for :data:`QUIET` seconds (at once without an app); None for any other store."""
    if not store.kind.startswith("oxigraph-dir"):
        return None
    requests = None
    if app is not None:
        requests = _Requests()
        app.before_request(requests.started)
        app.teardown_request(requests.ended)
    thread = threading.Thread(target=_read, args=(store, requests), name="r2pkg-preload", daemon=True)
    thread.start()
    return thread


def _read(store: Store, requests: _Requests | None) -> None:
    from r2pkg.figures import VIEW as FIGURES
    from r2pkg.figures import figures
    from r2pkg.node_precedents import inferred_precedent_links
    from r2pkg.similar_cases import VIEW as CASE_FEATURES
    from r2pkg.similar_cases import build as build_case_features

    try:
        if requests is not None:
            while (idle := requests.quiet_for()) < QUIET:
                time.sleep(QUIET - idle if idle else QUIET / 3)
        if store.has_saved_view(FIGURES):
            figures(store)
        if CASE_FEATURES in store.derived or store.has_saved_view(CASE_FEATURES):
            store.view(CASE_FEATURES, build_case_features)
        inferred_precedent_links(store)  # the editor's inferred precedent links (a few lookups)
    except Exception as exc:  # noqa: BLE001 - a failed preload only leaves the work to the first view
        print(f"r2pkg: could not read the saved views in advance ({exc}); the first page that needs "
              "them reads them", file=sys.stderr)

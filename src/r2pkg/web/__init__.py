"""The web front end: an application factory, one blueprint per concern."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from r2pkg.isolation import Isolator
from r2pkg.queries import SavedQuery, saved_queries
from r2pkg.store import Store, open_store


def create_app(test_config: Mapping[str, Any] | None = None, store: Store | None = None) -> Flask:
    """Build the app; the graph is loaded once here and shared read-only by all requests."""
    app = Flask(__name__)
    app.config.from_mapping(
        STORE=None,                    # store spec: memory, oxigraph or an endpoint URL
        QUERY_TIMEOUT=10.0,            # seconds a /sparql query may run before it is killed
        VALIDATE_TIMEOUT=30.0,         # seconds validating a posted entry may run
        MAX_RESULT_ROWS=10_000,        # rows (or triples) returned at most; more are cut off
        MAX_QUERY_LENGTH=50_000,       # characters in a query text
        MAX_CONTENT_LENGTH=2_000_000,  # bytes in any request body (413 beyond)
        QUERY_SLOTS=max(4, 2 * (os.cpu_count() or 1)),  # queries running at once
        ISOLATE_QUERIES=True,          # run each /sparql query in a killable child process
        SEARCH_LIMIT=50,               # hits shown by the label search
    )
    if test_config is None:
        app.config.from_prefixed_env("R2PKG")
    else:
        app.config.from_mapping(test_config)

    app.extensions["r2pkg"] = store = store or open_store(app.config["STORE"])
    app.extensions["r2pkg.isolator"] = Isolator(slots=int(app.config["QUERY_SLOTS"]), context=store)
    app.extensions["r2pkg.queries"] = saved_queries()

    from r2pkg.web import api, errors, pages, sparql

    app.register_blueprint(sparql.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    errors.register(app)
    return app


def get_store() -> Store:
    """The store of the running app (loaded once in create_app)."""
    return current_app.extensions["r2pkg"]


def get_queries() -> dict[str, SavedQuery]:
    """The saved queries, read once when the app was built."""
    return current_app.extensions["r2pkg.queries"]


def get_isolator() -> Isolator:
    """The process pool that runs untrusted queries with a time limit."""
    return current_app.extensions["r2pkg.isolator"]


def run_task(fn, *args, timeout_key: str = "QUERY_TIMEOUT"):
    """``fn(store, *args)`` in a query worker with the configured time limit, or in-process.

    In-process when isolation is switched off, or for a remote store, whose own server
    does the work (and keeps its own limits).
    """
    store = get_store()
    config = current_app.config
    if not config["ISOLATE_QUERIES"] or store.uses_network:
        return fn(store, *args)
    return get_isolator().call(fn, *args, timeout=float(config[timeout_key]))

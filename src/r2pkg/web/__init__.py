"""The web front end: an application factory, one blueprint per concern."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, has_request_context, request

from r2pkg.isolation import Isolator
from r2pkg.queries import SavedQuery, saved_queries
from r2pkg.store import Store, open_store
from r2pkg.web.admission import Admission


def create_app(test_config: Mapping[str, Any] | None = None, store: Store | None = None,
               as_of: str | None = None) -> Flask:
    """Build the app; the graph is loaded once here and shared read-only by all requests.

    ``as_of`` (``r2pkg serve --as-of``) serves the graph as it was then, with no write routes.
    """
    app = Flask(__name__)
    app.config.from_mapping(
        STORE=None,                    # store spec: memory, oxigraph or an endpoint URL
        QUERY_TIMEOUT=10.0,            # seconds a /sparql query may run before it is killed
        VALIDATE_TIMEOUT=30.0,         # seconds validating a posted entry may run
        MAX_RESULT_ROWS=10_000,        # rows (or triples) returned at most; more are cut off
        MAX_QUERY_LENGTH=50_000,       # characters in a query text
        MAX_CONTENT_LENGTH=2_000_000,  # bytes in any request body (413 beyond)
        QUERY_SLOTS=max(4, 2 * (os.cpu_count() or 1)),  # long queries running at once
        CLIENT_SLOTS=None,             # long queries one client may run at once (None: all slots but one)
        FAST_SLOTS=2,                  # extra slots for short work when the others are full
        FAST_TIMEOUT=0.5,              # seconds a task may take in a fast slot
        FAST_PENALTY=30.0,             # seconds a client that overran the fast lane stays out of it
        QUEUE_WAIT=2.0,                # seconds a request may wait for a slot (expected, then at most)
        QUEUE_DEPTH=None,              # requests waiting at once, if capped (None: the expected wait decides)
        ISOLATE_QUERIES=True,          # run each /sparql query in a killable child process
        SERVER_MEMORY_HEADROOM=4 * 1024**3,  # address space `r2pkg serve` may add after loading
        SEARCH_LIMIT=50,               # hits shown by the label search
        EDITOR_TOKEN=None,             # R2PKG_EDITOR_TOKEN: POST /entries exists only when set
        AS_OF=None,                    # serve the graph as of a date or version (r2pkg serve --as-of)
    )
    if test_config is None:
        app.config.from_prefixed_env("R2PKG")
    else:
        app.config.from_mapping(test_config)

    if as_of:
        app.config["AS_OF"] = as_of
    app.extensions["r2pkg"] = store = store or open_store(app.config["STORE"], as_of=app.config["AS_OF"])
    config = app.config
    slots, fast = int(config["QUERY_SLOTS"]), int(config["FAST_SLOTS"])
    app.extensions["r2pkg.isolator"] = isolator = Isolator(slots=slots + fast, context=store)
    app.extensions["r2pkg.admission"] = Admission(
        isolator, slots=slots, client_slots=int(config["CLIENT_SLOTS"] or max(1, slots - 1)),
        fast_slots=fast, fast_timeout=float(config["FAST_TIMEOUT"]), fast_penalty=float(config["FAST_PENALTY"]),
        queue_wait=float(config["QUEUE_WAIT"]),
        queue_depth=int(config["QUEUE_DEPTH"]) if config["QUEUE_DEPTH"] else None)
    app.extensions["r2pkg.queries"] = saved_queries()

    from r2pkg.web import api, cors, editors, entries, errors, pages, sparql, versions

    app.after_request(_security_headers)
    versions.register(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    entries.register(app)
    app.register_blueprint(editors.bp)
    errors.register(app)
    cors.register(app)
    return app


def content_security_policy() -> str:
    """Scripts, styles and images from this origin only; no inline script or style, no framing.

    The chain pictures are drawn inside the pages but styled from style.css, so no inline
    ``<style>`` needs allowing.
    """
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _security_headers(response):
    """Headers on every response; a header a route set itself is kept."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def get_store() -> Store:
    """The store of the running app (loaded once in create_app), or, for a request with
    ``?as-of=DATE|VERSION``, the graph as it was then."""
    if has_request_context() and request.args.get("as-of"):
        from r2pkg.web.versions import store_as_of

        return store_as_of(request.args["as-of"])
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
    isolator = None
    if store is not current_app.extensions["r2pkg"]:  # an earlier version (?as-of=): its own workers
        from r2pkg.web.versions import isolator_for

        isolator = isolator_for(store)
    client = (request.remote_addr or "") if has_request_context() else ""
    return current_app.extensions["r2pkg.admission"].call(client, fn, *args, timeout=float(config[timeout_key]),
                                                          isolator=isolator)

"""The graph's version on every answer, and answers from an earlier version (``?as-of=``).

Every response names the version of the graph it came from in an ``R2pkg-Graph-Version``
header (release of the bundled data + position in the change log, see
:mod:`r2pkg.versions`); pages show it with a "cite this" line. A request with
``?as-of=DATE|VERSION`` is answered from the graph as it was then, loaded once per
version and kept for the next requests (a few at most).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Flask, current_app, request

from r2pkg.errors import InputError
from r2pkg.isolation import Isolator
from r2pkg.store import Store, change_log, open_store, project_root
from r2pkg.versions import position, version

HEADER = "R2pkg-Graph-Version"
#: Earlier versions kept loaded at once (each is a whole graph in memory).
KEPT = 3
_guard = threading.Lock()


def register(app: Flask) -> None:
    """The version header on every response, the version in every template."""
    app.extensions["r2pkg.graph_version"] = lambda: served_version(app)
    app.extensions["r2pkg.as_of_stores"] = OrderedDict()
    app.after_request(_version_header)
    app.context_processor(lambda: {"graph_version": _shown_version()})


def served_version(app: Flask) -> str:
    """The version of the graph the app serves by default."""
    log = _log(app)
    as_of = app.config.get("AS_OF")
    return version(log, position(log, as_of) if as_of else None)


def request_version() -> str:
    """The version this request is answered from."""
    as_of = request.args.get("as-of")
    if as_of:
        log = _log(current_app)
        return version(log, position(log, as_of))
    return served_version(current_app)


def _shown_version() -> str:
    """The version a page shows; an error page about a bad ``?as-of=`` shows the served one."""
    try:
        return request_version()
    except InputError:
        return served_version(current_app)


def _log(app: Flask):
    ledger = app.extensions.get("r2pkg.ledger")
    return list(ledger.log) if ledger is not None else change_log(project_root())


def store_as_of(as_of: str) -> Store:
    """The graph as of a date or version (a bad value is an InputError: 400)."""
    log = _log(current_app)
    key = version(log, position(log, as_of))
    kept: OrderedDict = current_app.extensions["r2pkg.as_of_stores"]
    with _guard:
        if key in kept:
            kept.move_to_end(key)
            return kept[key]
    store = open_store("oxigraph", as_of=key)
    with _guard:
        kept[key] = store
        while len(kept) > KEPT:
            _, old = kept.popitem(last=False)
            isolator = _isolators(current_app).pop(id(old), None)
            if isolator is not None:
                isolator.close()
    return store


def isolator_for(store: Store) -> Isolator:
    """The query workers of an earlier version of the graph: forked from this process with
    that version as their graph, so that an ``?as-of=`` query runs under the same time limit,
    memory cap and network cut as every other query (and a slow one is killed, not left to
    hold a request thread)."""
    isolators = _isolators(current_app)
    with _guard:
        found = isolators.get(id(store))
        if found is None or found.context is not store:
            slots = int(current_app.config["QUERY_SLOTS"]) + int(current_app.config["FAST_SLOTS"])
            found = isolators[id(store)] = Isolator(slots=slots, context=store)
        return found


def _isolators(app: Flask) -> dict:
    return app.extensions.setdefault("r2pkg.as_of_isolators", {})


def _version_header(response):
    if request.endpoint != "static" and HEADER not in response.headers:
        try:
            response.headers[HEADER] = request_version()
        except Exception:  # noqa: BLE001 - a bad ?as-of= already answered 400; no header then
            pass
    return response

"""Cross-origin reads: a query editor hosted elsewhere (YASGUI, a notebook) may query the graph.

The graph is public and read-only, so ``/sparql``, the node pages (``/id/…``) and the saved
queries (``/queries…``) answer any origin (``Access-Control-Allow-Origin: *``, no
credentials), and a preflight for ``POST /sparql`` (``application/sparql-query`` bodies need
one) is answered. Nothing that changes the graph or takes an editor's entry
(``POST /entries``, ``POST /validate``) is opened to other origins.
"""

from __future__ import annotations

from flask import Flask, Response, request

#: Paths other origins may read, by prefix.
READABLE = ("/sparql", "/id/", "/queries")
#: Headers a cross-origin client may read: the cut, the engine's time, the download's name.
EXPOSED = "X-R2pkg-Truncated, Server-Timing, Content-Disposition, Content-Type"
MAX_AGE = 86_400


def _open(path: str, method: str) -> bool:
    if not path.startswith(READABLE):
        return False
    if method == "POST":
        return path == "/sparql"  # a query in a body is still a read
    return method in ("GET", "HEAD", "OPTIONS")


def _preflight_method() -> str:
    return (request.headers.get("Access-Control-Request-Method") or "").upper()


def register(app: Flask) -> None:
    """Add the CORS headers to every response of a readable path, errors included."""

    @app.after_request
    def allow_reads(response: Response) -> Response:
        method = request.method
        if method == "OPTIONS" and _preflight_method():
            if not _open(request.path, _preflight_method()):
                return response
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS" \
                if request.path == "/sparql" else "GET, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
            response.headers["Access-Control-Max-Age"] = str(MAX_AGE)
        elif not _open(request.path, method):
            return response
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED
        return response

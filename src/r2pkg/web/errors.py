"""Error handlers: browsers get a page, programs and /sparql get JSON."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from r2pkg.errors import R2pkgError


def wants_json() -> bool:
    """True for /sparql, the JSON APIs and clients that prefer JSON to HTML."""
    if request.path.startswith("/sparql") or request.args.get("format") == "json":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_response(status: int, message: str, hint: str = ""):
    """One error, as JSON ``{"error": {...}}`` or as an HTML page."""
    if wants_json():
        body = jsonify({"error": {"status": status, "message": message, "hint": hint}})
        return body, status
    return render_template("error.html", status=status, message=message, hint=hint), status


def register(app: Flask) -> None:
    """Attach the handlers to the app."""

    @app.errorhandler(R2pkgError)
    def handle_r2pkg(exc: R2pkgError):
        body, status = error_response(exc.http_status, exc.message, exc.hint)
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return body, status, headers

    @app.errorhandler(HTTPException)
    def handle_http(exc: HTTPException):
        messages = {
            413: "the request is too large.",
            404: "there is nothing at this address.",
            405: "this method is not allowed here.",
        }
        message = messages.get(exc.code or 500, exc.description or "request failed.")
        return error_response(exc.code or 500, message)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        app.logger.exception("unexpected error")
        return error_response(500, "an unexpected error occurred; it has been logged.",
                              "please report it with the URL you used.")

"""Accepting entries over HTTP (``POST /entries``) and the change log (``GET /changes``).

The write route exists only when an editor token is configured (``R2PKG_EDITOR_TOKEN``):
a server started without one has no way to write at all. A wrong token is refused with 401
and logged without its value. Accepting runs in the server process, under the ledger's
lock, against the live store; the forked query workers are retired afterwards so that
the next query sees the new entry.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for

from r2pkg.editing.accepted import Accepted, Ledger, Outcome, UnknownEntry, changes
from r2pkg.editing.entries import new_entry_graph, parse_entry_text
from r2pkg.web import get_store
from r2pkg.web.forms import not_utf8_entry, strict_form

bp = Blueprint("entries", __name__)


def register(app: Flask) -> None:
    """The change log always; the write routes only with a configured editor token."""
    store = app.extensions["r2pkg"]
    isolator = app.extensions["r2pkg.isolator"]
    app.extensions["r2pkg.ledger"] = Ledger(store, on_change=isolator.retire)
    app.register_blueprint(bp)
    app.register_error_handler(UnknownEntry, _unknown)
    if editor_token(app) and not app.config.get("AS_OF"):  # an earlier version is read-only
        app.add_url_rule("/entries", "entries.post_entry", post_entry, methods=["POST"])
        app.add_url_rule("/entries/<entry_id>", "entries.put_entry", put_entry, methods=["PUT"])
        app.add_url_rule("/entries/<entry_id>", "entries.delete_entry", delete_entry, methods=["DELETE"])


def editor_token(app: Flask) -> str:
    token = app.config.get("EDITOR_TOKEN")
    return "" if token is None else str(token)


def get_ledger() -> Ledger:
    return current_app.extensions["r2pkg.ledger"]


def authorised() -> bool:
    """True for ``Authorization: Bearer TOKEN`` with the configured token."""
    token = editor_token(current_app)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    ok = bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    if not ok:
        current_app.logger.warning("POST %s refused: missing or wrong editor token (from %s)",
                                   request.path, request.remote_addr)
    return ok


def accept_text(text: str, fmt: str, name: str, editor: str) -> Outcome:
    """Parse an entry and hand it to the ledger (a syntax error is an InputError: 400)."""
    entry = parse_entry_text(new_entry_graph(), text.encode("utf-8"), name, fmt)
    return get_ledger().accept(entry, editor, name)


def _refused():
    response = jsonify({"error": {"status": 401, "message": "a valid editor token is required.",
                                  "hint": "send Authorization: Bearer TOKEN."}})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="r2pkg entries"'
    return response


def _editor() -> str:
    return request.headers.get("X-Editor") or strict_form(not_utf8_entry).get("editor") or "web editor"


def post_entry():
    """Validate the posted entry; if it conforms add it: 201 with Location, else 422; an
    entry accepted already (a retry after a lost reply) answers 303 to it."""
    from r2pkg.web.api import _entry_from_request

    if not authorised():
        return _refused()
    text, fmt, name = _entry_from_request()
    outcome = accept_text(text, fmt, name, _editor())
    if outcome.accepted is None:
        return jsonify(outcome.report.as_dict()), 422
    return _done(outcome.accepted, 201)


def put_entry(entry_id: str):
    """Correct accepted entry ``entry_id``: the body is the new version (as for POST)."""
    from r2pkg.web.api import _entry_from_request

    if not authorised():
        return _refused()
    text, fmt, name = _entry_from_request()
    entry = parse_entry_text(new_entry_graph(), text.encode("utf-8"), name, fmt)
    outcome = get_ledger().correct(entry_id, entry, _editor(), _header_reason(), name)
    if outcome.accepted is None:
        return jsonify(outcome.report.as_dict()), 422
    return _done(outcome.accepted, 200)


def delete_entry(entry_id: str):
    """Retract accepted entry ``entry_id``; the reason in the ``R2pkg-Reason`` header."""
    if not authorised():
        return _refused()
    outcome = get_ledger().retract(entry_id, _editor(), _header_reason())
    if outcome.accepted is None:
        return jsonify(outcome.report.as_dict()), 422
    return _done(outcome.accepted, 200)


def _header_reason() -> str:
    """The ``R2pkg-Reason`` header (percent-encoded UTF-8 is decoded: headers are Latin-1)."""
    from urllib.parse import unquote

    return unquote(request.headers.get("R2pkg-Reason", ""))


def _done(accepted: Accepted, status: int):
    """The change as JSON, with its page in Location; a repeat is a 303 to the earlier one."""
    body = accepted.as_dict()
    if accepted.repeated:
        body["message"] = f"already accepted as {accepted.id}; nothing was added."
        status = 303
    response = jsonify(body)
    response.status_code = status
    response.headers["Location"] = accepted.location
    return response


def _unknown(exc: UnknownEntry):
    return jsonify({"error": {"status": 404, "message": exc.message, "hint": exc.hint}}), 404


@bp.get("/changes")
def change_log():
    """The accepted entries, newest first: Atom by default, JSON when asked for."""
    items = changes(get_store())
    best = request.accept_mimetypes.best_match(["application/atom+xml", "application/json", "text/html"])
    if request.args.get("format") == "json" or best == "application/json":
        return jsonify({"changes": items})
    return Response(_atom(items), mimetype="application/atom+xml")


def _atom(items: list[dict]) -> str:
    """An Atom feed a researcher can subscribe to: one entry per accepted entry."""
    base = request.host_url.rstrip("/")
    updated = items[0]["time"] if items else datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    parts = ['<?xml version="1.0" encoding="utf-8"?>',
             '<feed xmlns="http://www.w3.org/2005/Atom">',
             "<title>r2pkg: accepts, corrections and retractions</title>",
             f'<link rel="self" href="{escape(base + url_for("entries.change_log"))}"/>',
             "<id>https://w3id.org/r2pkg/id/change/</id>",
             f"<updated>{escape(updated)}</updated>"]
    for item in items:
        names = ", ".join(a["label"] for a in item["added"]) or item["id"]
        first = item["added"][0]["iri"] if item["added"] else item["change"]
        link = base + "/id/" + first.split("/id/", 1)[-1]
        if item["kind"] == "retract":
            summary = f"{item['editor']} withdrew entry {item['replaces']} about {names}"
        elif item.get("supersedes_bundled"):
            summary = (f"{item['editor']} corrected the bundled data about {names} (the superseded statements "
                       f"are kept in {item['supersedes_bundled']}): {item['triples']} triples; file {item['file']}, "
                       f"SHA-256 {item['sha256']}")
        elif item["kind"] == "correct":
            summary = (f"{item['editor']} corrected entry {item['replaces']}: {item['triples']} triples about "
                       f"{names}; file {item['file']}, SHA-256 {item['sha256']}")
        else:
            summary = (f"{item['editor']} added {item['triples']} triples about {names}; "
                       f"file {item['file']}, SHA-256 {item['sha256']}")
        summary += (f"; reason: {item['reason']}." if item["reason"] else ".")
        if item["replaced_by"]:
            summary += f" Superseded or withdrawn by {item['replaced_by']}."
        parts += ["<entry>",
                  f"<title>{escape(names)}</title>",
                  f"<id>{escape(item['change'])}</id>",
                  f"<updated>{escape(item['time'])}</updated>",
                  f"<author><name>{escape(item['editor'])}</name></author>",
                  f'<link href="{escape(link)}"/>',
                  f"<summary>{escape(summary)}</summary>",
                  "</entry>"]
    parts.append("</feed>")
    return "\n".join(parts) + "\n"

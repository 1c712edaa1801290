"""Programs' routes: liveness, validation of entries, authority chains and precedents."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from r2pkg.entries import parse_entry_text
from r2pkg.errors import InputError
from r2pkg.namespaces import bind_prefixes
from r2pkg.rdfinput import format_for
from r2pkg.web import get_store, run_task
from r2pkg.web.errors import wants_json

bp = Blueprint("api", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers and the graph is loaded."""
    store = get_store()
    return jsonify({"status": "ok", "store": store.kind, "triples": store.triple_count()})


@bp.route("/validate", methods=["GET", "POST"])
def validate():
    """Validate a pasted or uploaded entry against the graph; nothing is written."""
    if request.method == "GET":
        return render_template("api/validate.html", report=None, text="", fmt="turtle")
    text, fmt, name = _entry_from_request()
    from rdflib import Graph

    try:
        parse_entry_text(bind_prefixes(Graph()), text.encode("utf-8"), name, fmt)
    except InputError as exc:  # a syntax error: the page again, with the entry and where it broke
        if wants_json():
            raise
        return render_template("api/validate.html", report=None, text=text, fmt=fmt,
                               error=exc), 400
    from r2pkg.validation import validate_entry_text  # pySHACL is imported only when first needed

    # pySHACL on a large pasted entry can run long: a worker with its own killable time limit
    report = run_task(validate_entry_text, text, fmt, name, timeout_key="VALIDATE_TIMEOUT")
    if wants_json():
        return jsonify(report.as_dict()), 200
    return render_template("api/validate.html", report=report, text=text, fmt=fmt)


def _entry_from_request() -> tuple[str, str, str]:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data = upload.read()
        fmt = format_for(upload.filename, upload.mimetype)
        return data.decode("utf-8", errors="replace"), fmt, upload.filename
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        text = request.form.get("entry", "")
        fmt = {"jsonld": "json-ld", "json-ld": "json-ld"}.get(request.form.get("format", ""), "turtle")
        if not text.strip():
            raise InputError("the entry is empty.", hint="paste a Turtle or JSON-LD entry, or upload a file.")
        return text, fmt, "the entry"
    fmt = format_for("entry", request.mimetype)
    return request.get_data(as_text=True), fmt, "the entry"


@bp.get("/chain")
def chain():
    """Authority chains of a node (``?node=``), or the path to another (``&to=``)."""
    from r2pkg.chains import authority_chains, connection, graph_index
    from r2pkg.chains_svg import chain_svg

    store = get_store()
    node = store.resolve(_required("node"))
    index = graph_index(store)
    target = request.args.get("to")
    found = connection(index, node, store.resolve(target)) if target else authority_chains(index, node)
    if wants_json():
        return jsonify(found)
    return render_template("api/chain.html", found=found, svg=chain_svg(found))


@bp.get("/precedents")
def precedents():
    """What a case draws on, what draws on it, and similar cases (``?case=``)."""
    from r2pkg.chains import graph_index
    from r2pkg.chains import precedents as find_precedents
    from r2pkg.chains_svg import precedents_svg, timeline_svg

    store = get_store()
    case = store.resolve(_required("case"))
    found = find_precedents(graph_index(store), case)
    if wants_json():
        return jsonify(found)
    return render_template("api/precedents.html", found=found, svg=precedents_svg(found),
                           timeline=timeline_svg(found))


def _required(name: str) -> str:
    value = request.args.get(name, "").strip()
    if not value:
        raise InputError(f"the parameter '{name}' is missing.", hint=f"add ?{name}=IRI to the URL.")
    return value

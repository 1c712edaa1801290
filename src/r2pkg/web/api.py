"""Programs' routes: liveness, validation of entries, authority chains and precedents."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from r2pkg.chain_notes import cites_instead, root_texts
from r2pkg.errors import InputError, UnknownNodeError
from r2pkg.names import resolve_name
from r2pkg.namespaces import R2P
from r2pkg.rdfinput import format_for
from r2pkg.web import get_store, run_task
from r2pkg.web.errors import wants_json
from r2pkg.web.forms import not_utf8_entry, strict_form

bp = Blueprint("api", __name__)

#: How many cases a precedents page lists and draws in each of "draws on" and "drawn on by"
#: (the nearest first); ``&all=1`` lists every one. The bundled graph's longest list is far shorter.
PRECEDENTS_SHOWN = 100


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers and the graph is loaded, and the graph's version."""
    from r2pkg.web.versions import request_version

    store = get_store()
    return jsonify({"status": "ok", "store": store.kind, "triples": store.triple_count(),
                    "version": request_version()})


@bp.route("/validate", methods=["GET", "POST"])
def validate():
    """Validate a pasted or uploaded entry against the graph; nothing is written."""
    if request.method in ("GET", "HEAD"):
        return render_template("api/validate.html", report=None, text="", fmt="turtle")
    text, fmt, name = _entry_from_request()
    from r2pkg.editing.validation import validate_entry_text  # pySHACL is imported only when first needed

    # Parsing (30,000 @prefix lines took 65 s) and pySHACL on a large entry can both run
    # long: both happen in a worker, under one killable time limit; a syntax error is a 400.
    try:
        report = run_task(validate_entry_text, text, fmt, name, timeout_key="VALIDATE_TIMEOUT")
    except InputError as exc:  # a syntax error: the page again, with the entry and where it broke
        if wants_json():
            raise
        return render_template("api/validate.html", report=None, text=text, fmt=fmt, error=exc), 400
    if wants_json():
        return jsonify(report.as_dict()), 200
    return render_template("api/validate.html", report=report, text=text, fmt=fmt)


def _entry_from_request() -> tuple[str, str, str]:
    """The entry's text, format and name; refused if it is empty or not UTF-8."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = strict_form(not_utf8_entry)  # first: it keeps the bytes it checks the fields against
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            fmt = format_for(upload.filename, upload.mimetype)
            return _non_empty(_utf8(upload.read(), upload.filename), upload.filename), fmt, upload.filename
        text = form.get("entry", "")
        fmt = {"jsonld": "json-ld", "json-ld": "json-ld"}.get(form.get("format", ""), "turtle")
        return _non_empty(text, "the entry"), fmt, "the entry"
    fmt = format_for("entry", request.mimetype)
    return _non_empty(_utf8(request.get_data(), "the entry"), "the entry"), fmt, "the entry"


def _utf8(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: byte {exc.start + 1} is not valid UTF-8; the entry is refused "
                         "rather than read with that byte replaced.",
                         hint="save the file as UTF-8 and send it again.") from exc


def _non_empty(text: str, name: str) -> str:
    if not text.strip():
        raise InputError(f"{name} is empty: there is nothing to validate.",
                         hint="paste a Turtle or JSON-LD entry, or upload a file.")
    return text


@bp.get("/chain")
def chain():
    """Authority chains of a node (``?node=``), or the path to another (``&to=``)."""
    from r2pkg.chains_svg import chain_svg
    from r2pkg.node_chains import chains_of, connection_of

    store = get_store()
    node = resolve_name(store, _required("node")).node
    target = request.args.get("to")
    # one node's chains (or two nodes' connection) are read from lookups (r2pkg.node_chains),
    # never from the whole-graph chain index
    found = connection_of(store, node, resolve_name(store, target).node) if target else chains_of(store, node)
    fmt = request.args.get("format")
    if fmt in ("bibtex", "ris", "csl-json") and not target:
        return _cite(store, found, fmt)
    if wants_json():
        return jsonify(found)
    return render_template("api/chain.html", found=found, svg=chain_svg(found),
                           instead=None if target or found["chains"] or found["partial"] else cites_instead(store, node),
                           root_texts=root_texts(store, found))


def _cite(store, found: dict, fmt: str) -> Response:
    """The chain's documents and publications as a BibTeX, RIS or CSL-JSON file to download."""
    from r2pkg.chain_cite import EXPORTS, chain_sources, export
    from r2pkg.web.versions import request_version

    body = export(chain_sources(store, found), fmt, found["node"]["label"], request_version())
    name = found["node"]["iri"].rstrip("/").rsplit("/", 1)[-1]
    ext, media = EXPORTS[fmt]
    response = Response(body, mimetype=media)
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="chain-{name}.{ext}"'
    return response


@bp.get("/precedents")
def precedents():
    """What a case draws on, what draws on it, and similar cases (``?case=``)."""
    from r2pkg.chains_svg import precedents_svg, timeline_svg
    from r2pkg.node_precedents import is_case, precedents_of

    store = get_store()
    given = _required("case")
    try:
        resolution = resolve_name(store, given, (R2P.Case,))
    except UnknownNodeError:  # a node of another class: say what it is, and where its answers are
        resolution = resolve_name(store, given)
    case = resolution.node
    if not is_case(store, case):
        kinds = ", ".join(sorted(store.label(t) for t in store.types(case))) or "no class"
        raise InputError(
            f"{store.label(case)} is not a case (it is: {kinds}); precedents are recorded between cases.",
            hint=f"see its page at /id/{str(case).split('/id/', 1)[-1]}, or its authority chain at "
                 f"/chain?node={case}; pick a case from the saved query 'cases-involving-all-four-crimes' or search.")
    json = wants_json()
    # a page lists (and draws) the nearest PRECEDENTS_SHOWN of each list unless asked for all;
    # the JSON answer has every one, as the command line's
    found = precedents_of(store, case, shown=None if json or request.args.get("all") else PRECEDENTS_SHOWN)
    if resolution.others:  # the other nodes the same name names, as the CLI lists them
        found = {**found, "resolved": {**resolution.as_dict(store), "note": resolution.note(store, given)}}
    if json:
        return jsonify(found)
    return render_template("api/precedents.html", found=found, svg=precedents_svg(found),
                           timeline=timeline_svg(found))


def _required(name: str) -> str:
    value = request.args.get(name, "").strip()
    if not value:
        raise InputError(f"the parameter '{name}' is missing.", hint=f"add ?{name}=IRI to the URL.")
    return value

"""Programs' routes: liveness, validation of entries, authority chains and precedents."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from r2pkg.chain_notes import cites_instead, root_texts
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

    parse_entry_text(bind_prefixes(Graph()), text.encode("utf-8"), name, fmt)  # syntax errors: 400 here
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
    fmt = request.args.get("format")
    if fmt in ("bibtex", "ris") and not target:
        return _cite(store, found, fmt)
    if wants_json():
        return jsonify(found)
    return render_template("api/chain.html", found=found, svg=chain_svg(found),
                           instead=None if target or found["chains"] or found["partial"] else cites_instead(store, node),
                           root_texts=root_texts(store, found))


def _cite(store, found: dict, fmt: str) -> Response:
    """The chain's documents and publications as a BibTeX or RIS file to download."""
    from r2pkg.chain_cite import as_bibtex, as_ris, chain_sources

    sources = chain_sources(store, found)
    body = as_bibtex(sources, found["node"]["label"]) if fmt == "bibtex" else as_ris(sources)
    name = found["node"]["iri"].rstrip("/").rsplit("/", 1)[-1]
    ext, media = ("bib", "application/x-bibtex") if fmt == "bibtex" else ("ris", "application/x-research-info-systems")
    response = Response(body, mimetype=media)
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="chain-{name}.{ext}"'
    return response


@bp.get("/precedents")
def precedents():
    """What a case draws on, what draws on it, and similar cases (``?case=``)."""
    from r2pkg.chains import graph_index
    from r2pkg.chains import precedents as find_precedents
    from r2pkg.chains_svg import precedents_svg, timeline_svg

    store = get_store()
    case = store.resolve(_required("case"))
    index = graph_index(store)
    if case not in index.cases:
        kinds = ", ".join(sorted(store.label(t) for t in store.types(case))) or "no class"
        raise InputError(
            f"{store.label(case)} is not a case (it is: {kinds}); precedents are recorded between cases.",
            hint=f"see its page at /id/{str(case).split('/id/', 1)[-1]}, or its authority chain at "
                 f"/chain?node={case}; pick a case from the saved query 'cases-involving-all-four-crimes' or search.")
    found = find_precedents(index, case)
    if wants_json():
        return jsonify(found)
    return render_template("api/precedents.html", found=found, svg=precedents_svg(found),
                           timeline=timeline_svg(found))


def _required(name: str) -> str:
    value = request.args.get(name, "").strip()
    if not value:
        raise InputError(f"the parameter '{name}' is missing.", hint=f"add ?{name}=IRI to the URL.")
    return value

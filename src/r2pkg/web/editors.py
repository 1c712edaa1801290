"""The editors' form: built on the server from ``ontology/shapes.ttl``, checked as the editor
types, turned into the Turtle the editor sees, and accepted like ``POST /entries``.

Fields, whether they are required or repeatable, the values a select offers and the help
text come from the shapes (``sh:minCount``, ``sh:maxCount``, ``sh:in``, ``sh:name``,
``sh:description``) and the ontology (``rdfs:range`` decides which nodes a picker searches).
The layout below only says which properties the form asks for, in which order.

The form produces Turtle and remembers on which line it wrote each field; a finding of the
validator names a line, so it comes back to the field it concerns. Nothing the editor types
is lost: every answer re-renders the form with the input, never a bare error page.
"""

from __future__ import annotations

import functools
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template, request
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from r2pkg.errors import InputError, R2pkgError
from r2pkg.names import resolve_name
from r2pkg.namespaces import R2P, R2PID
from r2pkg.web import get_store, run_task
from r2pkg.web.forms import not_utf8_entry, strict_form

bp = Blueprint("editors", __name__, url_prefix="/editors",
               static_folder=str(Path(__file__).parent / "editors_static"), static_url_path="/static")

#: Which classes a picker searches, by the range of the property it fills.
PICKERS: dict[str, tuple[URIRef, ...]] = {
    "state": (R2P.State,),
    "actor": (R2P.Organ, R2P.RegionalOrganization, R2P.Organization, R2P.Mandate, R2P.State, R2P.Person),
    "basis": (R2P.Provision, R2P.Document),
    "source": (R2P.Publication, R2P.Document),
    "case": (R2P.Case,),
}
PICKER_OF_PATH = {R2P.country: "state", R2P.actor: "actor", R2P.hasLegalBasis: "basis",
                  R2P.source: "source", R2P.drawsOn: "case"}

#: The form's sections: (key, class, title, properties asked for in order).
LAYOUT = (
    ("case", R2P.Case, "The case", (RDFS.label, R2P.country, R2P.startDate, R2P.endDate,
                                    R2P.scopeStatus, R2P.scopeNote, R2P.concernsCrime, R2P.drawsOn)),
    ("case.ev", R2P.Citation, "Evidence for the case", (R2P.source, R2P.locator, R2P.line, R2P.quote,
                                                         R2P.assertion, R2P.breadth, R2P.note)),
    ("crime.ev", R2P.Citation, "Evidence for the crimes (one claim per crime)",
     (R2P.source, R2P.locator, R2P.line, R2P.quote, R2P.assertion, R2P.breadth, R2P.note)),
    ("response", R2P.Response, "A response (optional)", (RDFS.label, R2P.actor, R2P.pillar, R2P.instrument,
                                                         R2P.hasLegalBasis, R2P.date)),
    ("response.ev", R2P.Citation, "Evidence for the response",
     (R2P.source, R2P.locator, R2P.line, R2P.quote, R2P.assertion, R2P.breadth, R2P.note)),
)


@dataclass
class Field:
    """One input of the form, described by the shapes."""

    key: str
    path: URIRef
    label: str
    widget: str  # text, textarea, date, select, checkboxes, picker, number
    required: bool = False
    multiple: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    picker: str = ""
    help: str = ""


@dataclass
class Section:
    key: str
    title: str
    cls: URIRef
    fields: list[Field]


# -- the form, from the shapes ---------------------------------------------------------------


def form_spec() -> list[Section]:
    """The sections and fields of the form, read from the shapes and the ontology."""
    return _form_spec(id(get_store()))


@functools.lru_cache(maxsize=8)
def _form_spec(_store_id: int) -> list[Section]:

    store = get_store()
    shapes, vocab = store.shapes(), store.vocabulary()
    sections = []
    for key, cls, title, paths in LAYOUT:
        props = _property_shapes(shapes, cls)
        fields = [_field(key, path, props.get(path, []), shapes, vocab, store) for path in paths]
        sections.append(Section(key, title, cls, fields))
    return sections


def _property_shapes(shapes, cls: URIRef) -> dict[URIRef, list[Node]]:
    """Property shapes that apply to instances of ``cls`` (by class, or by the property used)."""
    out: dict[URIRef, list[Node]] = {}
    node_shapes = set(shapes.subjects(SH.targetClass, cls))
    if cls == R2P.Citation:
        node_shapes |= set(shapes.subjects(SH.targetObjectsOf, R2P.evidence))
    node_shapes |= {s for s in shapes.subjects(SH.targetSubjectsOf, None)}
    for node_shape in node_shapes:
        for prop in shapes.objects(node_shape, SH.property):
            path = shapes.value(prop, SH.path)
            if isinstance(path, URIRef):
                out.setdefault(path, []).append(prop)
    return out


def _field(section: str, path: URIRef, props: list[Node], shapes, vocab, store) -> Field:
    def first(pred):
        for p in props:
            value = shapes.value(p, pred)
            if value is not None:
                return value
        return None

    label = str(vocab.value(path, RDFS.label) or first(SH.name) or path.rsplit("#", 1)[-1])
    if path == RDFS.label:  # the shapes name the rule ("every label says its language"), not the field
        label = "Name (in English, as the sources write it)"
    min_count, max_count = first(SH.minCount), first(SH.maxCount)
    help_text = str(first(SH.description) or vocab.value(path, SKOS.definition) or "")
    choices = [(_short(v), store.label(v)) for v in _in_list(shapes, first(SH["in"]))]
    key = f"{section}.{path.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}"
    multiple = max_count is None and path in (R2P.concernsCrime, R2P.drawsOn)
    if path == R2P.instrument:
        tools = sorted(vocab.subjects(SKOS.inScheme, R2P.ToolScheme), key=lambda t: store.label(t))
        choices = [(_short(t), store.label(t)) for t in tools]
    if choices:
        widget = "checkboxes" if multiple else "select"
    elif path in PICKER_OF_PATH:
        widget = "picker"
    elif path in (R2P.startDate, R2P.endDate, R2P.date):
        widget = "date"
    elif path == R2P.line:
        widget = "number"
    elif path in (R2P.note, R2P.scopeNote, R2P.quote):
        widget = "textarea"
    else:
        widget = "text"
    required = bool(min_count and int(min_count) >= 1) or path == RDFS.label
    return Field(key=key, path=path, label=label, widget=widget, required=required, multiple=multiple,
                 choices=choices, picker=PICKER_OF_PATH.get(path, ""), help=help_text)


def _in_list(shapes, head) -> list[Node]:
    out = []
    while head is not None and head != RDF.nil:
        value = shapes.value(head, RDF.first)
        if value is not None:
            out.append(value)
        head = shapes.value(head, RDF.rest)
    return out


PREFIXES = {
    "r2p": "https://w3id.org/r2pkg/ontology#", "rdfs": str(RDFS), "xsd": str(XSD),
    "case": str(R2PID) + "case/", "response": str(R2PID) + "response/", "claim": str(R2PID) + "claim/",
    "state": str(R2PID) + "state/", "organ": str(R2PID) + "organ/", "org": str(R2PID) + "organization/",
    "mandate": str(R2PID) + "mandate/", "person": str(R2PID) + "person/", "doc": str(R2PID) + "document/",
    "pub": str(R2PID) + "publication/", "crime": str(R2PID) + "crime/", "pillar": str(R2PID) + "pillar/",
    "tool": str(R2PID) + "tool/",
}


def _short(node: Node) -> str:
    """A prefixed name where Turtle allows one (no '/' in the local part), else <IRI>."""
    text = str(node)
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if text.startswith(ns):
            local = text[len(ns):]
            if local and all(c.isalnum() or c in "-_" for c in local):
                return f"{prefix}:{local}"
    return f"<{text}>"


# -- from the form's values to Turtle -----------------------------------------------------------


@dataclass
class Draft:
    """The Turtle a filled form produces, where each field went, and what could not be read."""

    turtle: str
    lines: dict[int, str]  # line -> section key
    problems: dict[str, list[dict]]  # field key -> messages found before validation


def build_turtle(values: Mapping, sections: list[Section]) -> Draft:
    """Turn the form's values into an entry; a value that names no node is a field message."""
    out: list[str] = [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items()] + [""]
    lines: dict[int, str] = {}
    problems: dict[str, list[dict]] = {}
    by_key = {s.key: s for s in sections}
    slug = _get(values, "case.slug").strip() or "new-case"
    case = f"case:{slug}" if _is_local(slug) else "case:new-case"
    if case == "case:new-case" and _get(values, "case.slug").strip():
        problems["case.slug"] = [_msg("The short name may hold only letters, digits and hyphens.",
                                      "Write it like kenya-2007-2008.")]

    # A crime the editor infers (the crimes' evidence says r2p:Inferred) is recorded only as a
    # claim, as the bundled data records such readings: a plain triple would state it as fact.
    inferred = _get(values, "crime.ev.assertion") == "r2p:Inferred"
    skip = {R2P.concernsCrime} if inferred else set()

    def emit(subject: str, section: Section, extra: list[tuple[str, str]]) -> None:
        start = len(out) + 1
        body = [f"{subject} a {_short(section.cls)} ;"]
        for predicate, obj in extra:
            body.append(f"    {predicate} {obj} ;")
        for f in section.fields:
            if f.path in skip:
                continue
            for value in _values(values, f):
                obj = _object(f, value, problems)
                if obj is not None:
                    body.append(f"    {_short(f.path)} {obj} ;")
        body[-1] = body[-1][:-2] + " ."
        out.extend(body)
        out.append("")
        for n in range(start, len(out) + 1):
            lines[n] = section.key

    def citation(section_key: str, node_key: str = "", extra: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        section = by_key[section_key]
        parts = [f"{_short(f.path)} {obj}" for f in section.fields for v in _values(values, f)
                 if (obj := _object(f, v, problems)) is not None]
        if not parts:
            return []
        # The citation backs the facts the editor gave for its node (contract, "What a triple
        # means"); the source's own voice unless the editor chose another breadth.
        supports = _supported(values, by_key[node_key], skip) + list(extra) if node_key else list(extra)
        if supports:
            parts.append("r2p:supports " + ", ".join(supports))
        if not _values(values, _field_by_key(sections, f"{section_key}.breadth")):
            parts.append("r2p:breadth r2p:HeldByPublication")
        return [("r2p:evidence", "[ a r2p:Citation ; " + " ; ".join(parts) + " ]")]

    response = None
    if _get(values, "response.label").strip():
        tail = _get(values, "response.slug").strip() or "response"
        response = f"response:{slug}-{tail if _is_local(tail) else 'response'}"
    emit(case, by_key["case"], citation("case.ev", "case", ("r2p:hasResponse",) if response else ())
         + ([("r2p:hasResponse", response)] if response else []))
    for crime in _values(values, _field_by_key(sections, "case.concernsCrime")):
        local = crime.split(":", 1)[-1]
        claim = f"claim:{slug}-concernsCrime-{local}"
        claim_section = Section("crime.ev", "", R2P.Claim, [])
        name = _get(values, "case.label").strip() or slug  # the case's own name: unique per entry
        label = (f"The editor reads {local.replace('-', ' ')} in {name}" if inferred
                 else f"The source attributes {local.replace('-', ' ')} to {name}")
        emit(claim, claim_section, [("rdfs:label", Literal(label, lang="en").n3()),
                                    ("r2p:claimSubject", case), ("r2p:claimProperty", "r2p:concernsCrime"),
                                    ("r2p:claimValue", crime)] + citation("crime.ev", extra=("r2p:concernsCrime",)))
    if response:
        emit(response, by_key["response"], citation("response.ev", "response"))
    return _used_prefixes_only(out, lines, problems)


def _supported(values: Mapping, section: Section, skip: set = frozenset()) -> list[str]:
    """The fact properties the editor filled in for a node and wrote as plain triples
    (structural ones need no backing; ``skip`` are kept only as claims)."""
    return [_short(f.path) for f in section.fields
            if f.path not in (RDFS.label, R2P.scopeNote) and f.path not in skip and _values(values, f)]


def _used_prefixes_only(out: list[str], lines: dict[int, str], problems: dict) -> Draft:
    """Drop the @prefix lines the entry does not use (line numbers shift with them)."""
    body = "\n".join(line for line in out if not line.startswith("@prefix"))
    keep = [line for line in out if line.startswith("@prefix") and f"{line.split()[1]}" in body]
    dropped = sum(1 for line in out if line.startswith("@prefix")) - len(keep)
    rest = [line for line in out if not line.startswith("@prefix")]
    shifted = {n - dropped: key for n, key in lines.items()}
    return Draft("\n".join(keep + rest) + "\n", shifted, problems)


def _field_by_key(sections: list[Section], key: str) -> Field:
    return next(f for s in sections for f in s.fields if f.key == key)


def _get(values: Mapping, key: str) -> str:
    return str(values.get(key, "") or "")


def _values(values: Mapping, f: Field) -> list[str]:
    raw = values.getlist(f.key) if hasattr(values, "getlist") else [values.get(f.key, "")]
    return [str(v).strip() for v in raw if v is not None and str(v).strip()]


def _is_local(text: str) -> bool:
    return bool(text) and all(c.isalnum() or c == "-" for c in text)


def _object(f: Field, value: str, problems: dict[str, list[dict]]) -> str | None:
    """The Turtle term for one value, or None (and a message at the field) when it is not one."""
    if f.widget in ("select", "checkboxes"):
        allowed = {v for v, _label in f.choices}
        if value not in allowed:
            problems.setdefault(f.key, []).append(_msg(f"'{value}' is not one of the allowed values.",
                                                        "Choose a value from the list."))
            return None
        return value
    if f.widget == "picker":
        try:
            node = _resolve(value, PICKERS.get(f.picker) or None)
        except R2pkgError as exc:
            problems.setdefault(f.key, []).append(_msg(
                exc.message[:1].upper() + exc.message[1:],
                "Type a few letters and choose from the suggestions, or give a prefixed name such as "
                "state:kenya."))
            return None
        return _short(node)
    if f.widget == "date":
        for pattern, datatype in _DATES:
            if re.fullmatch(pattern, value):
                return f'"{value}"^^xsd:{datatype}'
        problems.setdefault(f.key, []).append(_msg(
            f"'{value}' is not a date the graph can hold.",
            "Write 2008, 2008-12 or 2008-12-30: as precise as the source, no more."))
        return None
    if f.widget == "number":
        if not value.isdigit():
            problems.setdefault(f.key, []).append(_msg(f"'{value}' is not a line number.",
                                                        "Write a whole number, such as 275."))
            return None
        return str(int(value))
    if f.path == RDFS.label:
        return Literal(value, lang="en").n3()
    return Literal(value).n3()


_DATES = ((r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "date"), (r"[0-9]{4}-[0-9]{2}", "gYearMonth"), (r"[0-9]{4}", "gYear"))


def _resolve(value: str, expect: tuple[URIRef, ...] | None = None) -> URIRef:
    """The node a picker's value names, by the one resolver (preferring the picker's classes);
    an UnknownNodeError says why none."""
    return resolve_name(get_store(), value.strip().strip("<>"), expect).node


def _msg(message: str, fix: str, rule: str = "form") -> dict:
    return {"message": message, "fix": fix, "rule": rule}


# -- validation, mapped back to fields ------------------------------------------------------------


def check(values: Mapping) -> dict:
    """The entry the form makes, its findings by field, and whether it conforms."""
    from r2pkg.editing.validation import validate_entry_text

    sections = form_spec()
    if _get(values, "correct"):
        return _check_correction(values)
    if values.get("mode") == "paste":
        text = _get(values, "pasted")
        fmt = "json-ld" if values.get("format") in ("jsonld", "json-ld") else "turtle"
        try:
            report = run_task(validate_entry_text, text, fmt, "the pasted entry", timeout_key="VALIDATE_TIMEOUT")
        except InputError as exc:
            return {"turtle": text, "messages": {"pasted": [_msg(exc.message, exc.hint)]},
                    "general": [], "conforms": False}
        general = [_finding_msg(f) for f in report.findings]
        return {"turtle": text, "messages": {"pasted": general} if general else {}, "general": [],
                "conforms": report.conforms}
    draft = build_turtle(values, sections)
    # in a query worker with its own time limit, as POST /validate does
    report = run_task(validate_entry_text, draft.turtle, "turtle", "the form", timeout_key="VALIDATE_TIMEOUT")
    messages: dict[str, list[dict]] = {k: list(v) for k, v in draft.problems.items()}
    general: list[dict] = []
    if not _get(values, "case.slug").strip():
        messages.setdefault("case.slug", []).append(_msg("The case needs a short name for its IRI.",
                                                         "Write the country and years, like kenya-2007-2008."))
    for finding in report.findings:
        key = _field_for(finding, draft, sections)
        (messages.setdefault(key, []) if key else general).append(_finding_msg(finding))
    conforms = report.conforms and not messages and not general
    return {"turtle": draft.turtle, "messages": messages, "general": general, "conforms": conforms}


def _check_correction(values: Mapping) -> dict:
    """A correction's pasted entry, validated against the graph without the old version."""
    from r2pkg.editing.entries import new_entry_graph, parse_entry_text
    from r2pkg.web.entries import get_ledger

    text = _get(values, "pasted")
    fmt = "json-ld" if values.get("format") in ("jsonld", "json-ld") else "turtle"
    try:
        entry = parse_entry_text(new_entry_graph(), text.encode("utf-8"), "the correction", fmt)
        report = get_ledger().correct(_get(values, "correct"), entry, _get(values, "editor"), dry_run=True).report
    except InputError as exc:
        return {"turtle": text, "messages": {"pasted": [_msg(exc.message, exc.hint)]}, "general": [],
                "conforms": False}
    general = [_finding_msg(f) for f in report.findings]
    return {"turtle": text, "messages": {"pasted": general} if general else {}, "general": [],
            "conforms": report.conforms}


def _finding_msg(f) -> dict:
    """A finding as the form shows it: in the form's words, the Turtle wording under details."""
    message, fix = _form_words(f.message), f.fix
    details = ""
    if _TURTLE.search(f.fix or "") or _TURTLE.search(f.message or ""):
        details = f"In the entry's Turtle (line {f.line}): {f.message} Fix: {f.fix}" if f.line else \
            f"In the entry's Turtle: {f.message} Fix: {f.fix}"
        fix = _FORM_FIX.get(f.rule, "change the field marked here, then press Check again.")
    return {"message": message, "fix": fix, "rule": f.rule, "line": f.line, "field": f.field_label,
            "details": details}


#: Turtle an editor of the form never wrote: prefixed names of the graph, IRIs, statements.
_TURTLE = re.compile(r"\b(?:r2p|claim|case|response|crime|pub|doc|state|organ|tool|pillar|xsd|rdfs):[A-Za-z]|"
                     r"<https?://| ; |extendsExisting")
_FORM_FIX = {
    "provenance": "fill in the evidence for this field (source, where in it, and whether the source says it "
                  "or you infer it).",
    "identity": "choose another short name: this one is taken in the graph.",
}


def _form_words(text: str) -> str:
    """Prefixed names and IRIs in a message, said as the form says them."""
    text = re.sub(r"<https://w3id\.org/r2pkg/id/([^>]+)>", lambda m: "'" + m[1].rsplit("/", 1)[-1] + "'", text)
    text = re.sub(r"\br2p:([A-Za-z]+)\b", lambda m: re.sub(r"(?<!^)([A-Z])", r" \1", m[1]).lower(), text)
    return text


def _field_for(finding, draft: Draft, sections: list[Section]) -> str | None:
    section = draft.lines.get(finding.line or 0)
    if section is None:
        return None
    if section in ("case", "response") and str(finding.focus_label).startswith("evidence of"):
        section += ".ev"
    if section == "crime.ev" and finding.field in (str(R2P.claimValue), str(R2P.concernsCrime)):
        return "case.concernsCrime"
    if "placeholder name" in finding.message or "IRI form" in finding.message or \
            "already exists in the graph" in finding.message:
        return "case.slug" if section.startswith("case") else "response.slug"
    for s in sections:
        if s.key == section:
            for f in s.fields:
                if str(f.path) == finding.field:
                    return f.key
    return f"{section}.section"  # about the section as a whole: shown at its heading


# -- routes ---------------------------------------------------------------------------------------


@bp.get("/new")
def new_entry():
    """The empty form (or the values in the query string, for a link that pre-fills it);
    ``?correct=ID`` opens a correction of accepted entry ID with its Turtle."""
    if request.args.get("correct"):
        from werkzeug.datastructures import MultiDict

        from r2pkg.web.entries import get_ledger

        entry_id, text = get_ledger().entry_text(request.args["correct"])
        return _page(MultiDict({"mode": "paste", "correct": entry_id, "pasted": text}), result=None)
    return _page(request.args, result=None)


@bp.post("/check")
def check_route():
    """What the editor has typed so far: the Turtle and the messages by field (JSON)."""
    return jsonify(check(strict_form(not_utf8_entry)))


@bp.post("/new")
def submit():
    """Check, or accept with the editor token; the form comes back with everything typed."""
    values = strict_form(not_utf8_entry)
    result = check(values)
    if values.get("action") == "accept" and not result["conforms"]:
        repeated = _already_accepted(result["turtle"], values)
        if repeated is not None:  # a retry after a lost reply: the page of the first accept
            return render_template("editors/accepted.html", accepted=repeated, turtle=result["turtle"]), 200
    if values.get("action") != "accept" or not result["conforms"]:
        return _page(values, result), (200 if result["conforms"] else 422)
    token = str(current_app.config.get("EDITOR_TOKEN") or "")
    given = _get(values, "token")
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        current_app.logger.warning("editor form accept refused: missing or wrong editor token (from %s)",
                                   request.remote_addr)
        result["general"].append(_msg("The editor token is missing or wrong; nothing was added.",
                                      "Enter the token your team uses (R2PKG_EDITOR_TOKEN on the server)."))
        return _page(values, result), 401
    from r2pkg.web.entries import accept_text

    if _get(values, "correct"):
        return _correct(values, result)
    outcome = accept_text(result["turtle"], "json-ld" if values.get("format") in ("jsonld", "json-ld")
                          and values.get("mode") == "paste" else "turtle",
                          "the form", _get(values, "editor") or "web editor")
    if outcome.accepted is None:  # another editor added a clashing node meanwhile
        result["general"] = [_finding_msg(f) for f in outcome.report.findings]
        return _page(values, result), 422
    return render_template("editors/accepted.html", accepted=outcome.accepted, turtle=result["turtle"]), 201


def _correct(values: Mapping, result: dict):
    """Accept the pasted entry as a correction of the entry named in the form."""
    from r2pkg.editing.entries import new_entry_graph, parse_entry_text
    from r2pkg.web.entries import get_ledger

    fmt = "json-ld" if values.get("format") in ("jsonld", "json-ld") else "turtle"
    entry = parse_entry_text(new_entry_graph(), result["turtle"].encode("utf-8"), "the correction", fmt)
    outcome = get_ledger().correct(_get(values, "correct"), entry, _get(values, "editor") or "web editor",
                                   _get(values, "reason"), "the form")
    if outcome.accepted is None:
        result["general"] = [_finding_msg(f) for f in outcome.report.findings]
        return _page(values, result), 422
    return render_template("editors/accepted.html", accepted=outcome.accepted, turtle=result["turtle"]), 200


def _already_accepted(turtle: str, values: Mapping):
    """The accepted entry this form's Turtle repeats, if any (only for a valid token)."""
    from r2pkg.editing.entries import new_entry_graph, parse_entry_text
    from r2pkg.web.entries import get_ledger

    token = str(current_app.config.get("EDITOR_TOKEN") or "")
    if not token or not hmac.compare_digest(_get(values, "token").encode(), token.encode()):
        return None
    fmt = "json-ld" if values.get("format") in ("jsonld", "json-ld") and values.get("mode") == "paste" else "turtle"
    try:
        entry = parse_entry_text(new_entry_graph(), turtle.encode("utf-8"), "the form", fmt)
    except InputError:
        return None
    return get_ledger().already_accepted(entry)


@bp.get("/search")
def search():
    """Nodes of the graph for a picker: ``?kind=state|actor|basis|source|case&q=text``."""
    kind = request.args.get("kind", "")
    classes = PICKERS.get(kind)
    if classes is None:
        raise InputError(f"unknown picker '{kind}'.", hint=f"use one of {', '.join(PICKERS)}.")
    needle = request.args.get("q", "").strip().casefold()
    store = get_store()
    wanted = set(classes)
    hits = []
    for node, label in store.labels.items():
        if not isinstance(node, URIRef) or (needle and needle not in label.casefold()
                                            and needle not in str(node).casefold()):
            continue
        if _kinds(store, node) & wanted:
            hits.append({"value": _short(node).strip("<>"), "label": label, "iri": str(node)})
        if len(hits) >= 200:
            break
    hits.sort(key=lambda h: (not h["label"].casefold().startswith(needle), h["label"]))
    return jsonify(hits[:20])


def _kinds(store, node: URIRef) -> set[URIRef]:
    """The node's classes and their superclasses (a Resolution is a Document)."""
    types = store.types(node)
    out = set(types)
    for t in types:
        out |= set(_superclasses(store, t))
    return out


def _superclasses(store, cls: URIRef) -> set[Node]:
    found, pending = set(), [cls]
    while pending:
        for parent in store.objects(pending.pop(), RDFS.subClassOf):
            if parent not in found:
                found.add(parent)
                pending.append(parent)
    return found


def _page(values: Mapping, result: dict | None):
    """The form with everything typed, the token included (Check must not make the editor
    type it again); such a page is never stored by a cache."""
    from flask import make_response

    token_configured = bool(current_app.config.get("EDITOR_TOKEN"))
    response = make_response(render_template(
        "editors/form.html", sections=form_spec(), values=values, result=result,
        accepting=token_configured, get=lambda k: _get(values, k),
        getlist=lambda k: values.getlist(k) if hasattr(values, "getlist") else []))
    response.headers["Cache-Control"] = "no-store"
    return response

"""Saved queries: one ``queries/NAME.rq`` file per question, with a YAML header.

The header sits on ``#+ `` comment lines (grlc's decorator syntax), so each file stays valid
SPARQL. Parameters follow grlc's names: ``?_name_iri`` is required, ``?__name_iri``
optional; the suffix gives the type (``_iri``, ``_integer``, ``_en``, ``_literal``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from r2pkg.errors import InputError, UnknownNodeError
from r2pkg.names import EXPECTED, resolve_name
from r2pkg.sparql import Answer
from r2pkg.store import Store, project_root

HEADER_KEYS = {"summary", "description", "tags", "defaults", "enumerate", "expect"}
_PARAM = re.compile(r"[?$](__?)([A-Za-z][A-Za-z0-9]*)_(iri|integer|en|literal)\b")


@dataclass(frozen=True)
class Parameter:
    """One declared parameter of a saved query."""

    name: str
    kind: str  # iri, integer, en, literal
    required: bool
    variable: str  # the variable as written, without ? (e.g. "__tool_iri")
    default: str | None = None
    choices: tuple[str, ...] = ()

    def describe(self) -> str:
        """``name (required, default X)``: what ``query --list`` and error hints show."""
        parts = ["required" if self.required else "optional", self.kind]
        if self.default is not None:
            parts.append(f"default {_shorten(self.default)}")
        if self.choices:
            parts.append("one of " + "|".join(_shorten(c) for c in self.choices))
        return f"{self.name} ({', '.join(parts)})"


def _shorten(value: str) -> str:
    from r2pkg.names import short

    return short(URIRef(value)) if value.startswith(("http://", "https://")) else value


@dataclass(frozen=True)
class SavedQuery:
    """A query file with its title, description, parameters and expected answer."""

    name: str
    path: Path
    text: str
    summary: str
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    expect: Mapping[str, object] = field(default_factory=dict)

    def bindings(self, values: Mapping[str, str] | None = None, use_defaults: bool = True,
                 store: Store | None = None) -> dict[str, Node]:
        """Turn user-given strings into typed values; a missing required one is an error.

        With a ``store``, an IRI parameter takes every name the rest of the product takes
        (full IRI, prefixed name, exact label) and a name of no node is an error: a typo
        must never come back as an empty, "successful" answer.
        """
        values = dict(values or {})
        unknown = set(values) - {p.name for p in self.parameters}
        if unknown:
            raise InputError(
                f"the query '{self.name}' has no parameter '{sorted(unknown)[0]}'.",
                hint=f"its parameters are: {self.parameter_list() or 'none'}.",
            )
        out: dict[str, Node] = {}
        for p in self.parameters:
            raw = values.get(p.name)
            if (raw is None or raw == "") and use_defaults:
                raw = p.default
            if raw is None or raw == "":
                if p.required:
                    raise InputError(
                        f"the query '{self.name}' needs the parameter '{p.name}'.",
                        hint=f"give it as --param {p.name}=VALUE (CLI) or ?{p.name}=VALUE (web).",
                    )
                continue
            out[p.variable] = _typed(p, raw, store)
        return out


    def parameter_list(self) -> str:
        """The parameters as users give them: ``case (required, default case:rwanda-1994)``."""
        return ", ".join(p.describe() for p in self.parameters)

    def defaults_used(self, values: Mapping[str, str] | None = None) -> list[Parameter]:
        """The parameters a run without them fills from the defaults (to say so)."""
        values = values or {}
        return [p for p in self.parameters if not values.get(p.name) and p.default is not None]


def _typed(p: Parameter, raw: str, store: Store | None = None) -> Node:
    if p.kind == "iri":
        node = _node(p, raw, store)
        _check_choice(p, str(node))
        return node
    _check_choice(p, raw)
    if p.kind == "integer":
        if not re.fullmatch(r"-?\d+", raw.strip()):
            raise InputError(f"the parameter '{p.name}' needs a whole number, not '{raw}'.")
        return Literal(int(raw), datatype=XSD.integer)
    if p.kind == "en":
        return Literal(raw, lang="en")
    return Literal(raw)


def _check_choice(p: Parameter, value: str) -> None:
    if p.choices and value not in p.choices:
        raise InputError(
            f"'{value}' is not one of the values allowed for '{p.name}'.",
            hint=f"choose one of: {', '.join(p.choices)}.",
        )


def _node(p: Parameter, raw: str, store: Store | None) -> URIRef:
    """The node an IRI parameter names (by the one resolver, preferring the class the
    parameter expects); without a store only a full IRI can be taken."""
    if store is None:
        if not re.match(r"^[a-z][a-z0-9+.-]*:", raw, re.I):
            raise InputError(f"the parameter '{p.name}' needs a full IRI, not '{raw}'.")
        return URIRef(raw)
    try:
        # a closed list of values is its own check of the class (and says which values)
        return resolve_name(store, raw, None if p.choices else EXPECTED.get(p.name)).node
    except UnknownNodeError as exc:
        if exc.message.startswith("no node of the graph"):
            raise InputError(f"the parameter '{p.name}' names no node of the graph: '{raw.strip()}'.",
                             hint=exc.hint) from exc
        raise InputError(f"the parameter '{p.name}': {exc.message}", hint=exc.hint) from exc


def queries_dir(root: Path | None = None) -> Path:
    """The folder of saved queries."""
    return (root or project_root()) / "queries"


def read_header(text: str) -> dict:
    """The YAML header of a query file: its ``#+ `` lines with the marker removed."""
    lines = [ln[3:] if ln.startswith("#+ ") else ln[2:] for ln in text.splitlines() if ln.startswith("#+")]
    if not lines:
        return {}
    header = yaml.safe_load("\n".join(lines)) or {}
    if not isinstance(header, dict):
        raise InputError("the query header is not a YAML mapping.")
    return header


def load_saved_query(path: Path, strict: bool = True) -> SavedQuery:
    """Read one ``.rq`` file; a bad header names the file and the key.

    Files in ``queries/`` must have a header (``strict``); a user's own query file need not.
    """
    text = path.read_text(encoding="utf-8")
    try:
        header = read_header(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{path.name}: the header is not valid YAML ({exc}).") from exc
    unknown = set(header) - HEADER_KEYS
    if unknown:
        raise InputError(f"{path.name}: unknown header key '{sorted(unknown)[0]}'.",
                         hint=f"the keys are: {', '.join(sorted(HEADER_KEYS))}.")
    if not header.get("summary"):
        if strict:
            raise InputError(f"{path.name}: the header has no 'summary'.")
        header["summary"] = path.name
    defaults = _mapping(header.get("defaults"))
    choices = _mapping(header.get("enumerate"))
    params: dict[str, Parameter] = {}
    body = "\n".join(ln for ln in text.splitlines() if not ln.lstrip().startswith("#"))
    for m in _PARAM.finditer(body):  # the header and comments may mention a variable by name
        underscores, name, kind = m.groups()
        if name not in params:
            params[name] = Parameter(
                name=name, kind=kind, required=len(underscores) == 1,
                variable=f"{underscores}{name}_{kind}",
                default=None if defaults.get(name) is None else str(defaults.get(name)),
                choices=tuple(str(c) for c in choices.get(name) or ()),
            )
    tags = header.get("tags") or ()
    return SavedQuery(
        name=path.stem, path=path, text=text, summary=str(header["summary"]).strip(),
        description=str(header.get("description") or "").strip(),
        tags=tuple(str(t) for t in tags), parameters=tuple(params.values()),
        expect=header.get("expect") or {},
    )


def _mapping(value: object) -> dict:
    """grlc writes defaults as a list of one-key mappings; accept a plain mapping too."""
    if isinstance(value, dict):
        return value
    out: dict = {}
    for item in value or ():
        if isinstance(item, dict):
            out.update(item)
    return out


def saved_queries(root: Path | None = None) -> dict[str, SavedQuery]:
    """Every saved query, by name."""
    return {p.stem: load_saved_query(p) for p in sorted(queries_dir(root).glob("*.rq"))}


def find_query(name_or_file: str, root: Path | None = None) -> SavedQuery:
    """A saved query by name, or any ``.rq`` file by path."""
    path = Path(name_or_file)
    candidate = queries_dir(root) / f"{name_or_file}.rq"
    if "/" not in name_or_file and candidate.is_file():
        return load_saved_query(candidate)
    if path.is_file():
        return load_saved_query(path, strict=False)
    raise UnknownNodeError(
        f"no saved query is called '{name_or_file}', and no such file exists.",
        hint="list the saved queries with 'r2pkg query --list'.",
    )


def run_saved(store: Store, query: SavedQuery, values: Mapping[str, str] | None = None) -> Answer:
    """Run a saved query with its parameters bound (defaults fill what is not given): from
    the store's views where they answer it (:mod:`r2pkg.query_views`), else by its SPARQL."""
    from r2pkg.query_views import answer_saved

    bindings = query.bindings(values, store=store)
    found = answer_saved(store, query.name, query.text, bindings)
    return found if found is not None else store.query(query.text, bindings)

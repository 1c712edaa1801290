"""One way of turning a name into a node, for the CLI, the web, saved-query parameters and
the editors' form.

A node is named by full IRI, by prefixed name (``case:rwanda-1994``), by a path under
``r2pid:`` or by its exact label (case aside). Where the caller expects a class (precedents
expect a case, the ``document`` parameter a document), that class is preferred:

1. an IRI or prefixed name of a node is that node; of a node of another class it is an
   error that says what the node is and which nodes of the expected class it relates to;
2. an exact label is taken among the nodes of the expected class first;
3. otherwise a node of the expected class whose label begins with the name
   ("Rwanda" → "Rwanda, genocide (1994)"), or that names the labelled node as its
   country (a case of the state "Rwanda"), when exactly one such node exists.

The other nodes that the same label names are returned with the answer, so that every
caller can list them. A name that names nothing, or names several nodes of the expected
class equally well, is an :class:`~r2pkg.errors.UnknownNodeError` (exit 2, HTTP 400): a typo
never comes back as an empty answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import RDFS
from rdflib.term import Node

from r2pkg.errors import UnknownNodeError
from r2pkg.namespaces import PREFIXES, R2P, R2PID

_NOT_AN_IRI = re.compile(r'[\s<>"{}|\\^`]')

#: The class each saved-query parameter (and each command) expects, by parameter name.
EXPECTED: dict[str, tuple[URIRef, ...]] = {
    "case": (R2P.Case,),
    "mandate": (R2P.Mandate,),
    "document": (R2P.Document, R2P.Provision),
    "publication": (R2P.Publication,),
    "pillar": (R2P.Pillar,),
}
#: Properties that tie a node of an expected class to the node a label names (a case to its state).
_LINKS = (R2P.country,)


@dataclass(frozen=True)
class Resolution:
    """The node a name resolved to, and the other nodes the same name also names."""

    node: URIRef
    others: tuple[URIRef, ...] = field(default_factory=tuple)

    def note(self, store, given: str) -> str:
        """One line naming the other nodes, or "" when there are none."""
        if not self.others:
            return ""
        listed = "; ".join(f"{short(o)} ({_kind(store, o)})" for o in self.others)
        return f"'{given.strip()}' also names: {listed}; took {short(self.node)} ({_kind(store, self.node)})."

    def as_dict(self, store) -> dict:
        return {"iri": str(self.node), "also_named": [{"iri": str(o), "label": store.label(o),
                                                        "class": _kind(store, o)} for o in self.others]}


def resolve_name(store, name: str, expect: tuple[URIRef, ...] | None = None) -> Resolution:
    """The node ``name`` names, preferring nodes of the ``expect`` classes (see the module)."""
    text = name.strip()
    if not text:
        raise UnknownNodeError("no name was given.", hint=_HINT)
    node = _by_iri(store, text)
    if node is not None:
        if expect and not _is_a(store, node, expect):
            raise _wrong_class(store, text, node, expect)
        return Resolution(node)
    labelled = _by_label(store, text)
    if not expect:
        if labelled:
            return Resolution(labelled[0], tuple(labelled[1:]))
        raise UnknownNodeError(f"no node of the graph is called '{text}'.", hint=_HINT)
    fitting = [n for n in labelled if _is_a(store, n, expect)]
    if len(fitting) == 1:
        return Resolution(fitting[0], tuple(n for n in labelled if n != fitting[0]))
    if not fitting:
        fitting = _starting_with(store, text, expect) or _linked(store, labelled, expect)
    if len(fitting) == 1:
        return Resolution(fitting[0], tuple(labelled))
    wanted = " or ".join(store.label(c) for c in expect)
    if fitting:
        listed = "; ".join(f"{short(n)} ({store.label(n)})" for n in fitting[:12])
        raise UnknownNodeError(f"'{text}' could name several nodes of class {wanted}: {listed}.",
                               hint="give one of them by its prefixed name.")
    if labelled:
        raise _wrong_class(store, text, labelled[0], expect)
    raise UnknownNodeError(f"no node of the graph is called '{text}'.", hint=_HINT)


_HINT = ("give a full IRI, a prefixed name such as case:rwanda-1994, or an exact label; search the "
         "labels on the home page or with the saved query 'find-by-label'.")


def short(node: Node) -> str:
    """The node as a prefixed name where one of the contract's prefixes fits (``case:rwanda-1994``)."""
    text = str(node)
    best = ""
    for prefix, namespace in PREFIXES.items():
        ns = str(namespace)
        if text.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")) and _is_local(text[len(ns):]):
            best = prefix
    return f"{best}:{text[len(str(PREFIXES[best])):]}" if best else f"<{text}>"


def _is_local(text: str) -> bool:
    return bool(re.fullmatch(r"[\w][\w.-]*", text)) and not text.endswith(".")


def _by_iri(store, text: str) -> URIRef | None:
    candidates = []
    if ":" in text and not text.startswith("http"):
        prefix, _, local = text.partition(":")
        namespace = dict(store.namespaces()).get(prefix) or PREFIXES.get(prefix)
        if namespace is not None:
            candidates.append(str(namespace) + local)
    candidates.append(text)
    if not text.startswith("http") and "/" in text:
        candidates.append(str(R2PID) + text.lstrip("/"))
    for candidate in candidates:
        if _NOT_AN_IRI.search(candidate) or ":" not in candidate:
            continue  # a label, not a name: never sent to an engine as an IRI
        node = URIRef(candidate)
        if store.exists(node):
            return node
    return None


def _by_label(store, text: str) -> list[URIRef]:
    folded = text.casefold()
    return sorted((n for n, lab in store.labels.items() if isinstance(n, URIRef) and lab.casefold() == folded),
                  key=str)


def _starting_with(store, text: str, expect: tuple[URIRef, ...]) -> list[URIRef]:
    """Nodes of the expected class whose label begins with the name and a break (", " or " (")."""
    pattern = re.compile(re.escape(text.casefold()) + r"(?:[,;(]|\s[(,-])")
    return sorted((n for n, lab in store.labels.items()
                   if isinstance(n, URIRef) and pattern.match(lab.casefold()) and _is_a(store, n, expect)), key=str)


def _linked(store, labelled: list[URIRef], expect: tuple[URIRef, ...]) -> list[URIRef]:
    """Nodes of the expected class that point at a labelled node (the cases of a state)."""
    found = {s for n in labelled for p in _LINKS for s in store.subjects(p, n) if _is_a(store, s, expect)}
    return sorted(found, key=str)


def _is_a(store, node: URIRef, expect: tuple[URIRef, ...]) -> bool:
    return bool(classes_of(store, node) & set(expect))


def classes_of(store, node: URIRef) -> set[URIRef]:
    """The node's classes and their superclasses (a Resolution is a Document)."""
    found: set[URIRef] = set()
    pending = list(store.types(node))
    while pending:
        cls = pending.pop()
        if cls in found:
            continue
        found.add(cls)
        pending.extend(c for c in store.objects(cls, RDFS.subClassOf) if isinstance(c, URIRef))
    return found


def _kind(store, node: URIRef) -> str:
    return ", ".join(sorted(store.label(t) for t in store.types(node))) or "no class"


def _wrong_class(store, text: str, node: URIRef, expect: tuple[URIRef, ...]) -> UnknownNodeError:
    wanted = " or ".join(store.label(c) for c in expect)
    related = _linked(store, [node], expect)
    hint = (f"the nodes of class {wanted} that refer to it: {', '.join(short(n) for n in related[:12])}."
            if related else f"give a node of class {wanted}; {_HINT}")
    return UnknownNodeError(f"'{text}' names {short(node)} ({store.label(node)}), a {_kind(store, node)}, "
                            f"not a {wanted}.", hint=hint)

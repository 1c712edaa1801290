"""SHACL validation of the bundled graph and of new entries, as reports an editor can act on.

A new entry is validated *in the context of* the graph without re-validating the graph: we
copy into a small working graph only what the entry needs (the ontology, the nodes it
points at and their authority chains), validate that, and keep the findings about the
entry's own nodes. Its cost grows with the entry, not with the graph.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyshacl
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from r2pkg.namespaces import AUTHORITY_PROPERTIES, R2P, R2PID
from r2pkg.store import Store, project_root

RULE_GROUPS = ("4+3", "authority", "provenance", "form")


@dataclass(frozen=True)
class Finding:
    """One problem: which entry, which field, what is wrong, which rule, how to fix it."""

    focus: str
    focus_label: str
    field: str
    field_label: str
    message: str
    rule: str
    fix: str
    severity: str = "Violation"
    value: str | None = None
    shape: str | None = None


@dataclass
class Report:
    """The outcome of a validation: conforms or not, and the findings grouped by node."""

    conforms: bool
    findings: list[Finding] = field(default_factory=list)
    checked: int = 0

    def by_node(self) -> dict[str, list[Finding]]:
        """Findings grouped by the node they concern, in a stable order."""
        groups: dict[str, list[Finding]] = {}
        for f in sorted(self.findings, key=lambda f: (f.focus_label, f.field_label, f.message)):
            groups.setdefault(f.focus, []).append(f)
        return groups

    def counts(self) -> dict[str, int]:
        """How many findings per rule group."""
        out = {g: 0 for g in RULE_GROUPS}
        for f in self.findings:
            out[f.rule] = out.get(f.rule, 0) + 1
        return out

    def as_dict(self) -> dict:
        """The report as plain data, for JSON."""
        return {
            "conforms": self.conforms,
            "checked_nodes": self.checked,
            "counts": self.counts(),
            "findings": [asdict(f) for f in self.findings],
        }

    def as_text(self) -> str:
        """The report for a terminal: counts first, then one block per node."""
        if self.conforms:
            return f"conforms: {self.checked} node(s) checked, no problems found."
        counts = ", ".join(f"{n} {g}" for g, n in self.counts().items() if n)
        lines = [f"does not conform: {len(self.findings)} problem(s) ({counts})."]
        for focus, items in self.by_node().items():
            lines.append("")
            lines.append(f"{items[0].focus_label} <{focus}>")
            for f in items:
                value = f" (value: {f.value})" if f.value else ""
                lines.append(f"  [{f.rule}] {f.field_label}: {f.message}{value}")
                if f.fix:
                    lines.append(f"      fix: {f.fix}")
        return "\n".join(lines)


@functools.lru_cache(maxsize=4)
def shapes_graph(root: Path | None = None) -> Graph:
    """The SHACL shapes (ontology/shapes*.ttl), parsed once."""
    root = root or project_root()
    graph = Graph()
    for path in sorted((root / "ontology").glob("shapes*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@functools.lru_cache(maxsize=4)
def vocabulary_graph(root: Path | None = None) -> Graph:
    """The ontology and concept schemes without the shapes, parsed once."""
    root = root or project_root()
    graph = Graph()
    for path in sorted((root / "ontology").glob("*.ttl")):
        if not path.name.startswith("shapes"):
            graph.parse(path, format="turtle")
    return graph


class _WorkingGraph(Graph):
    """A graph that parses each SPARQL text once.

    pySHACL hands the same constraint queries to ``Graph.query`` as text on every
    validation, and rdflib's parser takes ~30 ms each: most of the time of a small entry.
    """

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803
              initBindings=None, use_store_provided=True, **kwargs):  # noqa: N803
        if isinstance(query_object, str):
            query_object = _prepared(query_object, tuple(sorted((initNs or {}).items())))
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)


@functools.lru_cache(maxsize=256)
def _prepared(text: str, namespaces: tuple):
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(text, initNs=dict(namespaces))


def validate_store(store: Store) -> Report:
    """Validate the whole graph against the shapes."""
    data = store.local_copy()
    report = _run_shacl(data, focus_of=None, labels=store.label)
    report.checked = len(set(data.subjects(RDF.type, None)))
    return report


def validate_entry(store: Store, entry: Graph) -> Report:
    """Validate a new entry against the shapes, in the context of the graph in ``store``.

    Nothing is added to the store: the entry is checked in a working copy that holds the
    entry and what it points at.
    """
    own = _entry_nodes(entry)
    work = _WorkingGraph()
    for triple in vocabulary_graph():
        work.add(triple)
    for triple in _context(store, entry, own):
        work.add(triple)
    for triple in entry:
        work.add(triple)

    def label(node: Node) -> str:
        for value in entry.objects(node, RDFS.label):
            return str(value)
        return store.label(node)

    report = _run_shacl(work, focus_of=own, labels=label)
    report.findings.extend(_dangling(store, entry, own, label))
    report.findings.extend(_undeclared_terms(entry))
    report.conforms = not report.findings
    report.checked = len({n for n in own if isinstance(n, URIRef)})
    return report


def validate_entry_text(store: Store, text: str, fmt: str, name: str = "the entry") -> Report:
    """Parse an entry (Turtle or JSON-LD text) and validate it: the task web workers run."""
    from r2pkg.entries import parse_entry_text
    from r2pkg.namespaces import bind_prefixes

    entry = parse_entry_text(bind_prefixes(Graph()), text.encode("utf-8"), name, fmt)
    return validate_entry(store, entry)


def _entry_nodes(entry: Graph) -> set[Node]:
    """Subjects the entry defines: its IRIs and the blank nodes it contains."""
    return set(entry.subjects())


def _context(store: Store, entry: Graph, own: set[Node]) -> Iterable[tuple[Node, Node, Node]]:
    """Triples of the nodes the entry points at, and their authority chains, from the store."""
    pending = [o for o in set(entry.objects()) if isinstance(o, URIRef) and o not in own]
    seen: set[Node] = set()
    graph = store
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in graph.predicate_objects(node):
            if isinstance(o, BNode):
                continue
            yield node, p, o
            if p in AUTHORITY_PROPERTIES and isinstance(o, URIRef):
                pending.append(o)


def _run_shacl(data: Graph, focus_of: set[Node] | None, labels) -> Report:
    shapes = shapes_graph()
    conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True,
        allow_warnings=True, abort_on_first=False, inplace=True,  # never copies: reads only
    )
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        if focus_of is not None and focus not in focus_of:
            continue
        findings.append(_finding(results, result, shapes, labels))
    findings = _dedupe(findings)
    return Report(conforms=not findings if focus_of is not None else bool(conforms), findings=findings)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    out = []
    for f in findings:
        key = (f.focus, f.field, f.message, f.value)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _finding(results: Graph, result: Node, shapes: Graph, labels) -> Finding:
    focus = results.value(result, SH.focusNode)
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
    source = results.value(result, SH.sourceConstraint) or results.value(result, SH.sourceShape)
    shape = results.value(result, SH.sourceShape)
    rule = shapes.value(source, R2P.ruleGroup) or shapes.value(shape, R2P.ruleGroup) or "form"
    message = (shapes.value(source, SH.message) or shapes.value(shape, SH.message)
               or results.value(result, SH.resultMessage) or "constraint not met")
    fix = shapes.value(source, R2P.fix) or shapes.value(shape, R2P.fix) or ""
    severity = results.value(result, SH.resultSeverity)
    return Finding(
        focus=str(focus), focus_label=_node_label(focus, labels),
        field=str(path) if path is not None else "", field_label=_field_label(path),
        message=str(message), rule=str(rule), fix=str(fix),
        severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
        value=None if value is None or isinstance(value, BNode) else str(value),
        shape=None if isinstance(source, BNode) or source is None else str(source),
    )


def _node_label(node: Node | None, labels) -> str:
    if node is None:
        return "(unknown node)"
    if isinstance(node, BNode):
        return "evidence of an entry"
    return labels(node)


def _field_label(path: Node | None) -> str:
    if path is None:
        return "(node)"
    vocab = vocabulary_graph()
    label = vocab.value(path, RDFS.label)
    if label is not None:
        return str(label)
    return str(path).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _dangling(store: Store, entry: Graph, own: set[Node], labels) -> list[Finding]:
    """IRIs of individuals that the entry uses but neither the graph nor the entry defines."""
    vocab = vocabulary_graph()
    out = []
    for s, p, o in sorted(entry, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
        if p == RDF.type or p in AUTHORITY_PROPERTIES or not isinstance(o, URIRef) or o in own:
            continue  # a missing basis is reported by the authority rule, not twice
        if not str(o).startswith(str(R2PID)):
            continue
        if store.exists(o) or (o, None, None) in vocab:
            continue
        out.append(Finding(
            focus=str(s) if isinstance(s, URIRef) else str(s), focus_label=_node_label(s, labels),
            field=str(p), field_label=_field_label(p),
            message=f"the entry points at <{o}>, which is neither in the graph nor defined by the entry.",
            rule="form", value=str(o),
            fix="check the IRI against the graph (search its label on the home page), or add that node to the entry.",
        ))
    return out


def _undeclared_terms(entry: Graph) -> list[Finding]:
    """r2p: properties and classes that the ontology does not declare (usually a typo)."""
    vocab = vocabulary_graph()
    declared = set(vocab.subjects(RDF.type, None))
    out = []
    used: set[tuple[Node, Node]] = set()
    for s, p, o in entry:
        for term in (p, o if p == RDF.type else None):
            if isinstance(term, URIRef) and str(term).startswith(str(R2P)) and term not in declared:
                used.add((s, term))
    for s, term in sorted(used, key=lambda x: (str(x[0]), str(x[1]))):
        out.append(Finding(
            focus=str(s), focus_label=str(s).rsplit("/", 1)[-1], field=str(term),
            field_label=str(term).rsplit("#", 1)[-1],
            message=f"'r2p:{str(term).rsplit('#', 1)[-1]}' is not a term of the r2pkg ontology.",
            rule="form", value=str(term),
            fix="check the spelling against the list at /ontology.",
        ))
    return out


__all__ = ["Finding", "Report", "validate_entry", "validate_store", "shapes_graph",
           "vocabulary_graph", "validate_entry_text"]

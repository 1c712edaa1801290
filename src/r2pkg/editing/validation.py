"""SHACL validation of the bundled graph and of new entries, as reports an editor can act on.

A new entry is validated *in the context of* the graph without re-validating the graph: we
copy into a small working graph only what the entry needs (the ontology, the nodes it
points at and their authority chains), validate that, and keep the findings about the
entry's own nodes. Its cost grows with the entry, not with the graph.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace

import pyshacl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from r2pkg.editing.shacl_sparql import Progress, Result, compile_shapes, run_checks

from r2pkg.namespaces import AUTHORITY_PROPERTIES, R2P, R2PID
from r2pkg.store import Store

RULE_GROUPS = ("4+3", "authority", "provenance", "identity", "form")


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
    #: Where in the entry the editor finds it: the file (or "the entry") and the line.
    file: str | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        """"line 12" (with the file when an entry came in several), or "" when unknown."""
        if self.line is None:
            return ""
        return f"line {self.line}"


@dataclass
class Report:
    """The outcome of a validation: conforms or not, and the findings grouped by node."""

    conforms: bool
    findings: list[Finding] = field(default_factory=list)
    checked: int = 0

    def by_node(self) -> dict[str, list[Finding]]:
        """Findings grouped by the node they concern, in a stable order."""
        groups: dict[str, list[Finding]] = {}
        for f in sorted(self.findings, key=lambda f: (f.line or 0, f.focus_label, f.field_label, f.message)):
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
            "findings": [asdict(f) for f in sorted(self.findings, key=lambda f: (f.file or "", f.line or 0))],
        }

    def as_text(self) -> str:
        """The report for a terminal: counts first, then one block per node."""
        if self.conforms:
            return f"conforms: {self.checked} node(s) checked, no problems found."
        counts = ", ".join(f"{n} {g}" for g, n in self.counts().items() if n)
        lines = [f"does not conform: {len(self.findings)} problem(s) ({counts})."]
        for focus, items in self.by_node().items():
            lines.append("")
            first = items[0]
            name = f"{first.focus_label} <{focus}>" if focus.startswith("http") else first.focus_label
            lines.append(f"{first.file}: {name}" if first.file else name)
            for f in items:
                value = f" (value: {f.value})" if f.value else ""
                where = f"line {f.line}, " if f.line else ""
                lines.append(f"  {where}{f.field_label} [{f.rule}]: {f.message}{value}")
                if f.fix:
                    lines.append(f"      fix: {f.fix}")
        return "\n".join(lines)


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


def validate_store(store: Store, limit: int | None = None,
                   progress: Callable[[Progress], None] | None = None) -> Report:
    """Validate the whole graph against the shapes, each rule as one query over the store.

    The shapes are compiled into SPARQL (:mod:`r2pkg.editing.shacl_sparql`) and run where the graph
    lives, so the cost is that of the store's own joins; a shape the compiler does not
    translate is handed, alone, to pySHACL. ``limit`` stops after that many findings.
    """
    shapes = store.shapes()
    checks, unsupported = _compiled(shapes)
    engine = store.for_whole_graph_queries()
    results = run_checks(store_select(engine), checks, class_test(engine), limit, progress)
    if unsupported and (limit is None or len(results) < limit):
        results += _pyshacl_results(store.local_copy(), only_shapes(shapes, unsupported))
    vocab = store.vocabulary()

    def label(node: Node) -> str:
        return "evidence (a citation without a name)" if isinstance(node, BNode) else store.label(node)

    findings = _dedupe([_finding_of(r, shapes, label, vocab) for r in results])
    findings += _quotes_not_in_sources(store, engine, label, vocab)
    if limit is not None:
        findings = findings[:limit]
    report = Report(conforms=not any(f.severity == "Violation" for f in findings), findings=findings)
    report.checked = _typed_nodes(engine)
    return report


def _quotes_not_in_sources(store: Store, engine: Store, labels, vocab: Graph) -> list[Finding]:
    """Every quote of the graph against its source's fingerprint (each distinct passage once)."""
    from r2pkg.editing.rules import QUOTE_FIX, quote_fingerprints, quote_problem

    prints = quote_fingerprints()
    if not prints:
        return []

    sources = " ".join(f"<{iri}>" for iri in sorted(prints))  # a quote of any other source is accepted
    pattern = f"""VALUES ?source {{ {sources} }}
            ?this r2p:source ?source ; r2p:quote ?quote . OPTIONAL {{ ?this r2p:line ?line }}"""
    select = store_select(engine)
    # Each distinct (source, quote, line) checked once: many citations share one passage
    # (at 1M generated triples, tens of thousands of rows to convert and look up for a few
    # hundred passages); the citations are asked for only where a passage fails.
    problems = {}
    for row in select(f"PREFIX r2p: <{R2P}>\nSELECT DISTINCT ?source ?quote ?line WHERE {{ {pattern} }}"):
        key = (row["source"], row["quote"], row.get("line"))
        problem = quote_problem(store, *key, prints)
        if problem:
            problems[key] = problem
    if not problems:
        return []
    out = []
    for row in select(f"PREFIX r2p: <{R2P}>\nSELECT ?this ?source ?quote ?line WHERE {{ {pattern} }}"):
        problem = problems.get((row["source"], row["quote"], row.get("line")))
        if problem:
            out.append(Finding(
                focus=str(row["this"]), focus_label=_node_label(row["this"], labels), field=str(R2P.quote),
                field_label=_field_label(R2P.quote, vocab), message=problem, rule="provenance", fix=QUOTE_FIX,
                value=str(row["quote"])))
    return out


def store_select(store: Store):
    """A compiled check's query, run on whatever store holds the graph (rows as dicts)."""
    from r2pkg.sparql import ParsedQuery

    def select(text: str):
        answer = store.run(ParsedQuery(text, "SELECT"))
        for row in answer.rows:
            yield {name: _simple(term) for name, term in zip(answer.names, row) if term is not None}

    return select


def _simple(term: Node) -> Node:
    """``"x"^^xsd:string`` as ``"x"``: one literal in RDF 1.1, two terms to rdflib (and pySHACL)."""
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term))
    return term


def class_test(store: Store) -> Callable[[Node, Node], bool]:
    """Is a node an instance of a class (or of a subclass)? For the few values SPARQL left open."""
    from r2pkg.sparql import ParsedQuery

    subclasses: dict[Node, set[Node]] = {}

    def has_class(node: Node, cls: Node) -> bool:
        if cls not in subclasses:
            answer = store.run(ParsedQuery(
                f"PREFIX rdfs: <{RDFS}>\nSELECT ?c WHERE {{ ?c rdfs:subClassOf* {cls.n3()} }}", "SELECT"))
            subclasses[cls] = {row[0] for row in answer.rows} | {cls}
        return any(t in subclasses[cls] for t in store.objects(node, RDF.type))

    return has_class


def only_shapes(shapes: Graph, keep: list[Node]) -> Graph:
    """The shapes graph with the targets of every shape but ``keep`` removed (for pySHACL)."""
    from r2pkg.editing.shacl_sparql import TARGETS

    out = Graph()
    for s, p, o in shapes:
        if s not in keep and (p in TARGETS or (p == RDF.type and o in (RDFS.Class, OWL.Class))):
            continue
        out.add((s, p, o))
    return out


def _typed_nodes(store: Store) -> int:
    from r2pkg.sparql import ParsedQuery

    answer = store.run(ParsedQuery("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?t }", "SELECT"))
    return int(answer.rows[0][0]) if answer.rows and answer.rows[0][0] is not None else 0


def validate_entry(store: Store, entry: Graph) -> Report:
    """Validate a new entry against the shapes, in the context of the graph in ``store``.

    Nothing is added to the store: the entry is checked in a working copy that holds the
    entry and what it points at.
    """
    own = _entry_nodes(entry)
    work = Graph()  # the entry and what it points at; the vocabulary joins it in _run_shacl
    vocab = store.vocabulary()  # parsed once per store, not once per worker
    for triple in _context(store, entry, own):
        work.add(triple)
    for triple in entry:
        work.add(triple)

    def label(node: Node) -> str:
        if isinstance(node, BNode):
            for parent, prop in entry.subject_predicates(node):
                return f"{_field_label(prop, vocab)} of '{label(parent)}'"
            return "a node without a name"
        for value in entry.objects(node, RDFS.label):
            return str(value)
        return node_label(store, node)

    from r2pkg.editing import rules as entry_rules

    def make(node: Node, prop: Node, rule: str, message: str, fix: str, value: str | None = None) -> Finding:
        return Finding(focus=str(node), focus_label=label(node), field=str(prop),
                       field_label=_field_label(prop, vocab), message=message, rule=rule, fix=fix, value=value)

    report = _run_shacl(work, focus_of=own, labels=label, shapes=store.shapes(), vocab=vocab)
    report.findings.extend(_dangling(store, entry, own, label, vocab))
    report.findings.extend(_undeclared_terms(entry, vocab))
    report.findings.extend(entry_rules.check(store, entry, own, make))
    report.findings = _located(_merges_first(report.findings), entry, own)
    report.conforms = not report.findings
    report.checked = len({n for n in own if isinstance(n, URIRef)})
    return report


def node_label(store: Store, node: Node) -> str:
    """The label :meth:`Store.label` gives, read from the node's own triples.

    ``Store.label`` reads every label of the graph once; an entry's findings need a few,
    and an entry's cost must not grow with the graph (nor after each accepted entry).
    """
    from rdflib.namespace import SKOS

    for prop in (RDFS.label, SKOS.prefLabel):
        for value in store.objects(node, prop):
            if isinstance(value, Literal) and value.language in (None, "en"):
                return str(value)
    text = str(node)
    return text.rstrip("/").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or text


def _merges_first(findings: list[Finding]) -> list[Finding]:
    """Where an entry reuses a node of the graph by mistake, that is the one thing to say.

    Everything else about the node (two start dates, a label in conflict) follows from the
    merge and would bury the cause.
    """
    merged = {f.focus for f in findings if f.rule == "identity" and "already exists in the graph" in f.message}
    return [f for f in findings if f.focus not in merged or f.rule == "identity"]


def _located(findings: list[Finding], entry: Graph, own: set[Node]) -> list[Finding]:
    """Each finding with the file and line where the editor wrote the node or field."""
    where = getattr(entry, "where", None)
    if where is None:
        return findings
    nodes = {str(n): n for n in own}
    out = []
    for f in findings:
        node = nodes.get(f.focus)
        place = where(node, URIRef(f.field) if f.field else None) if node is not None else None
        out.append(replace(f, file=place[0], line=place[1]) if place else f)
    return out


def validate_entry_text(store: Store, text: str, fmt: str, name: str = "the entry") -> Report:
    """Parse an entry (Turtle or JSON-LD text) and validate it: the task web workers run."""
    from r2pkg.editing.entries import new_entry_graph, parse_entry_text

    entry = parse_entry_text(new_entry_graph(), text.encode("utf-8"), name, fmt)
    return validate_entry(store, entry)


def _entry_nodes(entry: Graph) -> set[Node]:
    """Subjects the entry defines: its IRIs and the blank nodes it contains."""
    return set(entry.subjects())


def _context(store: Store, entry: Graph, own: set[Node]) -> Iterable[tuple[Node, Node, Node]]:
    """Triples of the nodes the entry points at, and their authority chains, from the store."""
    graph = store
    for node in own:  # a node of the graph the entry adds to is checked as a whole
        if isinstance(node, URIRef) and store.exists(node):
            yield from _with_blank_nodes(graph, node)
            for claim in graph.subjects(R2P.claimSubject, node):
                yield from _with_blank_nodes(graph, claim)
    pending = [o for o in set(entry.objects()) if isinstance(o, URIRef) and o not in own]
    seen: set[Node] = set()
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


def _with_blank_nodes(graph: Graph, node: Node) -> Iterable[tuple[Node, Node, Node]]:
    for p, o in graph.predicate_objects(node):
        yield node, p, o
        if isinstance(o, BNode):
            yield from _with_blank_nodes(graph, o)


def _run_shacl(data: Graph, focus_of: set[Node] | None, labels, shapes: Graph, vocab: Graph) -> Report:
    """The shapes on a small working graph, by the same compiled engine as the whole graph.

    The graph is copied into an Oxigraph store of its own (1,300 triples: a few ms), where
    the compiled checks take about half of pySHACL's time on the same graph.
    """
    import pyoxigraph as ox

    from r2pkg.store.oxigraph import OxigraphStore, to_ox

    checks, unsupported = _compiled(shapes)
    engine = OxigraphStore(ox.Store())
    default = ox.DefaultGraph()
    engine.engine.extend(_vocabulary_quads(vocab))
    engine.engine.extend([ox.Quad(to_ox(s), to_ox(p), to_ox(o), default) for s, p, o in data])
    results = run_checks(store_select(engine), checks, class_test(engine))
    if unsupported:
        whole = _WorkingGraph()
        for triple in vocab + data:
            whole.add(triple)
        results += _pyshacl_results(whole, only_shapes(shapes, unsupported))
    if focus_of is not None:
        results = [r for r in results if r.focus in focus_of]
    findings = _dedupe([_finding_of(r, shapes, labels, vocab) for r in results])
    return Report(conforms=not any(f.severity == "Violation" for f in findings), findings=findings)


_QUADS: dict[int, tuple[Graph, list]] = {}


def _vocabulary_quads(vocab: Graph) -> list:
    """The vocabulary as pyoxigraph quads, converted once per vocabulary graph."""
    import pyoxigraph as ox

    from r2pkg.store.oxigraph import to_ox

    found = _QUADS.get(id(vocab))
    if found is None or found[0] is not vocab:
        default = ox.DefaultGraph()
        found = _QUADS[id(vocab)] = (vocab, [ox.Quad(to_ox(s), to_ox(p), to_ox(o), default) for s, p, o in vocab])
    return found[1]


_COMPILED: dict[int, tuple[Graph, tuple]] = {}


def _compiled(shapes: Graph) -> tuple:
    """The shapes compiled once per shapes graph (a store parses its shapes once)."""
    found = _COMPILED.get(id(shapes))
    if found is None or found[0] is not shapes:
        found = _COMPILED[id(shapes)] = (shapes, compile_shapes(shapes))
    return found[1]


def _pyshacl_results(data: Graph, shapes: Graph) -> list[Result]:
    """pySHACL's results as :class:`~r2pkg.editing.shacl_sparql.Result` (the reference engine)."""
    _conforms, graph, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", advanced=True,
        allow_warnings=True, abort_on_first=False, inplace=True,  # never copies: reads only
    )
    out = []
    for result in graph.subjects(RDF.type, SH.ValidationResult):
        component = graph.value(result, SH.sourceConstraintComponent)
        name = str(component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent") if component else ""
        out.append(Result(
            focus=graph.value(result, SH.focusNode), path=graph.value(result, SH.resultPath),
            value=graph.value(result, SH.value), shape=graph.value(result, SH.sourceShape),
            constraint=graph.value(result, SH.sourceConstraint), component=name,
            severity=graph.value(result, SH.resultSeverity) or SH.Violation,
        ))
    return out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    out = []
    for f in findings:
        key = (f.focus, f.field, f.message, f.value)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _finding_of(result: Result, shapes: Graph, labels, vocab: Graph) -> Finding:
    """A result as a finding an editor reads: the shape's message, rule group and fix."""
    source = result.constraint or result.shape
    shape = result.shape
    rule = shapes.value(source, R2P.ruleGroup) or shapes.value(shape, R2P.ruleGroup) or "form"
    message = shapes.value(source, SH.message) or shapes.value(shape, SH.message) or "constraint not met"
    fix = shapes.value(source, R2P.fix) or shapes.value(shape, R2P.fix) or ""
    value, path, severity = result.value, result.path, result.severity
    return Finding(
        focus=str(result.focus), focus_label=_node_label(result.focus, labels),
        field=str(path) if path is not None else "", field_label=_field_label(path, vocab),
        message=str(message), rule=str(rule), fix=str(fix),
        severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
        value=None if value is None or isinstance(value, BNode) else str(value),
        shape=None if isinstance(source, BNode) or source is None else str(source),
    )


def _node_label(node: Node | None, labels) -> str:
    if node is None:
        return "(unknown node)"
    return labels(node)


def _field_label(path: Node | None, vocab: Graph) -> str:
    if path is None:
        return "(node)"
    label = vocab.value(path, RDFS.label)
    if label is not None:
        return str(label)
    return str(path).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _dangling(store: Store, entry: Graph, own: set[Node], labels, vocab: Graph) -> list[Finding]:
    """IRIs of individuals that the entry uses but neither the graph nor the entry defines."""
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
            field=str(p), field_label=_field_label(p, vocab),
            message=f"the entry points at <{o}>, which is neither in the graph nor defined by the entry.",
            rule="form", value=str(o),
            fix="check the IRI against the graph (search its label on the home page), or add that node to the entry.",
        ))
    return out


def _undeclared_terms(entry: Graph, vocab: Graph) -> list[Finding]:
    """r2p: properties and classes that the ontology does not declare (usually a typo)."""
    declared = set(vocab.subjects(RDF.type, None))
    out = []
    used: set[tuple[Node, Node]] = set()
    for s, p, o in entry:
        for term in (p, o if p == RDF.type else None):
            if isinstance(term, URIRef) and str(term).startswith(str(R2P)) and term not in declared \
                    and term != R2P.extendsExisting:
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


__all__ = ["Finding", "Report", "validate_entry", "validate_store", "validate_entry_text"]

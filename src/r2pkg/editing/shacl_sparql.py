"""The SHACL shapes compiled into SPARQL that runs once over the whole store.

pySHACL evaluates a SPARQL-based constraint focus node by focus node through rdflib's
SPARQL engine: on the bundled graph that is 35 s of the whole-graph check, and it grows
faster than the graph. Here every constraint of every shape becomes one SELECT whose
pattern starts with the shape's targets, so the store (Oxigraph, or the external
endpoint) joins all focus nodes at once with its own indexes; simple property constraints
of one focus set then share a query (:func:`merge_checks`). The shapes stay the only
definition of the rules: nothing here names a rule of r2pkg.

A constraint the compiler does not know raises :class:`Unsupported`; the caller then
hands that shape alone to pySHACL (see :func:`r2pkg.editing.validation.validate_store`), so a new
kind of rule is still checked, only slower. A value test SPARQL cannot decide exactly as
pySHACL does (an ill-typed ``xsd:date``, a pattern) is written so that SPARQL returns every
value that *may* fail, and :mod:`r2pkg.editing.shacl_terms` decides each of those in Python.
pySHACL is the reference: ``tests/test_shacl_reference.py`` compares the two.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from r2pkg.editing import shacl_terms
from r2pkg.errors import QueryError, R2pkgError

#: Parameters of the constraint components compiled here; any other sh: term on a shape
#: that is not bookkeeping (names, messages, targets) makes the shape Unsupported.
VALUE_PARAMS = {SH["class"], SH.datatype, SH.nodeKind, SH["in"], SH.languageIn, SH.pattern,
                SH.flags, SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive,
                SH.minLength, SH.maxLength, SH["or"], SH["and"]}
COUNT_PARAMS = {SH.minCount, SH.maxCount, SH.hasValue}
TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
BOOKKEEPING = {SH.name, SH.description, SH.message, SH.severity, SH.order, SH.group, SH.defaultValue,
               SH.deactivated, SH.path, SH.property, SH.sparql, SH.prefixes, SH.declare, SH.select}


class Unsupported(Exception):
    """A shape uses a construct this compiler does not translate (named in the message)."""


@dataclass(frozen=True)
class Check:
    """One constraint of one shape, as one SELECT over the whole store.

    The query binds ``?this`` (the focus node) and, as the shape needs, ``?value`` and
    ``?path``. ``recheck`` (when given) decides in Python, for each returned value, whether
    it really fails: SPARQL then only narrowed the values down.
    """

    shape: Node
    component: str
    severity: Node
    path: Node | None
    text: str
    constraint: Node | None = None
    value_is_focus: bool = False
    recheck: Callable[[Node, Callable[[Node, Node], bool]], bool] | None = None
    #: For a SPARQL-based constraint: the focus pattern, and the query with each focus node
    #: written in (``__FOCUS__``), for stores that cannot join it over the whole graph.
    focus: str | None = None
    bound: str | None = None
    #: How the check may share one query with others of the same focus set and a plain
    #: property path (see :func:`merge_checks`): ("value", property, failing test on
    #: ``?value``), ("min", property, "1") or ("max", property, the maximum).
    share: tuple[str, str, str] | None = None
    #: A merged check: the checks it runs, row ``?_k`` naming the one a result is of.
    parts: tuple[Check, ...] = ()


@dataclass(frozen=True)
class Result:
    """One validation result, with the fields of a SHACL ``sh:ValidationResult``."""

    focus: Node
    path: Node | None
    value: Node | None
    shape: Node
    constraint: Node | None
    component: str
    severity: Node


def compile_shapes(shapes: Graph, merge: bool = True) -> tuple[list[Check], list[Node]]:
    """Every shape with a target as checks, and the shapes that need pySHACL instead
    (``merge`` false: one query per constraint, as :func:`merge_checks` is tested against)."""
    checks: list[Check] = []
    unsupported: list[Node] = []
    for shape in sorted(targeted_shapes(shapes), key=str):
        try:
            checks.extend(_shape_checks(shapes, shape))
        except Unsupported:
            unsupported.append(shape)
    return (merge_checks(checks) if merge else checks), unsupported


def merge_checks(checks: list[Check]) -> list[Check]:
    """Checks of one focus set on plain properties run as one query per kind.

    Each compiled check reads its focus set again (every citation, every node of a class):
    at 1M triples that read, not the test, is most of a simple rule's cost. Value tests
    (``sh:in``, ``sh:datatype``, ...) of one focus set become one query over the values of
    all their properties, minimum counts of 1 one anti-join (MINUS) of (node, property), maximum
    counts one grouping; each row's ``?_k`` names the check it fails. Results are the same
    as the separate checks': each part's test is applied only to rows of its own property.
    """
    groups: dict[tuple[str, str], list[Check]] = {}
    out: list[Check] = []
    for check in checks:
        if check.share is None:
            out.append(check)
        else:
            groups.setdefault((check.share[0], check.focus), []).append(check)
    for (kind, focus), parts in groups.items():
        out.append(parts[0] if len(parts) == 1 and kind != "min" else _merged(kind, focus, parts))
    return out


def _merged(kind: str, focus: str, parts: list[Check]) -> Check:
    rows = " ".join(f"({c.share[1]} {k})" for k, c in enumerate(parts))
    values = f"VALUES (?_p ?_k) {{ {rows} }}"
    if kind == "value":
        test = " || ".join(f"(?_k = {k} && {c.share[2]})" for k, c in enumerate(parts))
        text = f"SELECT DISTINCT ?this ?value ?_k WHERE {{ {focus} {values} ?this ?_p ?value . FILTER ({test}) }}"
    elif kind == "min":
        # MINUS, not FILTER NOT EXISTS (the same here: ?this and ?_p are bound in every
        # solution): one anti-join, three times faster on Oxigraph at 1M triples
        props = " ".join(c.share[1] for c in parts)
        text = f"SELECT ?this ?_k WHERE {{ {focus} {values} MINUS {{ VALUES ?_p {{ {props} }} ?this ?_p ?v }} }}"
    else:
        low = min(int(c.share[2]) for c in parts)
        text = (f"SELECT ?this ?_k (COUNT(DISTINCT ?v) AS ?_n) WHERE {{ {focus} {values} ?this ?_p ?v }} "
                f"GROUP BY ?this ?_k HAVING (COUNT(DISTINCT ?v) > {low})")
    first = parts[0]
    return Check(first.shape, f"merged {kind}", first.severity, None, text, parts=tuple(parts))


def targeted_shapes(shapes: Graph) -> set[Node]:
    """Shapes that select focus nodes themselves (explicit or implicit class targets)."""
    found = {s for p in TARGETS for s in shapes.subjects(p, None)}
    for kind in (RDFS.Class, OWL.Class):
        found |= {s for s in shapes.subjects(RDF.type, kind)
                  if (s, RDF.type, SH.NodeShape) in shapes or (s, RDF.type, SH.PropertyShape) in shapes}
    return {s for s in found if not _deactivated(shapes, s)}


def _deactivated(shapes: Graph, node: Node) -> bool:
    return shapes.value(node, SH.deactivated) == Literal(True)


def _shape_checks(shapes: Graph, shape: Node) -> list[Check]:
    focus = _focus_pattern(shapes, shape)
    out = _constraints(shapes, shape, focus)
    for prop in shapes.objects(shape, SH.property):
        if _deactivated(shapes, prop):
            continue
        if (prop, SH.property, None) in shapes:
            raise Unsupported(f"{prop}: sh:property inside a property shape")
        out.extend(_constraints(shapes, prop, focus))
    return out


def _constraints(shapes: Graph, shape: Node, focus: str) -> list[Check]:
    """The checks of one shape (node or property) for the focus nodes ``focus`` selects."""
    for p in set(shapes.predicates(shape, None)):
        if str(p).startswith(str(SH)) and p not in VALUE_PARAMS | COUNT_PARAMS | TARGETS | BOOKKEEPING:
            raise Unsupported(f"{shape}: {p}")
    severity = shapes.value(shape, SH.severity) or SH.Violation
    path_node = shapes.value(shape, SH.path)
    path = None if path_node is None else sparql_path(shapes, path_node)
    plain = isinstance(path_node, URIRef)
    out = []
    for comp, text in _counts(shapes, shape, focus, path):
        share = None
        if plain and comp == "MinCount" and int(shapes.value(shape, SH.minCount)) == 1:
            share = ("min", path, "1")
        elif plain and comp == "MaxCount":
            share = ("max", path, str(int(shapes.value(shape, SH.maxCount))))
        out.append(Check(shape, comp, severity, path_node, text, focus=focus if share else None, share=share))
    for comp, ok, recheck in _value_tests(shapes, shape):
        if comp == "Class" and path is not None:  # one anti-join, not a path walk per value
            cls = shacl_terms.SUBCLASSES.search(ok("?value")).group(0)
            text = (f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . "
                    f"MINUS {{ ?value rdf:type ?_class . VALUES ?_class {{ {cls} }} }} }}")
            out.append(Check(shape, comp, severity, path_node, text))
            continue
        if path is None:
            text = f"SELECT DISTINCT ?this WHERE {{ {focus} FILTER (!({ok('?this')})) }}"
        else:
            text = f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . FILTER (!({ok('?value')})) }}"
        share = ("value", path, f"!({ok('?value')})") if plain else None
        out.append(Check(shape, comp, severity, path_node, text, value_is_focus=path is None, recheck=recheck,
                         focus=focus if share else None, share=share))
    for constraint in shapes.objects(shape, SH.sparql):
        if not _deactivated(shapes, constraint):
            text, bound = _sparql_constraint(shapes, constraint, focus, path)
            out.append(Check(shape, "SPARQL", severity, path_node, text, constraint=constraint,
                             value_is_focus=path is None, focus=focus, bound=bound))
    return out


# -- targets and paths ---------------------------------------------------------------------

def _focus_pattern(shapes: Graph, shape: Node) -> str:
    """A group pattern binding ``?this`` to each focus node once."""
    parts = [f"?this rdf:type/rdfs:subClassOf* {_n3(c)} ." for c in shapes.objects(shape, SH.targetClass)]
    if any((shape, RDF.type, k) in shapes for k in (RDFS.Class, OWL.Class)):
        parts.append(f"?this rdf:type/rdfs:subClassOf* {_n3(shape)} .")
    parts += [f"?this {_n3(p)} ?_t ." for p in shapes.objects(shape, SH.targetSubjectsOf)]
    parts += [f"?_t {_n3(p)} ?this ." for p in shapes.objects(shape, SH.targetObjectsOf)]
    parts += [f"VALUES ?this {{ {_n3(n)} }}" for n in shapes.objects(shape, SH.targetNode)]
    union = " UNION ".join(f"{{ {p} }}" for p in sorted(parts))
    return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"


def sparql_path(shapes: Graph, node: Node) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(node, URIRef):
        return _n3(node)
    if (node, RDF.first, None) in shapes:
        return "(" + "/".join(sparql_path(shapes, n) for n in Collection(shapes, node)) + ")"
    for prop, template in ((SH.inversePath, "^({})"), (SH.zeroOrMorePath, "({})*"),
                           (SH.oneOrMorePath, "({})+"), (SH.zeroOrOnePath, "({})?")):
        inner = shapes.value(node, prop)
        if inner is not None:
            return template.format(sparql_path(shapes, inner))
    alternatives = shapes.value(node, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(shapes, n) for n in Collection(shapes, alternatives)) + ")"
    raise Unsupported(f"path {node}")


# -- constraint components -------------------------------------------------------------------

def _counts(shapes: Graph, shape: Node, focus: str, path: str | None) -> Iterator[tuple[str, str]]:
    """sh:minCount, sh:maxCount and sh:hasValue: one result per focus node."""
    low, high = shapes.value(shape, SH.minCount), shapes.value(shape, SH.maxCount)
    if (low is not None or high is not None) and path is None:
        raise Unsupported(f"{shape}: a count on a node shape")
    if low is not None and int(low) == 1:
        yield "MinCount", f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} ?v }} }}"
    elif low is not None and int(low) > 1:
        yield "MinCount", (f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this {path} ?v }} }} "
                           f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {int(low)})")
    if high is not None:
        yield "MaxCount", (f"SELECT ?this WHERE {{ {focus} ?this {path} ?v }} "
                           f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {int(high)})")
    for value in shapes.objects(shape, SH.hasValue):
        if path is None:
            yield "HasValue", f"SELECT ?this WHERE {{ {focus} FILTER (!sameTerm(?this, {_n3(value)})) }}"
        else:
            yield "HasValue", f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} {_n3(value)} }} }}"


Test = Callable[[str], str]


def _value_tests(shapes: Graph, shape: Node) -> Iterator[tuple[str, Test, Callable | None]]:
    """Each value constraint as (component, SPARQL "may conform" test, exact Python recheck)."""
    for param in sorted(VALUE_PARAMS - {SH.flags}, key=str):
        for arg in shapes.objects(shape, param):
            yield _component_name(param), *_value_test(shapes, shape, param, arg)


def _component_name(param: URIRef) -> str:
    name = str(param)[len(str(SH)):]
    return name[0].upper() + name[1:]


def _value_test(shapes: Graph, shape: Node, param: URIRef, arg: Node) -> tuple[Test, Callable | None]:
    """A SPARQL test true for every value that conforms (or may: then with a Python recheck)."""
    if param in (SH["or"], SH["and"]):
        members = [_member_tests(shapes, m) for m in Collection(shapes, arg)]
        conjunctions = [[test for test, _ in member] for member in members]
        join = " || " if param == SH["or"] else " && "

        def test(v: str) -> str:
            return join.join("(" + (" && ".join(f"({t(v)})" for t in c) or "true") + ")"
                             for c in conjunctions) or "true"

        return test, shacl_terms.composite(param == SH["or"], [[e for _, e in m] for m in members])
    return shacl_terms.value_test(param, arg, _items(shapes, arg), shapes.value(shape, SH.flags))


def _member_tests(shapes: Graph, member: Node) -> list[tuple[Test, Callable]]:
    """The value tests of one member shape of sh:or / sh:and, each with its exact recheck."""
    params = {p for p in shapes.predicates(member, None) if str(p).startswith(str(SH))}
    if params - VALUE_PARAMS - {SH.name, SH.description, SH.message} or params & {SH["or"], SH["and"]}:
        raise Unsupported(f"sh:or member {member} uses {sorted(params)}")
    out = []
    flags = shapes.value(member, SH.flags)
    for param in sorted(params - {SH.flags}, key=str):
        for arg in shapes.objects(member, param):
            test, _ = shacl_terms.value_test(param, arg, _items(shapes, arg), flags)
            out.append((test, shacl_terms.exact(param, arg, _items(shapes, arg), flags)))
    return out


def _items(shapes: Graph, node: Node) -> list[Node] | None:
    return list(Collection(shapes, node)) if _is_list(shapes, node) else None


def _is_list(shapes: Graph, node: Node) -> bool:
    return node == RDF.nil or (node, RDF.first, None) in shapes


# -- SPARQL-based constraints ----------------------------------------------------------------

_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)
_THIS = re.compile(r"[$?]this\b")


def _sparql_constraint(shapes: Graph, constraint: Node, focus: str, path: str | None) -> tuple[str, str]:
    """The constraint's SELECT with the focus nodes joined in first, and its prefixes declared.

    pySHACL pre-binds ``$this`` for one focus node at a time; joining the target pattern at
    the start of the same group binds it for all of them, and every FILTER of the group
    (NOT EXISTS included) still sees it bound.
    """
    text = shapes.value(constraint, SH.select)
    if text is None:
        raise Unsupported(f"{constraint}: SPARQL constraint without sh:select")
    text = str(text)
    for variable in ("$currentShape", "$shapesGraph"):
        if variable in text:
            raise Unsupported(f"{constraint}: {variable}")
    if "$PATH" in text:
        if path is None:
            raise Unsupported(f"{constraint}: $PATH on a node shape")
        text = text.replace("$PATH", path)
    match = _SELECT.search(text)
    brace = text.find("{", match.end()) if match else -1
    if brace < 0:
        raise Unsupported(f"{constraint}: no SELECT pattern")
    end = _closing(text, brace)
    if end < 0:
        raise Unsupported(f"{constraint}: unbalanced braces")
    where = union_in_subquery(minus_for_not_exists(text[brace + 1:end]))
    body = text[:brace + 1] + late_filters(f"\n    {focus}\n" + where) + text[end:]
    # as pySHACL runs it: the focus node written in for $this (Virtuoso will not walk a
    # transitive path from an unbound start, as Authority-noCycle asks)
    bound = (_THIS.sub("(__FOCUS__ AS ?this)", text[:brace]) + _THIS.sub("__FOCUS__", text[brace:]))
    return _prefixes(shapes, constraint) + body, _prefixes(shapes, constraint) + bound


_NOT_EXISTS = re.compile(r"FILTER\s*NOT\s+EXISTS\s*\{", re.IGNORECASE)
_VARIABLE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
_FILTER = re.compile(r"FILTER\s*[A-Za-z]*\s*\(", re.IGNORECASE)
_NOT_PLAIN = re.compile(r"\b(OPTIONAL|EXISTS|MINUS|BIND|VALUES|SELECT|SERVICE|GRAPH|UNION)\b", re.IGNORECASE)


def minus_for_not_exists(body: str) -> str:
    """``FILTER NOT EXISTS { G }`` of the top-level group as ``MINUS { G }`` where the two agree.

    Oxigraph evaluates a NOT EXISTS pattern once per solution without using the solution's
    bindings (a path from ``$this`` is walked from every node: 64 s for 97 responses at 64k
    triples); MINUS is one anti-join (2 ms). They give the same answer when G mentions
    ``$this`` (bound in every solution, so the two always share a variable), holds only
    triple patterns, paths, FILTERs and NOT EXISTS groups that agree with MINUS themselves
    (see :func:`_as_minus`), and its FILTERs use only variables its own patterns bind.
    Anything else is left as written. ``body`` starts just inside the WHERE's brace.
    """
    shared = {"this"} | _always_bound(body)
    return _rewrite(body, lambda group, elsewhere: _as_minus(group, shared, elsewhere, top=True))


def _always_bound(body: str) -> set[str]:
    """Variables of the group's own triple patterns (not in a nested group, a FILTER or an
    expression): bound in every solution. Empty where the group binds variables in other
    ways (BIND, VALUES), to stay on the safe side."""
    flat, depth = [], 0
    for char in body:
        depth += char == "{"
        if depth == 0:
            flat.append(char)
        depth -= char == "}" and depth > 0
    text = "".join(flat)
    text = re.sub(r"#[^\n]*", " ", text)
    if re.search(r"\b(BIND|VALUES|SELECT|AS)\b", text, re.IGNORECASE) or '"' in text or "'" in text:
        return set()
    out, pos = [], 0
    for match in _FILTER.finditer(text):
        end = _closing(text, match.end() - 1, "(", ")")
        if end < 0:
            return set()
        out.append(text[pos:match.start()])
        pos = end + 1
    out.append(text[pos:])
    return set(_VARIABLE.findall(" ".join(out)))


def _rewrite(body: str, convert: Callable[[str, str], str | None], elsewhere: str = "") -> str:
    """Each top-level ``FILTER NOT EXISTS { G }`` of ``body`` replaced by
    ``convert(G, the text outside G)`` (left as written where that is None)."""
    out, pos = [], 0
    for match in _NOT_EXISTS.finditer(body):
        if match.start() < pos or _depth(body[:match.start()]) != 0:
            continue
        end = _closing(body, match.end() - 1)
        if end < 0:
            break
        converted = convert(body[match.end():end], elsewhere + " " + body[:match.start()] + " " + body[end + 1:])
        if converted is not None:
            out.append(body[pos:match.start()] + converted)
            pos = end + 1
    out.append(body[pos:])
    return "".join(out)


def _as_minus(group: str, shared: set[str], elsewhere: str, top: bool) -> str | None:
    """``MINUS { G' }`` for ``FILTER NOT EXISTS { G }``, or None where they may differ.

    ``shared``: variables bound in every solution the filter sees; G must bind one of them.
    ``elsewhere``: the query's text outside G. A group nested in another NOT EXISTS
    (``top`` false) is evaluated with the enclosing group alone, without the outer
    solution, so each of its variables not bound by the enclosing group's patterns must
    be used nowhere else (NOT EXISTS would see it bound, MINUS free). A nested
    ``FILTER NOT EXISTS`` in G (Fact-notOnlyParticipants: "no own citation that is not a
    participant's") is converted by the same rule, or G is left as written.
    """
    nested: list[str] = []
    plain = _rewrite(group, lambda inner, _outside: nested.append(inner) or " ")
    if _NOT_PLAIN.search(plain) or '"' in plain or "'" in plain:
        return None
    filters, patterns, pos = [], [], 0
    for match in _FILTER.finditer(plain):
        end = _closing(plain, match.end() - 1, "(", ")")
        if end < 0:
            return None
        patterns.append(plain[pos:match.start()])
        filters.append(plain[match.end():end])
        pos = end + 1
    patterns.append(plain[pos:])
    bound = set(_VARIABLE.findall(" ".join(patterns)))
    used = set(_VARIABLE.findall(" ".join(filters)))
    if not bound & shared or not used <= bound:
        return None
    if not top and (bound | used) - shared & set(_VARIABLE.findall(elsewhere)):
        return None
    converted = []
    for i, inner in enumerate(nested):
        around = " ".join([elsewhere, plain] + nested[:i] + nested[i + 1:])
        minus = _as_minus(inner, bound, around, top=False)
        if minus is None:
            return None
        converted.append(minus)
    hashed = hash_joined(" ".join(patterns), filters)
    return "MINUS {" + (hashed or plain).rstrip() + " " + " ".join(converted) + " }"


_TERM = re.compile(r"""\s*(\?[A-Za-z_][A-Za-z0-9_]*|\$[A-Za-z_][A-Za-z0-9_]*|<[^<>"{}|^`\\\s]*>|[A-Za-z][\w-]*:[\w-]*|:[\w-]*|a(?=\s)|[;,.])""")


def hash_joined(patterns: str, filters: list[str]) -> str | None:
    """Triple patterns with a constant predicate, each as a subquery of its own, or None.

    The group a MINUS removes is evaluated once, on its own; Oxigraph joins its triple
    patterns one lookup per row (``?c r2p:evidence``, then the citation's ``r2p:assertion``,
    then its ``r2p:supports``: 1.2 s for 223k rows at 1M triples, in RocksDB seeks).
    ``{ SELECT * WHERE { tp } }`` per pattern makes each one scan its predicate once and
    the joins hash joins (0.3 s): the same solutions, as a basic graph pattern is the
    join of its triple patterns. Only plain triples (variables, IRIs, ``a``) with an IRI
    predicate are rewritten, at least two of them; anything else is left as written.
    ``filters``: the group's FILTER expressions, kept in the group.
    """
    terms, pos = [], 0
    text = re.sub(r"#[^\n]*", " ", patterns)
    while pos < len(text.rstrip()):
        match = _TERM.match(text, pos)
        if match is None:
            return None
        terms.append(match.group(1))
        pos = match.end()
    triples, current, subject, predicate = [], [], None, None
    for term in terms + ["."]:
        if term in ";,.":
            if len(current) == 3:
                triples.append(tuple(current))
            elif current and len(current) != (1 if term == "," else 2):
                return None
            if term == ".":
                if current and len(current) < 3:
                    return None
                current = []
            elif len(current) < 3:
                return None
            else:
                current = [current[0]] if term == ";" else current[:2]
            continue
        current.append(term)
        if len(current) > 3:
            return None
    if len(triples) < 2 or any(p.startswith(("?", "$")) for _, p, _ in triples):
        return None
    out = [f"{{ SELECT * WHERE {{ {s} {p} {o} }} }}" for s, p, o in triples]
    return " ".join(out + [f"FILTER ({f})" for f in filters])


_EXISTS_FILTER = re.compile(r"FILTER\s*(NOT\s+)?EXISTS\s*\{", re.IGNORECASE)


def late_filters(where: str) -> str:
    """The group's ``FILTER (NOT) EXISTS`` kept as written, moved after the rest of the group.

    A FILTER applies to the group's solutions wherever it is written, but Oxigraph tests it
    as soon as its variables are bound: Fact-backed tested "is ?path in a structural
    vocabulary" on every triple of every node (4.7 s of 8.7 at 1M triples), before the
    anti-joins left the few unbacked ones. ``{ SELECT * WHERE { rest } } FILTER …`` keeps
    the meaning (the subquery passes every variable of the group on) and tests the filter
    on what is left.
    """
    moved, rest, pos = [], [], 0
    for match in _EXISTS_FILTER.finditer(where):
        if match.start() < pos or _depth(where[:match.start()]) != 0:
            continue
        end = _closing(where, match.end() - 1)
        if end < 0:
            return where
        rest.append(where[pos:match.start()])
        moved.append(where[match.start():end + 1])
        pos = end + 1
    if not moved:
        return where
    rest.append(where[pos:])
    return "{ SELECT * WHERE {" + "".join(rest) + "} }\n" + "\n".join(moved) + "\n"


_BRANCH_END = re.compile(r"\s*UNION\s*\{", re.IGNORECASE)
_KEYWORD_BEFORE = re.compile(r"(OPTIONAL|MINUS|EXISTS|GRAPH|SERVICE|UNION|WHERE)\s*$", re.IGNORECASE)


def union_in_subquery(body: str) -> str:
    """A top-level ``{ A } UNION { B }`` of plain triple patterns as a subquery of its own.

    Joined in the group, Oxigraph evaluates the UNION again for every solution of the
    patterns before it (Fact-notOnlyParticipants: 111 s at 46k triples); as
    ``{ SELECT DISTINCT vars WHERE { { A } UNION { B } } }`` it is evaluated once and joined
    (0.3 s). The subquery projects every variable of the UNION that the query uses
    elsewhere, so the join is the same; only how often a row repeats may change, and a
    validation result is a set. Branches holding anything but triple patterns are left
    as written (a FILTER could see variables from outside).
    """
    out, pos, i = [], 0, 0
    while True:
        i = body.find("{", i)
        if i < 0:
            break
        if _depth(body[:i]) != 0 or _KEYWORD_BEFORE.search(body[:i]):
            i += 1
            continue
        branches, end = _branches(body, i)
        if len(branches) < 2 or not all(_plain_branch(b) for b in branches):
            i = (end if end > i else i) + 1
            continue
        union = body[i:end + 1]
        elsewhere = set(_VARIABLE.findall(body[:i] + " " + body[end + 1:])) | {"this"}
        names = sorted(set(_VARIABLE.findall(union)) & elsewhere)
        out.append(body[pos:i] + f"{{ SELECT DISTINCT {' '.join('?' + n for n in names)} WHERE {{ {union} }} }}")
        pos = i = end + 1
    out.append(body[pos:])
    return "".join(out)


def _branches(body: str, start: int) -> tuple[list[str], int]:
    """The groups of a ``{ } UNION { } ...`` starting at ``start``, and where it ends."""
    branches, end = [], _closing(body, start)
    while end >= 0:
        branches.append(body[start + 1:end])
        follow = _BRANCH_END.match(body, end + 1)
        if follow is None:
            return branches, end
        start = follow.end() - 1
        nxt = _closing(body, start)
        if nxt < 0:
            return branches, end
        end = nxt
    return branches, start


def _plain_branch(branch: str) -> bool:
    return not re.search(r"[{}\"']|\b(FILTER|BIND|VALUES|OPTIONAL|MINUS|SERVICE|GRAPH|SELECT)\b", branch, re.I)


def _depth(text: str) -> int:
    return text.count("{") - text.count("}")


def _closing(text: str, start: int, opening: str = "{", closing: str = "}") -> int:
    """The index of the bracket closing the one at ``start``, or -1."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == opening:
            depth += 1
        elif text[i] == closing:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _prefixes(shapes: Graph, constraint: Node) -> str:
    lines = []
    for holder in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(holder, SH.declare):
            prefix, namespace = shapes.value(declaration, SH.prefix), shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>\n")
    return "".join(sorted(set(lines)))


def _n3(term: Node) -> str:
    if isinstance(term, BNode):
        raise Unsupported(f"blank node {term} used as a constant")
    return term.n3()


#: Prefixes every compiled check may use.
PROLOGUE = (f"PREFIX rdf: <{RDF}>\nPREFIX rdfs: <{RDFS}>\nPREFIX xsd: <{XSD}>\n"
            f"PREFIX sh: <{SH}>\n")


def query_text(check: Check) -> str:
    """The full text of a check's query, with the prefixes the compiler uses."""
    return PROLOGUE + check.text


# -- running -----------------------------------------------------------------------------------

#: ``select(text)`` → rows as {variable name: term}; the caller's store answers it.
Select = Callable[[str], Iterator[dict[str, Node]]]


@dataclass
class Progress:
    """How far a whole-graph run is: shown on stderr while it runs."""

    checks_done: int = 0
    checks_total: int = 0
    results: int = 0
    seconds: float = 0.0


def run_checks(select: Select, checks: list[Check], has_class: Callable[[Node, Node], bool],
               limit: int | None = None, progress: Callable[[Progress], None] | None = None) -> list[Result]:
    """Run every check once over the store; stop after ``limit`` results."""
    import time

    start = time.perf_counter()
    state = Progress(checks_total=len(checks))
    out: list[Result] = []
    seen: set[tuple] = set()
    classes = _class_lists(select)
    for check in checks:
        for result in _results(select, check, has_class, None if limit is None else limit - len(out), classes):
            key = (result.focus, result.path, result.value, result.shape, result.constraint, result.component)
            if key not in seen:
                seen.add(key)
                out.append(result)
        state.checks_done += 1
        state.results = len(out)
        state.seconds = time.perf_counter() - start
        if progress is not None:
            progress(state)
        if limit is not None and len(out) >= limit:
            break
    return out


def _focus_by_focus(select: Select, check: Check) -> Iterator[dict[str, Node]]:
    """A SPARQL-based constraint the store refused over the whole graph, one focus node at a
    time (slower; IRIs only, as a blank node cannot be written into a query)."""
    for row in select(PROLOGUE + f"SELECT DISTINCT ?this WHERE {{ {check.focus} }}"):
        focus = row.get("this")
        if isinstance(focus, URIRef):
            yield from select(PROLOGUE + check.bound.replace("__FOCUS__", focus.n3()))


def _class_lists(select: Select) -> Callable[[str], str]:
    """Each class placeholder of a query replaced by the class and its subclasses, as IRIs
    (asked of the store once per class and run)."""
    found: dict[str, str] = {}

    def fill(match: re.Match) -> str:
        cls = match.group(1)
        if cls not in found:
            rows = select(PROLOGUE + f"SELECT DISTINCT ?c WHERE {{ ?c rdfs:subClassOf* <{cls}> }}")
            names = {row["c"].n3() for row in rows if isinstance(row.get("c"), URIRef)} | {f"<{cls}>"}
            found[cls] = " ".join(sorted(names))
        return found[cls]

    return lambda text: shacl_terms.SUBCLASSES.sub(fill, text)


def _results(select: Select, check: Check, has_class, remaining: int | None,
             classes: Callable[[str], str]) -> Iterator[Result]:
    text = classes(query_text(check))
    if remaining is not None and check.recheck is None and not check.parts and not re.search(r"\bLIMIT\b", check.text, re.I):
        text += f"\nLIMIT {remaining}"
    try:
        try:
            rows = list(select(text))
        except R2pkgError:
            if check.parts:  # a store that cannot run the merged query is asked each part alone
                rows = None
            elif check.bound is None:
                raise
            else:
                rows = list(_focus_by_focus(select, check))
    except R2pkgError as exc:  # name the rule: the store's message alone does not say which
        raise QueryError(f"the rule {check.constraint or check.shape} ({check.component}) could not be "
                         f"checked on this store: {exc.message}", hint="the query was:\n" + text) from exc
    if rows is None:
        yield from _each_part(select, check, has_class, remaining, classes)
        return
    for row in rows:
        if check.parts:
            part = check.parts[int(row["_k"])]
            if part.share[0] == "max" and int(row["_n"]) <= int(part.share[2]):
                continue
            yield from _part_results(part, row, has_class)
            continue
        yield from _part_results(check, row, has_class)


def _each_part(select: Select, check: Check, has_class, remaining: int | None,
               classes: Callable[[str], str]) -> Iterator[Result]:
    """A merged check's parts, each as its own query: the same results as the merged query's.

    Virtuoso 7.2 answered one merged query (the value checks of responses) with an internal
    error, in some runs only, where it answers each part; a store's refusal of the shared
    query must not stop the report, nor change it."""
    for part in check.parts:
        for result in _results(select, part, has_class, remaining, classes):
            yield result
            remaining = None if remaining is None else remaining - 1
        if remaining is not None and remaining <= 0:
            return


def _part_results(check: Check, row: dict[str, Node], has_class) -> Iterator[Result]:
    """The result of one row for one (not merged) check, if the row is one."""
    focus = row.get("this")
    if focus is None:
        return
    value = row.get("value")
    if check.value_is_focus and value is None:  # a node shape's value node is its focus node
        value = focus
    if check.recheck is not None and check.recheck(value, has_class):
        return
    path = row.get("path") if check.component == "SPARQL" and row.get("path") is not None else check.path
    if check.component in ("MinCount", "MaxCount", "HasValue") and check.path is not None:
        value = None
    yield Result(focus, path, value, check.shape, check.constraint, check.component, check.severity)


__all__ = ["Check", "Progress", "Result", "run_checks", "Unsupported", "compile_shapes", "merge_checks", "query_text", "sparql_path", "targeted_shapes"]

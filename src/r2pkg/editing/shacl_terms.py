"""Value constraints of SHACL, twice: as a SPARQL test and as pySHACL decides them.

:mod:`r2pkg.editing.shacl_sparql` puts the SPARQL test in the query that runs over the whole
store. Where SPARQL and pySHACL may disagree (rdflib calls ``"2008-02-30"^^xsd:date``
ill-typed, Oxigraph sees a date; regular expressions have two dialects; comparisons of
mixed types), the SPARQL test only says "surely conforms", and every other value is
decided here in Python with pySHACL's own rules. Those values are few (mostly the
failures themselves), so the whole-graph query stays the one that does the work.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pyshacl.rdfutil.compare import compare_literal
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

HasClass = Callable[[Node, Node], bool]
Exact = Callable[[Node, HasClass], bool]
Test = Callable[[str], str]

#: Lexical forms that are surely well typed (for rdflib as for XSD); others are rechecked.
#: Days stop at 28 so that no impossible date (30 February) passes unchecked.
_SURE = {
    XSD.gYear: r"^(1[0-9]|20)[0-9][0-9]$",
    XSD.gYearMonth: r"^(1[0-9]|20)[0-9][0-9]-(0[1-9]|1[0-2])$",
    XSD.date: r"^(1[0-9]|20)[0-9][0-9]-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
    XSD.integer: r"^[+-]?[0-9]{1,15}$",
    XSD.decimal: r"^[+-]?[0-9]{1,15}(\.[0-9]{1,10})?$",
    XSD.boolean: r"^(true|false)$",
}
_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_COMPARE = {SH.minInclusive: (">=", lambda c: c >= 0), SH.minExclusive: (">", lambda c: c > 0),
            SH.maxInclusive: ("<=", lambda c: c <= 0), SH.maxExclusive: ("<", lambda c: c < 0)}


def value_test(param: URIRef, arg: Node, items: list[Node] | None, flags: Node | None) -> tuple[Test, Exact | None]:
    """(SPARQL test over a variable, Python recheck or None where the SPARQL test is exact)."""
    recheck = exact(param, arg, items, flags)
    if param == SH["class"]:
        return (lambda v: f"EXISTS {{ {v} rdf:type ?_class . VALUES ?_class {{ {subclasses_of(arg)} }} }}"), None
    if param == SH.datatype:
        if arg == RDF.langString:
            return (lambda v: f'isLiteral({v}) && LANG({v}) != ""'), None
        if arg == XSD.string:
            return (lambda v: f'isLiteral({v}) && LANG({v}) = "" && DATATYPE({v}) = xsd:string'), None
        if arg == RDFS.Literal:
            return (lambda v: f"isLiteral({v})"), None
        sure = _SURE.get(arg)
        if sure is None:  # no sure lexical form: every value of that datatype is rechecked
            return (lambda v: f"false && isLiteral({v})"), recheck
        pattern = Literal(sure).n3()
        return (lambda v: f"isLiteral({v}) && DATATYPE({v}) = {arg.n3()} && REGEX(STR({v}), {pattern})"), recheck
    if param == SH.nodeKind:
        if arg not in _KINDS:
            raise ValueError(f"unknown sh:nodeKind {arg}")
        return (lambda v: _KINDS[arg].format(v=v)), None
    if param == SH["in"]:
        return _in_test(items or []), None if all(isinstance(m, URIRef) for m in items or []) else recheck
    if param == SH.languageIn:
        tags = [str(t) for t in items or []]
        return (lambda v: f"isLiteral({v}) && ("
                + (" || ".join(f"langMatches(LANG({v}), {Literal(t).n3()})" for t in tags) or "false") + ")"), recheck
    if param == SH.pattern:
        extra = "" if flags is None else ", " + Literal(str(flags)).n3()
        return (lambda v: f"!isBlank({v}) && REGEX(STR({v}), {Literal(str(arg)).n3()}{extra})"), recheck
    if param in _COMPARE:
        op = _COMPARE[param][0]
        return (lambda v: f"isLiteral({v}) && COALESCE({v} {op} {arg.n3()}, false)"), recheck
    if param in (SH.minLength, SH.maxLength):
        op = ">=" if param == SH.minLength else "<="
        return (lambda v: f"!isBlank({v}) && STRLEN(STR({v})) {op} {int(arg)}"), recheck
    raise ValueError(f"no value test for {param}")


def _in_test(members: list[Node]) -> Test:
    """sh:in as ``?v IN (IRIs)``, and sameTerm for literal members.

    Never as a disjunction of sameTerm calls: Virtuoso 7.2 answers
    ``sameTerm(?v, a) || sameTerm(?v, b)`` false for every value (so every value "failed").
    For IRIs ``=`` is sameTerm; a literal member is tested term by term, the disjunction
    written as a negated conjunction, which Virtuoso evaluates right.
    """
    iris = [m.n3() for m in members if isinstance(m, URIRef)]
    others = [m.n3() for m in members if not isinstance(m, URIRef)]

    def test(v: str) -> str:
        parts = [f"!({v} IN ({', '.join(iris)}))"] if iris else []
        parts += [f"!sameTerm({v}, {m})" for m in others]
        return f"!({' && '.join(parts)})" if parts else "false"

    return test


#: Written where a query needs the classes whose instances are instances of a class (the
#: class and its subclasses); :func:`r2pkg.editing.shacl_sparql.run_checks` replaces it by
#: those classes, read from the store once per run.
SUBCLASSES = re.compile(r"__SUBCLASSES_OF__<([^<>\s]*)>")


def subclasses_of(cls: Node) -> str:
    """The placeholder for the class and its subclasses (a list of IRIs, for VALUES).

    Virtuoso 7.2 walks ``rdf:type/rdfs:subClassOf*`` wrongly under any negation (MINUS,
    NOT EXISTS, OPTIONAL with !BOUND, !EXISTS): every value it tests "fails". The classes,
    asked for first, make the test a plain join both stores answer alike.
    """
    return f"__SUBCLASSES_OF__{cls.n3()}"


def exact(param: URIRef, arg: Node, items: list[Node] | None, flags: Node | None) -> Exact:
    """Does a value conform to one constraint, decided as pySHACL decides it."""
    if param == SH["class"]:
        return lambda value, has_class: not isinstance(value, Literal) and has_class(value, arg)
    if param == SH.datatype:
        return lambda value, _h: _datatype_ok(value, arg)
    if param == SH.nodeKind:
        kinds = {SH.IRI: (URIRef,), SH.BlankNode: (BNode,), SH.Literal: (Literal,),
                 SH.BlankNodeOrIRI: (BNode, URIRef), SH.BlankNodeOrLiteral: (BNode, Literal),
                 SH.IRIOrLiteral: (URIRef, Literal)}[arg]
        return lambda value, _h: isinstance(value, kinds)
    if param == SH["in"]:
        members = list(items or [])
        return lambda value, _h: value in members
    if param == SH.languageIn:
        tags = {str(t).lower() for t in items or []}
        return lambda value, _h: _language_ok(value, tags)
    if param == SH.pattern:
        matcher = re.compile(str(arg), _re_flags(flags))
        return lambda value, _h: not isinstance(value, BNode) and matcher.search(str(value)) is not None
    if param in _COMPARE:
        accept = _COMPARE[param][1]
        return lambda value, _h: _compare_ok(value, arg, accept)
    if param in (SH.minLength, SH.maxLength):
        bound = int(arg)
        if param == SH.minLength:
            return lambda value, _h: not isinstance(value, BNode) and len(str(value)) >= bound
        return lambda value, _h: not isinstance(value, BNode) and len(str(value)) <= bound
    raise ValueError(f"no exact test for {param}")


def composite(is_or: bool, members: list[list[Exact]]) -> Exact:
    """sh:or (some member shape conforms) or sh:and (every one does), of value constraints."""
    def check(value: Node, has_class: HasClass) -> bool:
        results = (all(test(value, has_class) for test in member) for member in members)
        return any(results) if is_or else all(results)

    return check


def _datatype_ok(value: Node, datatype: Node) -> bool:
    """pySHACL's DatatypeConstraintComponent for one value."""
    if not isinstance(value, Literal):
        return False
    if value.datatype == datatype:
        return getattr(value, "ill_typed", None) is not True and _actual(value, datatype)
    if datatype == RDFS.Literal:
        return True
    if datatype == RDFS.Datatype and value.datatype:
        return True
    if value.datatype is None and value.language is None and datatype == XSD.string:
        return True
    return datatype == RDF.langString and bool(value.language)


def _actual(value: Literal, datatype: Node) -> bool:
    import datetime
    from decimal import Decimal

    python = {XSD.string: str, RDF.langString: str, XSD.integer: int, XSD.float: float, XSD.decimal: Decimal,
              XSD.boolean: bool, XSD.date: datetime.date, XSD.time: datetime.time,
              XSD.dateTime: datetime.datetime}.get(datatype)
    return python is None or isinstance(value.value, python if python is not str else (str, bytes))


def _language_ok(value: Node, tags: set[str]) -> bool:
    if not isinstance(value, Literal) or not value.language:
        return False
    lang = value.language.lower()
    return "*" in tags or lang in tags or lang.split("-")[0] in tags


def _compare_ok(value: Node, bound: Node, accept: Callable[[int], bool]) -> bool:
    if not isinstance(value, Literal) or not isinstance(bound, Literal):
        return False
    if isinstance(value.value, str) != isinstance(bound.value, str):
        return False
    try:
        return accept(compare_literal(value, bound))
    except (TypeError, NotImplementedError):
        return False


def _re_flags(flags: Node | None) -> int:
    out = 0
    for letter in str(flags or ""):
        out |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}.get(letter, 0)
    return out


__all__ = ["SUBCLASSES", "composite", "exact", "subclasses_of", "value_test"]

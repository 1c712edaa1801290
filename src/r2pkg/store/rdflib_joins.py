"""Hash joins for rdflib's SPARQL engine, in place of its nested loops.

rdflib evaluates ``MINUS`` and a non-lazy join (a sub-select or a group joined with a
pattern) by comparing every left row with every right row. On the bundled graph
``plain-fact-triples-without-backing`` compares ~15,000 triples with ~10,000 backing rows
that way, and takes over two minutes on the memory store where Oxigraph takes under a
second. The answers here are the same rows in the same order, found through an index of the
right side keyed by the variables both rows bind:

- MINUS removes a left row when some right row shares at least one bound variable with it
  and agrees on all of them (SPARQL 1.1, 18.5); rows are grouped by the variables they bind,
  so rows with unbound variables keep their meaning;
- a join merges each left row with every right row that agrees on their shared variables,
  in the right side's order, as rdflib's loop does.

Where a row carries initial bindings (pySHACL's ``$this``), a missing variable may still
compare against them, so those rows go through rdflib's own functions unchanged.

rdflib also orders a basic graph pattern once, before it runs, by the constants each triple
pattern holds: ``?citation r2p:assertion r2p:Stated`` comes before ``?claim r2p:claimSubject
?item`` even where ``?item`` is already bound, so an OPTIONAL evaluated per row starts from
every Stated citation of the graph (``warning-signs-and-enabling-factors-by-source`` took two
minutes). :func:`eval_bgp` picks, at each step, a pattern whose subject is known, else one
whose object a variable bound earlier fixes, else the most constant one, keeping rdflib's
order between equals. A basic graph pattern is a conjunction: the order changes the cost,
never the solutions.

:func:`install` replaces the functions once per process; it is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from rdflib import BNode, Variable
from rdflib.plugins.sparql import evaluate, evalutils

_ORIGINAL_MINUS = evalutils._minus
_ORIGINAL_JOIN = evalutils._join
_ORIGINAL_BGP = evaluate.__dict__.get("_r2pkg_original_evalBGP", evaluate.evalBGP)

Row = Any  # rdflib's FrozenDict or FrozenBindings
Key = tuple


def _has_initial_bindings(row: Row) -> bool:
    ctx = getattr(row, "ctx", None)
    return bool(ctx is not None and ctx.initBindings)


def _groups(rows: list[Row]) -> dict[frozenset, list[tuple[int, Row]]]:
    """The right side's rows by the set of variables each binds, with their positions."""
    groups: dict[frozenset, list[tuple[int, Row]]] = {}
    for position, row in enumerate(rows):
        groups.setdefault(frozenset(row), []).append((position, row))
    return groups


class _Index:
    """Right-side rows looked up by their values on the variables a left row shares with them."""

    def __init__(self, rows: list[Row]) -> None:
        self._groups = _groups(rows)
        self._cache: dict[tuple[frozenset, Key], dict[Key, list[tuple[int, Row]]]] = {}

    def matches(self, row: Row, need_shared: bool) -> Iterator[list[tuple[int, Row]]]:
        """Per group, the right rows that agree with ``row`` on every shared variable."""
        domain = frozenset(row)
        for variables, members in self._groups.items():
            shared = tuple(sorted(domain & variables))
            if need_shared and not shared:
                continue
            table = self._cache.get((variables, shared))
            if table is None:
                table = {}
                for position, member in members:
                    table.setdefault(tuple(member[v] for v in shared), []).append((position, member))
                self._cache[(variables, shared)] = table
            found = table.get(tuple(row[v] for v in shared))
            if found:
                yield found


def minus(left: Iterable[Row], right: Iterable[Row]) -> Iterator[Row]:
    """SPARQL MINUS: the left rows no compatible right row shares a variable with."""
    rows = list(right)
    if any(_has_initial_bindings(row) for row in rows):
        yield from _ORIGINAL_MINUS(left, rows)
        return
    index = _Index(rows)
    for row in left:
        if _has_initial_bindings(row):
            yield from _ORIGINAL_MINUS([row], rows)
        elif next(index.matches(row, need_shared=True), None) is None:
            yield row


def join(left: Iterable[Row], right: Iterable[Mapping]) -> Iterator[Row]:
    """SPARQL join: each left row merged with every compatible right row, in rdflib's order."""
    rows = list(right)
    if any(_has_initial_bindings(row) for row in rows):
        yield from _ORIGINAL_JOIN(left, rows)
        return
    index = _Index(rows)
    for row in left:
        if _has_initial_bindings(row):
            yield from _ORIGINAL_JOIN([row], rows)
            continue
        found = [match for group in index.matches(row, need_shared=False) for match in group]
        if len(found) > 1:
            found.sort(key=lambda match: match[0])
        for _, other in found:
            yield row.merge(other)


def _rank(ctx: Any, pattern: tuple) -> tuple[bool, bool, int]:
    """How selective a triple pattern is with what ``ctx`` has bound so far (higher first)."""
    s, p, o = pattern
    known = [ctx[term] is not None for term in pattern]
    object_from_a_variable = known[2] and isinstance(o, (Variable, BNode))
    return (known[0], object_from_a_variable, sum(known))


def eval_bgp(ctx: Any, bgp: list) -> Iterator[Any]:
    """rdflib's evalBGP, starting each step from the most selective remaining pattern."""
    if len(bgp) > 1:
        ranks = [_rank(ctx, pattern) for pattern in bgp]
        best = max(range(len(bgp)), key=lambda i: (ranks[i], -i))
        if best > 0:
            bgp = [bgp[best], *bgp[:best], *bgp[best + 1:]]
    return _ORIGINAL_BGP(ctx, bgp)


def install() -> None:
    """Make rdflib's evaluator use :func:`minus`, :func:`join` and :func:`eval_bgp` (the
    evaluator looks each up by name at every call, its own recursion included)."""
    evaluate._minus = minus
    evaluate._join = join
    evaluate._r2pkg_original_evalBGP = _ORIGINAL_BGP
    evaluate.evalBGP = eval_bgp

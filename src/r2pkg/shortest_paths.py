"""The first shortest paths between two nodes, in IRI order, from a neighbour function.

"How is this connected to that?" (``r2pkg chain A --to B``, ``/chain?node=A&to=B``) lists a
few of the shortest paths between two nodes, links followed either way. networkx's
``all_shortest_paths`` breadth-first searches everything the start reaches (the whole graph,
through a pillar or an organ) and lists the paths in the order the graph holds its edges.
Here both ends are searched at once, a level at a time from the smaller side, until they
meet; the nodes on some shortest path are then picked out level by level and the paths
listed depth first from the end, each node's neighbours in IRI order (as networkx lists them
from its predecessors). So the same paths come out whether the neighbours are read from the
whole index or from store lookups (:mod:`r2pkg.node_chains`), and the search reads only the
two balls around the ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rdflib.term import Node

Neighbours = Callable[[Node], Iterable[Node]]


def first_shortest_paths(neighbours: Neighbours, start: Node, end: Node, limit: int) -> list[list[Node]]:
    """Up to ``limit`` shortest paths from ``start`` to ``end`` (lists of nodes); [] if none."""
    if start == end:
        return [[start]]
    cache: dict[Node, list[Node]] = {}

    def near(node: Node) -> list[Node]:
        if node not in cache:
            cache[node] = sorted(set(neighbours(node)), key=str)
        return cache[node]

    met = _meet(near, start, end)
    if met is None:
        return []
    pred = _predecessors(near, *met)
    return _paths(pred, start, end, limit)


def _meet(near: Callable[[Node], list[Node]], start: Node, end: Node):
    """Breadth first from both ends until they meet: (layers from start, layers from end, meeting nodes)."""
    sides = ([{start}], [{end}])  # layers of each ball, by distance
    seen = ({start: 0}, {end: 0})
    while sides[0][-1] and sides[1][-1]:
        side = 0 if len(sides[0][-1]) <= len(sides[1][-1]) else 1  # the smaller frontier: fewer reads
        layers, dist, other = sides[side], seen[side], seen[1 - side]
        layer = set()
        for node in layers[-1]:
            for n in near(node):
                if n not in dist:
                    dist[n] = len(layers)
                    layer.add(n)
        layers.append(layer)
        meeting = {n for n in layer if other.get(n) == len(sides[1 - side]) - 1}
        if meeting:
            return sides[0], sides[1], meeting
    return None


def _predecessors(near, from_start: list[set], from_end: list[set], meeting: set) -> dict[Node, list[Node]]:
    """Each node on a shortest path → its neighbours one step nearer the start, in IRI order."""
    ks, kt = len(from_start) - 1, len(from_end) - 1
    by_position: list[set] = [set() for _ in range(ks + kt + 1)]
    by_position[ks] = set(meeting)
    for i in range(ks - 1, -1, -1):  # toward the start: a node one step nearer, next to the layer above
        by_position[i] = {u for u in from_start[i] if any(v in by_position[i + 1] for v in near(u))}
    for j in range(kt - 1, -1, -1):  # toward the end
        by_position[ks + kt - j] = {w for w in from_end[j] if any(v in by_position[ks + kt - j - 1] for v in near(w))}
    pred: dict[Node, list[Node]] = {}
    for i in range(1, ks + kt + 1):
        earlier = by_position[i - 1]
        for v in by_position[i]:
            pred[v] = [u for u in near(v) if u in earlier]  # near() is in IRI order
    return pred


def _paths(pred: dict[Node, list[Node]], start: Node, end: Node, limit: int) -> list[list[Node]]:
    """Depth first from the end along the predecessors, as networkx lists them; the first ``limit``."""
    found: list[list[Node]] = []
    stack: list[tuple[Node, int]] = [(end, 0)]
    while stack and len(found) < limit:
        node, i = stack[-1]
        if node == start:
            found.append([n for n, _ in reversed(stack)])
            stack.pop()
            continue
        options = pred.get(node, [])
        if i < len(options):
            stack[-1] = (node, i + 1)
            stack.append((options[i], 0))
        else:
            stack.pop()
    return found


__all__ = ["first_shortest_paths"]

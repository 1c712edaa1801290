"""The chain index's view name, kept in a module the store can import without networkx.

The on-disk store used to build the whole-graph chain index (``r2pkg.chains``) as it loaded,
so that a first chain page read it from ``DIR/views`` instead of building it (at a million
triples, 2.8 s instead of 38 s). No page reads it any more: chain and precedents pages read
one node's part of the graph from lookups (:mod:`r2pkg.node_chains`), and only whole-graph
reports (every authority cycle, the benchmarks, a SPARQL endpoint's pages) build it, when
first asked, and keep it in ``DIR/views`` for later processes as any view. So the load no
longer builds it: at ten million triples it was minutes of the load and a 272 MB file.
"""

from __future__ import annotations

#: The chain index's view name (``r2pkg.chains.INDEX_VIEW``); change it whenever the index changes shape.
CHAIN_INDEX_VIEW = "chains-4"

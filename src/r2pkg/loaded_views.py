"""Views the on-disk store builds as it loads, kept in modules too slow to import with the store.

The chain index (``r2pkg.chains``) needs networkx, which takes longer to import than the rest
of the store; every process that opens ``oxigraph:DIR`` would pay for it. So the index is
registered here under its name, and its module imported only when a load builds it: a first
chain page then reads it from ``DIR/views`` (at a million triples, 2.8 s instead of the 38 s
of building it).
"""

from __future__ import annotations

from r2pkg.store.base import BUILT_ON_LOAD, Store

#: The chain index's view name (``r2pkg.chains.INDEX_VIEW``); change it whenever the index changes shape.
CHAIN_INDEX_VIEW = "chains-4"


def _chain_index(store: Store) -> object:
    from r2pkg.chains import build_index  # networkx: imported only when a load builds the index

    return build_index(store)


BUILT_ON_LOAD[CHAIN_INDEX_VIEW] = _chain_index

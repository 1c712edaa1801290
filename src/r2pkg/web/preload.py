"""Read the views pages need as soon as ``r2pkg serve`` starts, not on a reader's first view.

The on-disk store (``oxigraph:DIR``) builds the chain index and the home page's figures as it
loads and keeps them in ``DIR/views``; a process that opens the folder reads them when first
asked. At a million triples the chain index is a 28 MB file, 1.9 s to read, and the first
chain or precedents page after a restart waited for it (2.8 s in ``bench/pages.py``). So
``serve`` reads them in a background thread once it is ready to answer: a reader who comes
later finds them in memory, and one who comes while they are read waits for the same read
(``graph_index`` holds a lock), never a second one. Nothing is built from the whole graph
here that the load did not already build: a view missing from the folder is left for the
page that needs it, as before.
"""

from __future__ import annotations

import sys
import threading

from r2pkg.store import Store


def preload(store: Store) -> threading.Thread | None:
    """Start reading the saved views of an on-disk store in a daemon thread (None elsewhere)."""
    if not store.kind.startswith("oxigraph-dir"):
        return None
    thread = threading.Thread(target=_read, args=(store,), name="r2pkg-preload", daemon=True)
    thread.start()
    return thread


def _read(store: Store) -> None:
    from r2pkg.chains import INDEX_VIEW, graph_index
    from r2pkg.figures import VIEW as FIGURES
    from r2pkg.figures import figures

    try:
        if store.has_saved_view(FIGURES):
            figures(store)
        if INDEX_VIEW in store.derived or store.has_saved_view(INDEX_VIEW):
            index = graph_index(store)
            index.simple_authority  # noqa: B018 - the chain page's own copy, built once
            index.cases_by_feature  # noqa: B018 - and the precedents page's
    except Exception as exc:  # noqa: BLE001 - a failed preload only leaves the work to the first view
        print(f"r2pkg: could not read the saved views in advance ({exc}); the first page that needs "
              "them reads them", file=sys.stderr)

"""Chosen saved queries, with more pairs, on an ``oxigraph:DIR`` that ``bench/dir.py`` loaded.

    python bench/dir_queries.py --size 10M --min-pairs 5 citator warning-signs-and-enabling-factors-by-source

``bench/dir.py`` times a slow query in one pair at 10M (its budget is spent by then); this
runs the same measurement (r2pkg's SPARQL JSON against pyoxigraph direct on the same
database, in alternating pairs after a warm-up call each) with as many pairs as asked,
without loading the directory again. It prints a markdown table.
"""

from __future__ import annotations

import argparse
import sys

import _common as C
import dir as D


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="10M")
    ap.add_argument("--min-pairs", type=int, default=5, help="pairs timed per query")
    ap.add_argument("--limit", type=float, default=1200.0, help="seconds one query's measurement may take")
    ap.add_argument("names", nargs="+", help="saved queries to measure")
    opts = ap.parse_args(argv)
    from r2pkg.store import open_store

    home, folder = C.WORK / f"home-{opts.size}", C.WORK / f"oxigraph-dir-{opts.size}"
    if not folder.is_dir():
        ap.error(f"{folder} is not loaded: run bench/dir.py --size {opts.size} first")
    store = open_store(f"oxigraph:{folder}", D.files_of(home))
    if store.reloaded:
        ap.error(f"{folder} was loaded again: its files changed since bench/dir.py ran")
    queries, _, _ = C.load_queries()
    print("| saved query | r2pkg ms | pyoxigraph ms | ratio | pairs |\n|---|---|---|---|---|", flush=True)
    for name in opts.names:
        # exactly --min-pairs pairs; a budget as long as the limit, so both sides get a warm-up call
        measured = D.measure_query(store, queries[name], opts.min_pairs, opts.limit, opts.limit, opts.min_pairs)
        if measured == "skipped":
            print(f"| {name} | its defaults cannot be bound | | not measured | |", flush=True)
            continue
        if measured is None:
            print(f"| {name} | over {opts.limit:.0f} s | | not measured | |", flush=True)
            continue
        r2, direct = measured
        print(f"| {name} | {r2['median'] * 1000:.2f} | {direct['median'] * 1000:.2f} | "
              f"{r2['median'] / direct['median']:.2f} | {r2['n']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

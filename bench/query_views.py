"""The slow saved queries from their views against their SPARQL, on ``oxigraph:DIR``.

    python bench/query_views.py                  # 100k synthetic triples besides the bundled graph
    python bench/query_views.py --size 1M        # appends a table to bench/RESULTS.md

For each saved query a view or a fragment answers (``r2pkg.query_views``), with its defaults:
the SPARQL text run on the whole graph (the baseline, same run: the text of ``--baseline``,
``main`` by default, where it differs from the working tree's), the view's first answer in a
fresh process state (views read from ``DIR/views``) and its warm answer; the rows must be the
same as the current text's on the whole graph, in the same order, and the same set as the
baseline text's (the bench stops otherwise). Queries only rewritten (``REWRITTEN``) are timed
the same way, the baseline text against the new one. Then a write: an entry of one claim with
an inferred citation, the time ``add_graph`` takes with every view kept up to date (p50 of
``--writes``), and the views compared with a rebuild. Not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pickle
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

from r2pkg import (claim_groups, editors_reading, fact_backing, inferred_facts, listing_views,  # noqa: E402
                   similar_cases)
from r2pkg.namespaces import R2P, R2PID  # noqa: E402
from r2pkg.queries import saved_queries  # noqa: E402
from r2pkg.query_views import ANSWERERS, ANSWERS, answer_saved  # noqa: E402
from r2pkg.sparql import prepare  # noqa: E402
from r2pkg.store.base import INCREMENTAL  # noqa: E402
from r2pkg.store import bundled_files, open_store  # noqa: E402

#: Saved queries whose text was rewritten for Oxigraph (same rows), answered by their SPARQL.
REWRITTEN: tuple[str, ...] = ()


def baseline_text(ref: str, name: str, current: str) -> str:
    """The query's text at git ``ref`` (the baseline), or the current text if it has none."""
    found = subprocess.run(["git", "-C", str(C.ROOT), "show", f"{ref}:queries/{name}.rq"],
                           capture_output=True, text=True)
    return found.stdout if found.returncode == 0 else current


#: CPU seconds of the last :func:`timed` call (on a loaded, shared machine the wall time
#: includes waiting for a core; the CPU time does not).
LAST_CPU = [0.0]


def timed(call) -> tuple[object, float]:
    started, cpu = time.perf_counter(), time.process_time()
    found = call()
    LAST_CPU[0] = time.process_time() - cpu
    return found, time.perf_counter() - started


def entry(k: int) -> Graph:
    """One claim on an editor's reading, as an editor's accepted entry would add it."""
    g = Graph()
    claim, cite = URIRef(f"{R2PID}claim/bench-query-views-{k}"), BNode()
    g.add((claim, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), R2P.Claim))
    g.add((claim, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal(f"bench claim {k}", lang="en")))
    g.add((claim, R2P.claimSubject, URIRef(f"{R2PID}mandate/special-adviser-prevention-of-genocide")))
    g.add((claim, R2P.claimProperty, R2P.establishedBy))
    g.add((claim, R2P.claimValue, URIRef(f"{R2PID}organ/general-assembly")))
    g.add((claim, R2P.evidence, cite))
    g.add((cite, R2P.source, URIRef(f"{R2PID}publication/ipi-blue-paper-7")))
    g.add((cite, R2P.locator, Literal("p. 2")))
    g.add((cite, R2P.assertion, R2P.Inferred))
    return g


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="100k")
    ap.add_argument("--writes", type=int, default=5)
    ap.add_argument("--no-results", action="store_true")
    ap.add_argument("--baseline", default="main", help="git ref of the baseline query texts")
    ap.add_argument("--pairs", type=int, default=3, help="baseline/new pairs timed, alternating (medians)")
    ap.add_argument("--only", default="", help="comma-separated saved queries to time (default: every one)")
    args = ap.parse_args()
    only = [name for name in args.only.split(",") if name]
    extra, _meta = C.synthetic(args.size)
    folder = C.WORK / f"query-views-dir-{args.size}"
    files = [*bundled_files(), *([extra] if extra else [])]
    started = time.perf_counter()
    open_store(f"oxigraph:{folder}", files=files).close()  # loads (and builds the views) the first time
    loaded = time.perf_counter() - started
    store = open_store(f"oxigraph:{folder}", files=files)
    saved = saved_queries()
    rows, notes = [], []
    for name in only or [*ANSWERERS, *REWRITTEN]:
        query = saved[name]
        bindings = query.bindings({}, store=store)
        old = baseline_text(args.baseline, name, query.text)
        if name == "find-by-label":  # searched in the label table a server holds (built once, timed apart)
            built = timed(lambda: store.labels)[1]
            notes.append(f"find-by-label: the store's label table built in {1000 * built:.0f} ms "
                         f"({1000 * LAST_CPU[0]:.0f} ms CPU), once per process, before the pairs")
        baseline, sparql = timed(lambda: store.run(prepare(old, bindings), None))
        expected = store.run(prepare(query.text, bindings), None) if old != query.text else baseline
        def new():
            if name in REWRITTEN:
                return store.run(prepare(query.text, bindings), None)
            store.derived.pop(ANSWERS, None)  # the view again, not the cached answer
            return answer_saved(store, name, query.text, bindings)
        sparql_cpus = [LAST_CPU[0]]
        found, first = timed(new)
        sparqls, warms = [sparql], [timed(new)[1]]
        warm_cpus = [LAST_CPU[0]]
        for _ in range(args.pairs - 1):  # alternating: baseline, new
            sparqls.append(timed(lambda: store.run(prepare(old, bindings), None))[1])
            sparql_cpus.append(LAST_CPU[0])
            warms.append(timed(new)[1])
            warm_cpus.append(LAST_CPU[0])
        sparql, warm = statistics.median(sparqls), statistics.median(warms)
        sparql_cpu, warm_cpu = statistics.median(sparql_cpus), statistics.median(warm_cpus)
        assert found is not None and found.names == expected.names and found.rows == expected.rows, name
        assert sorted(map(str, found.rows)) == sorted(map(str, baseline.rows)), name
        rows.append([name, str(len(found.rows)), f"{1000 * sparql:.0f}", f"{1000 * first:.0f}",
                     f"{1000 * warm:.0f}", f"{sparql / max(warm, 1e-4):.0f}x",
                     f"{1000 * sparql_cpu:.0f} / {1000 * warm_cpu:.0f}"])
    writes = []
    for k in range(args.writes):
        t = time.perf_counter()
        store.add_graph(entry(k))
        writes.append(time.perf_counter() - t)
    assert store.derived[claim_groups.VIEW] == claim_groups.build(store)
    assert store.derived[editors_reading.VIEW] == editors_reading.build(store)
    assert store.derived[fact_backing.VIEW] == fact_backing.build(store)
    assert store.derived[inferred_facts.VIEW] == inferred_facts.build(store)
    assert store.derived[similar_cases.VIEW] == similar_cases.build(store)
    for listing in listing_views.LISTINGS.values():
        assert store.derived[listing.view] == listing_views.build(listing, store)
    costs = []  # what each view adds to a write: its update from the entry, its pickled size
    probe = entry(args.writes)
    for name in sorted(n for n in store.derived if n in INCREMENTAL):
        _, spent = timed(lambda: INCREMENTAL[name](store.derived[name], store, probe))
        costs.append([name, f"{1000 * spent:.0f}", f"{len(pickle.dumps(store.derived[name])) // 1024}"])
    store.close()
    table = C.md_table(["saved query (defaults)", "rows", "baseline SPARQL ms", "new first ms", "new warm ms",
                        "baseline / new warm", "CPU ms baseline / new warm"], rows)
    summary = (f"add_graph of a one-claim entry, every view updated and saved: p50 "
               f"{1000 * statistics.median(writes):.0f} ms over {len(writes)} writes; "
               "views equal to a rebuild after them")
    cost_table = C.md_table(["view", "update from a one-claim entry ms", "saved KiB"], costs)
    print(table)
    print("\n".join(notes))
    print(summary)
    print(cost_table)
    if not args.no_results:
        stamp = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        text = (f"\n## Saved queries from views ({args.size}, store oxigraph:DIR)\n\n"
                f"Command: `python bench/query_views.py --size {args.size} --pairs {args.pairs}"
                f"{' --only ' + args.only if only else ''}`  \n"
                f"Date: {stamp}; {os.cpu_count()} cores; load average at start {os.getloadavg()[0]:.2f}  \n"
                f"One process: the folder loaded once ({loaded:.1f} s, views built with it), then opened again; "
                f"baseline: the query's text at `{args.baseline}` on the whole graph (same run); new first: the "
                "view read from `DIR/views` (or the chain's fragment read) and answered, or for "
                f"{', '.join(REWRITTEN)} the rewritten text; warm: answered again (the answer cache left out). "
                f"Medians of {args.pairs} baseline/new pairs, alternating (the first new answer apart). "
                "Rows equal to the current text's on the whole graph, in order, and to the baseline's as a set "
                "(asserted).\n\n" + table + "\n\n" + "".join(f"{note}.\n" for note in notes)
                + ("\n" if notes else "") + summary + ".\n\n"
                "What each view adds to a write (its update from one more such entry, and its pickled size):\n\n"
                + cost_table + "\n")
        with open(C.RESULTS, "a") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

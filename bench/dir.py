"""The on-disk Oxigraph store (``--store oxigraph:DIR``) at one size: load once, open fast.

    python bench/dir.py --size 1M            # appends a table to bench/RESULTS.md
    python bench/dir.py --size 10M --budget 2

Measured, each step in its own process so that peak RSS (VmHWM) is its own:

1. first open: the directory is created and the bundled + synthetic files bulk-loaded;
2. second open: the same directory opened as it is (no reload), then every saved query
   p50 through r2pkg (``answer`` as SPARQL JSON, what ``/sparql`` and ``query --format json``
   do) against pyoxigraph direct on the same database handle (the query's result
   serialised as SPARQL JSON by Oxigraph, nothing else), timed in alternating pairs after
   a warm-up call each (``_common.paired``), then the chain index (built and saved in the
   directory), authority chains, precedents and one entry's validation;
2b. a later process on the same directory: the chain index read back, the first chain;
3. ``r2pkg serve --store oxigraph:DIR`` on the loaded directory: seconds from process start
   to the first answered ``/sparql`` query, and the server's peak RSS with its workers.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import _common as C

SAPG = "https://w3id.org/r2pkg/id/mandate/special-adviser-prevention-of-genocide"


def files_of(home: Path) -> list[Path]:
    from r2pkg.store import bundled_files

    return bundled_files(home)


def worker_load(home: Path, folder: Path) -> dict:
    from r2pkg.store import open_store

    started = time.perf_counter()
    store = open_store(f"oxigraph:{folder}", files_of(home))
    load = time.perf_counter() - started
    return {"load_s": load, "reloaded": store.reloaded, "triples": store.triple_count(),
            "rss_peak_mb": C.proc_status()["VmHWM"]}


def worker_reopen(home: Path, folder: Path) -> dict:
    from r2pkg.store import open_store

    started = time.perf_counter()
    store = open_store(f"oxigraph:{folder}", files_of(home))
    return {"open_s": time.perf_counter() - started, "reloaded": store.reloaded, "queries": {},
            "rss_peak_mb": C.proc_status()["VmHWM"]}


def worker_open(home: Path, folder: Path, n: int, budget: float, limit: float, min_pairs: int = 1) -> dict:
    from rdflib import Graph, URIRef

    from r2pkg.chains import authority_chains, graph_index, precedents
    from r2pkg.editing.entries import case_template, parse_entry_text
    from r2pkg.store import open_store
    from r2pkg.editing.validation import validate_entry

    started = time.perf_counter()
    store = open_store(f"oxigraph:{folder}", files_of(home))
    out: dict = {"open_s": time.perf_counter() - started, "reloaded": store.reloaded, "queries": {}}
    queries, _, _ = C.load_queries()
    for name, saved in queries.items():
        measured = measure_query(store, saved, n, budget, limit, min_pairs)
        if measured == "skipped":
            continue
        if measured is None:
            out["queries"][name] = {"over_limit_s": limit}
            print(f"[dir] {name}: not measured, over {limit:.0f} s", file=sys.stderr, flush=True)
            continue
        r2, direct = measured
        out["queries"][name] = {"r2pkg": r2["median"], "pyoxigraph": direct["median"], "pairs": r2["n"]}
        print(f"[dir] {name}: {r2['median'] * 1000:.1f} / {direct['median'] * 1000:.1f} ms", file=sys.stderr, flush=True)
    t = time.perf_counter()
    index = graph_index(store)
    out["chain_index_s"] = time.perf_counter() - t
    out["chain_ms"] = C.repeat(lambda: authority_chains(index, URIRef(SAPG)), n, budget)["median"] * 1000
    rwanda = URIRef("https://w3id.org/r2pkg/id/case/rwanda-1994")
    out["precedents_ms"] = C.repeat(lambda: precedents(index, rwanda), n, budget)["median"] * 1000
    entry = parse_entry_text(Graph(), case_template("bench-entry").encode(), "entry", "turtle")
    out["validate_ms"] = C.repeat(lambda: validate_entry(store, entry), n, budget)["median"] * 1000
    out["rss_peak_mb"] = C.proc_status()["VmHWM"]
    return out


def worker_chain(home: Path, folder: Path) -> dict:
    """A later process: the chain index is read from the directory, not built again."""
    from rdflib import URIRef

    from r2pkg.chains import authority_chains, graph_index, precedents
    from r2pkg.store import open_store

    started = time.perf_counter()
    store = open_store(f"oxigraph:{folder}", files_of(home))
    opened = time.perf_counter()
    index = graph_index(store)
    read = time.perf_counter()
    authority_chains(index, URIRef(SAPG))
    precedents(index, URIRef("https://w3id.org/r2pkg/id/case/rwanda-1994"))
    return {"index_read_s": read - opened, "first_chain_s": time.perf_counter() - started,
            "rss_peak_mb": C.proc_status()["VmHWM"]}


def measure_query(store, saved, n: int, budget: float, limit: float, min_pairs: int):
    """One saved query, r2pkg (SPARQL JSON) against pyoxigraph direct on the same database, in
    alternating pairs (``_common.paired_in_child``): the figures, None over ``limit`` s, or
    "skipped" for a query its defaults cannot bind."""
    from r2pkg.answers import answer

    text, _ = C.query_text(saved)
    if text is None:
        return "skipped"
    return C.paired_in_child(
        lambda: len(answer(store, saved.text, "json", saved.bindings()).body),
        lambda: _direct(store.engine, text), n, budget, limit, min_pairs)


def _direct(engine, text: str):
    """pyoxigraph alone: the query run, a SELECT's rows written as SPARQL JSON by Oxigraph."""
    import pyoxigraph as ox

    result = engine.query(text)
    return len(result.serialize(format=ox.QueryResultsFormat.JSON)) if isinstance(result, ox.QuerySolutions) else result


def serve(home: Path, folder: Path) -> dict:
    with C.Server(home=home, store=f"oxigraph:{folder}") as server:
        first = server.start()
        tree = [server.proc.pid] + [int(p) for p in subprocess.run(
            ["pgrep", "-g", str(server.proc.pid)], capture_output=True, text=True).stdout.split()]
        peak = sum(C.proc_status(pid).get("VmHWM", 0) for pid in set(tree))
    return {"serve_first_answer_s": first, "serve_peak_rss_mb_sum": peak}


def child(step: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--worker", step, *args], stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{step} failed (its error is above)")
    return json.loads(done.stdout.splitlines()[-1])


def report(label: str, load: dict, opened: dict, served: dict) -> str:
    lines = [
        f"## oxigraph:DIR at {label} ({load['triples']:,} triples), `bench/dir.py`", "",
        f"- first open (create + bulk load): {load['load_s']:.1f} s, peak RSS {load['rss_peak_mb']:.0f} MB",
        f"- second open (as it is, reloaded={opened['reloaded']}): {opened['open_s'] * 1000:.0f} ms",
        f"- `r2pkg serve --store oxigraph:DIR` to first answer: {served['serve_first_answer_s']:.2f} s; "
        f"peak RSS of the server and its workers (sum of VmHWM): {served['serve_peak_rss_mb_sum']:.0f} MB",
    ]
    if not opened["queries"]:
        return "\n".join([*lines, "- queries, chains and validation: not measured (--load-only)", ""])
    rows = []
    over = [name for name, q in opened["queries"].items() if "over_limit_s" in q]
    for name, q in opened["queries"].items():
        if name in over:
            rows.append([name, f"over {q['over_limit_s']:.0f} s", "", "not measured", ""])
            continue
        ratio = q["r2pkg"] / q["pyoxigraph"] if q["pyoxigraph"] else float("nan")
        rows.append([name, f"{q['r2pkg'] * 1000:.2f}", f"{q['pyoxigraph'] * 1000:.2f}", f"{ratio:.2f}",
                     str(q.get("pairs", ""))])
    ratios = sorted(float(r[3]) for r in rows if r[0] not in over)
    lines += [
        f"- chain index build {opened['chain_index_s']:.2f} s; authority chain {opened['chain_ms']:.2f} ms; "
        f"precedents {opened['precedents_ms']:.2f} ms; entry validation {opened['validate_ms']:.0f} ms "
        f"(p50 per call); peak RSS of that process {opened['rss_peak_mb']:.0f} MB",
        f"- a later process (`r2pkg chain` on the same directory): chain index read from `DIR/views` in "
        f"{opened['later']['index_read_s']:.2f} s, first chain and precedents answered "
        f"{opened['later']['first_chain_s']:.2f} s after the process opened the store; peak RSS "
        f"{opened['later']['rss_peak_mb']:.0f} MB",
        f"- saved queries, p50 r2pkg (SPARQL JSON) / pyoxigraph direct (JSON) on the same database, "
        f"measured in alternating pairs after one warm-up call each: "
        f"median ratio {ratios[len(ratios) // 2]:.2f}, worst {ratios[-1]:.2f}"
        + (f"; {len(over)} not measured: the warm-up and one pair took longer than "
           f"{opened['queries'][over[0]]['over_limit_s']:.0f} s in all (--limit)" if over else ""), "",
        C.md_table(["saved query", "r2pkg ms", "pyoxigraph ms", "ratio", "pairs"], rows), "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="1M")
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--budget", type=float, default=2.0)
    ap.add_argument("--min-pairs", type=int, default=1, help="pairs timed per query even past --budget")
    ap.add_argument("--limit", type=float, default=600.0,
                    help="seconds a saved query's whole measurement may take (then: not measured)")
    ap.add_argument("--results", type=Path, default=C.RESULTS, help="markdown file to append to")
    ap.add_argument("--load-only", action="store_true",
                    help="only load, reopen and serve (no queries, chains or validation)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    opts = ap.parse_args(argv)
    if opts.worker:
        home, folder = Path(opts.args[0]), Path(opts.args[1])
        if opts.worker == "load":
            result = worker_load(home, folder)
        elif opts.worker == "reopen":
            result = worker_reopen(home, folder)
        elif opts.worker == "chain":
            result = worker_chain(home, folder)
        else:
            result = worker_open(home, folder, int(opts.args[2]), float(opts.args[3]), float(opts.args[4]),
                                 int(opts.args[5]))
        print(json.dumps(result))
        return 0
    extra, _ = C.synthetic(opts.size)
    home = C.mirror_home(opts.size, extra)
    folder = C.WORK / f"oxigraph-dir-{opts.size}"
    if folder.exists():
        shutil.rmtree(folder)
    print(f"[dir] loading {opts.size} into {folder}", file=sys.stderr, flush=True)
    load = child("load", str(home), str(folder))
    print(f"[dir] loaded in {load['load_s']:.1f} s; measuring", file=sys.stderr, flush=True)
    opened = (child("reopen", str(home), str(folder)) if opts.load_only
              else child("open", str(home), str(folder), str(opts.repeat), str(opts.budget), str(opts.limit),
                                  str(opts.min_pairs)))
    if not opts.load_only:
        opened["later"] = child("chain", str(home), str(folder))
    served = serve(home, folder)
    text = report(opts.size, load, opened, served)
    print(text)
    with open(opts.results, "a", encoding="utf-8") as fh:
        fh.write("\n" + text)
    (C.WORK / f"dir-{opts.size}.json").write_text(json.dumps({"load": load, "open": opened, "serve": served}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Whole-graph validation rule by rule: wall and CPU time of each compiled check's query.

    R2PKG_BENCH_DIR=/tmp/r2pkg-bench python bench/validate_rules.py --size 1M [--top 12] [--print RULE]
    PYTHONPATH=OTHER/src python bench/validate_rules.py --size 1M --shapes OTHER/ontology --whole

Opens the size's ``oxigraph:DIR`` (``validate.py`` loads it: run that once first, or pass
``--load``), compiles the shapes and runs each check as :func:`run_checks` does (the same
text, the same row conversion), timing each. The r2pkg measured is whatever ``r2pkg`` the
interpreter imports, so ``PYTHONPATH=/other/src`` measures another version of the code on
the same directory (alternate the two in one run to compare). ``--print`` shows the
compiled SPARQL of the checks whose shape or constraint name contains the text; ``--shapes``
reads another version's shapes (the store's own files unchanged: a changed file would
reload the directory); ``--whole`` first times ``validate_store`` itself (quote check and
report included) and its peak RSS. Prints one JSON line per run: per-check times, the
checks' wall and CPU in all, findings, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import _common as C


def name_of(check) -> str:
    """A short name for a check: its constraint or shape, and its component."""
    from rdflib import BNode

    node = check.constraint or check.shape
    if isinstance(node, BNode):  # a blank node's name changes from run to run: name its paths
        node = "+".join(sorted(str(c.path) for c in check.parts or (check,)))
    return f"{str(node).rsplit('#', 1)[-1].rsplit('/', 1)[-1]} {check.component}"


def whole(store) -> dict:
    """validate_store as every command runs it: wall and CPU time, findings."""
    from r2pkg.editing.validation import validate_store

    started, cpu = time.perf_counter(), time.process_time()
    report = validate_store(store)
    return {"wall_s": round(time.perf_counter() - started, 2), "cpu_s": round(time.process_time() - cpu, 2),
            "findings": len(report.findings), "rss_peak_mb": round(C.proc_status()["VmHWM"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1M")
    parser.add_argument("--top", type=int, default=12, help="checks to list, slowest first")
    parser.add_argument("--print", dest="show", default=None)
    parser.add_argument("--load", action="store_true", help="load the directory if it is not there")
    parser.add_argument("--shapes", default=None,
                        help="read the shapes from DIR/shapes*.ttl instead of the store's files (another "
                             "version's rules on the same directory: a changed shapes file would reload it)")
    parser.add_argument("--whole", action="store_true",
                        help="also time validate_store as a whole (rules, quote check, report), after the rules")
    args = parser.parse_args()

    from rdflib import Graph

    import r2pkg
    from r2pkg.editing import shacl_sparql as S
    from r2pkg.editing.validation import _compiled, class_test, store_select
    from r2pkg.store import bundled_files, open_store

    extra, _ = C.synthetic(args.size)
    home = C.mirror_home(args.size, extra)
    folder = C.WORK / f"validate-dir-{args.size}"
    if not folder.exists() and not args.load:
        print(f"{folder} is not loaded: run validate.py --sizes {args.size} first, or pass --load", file=sys.stderr)
        return 1
    store = open_store(f"oxigraph:{folder}", bundled_files(home))
    if args.shapes:
        from pathlib import Path

        from r2pkg.namespaces import bind_prefixes
        from r2pkg.rdfinput import parse_file

        shapes = bind_prefixes(Graph())
        for path in sorted(Path(args.shapes).glob("shapes*.ttl")):
            parse_file(shapes, path)
        store.shapes()  # read once, then replaced
        store._ontology[True] = shapes
    shapes = store.shapes()
    checks, unsupported = _compiled(shapes)
    if args.show:
        for check in checks:
            if args.show in name_of(check) or any(args.show in name_of(p) for p in check.parts):
                print(f"# {name_of(check)}\n{S.query_text(check)}\n")
        return 0
    first = whole(store) if args.whole else None  # first: its peak RSS is its own
    engine = store.for_whole_graph_queries()
    select, has_class = store_select(engine), class_test(engine)
    timings = []
    started, cpu = time.perf_counter(), time.process_time()
    found = 0
    for check in checks:
        t0, c0 = time.perf_counter(), time.process_time()
        found += len(S.run_checks(select, [check], has_class))
        timings.append((name_of(check), time.perf_counter() - t0, time.process_time() - c0))
    out = {"r2pkg": str(r2pkg.__file__), "size": args.size, "triples": store.triple_count(),
           "checks": len(checks), "unsupported": len(unsupported), "findings": found,
           "wall_s": round(time.perf_counter() - started, 2), "cpu_s": round(time.process_time() - cpu, 2),
           "rss_peak_mb": round(C.proc_status()["VmHWM"]),
           "whole": first,
           "slowest": [(n, round(w, 2), round(c, 2)) for n, w, c in sorted(timings, key=lambda t: -t[2])[:args.top]],
           "per_check": {n: [round(w, 3), round(c, 3)] for n, w, c in timings}}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Validation at each size on ``oxigraph:DIR``: the whole graph, and one entry.

    R2PKG_BENCH_DIR=/tmp/r2pkg-bench python bench/validate.py --sizes bundled,40k,1M

Per size, the directory is loaded by a process of its own (not timed here; ``dir.py``
measures loading), then a fresh process opens it and measures, so that its peak RSS is
validation's alone, not the bulk load's:

- whole-graph ``validate_store`` (the compiled shapes on the store, plus the quote check),
  wall time and peak RSS (VmHWM);
- ``r2pkg validate`` from the command line for the small sizes (process start included);
- one entry's ``validate_entry``: p50 over repeated calls after a warm-up, for a conforming
  fixture entry (``tests/shapes/valid-case-in-scope.ttl``) and the untouched case template.

The growth exponent is the slope of log(time) against log(triples) between sizes.
Appends a table to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import _common as C

ENTRY = C.ROOT / "tests" / "shapes" / "valid-case-in-scope.ttl"


def load(label: str) -> dict:
    """Load (or find loaded) the size's directory; the caller runs this in its own process."""
    from r2pkg.store import bundled_files, open_store

    extra, _ = C.synthetic(label)
    home = C.mirror_home(label, extra)
    started = time.perf_counter()
    store = open_store(f"oxigraph:{C.WORK / f'validate-dir-{label}'}", bundled_files(home))
    return {"size": label, "load_s": time.perf_counter() - started, "triples": store.triple_count(),
            "load_rss_mb": C.proc_status()["VmHWM"]}


def worker(label: str, n: int) -> dict:
    from rdflib import Graph

    from r2pkg.editing.entries import case_template, parse_entry_text, read_entries
    from r2pkg.store import bundled_files, open_store
    from r2pkg.editing.validation import validate_entry, validate_store

    extra, _ = C.synthetic(label)
    home = C.mirror_home(label, extra)
    folder = C.WORK / f"validate-dir-{label}"
    files = bundled_files(home)  # loaded by load() in another process
    started = time.perf_counter()
    store = open_store(f"oxigraph:{folder}", files)
    out: dict = {"size": label, "open_s": time.perf_counter() - started, "triples": store.triple_count()}
    store.vocabulary(), store.shapes()  # parsed once per process, as every command does
    started, cpu = time.perf_counter(), time.process_time()
    report = validate_store(store)
    out["whole_s"] = time.perf_counter() - started
    out["whole_cpu_s"] = time.process_time() - cpu  # less sensitive to a shared machine's load
    out["conforms"] = report.conforms
    out["findings"] = len(report.findings)
    out["whole_rss_mb"] = C.proc_status()["VmHWM"]
    good = read_entries([ENTRY])
    template = parse_entry_text(Graph(), case_template("bench-entry").encode(), "entry", "turtle")
    for name, entry in (("entry_ms", good), ("template_ms", template)):
        validate_entry(store, entry)  # warm: shapes compiled, vocabulary converted
        out[name] = C.repeat(lambda e=entry: validate_entry(store, e), n, 3.0)["median"] * 1000
        cpu = time.process_time()
        validate_entry(store, entry)
        out[name.replace("_ms", "_cpu_ms")] = (time.process_time() - cpu) * 1000
    out["rss_peak_mb"] = C.proc_status()["VmHWM"]
    if out["triples"] < 200_000:
        env = dict(os.environ, R2PKG_HOME=str(home))
        started = time.perf_counter()
        done = subprocess.run([C.R2PKG_BIN, "validate", "--store", f"oxigraph:{folder}"], env=env,
                              capture_output=True, text=True)
        out["cli_s"] = time.perf_counter() - started
        out["cli_exit"] = done.returncode
        out["cli_progress"] = done.stderr.strip().rsplit("\r", 1)[-1][:120]
    return out


def exponent(rows: list[dict], key: str) -> str:
    pts = [(r["triples"], r[key]) for r in rows if r.get(key)]
    if len(pts) < 2:
        return "-"
    (x0, y0), (x1, y1) = pts[0], pts[-1]
    return f"{math.log(y1 / y0) / math.log(x1 / x0):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="bundled,40k,1M")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--worker", default=None)
    parser.add_argument("--load", default=None, help="only load a size's directory (a child process)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeat)))
        return 0
    if args.load:
        print(json.dumps(load(args.load)))
        return 0
    rows = []
    for label in args.sizes.split(","):
        done = subprocess.run([sys.executable, __file__, "--load", label], capture_output=True, text=True)
        if done.returncode:
            print(done.stderr[-2000:], file=sys.stderr)
            return 1
        print(done.stdout.strip().splitlines()[-1], file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, __file__, "--worker", label, "--repeat", str(args.repeat)],
                              capture_output=True, text=True)
        if done.returncode:
            print(done.stderr[-2000:], file=sys.stderr)
            return 1
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    table = C.md_table(
        ["size", "triples", "whole graph s (CPU s)", "findings", "peak RSS MB", "CLI s (process)",
         "entry p50 ms (CPU ms)", "template p50 ms"],
        [[r["size"], f"{r['triples']:,}", f"{r['whole_s']:.2f} ({r['whole_cpu_s']:.2f})", str(r["findings"]),
          f"{r['rss_peak_mb']:.0f}", f"{r['cli_s']:.2f}" if "cli_s" in r else "-",
          f"{r['entry_ms']:.1f} ({r['entry_cpu_ms']:.1f})", f"{r['template_ms']:.1f}"]
         for r in rows])
    text = (f"\n## Validation on oxigraph:DIR ({time.strftime('%Y-%m-%d')}, bench/validate.py)\n\n{table}\n\n"
            f"Growth exponent (log time / log triples, first to last size): whole graph "
            f"{exponent(rows, 'whole_s')} (CPU {exponent(rows, 'whole_cpu_s')}), entry {exponent(rows, 'entry_ms')} "
            f"(CPU {exponent(rows, 'entry_cpu_ms')}).\n")
    print(text)
    if not args.no_write:
        with open(C.BENCH / "RESULTS.md", "a", encoding="utf-8") as results:
            results.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

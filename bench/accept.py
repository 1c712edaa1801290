"""Accepting, correcting and retracting one entry in the bundled graph: p50 and p90 of
``Ledger.accept``, ``Ledger.correct`` and ``Ledger.retract``.

Run: ``python bench/accept.py [--repeat 30] [--store oxigraph]``. Works on a copy of
ontology/, data/ and queries/ in a temporary folder (the repository's data/ is never
written). ``--size 1M`` adds that many synthetic triples (``bench/generate.py``) and uses
``--store oxigraph:DIR``: the copy and the loaded folder are kept in ``$R2PKG_BENCH_DIR/accept-1M``
(a pristine folder per version of the code, loaded once, copied back before each run), and
the first read of each view in a new process is timed before and after the changes. Baseline measured in the same run: validating the same entries without
accepting them (``validate_entry``), so the cost of writing, syncing, logging and adding
to the store shows as the difference. Each accepted entry is then corrected (a new start
year: validated against the graph without the old version, written, the old triples taken
out) and the correction retracted. Target: each p50 under 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"

#: The filled-in case template (as tests/test_validation.py fills it): one case, one claim,
#: one response, three citations, with a real sentence of the cited report as the quote.
FILL = {
    '"TODO Country, situation (years)"': '"Benchland N, civil war (2019)"',
    "# r2p:country state:TODO ;": "r2p:country state:kenya ;",
    "# r2p:supports r2p:country ;": "r2p:supports r2p:country ;",
    '"2008"^^xsd:gYear': '"2019"^^xsd:gYear',
    '"TODO section or para"': "\"section 'Bench'\"",
    '"TODO at most one sentence, exactly as printed"':
        '"The General Assembly is the appropriate forum for continuing the intergovernmental dialogue '
        'on the Responsibility to Protect."',
    '"TODO the source attributes crimes against humanity to the situation"':
        '"The source attributes crimes against humanity to Benchland N"',
    '"TODO"': "\"section 'Bench'\"",
    '"TODO Who: what was done (year)"': '"Secretary-General: mediation in Benchland N (2019)"',
}


def entry(n: int, year: str = "2019"):
    from r2pkg.editing.entries import case_template, new_entry_graph, parse_entry_text

    text = case_template(f"benchland-{n}")
    for old, new in FILL.items():
        text = text.replace(old, new)
    text = "\n".join(line.split("# TODO")[0].rstrip() for line in text.splitlines())
    text = text.replace("Benchland N", f"Benchland {n}")
    text = text.replace('r2p:startDate "2019"', f'r2p:startDate "{year}"')
    return parse_entry_text(new_entry_graph(), text.encode(), f"bench-{n}.ttl", "turtle")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


#: A new process opens the store and reads each view kept in DIR/views (none built): seconds per view.
FIRST_READ = """
import json, sys, time
from r2pkg.store import open_store
from r2pkg.store.base import BUILT_ON_LOAD
store = open_store(sys.argv[1])
times = {}
for name in BUILT_ON_LOAD:
    t = time.perf_counter()
    found = store._saved_view(name)
    times[name] = None if found is None else time.perf_counter() - t
store.close()
print(json.dumps(times))
"""


def first_reads(spec: str) -> dict[str, float | None]:
    """The first read of each view by a new process (as a server's first page after start)."""
    done = subprocess.run([sys.executable, "-c", FIRST_READ, spec], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def sized_home(size: str) -> tuple[Path, str]:
    """The home (ontology/, data/ with the synthetic file, queries/) and the ``oxigraph:DIR`` store
    for ``size``, as they were before any change: kept in $R2PKG_BENCH_DIR, the database loaded
    once per version of the code (its views' format may differ) and copied back for each run."""
    sys.path.insert(0, str(ROOT / "bench"))
    import _common as C

    work = C.WORK / f"accept-{size}"
    home = work / "home"
    if not (home / "queries").is_dir():
        extra, _meta = C.synthetic(size)
        shutil.rmtree(home, ignore_errors=True)
        for name in ("ontology", "data", "queries"):
            shutil.copytree(ROOT / name, home / name)
        (home / "data" / "zz-bench").mkdir()
        (home / "data" / "zz-bench" / extra.name).symlink_to(extra.resolve())
    shutil.rmtree(home / "data" / "entries", ignore_errors=True)  # the last run's changes
    os.environ["R2PKG_HOME"] = str(home)
    import r2pkg
    from r2pkg.store import open_store

    code = C.source_digest(Path(r2pkg.__file__).parent)
    store, pristine = work / f"store-{code}", work / f"store-{code}.pristine"
    shutil.rmtree(store, ignore_errors=True)
    if not pristine.is_dir():
        started = time.perf_counter()
        open_store(f"oxigraph:{store}").close()
        print(f"[bench] loaded {size} into {store} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        shutil.copytree(store, pristine, symlinks=True)
    else:
        shutil.copytree(pristine, store, symlinks=True)
    return home, f"oxigraph:{store}"


def copied_home(size: str, folder: Path) -> tuple[Path, str]:
    """The home ``bench/pages.py`` made for ``size`` and a scratch copy of a folder it loaded
    (``--from-folder``): at 10M a load takes half an hour, a copy a minute. The folder's
    manifest names the home's files, so the home is used as it is; the entries a run accepts
    go to its ``data/entries``, removed before and after."""
    sys.path.insert(0, str(ROOT / "bench"))
    import _common as C

    home = C.WORK / f"home-{size}"
    if not (home / "data").is_dir():
        raise SystemExit(f"no {home}: run bench/pages.py --size {size} first (it makes the home and loads the folder)")
    shutil.rmtree(home / "data" / "entries", ignore_errors=True)
    scratch = C.WORK / f"accept-{size}-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    started = time.perf_counter()
    import pyoxigraph as ox

    from r2pkg.store.oxigraph_dir import DATABASE

    # the database as Oxigraph's own checkpoint (consistent while a server has it open, whose
    # files a plain copy would see change under it), the manifest and the views as files
    shutil.copytree(folder, scratch, symlinks=True, ignore=lambda d, names: [DATABASE] if Path(d) == folder else [])
    ox.Store.read_only(str(folder / DATABASE)).backup(str(scratch / DATABASE))
    print(f"[bench] copied {folder} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    os.environ["R2PKG_HOME"] = str(home)
    return home, f"oxigraph:{scratch}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--store", default="oxigraph")
    parser.add_argument("--size", default="bundled",
                        help="synthetic triples besides the bundled graph (100k, 1M): store oxigraph:DIR")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--from-folder", type=Path, default=None,
                        help="with --size: a copy of this folder, loaded by bench/pages.py, instead of a load")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    sys.path.append(str(ROOT / "src"))  # after PYTHONPATH: another version of the code can be measured
    sized = args.size != "bundled"
    home = Path(tempfile.mkdtemp(prefix="r2pkg-bench-accept-"))
    reads: dict[str, dict] = {}
    _home: Path | None = None
    try:
        if sized:
            _home, args.store = (copied_home(args.size, args.from_folder) if args.from_folder
                                 else sized_home(args.size))
            reads["before"] = first_reads(args.store)
        else:
            for name in ("ontology", "data", "queries"):
                shutil.copytree(ROOT / name, home / name)
            os.environ["R2PKG_HOME"] = str(home)
        from r2pkg.editing.accepted import Ledger
        from r2pkg.store import open_store
        from r2pkg.editing.validation import validate_entry

        store = open_store(args.store)
        ledger = Ledger(store)
        validate_entry(store, entry(0))  # warm: shapes parsed, SPARQL prepared
        validate_ms, accept_ms = [], []
        cpu: dict[str, list[float]] = {"validate": [], "accept": [], "correct": [], "retract": []}

        def timed(wall: list[float], name: str, fn, *fn_args):
            t, c = time.perf_counter(), time.process_time()
            result = fn(*fn_args)
            wall.append((time.perf_counter() - t) * 1000)
            cpu[name].append((time.process_time() - c) * 1000)
            return result

        for i in range(1, args.repeat + 1):
            e = entry(i)
            assert timed(validate_ms, "validate", validate_entry, store, e).conforms
            outcome = timed(accept_ms, "accept", ledger.accept, e, "bench")
            assert outcome.accepted, outcome.report.as_text()
        correct_ms, retract_ms = [], []
        for i in range(1, args.repeat + 1):
            entry_id = next(c.id for c in ledger.log if f"case/benchland-{i}" in " ".join(c.nodes))
            fixed = entry(i, year="2018")
            outcome = timed(correct_ms, "correct", ledger.correct, entry_id, fixed, "bench", "start year")
            assert outcome.accepted, outcome.report.as_text()
            outcome = timed(retract_ms, "retract", ledger.retract, outcome.accepted.id, "bench", "benchmark")
            assert outcome.accepted, outcome.report.as_text()
        store.close()
        if sized:
            reads["after"] = first_reads(args.store)
        rows = [("validate only (baseline)", validate_ms, cpu["validate"]),
                ("accept (validate, write, sync, log, add)", accept_ms, cpu["accept"]),
                ("correct (take out, validate, write, sync, log, add)", correct_ms, cpu["correct"]),
                ("retract (take out, check links, write, sync, log)", retract_ms, cpu["retract"])]
        lines = [f"| {name} | {statistics.median(v):.0f} | {pct(v, 0.9):.0f} | {max(v):.0f} | {statistics.median(c):.0f} |"
                 for name, v, c in rows]
        ratio = statistics.median(accept_ms) / statistics.median(validate_ms)
        graph = "bundled graph" if not sized else f"bundled graph + {args.size} synthetic triples"
        table = "\n".join([
            f"## Accepting one entry ({graph}, store {args.store}, {args.repeat} entries, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
            "",
            "Command: `python bench/accept.py --repeat " + str(args.repeat)
            + (f" --size {args.size}" if sized else "")
            + (f" --from-folder {args.from_folder}" if args.from_folder else "") + "`. One case, one claim, one "
            "response, three citations per entry, each accepted after the previous ones.",
            "",
            f"Load average at the start: {load}.", "",
            "| step | p50 ms | p90 ms | max ms | p50 CPU ms |", "|---|---|---|---|---|", *lines, "",
            f"accept / validate at the p50: x{ratio:.2f}. Target: accept, correct and retract p50 under "
            f"300 ms: {'met' if max(map(statistics.median, (accept_ms, correct_ms, retract_ms))) < 300 else 'NOT met'}.",
            "", *([_reads_table(reads), ""] if reads else [])])
        print(table)
        if not args.no_write:
            with RESULTS.open("a", encoding="utf-8") as fh:
                fh.write("\n" + table)
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if _home is not None and args.from_folder:
            shutil.rmtree(_home / "data" / "entries", ignore_errors=True)
            shutil.rmtree(args.store.split(":", 1)[1], ignore_errors=True)


def _reads_table(reads: dict[str, dict]) -> str:
    """The first read of each view in a new process, before the changes and after them."""
    def ms(value):
        return "not saved" if value is None else f"{1000 * value:.0f}"
    lines = ["First read of each view by a new process (ms), before the changes and after them:", "",
             "| view | before | after |", "|---|---|---|"]
    lines += [f"| {name} | {ms(reads['before'][name])} | {ms(reads['after'].get(name))} |" for name in reads["before"]]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

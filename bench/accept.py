"""Accepting, correcting and retracting one entry in the bundled graph: p50 and p90 of
``Ledger.accept``, ``Ledger.correct`` and ``Ledger.retract``.

Run: ``python bench/accept.py [--repeat 30] [--store oxigraph]``. Works on a copy of
ontology/, data/ and queries/ in a temporary folder (the repository's data/ is never
written). Baseline measured in the same run: validating the same entries without
accepting them (``validate_entry``), so the cost of writing, syncing, logging and adding
to the store shows as the difference. Each accepted entry is then corrected (a new start
year: validated against the graph without the old version, written, the old triples taken
out) and the correction retracted. Target: each p50 under 300 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--store", default="oxigraph")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    home = Path(tempfile.mkdtemp(prefix="r2pkg-bench-accept-"))
    try:
        for name in ("ontology", "data", "queries"):
            shutil.copytree(ROOT / name, home / name)
        os.environ["R2PKG_HOME"] = str(home)
        sys.path.insert(0, str(ROOT / "src"))
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
        rows = [("validate only (baseline)", validate_ms, cpu["validate"]),
                ("accept (validate, write, sync, log, add)", accept_ms, cpu["accept"]),
                ("correct (take out, validate, write, sync, log, add)", correct_ms, cpu["correct"]),
                ("retract (take out, check links, write, sync, log)", retract_ms, cpu["retract"])]
        lines = [f"| {name} | {statistics.median(v):.0f} | {pct(v, 0.9):.0f} | {max(v):.0f} | {statistics.median(c):.0f} |"
                 for name, v, c in rows]
        ratio = statistics.median(accept_ms) / statistics.median(validate_ms)
        table = "\n".join([
            f"## Accepting one entry (bundled graph, store {args.store}, {args.repeat} entries, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
            "",
            "Command: `python bench/accept.py --repeat " + str(args.repeat) + "`. One case, one claim, one "
            "response, three citations per entry, each accepted after the previous ones.",
            "",
            f"Load average at the start: {load}.", "",
            "| step | p50 ms | p90 ms | max ms | p50 CPU ms |", "|---|---|---|---|---|", *lines, "",
            f"accept / validate at the p50: x{ratio:.2f}. Target: accept, correct and retract p50 under "
            f"300 ms: {'met' if max(map(statistics.median, (accept_ms, correct_ms, retract_ms))) < 300 else 'NOT met'}.",
            ""])
        print(table)
        if not args.no_write:
            with RESULTS.open("a", encoding="utf-8") as fh:
                fh.write("\n" + table)
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()

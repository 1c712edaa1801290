"""What a person waits for: each page type and each saved query's page, first view and warm.

    python bench/pages.py                         # bundled graph on oxigraph:DIR
    python bench/pages.py --size 1M --repeats 20  # appends a table to bench/RESULTS.md

Loopback only. The on-disk store (``oxigraph:DIR`` under the bench folder) is loaded once
by a first ``r2pkg serve`` that is then stopped; a second ``r2pkg serve`` opens it as it is,
and the bench asks, in turn, every page type (home, case, mandate, document, pillar, term,
organ, chain, precedents, the second page of a "Linked from" row) and every saved query's page with its defaults: the first view of
each after ``serve`` (the time a reader waits after a restart, lazily built views included),
then ``--repeats`` warm views of each, p50 and p95. Each row also says the HTTP status.
Not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

#: One page of each type, on nodes of the bundled graph (the synthetic data adds more of each).
PAGES = {
    "home": "/",
    "case": "/id/case/rwanda-1994",
    "mandate": "/id/mandate/special-adviser-prevention-of-genocide",
    "document": "/id/document/un-charter",
    "pillar": "/id/pillar/3",
    "term": "/id/term/responsibility-to-protect",
    "organ": "/id/organ/security-council",
    "ontology term": "/ontology/Case",
    "chain": "/chain?node=mandate:special-adviser-prevention-of-genocide",
    "precedents": "/precedents?case=case:rwanda-1994",
    "saved queries": "/queries",
    "document cited by many": "/id/document/S-RES-1674",
    "charter chapter": "/id/document/un-charter/chapter-VII",
    "crime": "/id/crime/genocide",
    "citator": "/citator?document=doc:S-RES-1674",
    "linked (2nd page)": "/linked?node=https://w3id.org/r2pkg/id/pillar/3"
                         "&property=https://w3id.org/r2pkg/ontology%23pillar&offset=200",
    # the longest listing (1,682 rows at 1M): a saved query's page, shown 200 rows at a time
    "long listing (saved query)": "/queries/responses-resting-on-chapter-vii",
}


def _get(port: int, path: str) -> tuple[int | str, float, int]:
    """The page's status, the seconds until its last byte, and its size in bytes."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    try:
        conn.request("GET", path, headers={"Accept": "text/html"})
        response = conn.getresponse()
        body = response.read()
        return response.status, time.perf_counter() - started, len(body)
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, time.perf_counter() - started, 0
    finally:
        conn.close()


def targets(saved_queries: bool = True) -> dict[str, str]:
    """Every page type, then every saved query's page with its defaults."""
    found = dict(PAGES)
    if not saved_queries:
        return found
    saved, _folder, _problems = C.load_queries()
    for name in sorted(saved):
        found[f"query {name}"] = f"/queries/{name}"
    return found


def measure(port: int, pages: dict[str, str], repeats: int) -> list[list[str]]:
    """First view of each page in turn, then ``repeats`` warm views of each."""
    rows = []
    first = {name: _get(port, path) for name, path in pages.items()}
    for name, path in pages.items():
        warm = [_get(port, path) for _ in range(repeats)]
        times = [t for _, t, _ in warm]
        statuses = sorted({str(s) for s, _, _ in [first[name], *warm]})
        rows.append([name, ", ".join(statuses), f"{first[name][2] / 1000:.0f}", f"{1000 * first[name][1]:.0f}",
                     f"{1000 * C.percentile(times, 50):.0f}", f"{1000 * C.percentile(times, 95):.0f}"])
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="bundled", help="bundled, 100k, 1M, 10M (synthetic triples added)")
    ap.add_argument("--repeats", type=int, default=10, help="warm views of each page")
    ap.add_argument("--threads", type=int, default=32)
    ap.add_argument("--no-results", action="store_true", help="do not append to RESULTS.md")
    ap.add_argument("--settle", type=float, default=0.0,
                    help="seconds to wait after serve answers before the first views (a reader who comes later)")
    ap.add_argument("--page-types-only", action="store_true",
                    help="only the page types, not every saved query's page (minutes less at 1M)")
    args = ap.parse_args()
    load_start = os.getloadavg()[0]
    extra, _meta = C.synthetic(args.size)
    home = C.mirror_home(args.size, extra)
    folder = C.WORK / f"pages-dir-{args.size}"
    store = f"oxigraph:{folder}"
    with C.Server(home, store=store, threads=args.threads) as loader:
        loaded = loader.start()  # loads the folder from the files (the first time only)
    with C.Server(home, store=store, threads=args.threads) as server:
        ready = server.start()
        time.sleep(args.settle)
        rows = measure(server.port, targets(not args.page_types_only), args.repeats)
        rss = server.status().get("VmHWM", 0.0)
    table = C.md_table(["page", "status", "kB", "first view ms", "warm p50 ms", "warm p95 ms"], rows)
    print(table)
    import r2pkg  # the code the server runs: the first r2pkg on PYTHONPATH, else the installed one

    code = Path(r2pkg.__file__).parent
    measured = f"{code} (sha256 {C.source_digest(code)})"
    print(f"load {loaded:.1f} s; serve to first answer {ready:.2f} s; server peak RSS {rss:.0f} MB; code {measured}")
    if not args.no_results:
        stamp = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        text = (f"\n## Page waits ({args.size}, store oxigraph:DIR)\n\n"
                f"Command: `python bench/pages.py --size {args.size} --repeats {args.repeats}"
                f"{' --page-types-only' if args.page_types_only else ''}{f' --settle {args.settle:g}' if args.settle else ''}`  \n"
                f"Date: {stamp}; {os.cpu_count()} cores; load average at start {load_start:.2f}, "
                f"at the end {os.getloadavg()[0]:.2f}; code measured: `{measured}`  \n"
                f"`r2pkg serve --store oxigraph:DIR --threads {args.threads}` on a folder already loaded "
                f"(first load {loaded:.1f} s); serve to first answered query {ready:.2f} s; the server's "
                f"peak RSS {rss:.0f} MB. First view: each page's first request after serve, in the "
                "order of the table; warm: the next requests of it, one at a time.\n\n" + table + "\n")
        with open(C.RESULTS, "a") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

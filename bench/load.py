"""A bounded load test of `r2pkg serve`: the saved queries over HTTP at 1, 8 and 32 clients.

    python bench/load.py                         # bundled graph, default store
    python bench/load.py --size 100k --requests 300 --levels 1,8,32,64

Loopback only: it starts `r2pkg serve` on a free 127.0.0.1 port, sends a fixed number of
requests per concurrency level (each client a thread with its own kept-alive
http.client connection, taking the saved queries round-robin with their defaults), stops
each level at its time cap, then stops the server. It prints one table (throughput, p50,
p95, max latency, errors per level), appends it to bench/RESULTS.md, and exits 1 if any
request failed (a non-200 status or a connection error). Not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402


def run_level(port: int, texts: list[tuple[str, str]], clients: int, requests: int, cap: float) -> dict:
    """Send ``requests`` queries with ``clients`` threads (or until ``cap`` seconds)."""
    lock = threading.Lock()
    state = {"next": 0}
    latencies: list[float] = []
    statuses: Counter = Counter()
    per_query: dict[str, list[float]] = {}
    deadline = time.perf_counter() + cap

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                i = state["next"]
                if i >= requests or time.perf_counter() > deadline:
                    break
                state["next"] = i + 1
            name, text = texts[i % len(texts)]
            t = time.perf_counter()
            try:
                code, _size, _engine = C.http_query(conn, text)
            except (OSError, http.client.HTTPException) as exc:
                code = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = time.perf_counter() - t
            with lock:
                latencies.append(elapsed)
                statuses[code] += 1
                per_query.setdefault(name, []).append(elapsed)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(cap + 120)
    wall = time.perf_counter() - started
    errors = sum(n for code, n in statuses.items() if code != 200)
    return {
        "clients": clients, "done": len(latencies), "wall": wall,
        "throughput": len(latencies) / wall if wall else 0.0,
        "p50": C.percentile(latencies, 50) if latencies else None,
        "p95": C.percentile(latencies, 95) if latencies else None,
        "max": max(latencies) if latencies else None,
        "errors": errors, "statuses": dict(statuses), "capped": len(latencies) < requests,
        "slowest": sorted(((C.percentile(v, 50), k) for k, v in per_query.items()), reverse=True)[:2],
    }


def ms(x: float | None) -> str:
    return "–" if x is None else f"{x * 1000:.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="bundled", help="bundled (default), or 10k, 100k, 1M synthetic triples added")
    ap.add_argument("--store", default="oxigraph", help="store of the server (default: r2pkg's default)")
    ap.add_argument("--levels", default="1,8,32", help="concurrent clients per level")
    ap.add_argument("--requests", type=int, default=200, help="requests per level")
    ap.add_argument("--time-cap", type=float, default=60.0, help="seconds per level at most")
    ap.add_argument("--threads", type=int, default=8, help="waitress threads of the server (r2pkg's default 8)")
    ap.add_argument("--queries", type=Path, default=None, help="folder of .rq files instead of queries/")
    ap.add_argument("--results", type=Path, default=C.RESULTS, help="markdown file to append to")
    ap.add_argument("--live", action="store_true", help="serve src/ as it is, not a snapshot taken at start")
    args = ap.parse_args(argv)

    C.WORK.mkdir(parents=True, exist_ok=True)
    measured = (C.ROOT / "src" / "r2pkg") if args.live else C.snapshot_source() / "r2pkg"
    snapshot_time = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    queries, folder, problems = C.load_queries(args.queries)
    texts = []
    for name, saved in queries.items():
        text, why = C.query_text(saved)
        if text is None:
            problems.append(f"{name}: {why}")
        else:
            texts.append((name, text))
    if not texts:
        print("no saved query to send", file=sys.stderr)
        return 2
    synthetic, _meta = C.synthetic(args.size)
    home = C.mirror_home(args.size, synthetic)
    load_start = os.getloadavg()[0]
    results = []
    with C.Server(home, store=args.store, threads=args.threads) as server:
        first = server.start()
        print(f"[load] r2pkg serve --store {args.store} on 127.0.0.1:{server.port}: first answer after "
              f"{first:.2f} s; {len(texts)} saved queries from {folder}", file=sys.stderr, flush=True)
        for clients in levels:
            res = run_level(server.port, texts, clients, args.requests, args.time_cap)
            results.append(res)
            print(f"[load] {clients:3d} clients: {res['done']} requests, {res['throughput']:.1f} req/s, "
                  f"p50 {ms(res['p50'])} ms, p95 {ms(res['p95'])} ms, {res['errors']} errors",
                  file=sys.stderr, flush=True)
        rss = server.status()

    header = ["clients", "requests", "errors", "wall s", "req/s", "p50 ms", "p95 ms", "max ms",
              "statuses", "slowest query (p50 ms)"]
    rows = [[str(r["clients"]), f"{r['done']}{' (time cap)' if r['capped'] else ''}", str(r["errors"]),
             f"{r['wall']:.1f}", f"{r['throughput']:.1f}", ms(r["p50"]), ms(r["p95"]), ms(r["max"]),
             ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items(), key=str)),
             "; ".join(f"{name} {v * 1000:.0f}" for v, name in r["slowest"])] for r in results]
    table = C.md_table(header, rows)
    print(table)
    cmd = "python bench/load.py " + " ".join(argv if argv is not None else sys.argv[1:])
    doc = [
        "",
        f"## Load test ({args.size}, store {args.store})",
        "",
        f"Command: `{cmd.strip()}`  ",
        f"Date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}  ",
        f"Server: `r2pkg serve --store {args.store} --threads {args.threads}` on 127.0.0.1, first answer "
        f"{first:.2f} s after start, peak RSS {rss.get('VmHWM', 0):.0f} MB; {os.cpu_count()} cores; "
        f"load average at start {load_start:.2f}  ",
        f"Code: `src/r2pkg` as of {snapshot_time}, sha256 {C.source_digest(measured)}"
        f"{' (live)' if args.live else ' (snapshot)'}  ",
        f"Requests: {args.requests} per level (time cap {args.time_cap:g} s), the {len(texts)} saved queries "
        f"of `{folder}` round-robin with their defaults, GET /sparql, kept-alive connections.",
        "",
        table,
        "",
        *[f"- {p}" for p in problems],
    ]
    with open(args.results, "a", encoding="utf-8") as fh:
        fh.write("\n".join(doc) + "\n")
    print(f"\nappended to {args.results}", file=sys.stderr)
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

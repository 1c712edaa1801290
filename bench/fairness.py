"""A bounded load test of fair service: cheap requests while the worker slots are full of slow queries.

    python bench/fairness.py                      # 4 and 16 slow queries, ~1 min
    python bench/fairness.py --levels 4,16,32 --seconds 10

Loopback only. It starts `r2pkg serve` (bundled graph) on a free 127.0.0.1 port with a
short query limit, then for each level N keeps N slow queries in flight (a cross join of
the whole graph that only the limit stops; each one re-sent as soon as it ends), either
from one client address (127.0.0.2: "a client with several slow queries") or from N
addresses (127.0.1.x: as many clients). Meanwhile a probe client (127.0.0.3) asks, in
turn, `/healthz`, a small ASK on `/sparql` and the home page, every 50 ms, and records
each latency. Each level stops after ``--seconds``; the server is stopped at the end. It
prints one table (p50, p95, max per probe kind; what the slow queries got) and appends it
to bench/RESULTS.md. Not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import os
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
PROBES = {
    "healthz": "/healthz",
    "small ASK": "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s a ?type }"}),
    "home page": "/",
}


def _get(port: int, path: str, source: str, timeout: float = 60) -> tuple[int | str, float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    started = time.perf_counter()
    try:
        conn.request("GET", path, headers={"Accept": "application/sparql-results+json, text/html;q=0.5"})
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, time.perf_counter() - started
    finally:
        conn.close()


def run_level(port: int, slow: int, spread: bool, seconds: float) -> dict:
    """``slow`` slow queries kept in flight while the probe measures; the figures."""
    stop = threading.Event()
    slow_statuses: Counter = Counter()
    lock = threading.Lock()

    def attacker(i: int) -> None:
        source = f"127.0.1.{i + 1}" if spread else "127.0.0.2"
        path = "/sparql?" + urllib.parse.urlencode({"query": SLOW})
        while not stop.is_set():
            status, _ = _get(port, path, source)
            with lock:
                slow_statuses[status] += 1
            if status == 503:
                time.sleep(0.05)  # a client that retries at once, as an attacker would

    threads = [threading.Thread(target=attacker, args=(i,), daemon=True) for i in range(slow)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # let the slow queries take the slots
    samples: dict[str, list[float]] = {name: [] for name in PROBES}
    statuses: Counter = Counter()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for name, path in PROBES.items():
            status, elapsed = _get(port, path, "127.0.0.3")
            samples[name].append(elapsed)
            statuses[f"{name} {status}"] += 1
            time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    return {"samples": samples, "statuses": statuses, "slow": slow_statuses}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--levels", default="4,16", help="numbers of slow queries in flight")
    ap.add_argument("--seconds", type=float, default=8.0, help="probing time per level")
    ap.add_argument("--timeout", type=float, default=5.0, help="the server's QUERY_TIMEOUT")
    ap.add_argument("--store", default="oxigraph")
    ap.add_argument("--threads", type=int, default=32, help="server threads (r2pkg serve's default)")
    ap.add_argument("--no-results", action="store_true", help="do not append to RESULTS.md")
    args = ap.parse_args()
    levels = [int(x) for x in args.levels.split(",") if x]
    home = C.mirror_home("bundled", None)
    env = {"R2PKG_QUERY_TIMEOUT": str(args.timeout)}
    rows = []
    with C.Server(home, store=args.store, threads=args.threads, env=env) as server:
        server.start()
        for spread in (False, True):
            for level in levels:
                got = run_level(server.port, level, spread, args.seconds)
                who = f"{level} clients" if spread else "1 client"
                for name, samples in got["samples"].items():
                    ok = sum(n for k, n in got["statuses"].items() if k.startswith(name) and k.endswith(" 200"))
                    rows.append([str(level), who, name, str(len(samples)), str(ok),
                                 f"{1000 * C.percentile(samples, 50):.1f}", f"{1000 * C.percentile(samples, 95):.1f}",
                                 f"{1000 * max(samples):.1f}",
                                 ", ".join(f"{k}: {v}" for k, v in sorted(got["slow"].items(), key=str))])
    table = C.md_table(["slow queries", "from", "probe", "n", "200s", "p50 ms", "p95 ms", "max ms",
                        "slow queries got"], rows)
    print(table)
    if not args.no_results:
        stamp = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        load = os.getloadavg()[0]
        text = (f"\n## Fair service under slow queries (bundled, store {args.store})\n\n"
                f"Command: `python bench/fairness.py --levels {args.levels} --seconds {args.seconds:g}`  \n"
                f"Date: {stamp}; {os.cpu_count()} cores; load average at start {load:.2f}  \n"
                f"Server: `r2pkg serve --threads {args.threads}`, QUERY_TIMEOUT {args.timeout:g} s, default "
                "admission (regular slots max(4, 2 x cores), all but one per client, 2 fast slots of 0.5 s, "
                "a wait by expected time of at most 2 s).  \n"
                "Slow query: a three-way cross join of the whole graph, stopped by the limit and re-sent "
                "at once (after 50 ms on a 503). Probes from another address, one every 50 ms in turn.\n\n"
                + table + "\n")
        with open(C.BENCH / "RESULTS.md", "a") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

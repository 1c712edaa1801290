"""r2pkg benchmarks: load, saved queries, chains, precedents, validation, HTTP /sparql.

    python bench/run.py                              # sizes 10k,100k
    python bench/run.py --sizes bundled,10k,100k,1M

For each size (``bundled`` = the bundled graph alone; otherwise ontology + bundled data +
synthetic data from bench/generate.py) and each store, a fresh subprocess loads the graph
(so its load time and peak RSS are its own) and runs the workloads:

- ``oxigraph``: r2pkg's default store (rdflib Graph on oxrdflib), via r2pkg's own functions;
- ``memory``: the same on rdflib's in-memory store (the baseline);
- ``pyoxigraph``: pyoxigraph.Store called directly (load, query) = the floor.

Then, per size, a real ``r2pkg serve`` (waitress) on 127.0.0.1 answers every saved query over
HTTP. One table is printed (workload x size x store: median, p95, ratios to pyoxigraph
direct and to rdflib memory from the same run) and written to bench/RESULTS.md.
Not a test: pytest's testpaths is tests/ only.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402

ID = "https://w3id.org/r2pkg/id/"
SAPG = ID + "mandate/special-adviser-prevention-of-genocide"
STORES = ("oxigraph", "memory", "pyoxigraph")
OXIGRAPH_SERVER = "oxigraph-server"  # an HTTP baseline: Oxigraph's own server, in memory


# =============================================================================================
# worker: one store, one size, one process
# =============================================================================================

def worker(spec: dict) -> dict:
    kind = spec["store"]
    files = [Path(f) for f in spec["files"]]
    n, budget, limit = spec["repeat"], spec["budget"], spec.get("call_timeout")
    if spec.get("memory_gb"):
        C.limit_memory(spec["memory_gb"])
    out: dict = {"store": kind, "size": spec["size"], "workloads": {}, "notes": []}
    w = out["workloads"]

    def record(name: str, res: dict, **extra) -> None:
        w[name] = {k: v for k, v in res.items() if k not in ("out", "samples")} | extra

    from r2pkg.sparql import bind_parameters  # noqa: F401 - the same module the queries use

    out["rss_base_mb"] = C.proc_status()["VmRSS"]
    started = time.perf_counter()
    if kind == "pyoxigraph":
        import pyoxigraph as ox

        store = ox.Store()
        for f in files:
            store.load(path=str(f), format=ox.RdfFormat.TURTLE)
        out["load_s"] = time.perf_counter() - started
        out["triples"] = len(store)
    else:
        from r2pkg.store import open_store

        store = open_store(kind, files)
        out["load_s"] = time.perf_counter() - started
    status = C.proc_status()  # before anything else runs
    out["rss_peak_mb"], out["rss_after_load_mb"] = status["VmHWM"], status["VmRSS"]
    if kind != "pyoxigraph":
        # counted once per store and kept (chains check it to know their index is current);
        # len(graph) on oxrdflib would run a full COUNT, 2.5 s and 400 MB at 1M, every time
        t = time.perf_counter()
        out["triples"] = store.triple_count()
        w["triple count (first call; kept by the store)"] = {"median": time.perf_counter() - t, "p95": None, "n": 1}

    # -- saved queries with their defaults --------------------------------------------------
    queries, folder, problems = C.load_queries(Path(spec["queries"]) if spec.get("queries") else None)
    out["queries_folder"] = str(folder)
    out["notes"] += problems
    for name, saved in queries.items():
        text, why = C.query_text(saved)
        if text is None:
            out["notes"].append(f"{name}: {why}")
            continue
        if kind == "pyoxigraph":
            # the floor: every value of every row handed to Python; and what an Oxigraph
            # server does before sending, the result written as SPARQL JSON
            calls = {f"query: {name}": lambda text=text: _consume_ox(store.query(text)),
                     f"query as JSON: {name}": lambda text=text: len(
                         store.query(text).serialize(format=ox.QueryResultsFormat.JSON))}
        else:
            from r2pkg.answers import answer
            from r2pkg.queries import run_saved

            # what `r2pkg query NAME --format json` does; and the Python API's rdflib rows
            calls = {f"query: {name}": lambda saved=saved: len(
                         answer(store, saved.text, "json", saved.bindings()).body),
                     f"query as rdflib rows: {name}": lambda saved=saved: sum(1 for _ in run_saved(store, saved))}
        for label, fn in calls.items():
            try:
                if limit:
                    C.probe_in_child(fn, limit)
                res = C.repeat(fn, n, budget, limit=limit)
                counted = label.startswith("query: ") if kind == "pyoxigraph" else "rdflib rows" in label
                record(label, res, **({"rows": res["out"]} if counted else {"bytes": res["out"]}))
            except C.CallTimeout:
                w[label] = {"error": f"timed out (> {limit:g} s per call)"}
            except MemoryError:
                w[label] = {"error": f"out of memory (> {spec.get('memory_gb')} GB address space)"}
            except Exception as exc:  # noqa: BLE001
                w[label] = {"error": f"{type(exc).__name__}: {exc}"[:300]}

    if kind == "pyoxigraph":
        out["rss_peak_end_mb"] = C.proc_status()["VmHWM"]
        return out

    # -- authority chains and precedents -----------------------------------------------------
    from rdflib import URIRef

    from r2pkg.chains import authority_chains, graph_index, precedents

    marks = spec.get("landmarks") or {}
    t = time.perf_counter()
    graph_index(store)
    w["chain index build (first graph_index)"] = {"median": time.perf_counter() - t, "p95": None, "n": 1}
    if marks:
        chain_nodes = [SAPG, marks["coercive_responses"][-1], marks["mandates"][0]]
        case_nodes = [marks["cases"][0], marks["cases"][2], ID + "case/rwanda-1994"]
    else:
        chain_nodes = [SAPG, ID + "organ/secretary-general", ID + "response/rwanda-1994-operation-turquoise"]
        case_nodes = [ID + "case/rwanda-1994", ID + "case/darfur-2003", ID + "case/kenya-2007-2008"]
    out["chain_nodes"], out["case_nodes"] = chain_nodes, case_nodes
    for label, fn, nodes in (("authority chain", authority_chains, chain_nodes),
                             ("precedents", precedents, case_nodes)):
        pooled: list[float] = []
        details = {}
        for node in nodes:
            node = URIRef(node)
            # what a caller does per request: look up the cached index, then walk it
            try:
                res = C.repeat(lambda node=node, fn=fn: fn(graph_index(store), node), n, budget / len(nodes),
                               limit=limit)
            except (C.CallTimeout, MemoryError) as exc:
                details[str(node).rsplit("/", 1)[-1]] = {"median": float("nan"), "found": type(exc).__name__}
                continue
            found = res["out"]
            size = (len(found.get("chains", [])) if "chains" in found
                    else len(found.get("draws_on", [])) + len(found.get("drawn_on_by", [])))
            details[str(node).rsplit("/", 1)[-1]] = {"median": res["median"], "found": size}
            pooled += res["samples"]
        w[f"{label} (per call, {len(nodes)} nodes)"] = (C.summarize(pooled) if pooled else
                                                        {"error": "every call timed out"}) | {"details": details}

    # -- single-entry validation -------------------------------------------------------------
    from rdflib import Graph

    from r2pkg.editing.entries import case_template, parse_entry_text
    from r2pkg.editing.validation import validate_entry

    entries = {"template case entry": case_template("bench-entry")}
    entries["coercive entry on context"] = _coercive_entry(marks)
    for label, text in entries.items():
        entry = Graph()
        parse_entry_text(entry, text.encode(), label, "turtle")
        try:
            res = C.repeat(lambda entry=entry: validate_entry(store, entry), n, budget, limit=limit)
        except (C.CallTimeout, MemoryError) as exc:
            w[f"validate_entry: {label}"] = {"error": type(exc).__name__}
            continue
        report = res["out"]
        if not report.conforms:
            out["notes"].append(f"validation '{label}' did not conform: {report.as_text()[:400]}")
        record(f"validate_entry: {label}", res, conforms=report.conforms)
    out["rss_peak_end_mb"] = C.proc_status()["VmHWM"]
    return out


def _consume_ox(result) -> int:
    """Read a pyoxigraph result completely (every value of every row)."""
    import pyoxigraph as ox

    if isinstance(result, ox.QueryBoolean):
        return int(bool(result))
    count = 0
    for item in result:
        if isinstance(item, ox.QuerySolution):
            tuple(item)
        count += 1
    return count


def _coercive_entry(marks: dict) -> str:
    """A valid case whose coercive response rests on a resolution already in the graph, and
    which draws on an existing case: validation has to pull their context from the store."""
    basis = marks["resolutions"][-1] if marks else ID + "document/un-charter/chapter-VII"
    earlier = marks["cases"][0] if marks else ID + "case/rwanda-1994"
    return f"""
@prefix r2p: <https://w3id.org/r2pkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix case: <{ID}case/> .
@prefix response: <{ID}response/> .
@prefix claim: <{ID}claim/> .
@prefix crime: <{ID}crime/> .
@prefix pillar: <{ID}pillar/> .
@prefix tool: <{ID}tool/> .
@prefix organ: <{ID}organ/> .
@prefix pub: <{ID}publication/> .
@prefix state: <{ID}state/> .

case:bench-coercive a r2p:Case ;
    rdfs:label "Bench, coercive situation (2009)"@en ;
    r2p:country state:sudan ;
    r2p:startDate "2009"^^xsd:gYear ; r2p:endDate "2010"^^xsd:gYear ;
    r2p:scopeStatus r2p:InScope ;
    r2p:concernsCrime crime:war-crimes ;
    r2p:drawsOn <{earlier}> ;
    r2p:hasResponse response:bench-coercive-sanctions ;
    r2p:evidence [ a r2p:Citation ; r2p:source pub:ipi-blue-paper-7 ;
        r2p:locator "para 12" ; r2p:assertion r2p:Stated ] .

claim:bench-coercive-concernsCrime a r2p:Claim ;
    rdfs:label "The source attributes war crimes to the bench situation"@en ;
    r2p:claimSubject case:bench-coercive ; r2p:claimProperty r2p:concernsCrime ;
    r2p:claimValue crime:war-crimes ;
    r2p:evidence [ a r2p:Citation ; r2p:source pub:ipi-blue-paper-7 ;
        r2p:locator "para 12" ; r2p:assertion r2p:Stated ] .

response:bench-coercive-sanctions a r2p:Response ;
    rdfs:label "Security Council: targeted sanctions (2009)"@en ;
    r2p:actor organ:security-council ;
    r2p:pillar pillar:3 ;
    r2p:instrument tool:sanctions ;
    r2p:hasLegalBasis <{basis}> ;
    r2p:date "2009"^^xsd:gYear ;
    r2p:evidence [ a r2p:Citation ; r2p:source pub:ipi-blue-paper-7 ;
        r2p:locator "para 12" ; r2p:assertion r2p:Stated ] .

claim:bench-coercive-sanctions-hasLegalBasis a r2p:Claim ;
    rdfs:label "The sanctions rest on the resolution"@en ;
    r2p:claimSubject response:bench-coercive-sanctions ; r2p:claimProperty r2p:hasLegalBasis ;
    r2p:claimValue <{basis}> ;
    r2p:evidence [ a r2p:Citation ; r2p:source pub:ipi-blue-paper-7 ;
        r2p:locator "para 12" ; r2p:assertion r2p:Stated ] .
"""


# =============================================================================================
# HTTP: a real `r2pkg serve`
# =============================================================================================

def http_bench(label: str, synthetic: Path | None, store: str, n: int, budget: float,
               queries_folder: Path | None) -> dict:
    out: dict = {"store": store, "workloads": {}, "notes": []}
    queries, _folder, problems = C.load_queries(queries_folder)
    out["notes"] += problems
    if store == OXIGRAPH_SERVER:  # the baseline: a real SPARQL server on the same engine
        from r2pkg.store import bundled_files

        server = C.OxigraphServer(bundled_files(C.ROOT) + ([synthetic] if synthetic else []))
    else:
        server = C.Server(C.mirror_home(label, synthetic), store=store)
    with server:
        started = server.start()
        out["server_load_s" if store == OXIGRAPH_SERVER else "serve_first_answer_s"] = started
        status = server.status()
        out["serve_rss_peak_mb"], out["serve_rss_mb"] = status.get("VmHWM"), status.get("VmRSS")
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        for name, saved in queries.items():
            text, why = C.query_text(saved)
            if text is None:
                out["notes"].append(f"{name}: {why}")
                continue
            statuses: list[int] = []
            beyond: list[float] = []  # round trip minus the server's own time for the query

            def call(text=text, statuses=statuses, beyond=beyond):
                nonlocal conn
                started = time.perf_counter()
                try:
                    code, size, engine = C.http_query(conn, text, server.path)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
                    code, size, engine = 599, 0, None
                if engine is not None:
                    beyond.append(time.perf_counter() - started - engine)
                statuses.append(code)
                return size

            res = C.repeat(call, n, budget)
            bad = [s for s in statuses if s != 200]
            out["workloads"][f"HTTP /sparql: {name}"] = {k: v for k, v in res.items()
                                                         if k not in ("out", "samples")} | {
                "bytes": res["out"], "errors": len(bad), "statuses": sorted(set(bad)),
                "beyond_engine": C.summarize(beyond[1:])["median"] if len(beyond) > 1 else None}
        conn.close()
        status = server.status()
        out["serve_rss_peak_after_mb"] = status.get("VmHWM")
    return out


def paired_http_bench(label: str, synthetic: Path | None, n: int, budget: float,
                      queries_folder: Path | None, with_oxigraph_server: bool) -> dict[str, dict]:
    """`r2pkg serve` (default store) measured call by call against pyoxigraph in this process
    writing the same JSON, and against Oxigraph's own server, taking turns.

    Measured in separate runs, two processes running the same 100 ms query differ by a few
    percent, more than the 3 ms the target allows; taking turns cancels that drift.
    """
    import pyoxigraph as ox

    from r2pkg.store import bundled_files

    files = bundled_files(C.ROOT) + ([synthetic] if synthetic else [])
    direct = ox.Store()
    for f in files:
        direct.load(path=str(f), format=ox.RdfFormat.TURTLE)
    queries, _folder, problems = C.load_queries(queries_folder)
    ours: dict = {"store": "oxigraph", "workloads": {}, "notes": list(problems), "paired": True}
    theirs: dict = {"store": OXIGRAPH_SERVER, "workloads": {}, "notes": [], "paired": True}
    servers = [C.Server(C.mirror_home(label, synthetic), store="oxigraph")]
    if with_oxigraph_server:
        servers.append(C.OxigraphServer(files))
    try:
        ours["serve_first_answer_s"] = servers[0].start()
        status = servers[0].status()
        ours["serve_rss_peak_mb"], ours["serve_rss_mb"] = status.get("VmHWM"), status.get("VmRSS")
        if with_oxigraph_server:
            theirs["server_load_s"] = servers[1].start()
            theirs["serve_rss_peak_mb"] = servers[1].status().get("VmHWM")
        conns = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=120) for s in servers]
        for name, saved in queries.items():
            text, why = C.query_text(saved)
            if text is None:
                ours["notes"].append(f"{name}: {why}")
                continue
            samples = _take_turns(direct, text, servers, conns, n, budget)
            d, h, e = samples["direct"], samples["ours"], samples["engine"]
            label_ = f"HTTP /sparql: {name}"
            bad = [code for code in samples["statuses"] if code != 200]
            ours["workloads"][label_] = C.summarize(h[1:]) | {
                "first": h[0], "bytes": samples["bytes"], "errors": len(bad), "statuses": sorted(set(bad)),
                "beyond_engine": statistics.median(x - y for x, y in zip(h[1:], e[1:])),
                "paired_direct": statistics.median(d[1:]),
                "paired_delta_direct": statistics.median(x - y for x, y in zip(h[1:], d[1:]))}
            if with_oxigraph_server:
                o = samples["theirs"]
                ours["workloads"][label_]["paired_delta_oxserver"] = statistics.median(
                    x - y for x, y in zip(h[1:], o[1:]))
                theirs["workloads"][label_] = C.summarize(o[1:]) | {
                    "first": o[0], "bytes": samples["their_bytes"],
                    "paired_delta_direct": statistics.median(x - y for x, y in zip(o[1:], d[1:]))}
        for conn in conns:
            conn.close()
        ours["serve_rss_peak_after_mb"] = servers[0].status().get("VmHWM")
    finally:
        for server in servers:
            server.stop()
    return {"serve oxigraph": ours} | ({f"serve {OXIGRAPH_SERVER}": theirs} if with_oxigraph_server else {})


def _take_turns(direct, text: str, servers: list, conns: list, n: int, budget: float) -> dict:
    """One warm-up round, then rounds of: pyoxigraph writes the JSON, r2pkg answers over
    HTTP, Oxigraph's server answers over HTTP; until n rounds or the budget is spent."""
    import pyoxigraph as ox

    out: dict = {"direct": [], "ours": [], "engine": [], "theirs": [], "statuses": [], "bytes": 0,
                 "their_bytes": 0}
    deadline = time.perf_counter() + 3 * budget
    while len(out["direct"]) < n + 1:
        t = time.perf_counter()
        direct.query(text).serialize(format=ox.QueryResultsFormat.JSON)
        out["direct"].append(time.perf_counter() - t)
        for i, (server, conn) in enumerate(zip(servers, conns)):
            t = time.perf_counter()
            code, size, engine = C.http_query(conn, text, server.path)
            elapsed = time.perf_counter() - t
            if i == 0:
                out["ours"].append(elapsed)
                out["engine"].append(engine if engine is not None else elapsed)
                out["statuses"].append(code)
                out["bytes"] = size
            else:
                out["theirs"].append(elapsed)
                out["their_bytes"] = size
        if len(out["direct"]) >= 4 and time.perf_counter() > deadline:
            break
    return out


# =============================================================================================
# parent: orchestrate, tabulate
# =============================================================================================

def run_worker(spec: dict, timeout: float) -> dict:
    cmd = [C.PY, __file__, "--worker", json.dumps(spec)]
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"store": spec["store"], "size": spec["size"], "error": f"timed out after {timeout:g} s",
                "workloads": {}, "notes": []}
    if proc.returncode != 0 or not proc.stdout.strip():
        return {"store": spec["store"], "size": spec["size"], "workloads": {}, "notes": [],
                "error": f"worker failed ({proc.returncode}): {proc.stderr.strip()[-800:]}"}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["wall_s"] = time.perf_counter() - t
    return res


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 0.01:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1000:.2f} ms"


def fmt_ratio(a: float | None, b: float | None) -> str:
    if a is None or not b:
        return "–"
    return f"{a / b:.2f}x"


def fmt_delta(a: float | None, b: float | None) -> str:
    if a is None or b is None:
        return "–"
    return f"{(a - b) * 1000:+.1f}"


def _paired_or(workload: dict, key: str, otherwise: str) -> str:
    """A difference measured call by call (marked ``p``), or the one from separate runs."""
    value = workload.get(key)
    return f"{value * 1000:+.1f} p" if value is not None else otherwise


def build_rows(results: dict) -> tuple[list[str], list[list[str]]]:
    """results[size][store] = worker or http result -> one table."""
    header = ["workload", "size", "store", "n", "first call", "median", "p95", "x pyoxigraph", "Δ pyox ms",
              "x memory", "Δ pyox JSON ms", "Δ server query ms", "Δ oxigraph server ms"]
    rows: list[list[str]] = []
    for size, by_store in results.items():
        pyox = by_store.get("pyoxigraph", {})
        mem = by_store.get("memory", {})
        # load and memory rows
        for store, res in by_store.items():
            if store.startswith("serve"):
                continue
            if res.get("error"):
                rows.append(["load", size, store, "", res["error"][:80], "", "", "", ""])
                continue
            rows.append([f"load ({res.get('triples', '?')} triples)", size, store, "1",
                         fmt_time(res.get("load_s")), "",
                         fmt_ratio(res.get("load_s"), pyox.get("load_s")),
                         "", fmt_ratio(res.get("load_s"), mem.get("load_s"))])
            rows.append(["RSS peak during load (MB)", size, store, "1", f"{res.get('rss_peak_mb', 0):.0f}", "",
                         fmt_ratio(res.get("rss_peak_mb"), pyox.get("rss_peak_mb")), "",
                         fmt_ratio(res.get("rss_peak_mb"), mem.get("rss_peak_mb"))])
            if res.get("rss_peak_end_mb"):
                rows.append(["RSS peak after every workload (MB)", size, store, "1",
                             f"{res['rss_peak_end_mb']:.0f}", "",
                             fmt_ratio(res.get("rss_peak_end_mb"), pyox.get("rss_peak_end_mb")), "",
                             fmt_ratio(res.get("rss_peak_end_mb"), mem.get("rss_peak_end_mb"))])
            rows.append(["RSS after load (MB)", size, store, "1", f"{res.get('rss_after_load_mb', 0):.0f}", "",
                         fmt_ratio(res.get("rss_after_load_mb"), pyox.get("rss_after_load_mb")), "",
                         fmt_ratio(res.get("rss_after_load_mb"), mem.get("rss_after_load_mb"))])
        for store, res in by_store.items():
            if not store.startswith("serve") or res.get("error"):
                if store.startswith("serve") and res.get("error"):
                    rows.append(["serve to first answer", size, store, "", res["error"][:80], "", "", "", ""])
                continue
            if store == f"serve {OXIGRAPH_SERVER}":
                rows.append(["start and load over HTTP", size, store, "1", fmt_time(res.get("server_load_s")),
                             "", "", "", ""])
                rows.append(["server RSS after loading (MB)", size, store, "1",
                             f"{res.get('serve_rss_peak_mb') or 0:.0f}", "", "", "", ""])
                continue
            other = by_store.get("serve memory", {})
            rows.append(["serve to first answer", size, store, "1", fmt_time(res.get("serve_first_answer_s")), "",
                         "", "", fmt_ratio(res.get("serve_first_answer_s"), other.get("serve_first_answer_s"))])
            rows.append(["serve RSS after first answer (MB)", size, store, "1",
                         f"{res.get('serve_rss_peak_mb') or 0:.0f}", "", "", "", ""])
        # workloads, grouped by name
        names: list[str] = []
        for res in by_store.values():
            for name in res.get("workloads", {}):
                if name not in names:
                    names.append(name)
        order = lambda nm: (nm.startswith("HTTP"), nm.startswith("query") is False, nm)  # noqa: E731
        for name in sorted(names, key=order):
            query = name.split(": ", 1)[-1]
            base = f"query: {query}" if name.startswith(("HTTP /sparql: ", "query as rdflib rows: ")) else name
            p = pyox.get("workloads", {}).get(base, {}).get("median")
            # an answer sent as JSON, against Oxigraph writing the same JSON
            pj = (pyox.get("workloads", {}).get(f"query as JSON: {query}", {}).get("median")
                  if name.startswith(("HTTP /sparql: ", "query: ")) else None)
            for store, res in by_store.items():
                wl = res.get("workloads", {}).get(name)
                if wl is None:
                    continue
                if "error" in wl:
                    rows.append([name, size, store, "", "error: " + wl["error"][:60], "", "", "", ""])
                    continue
                ox_server = (by_store.get(f"serve {OXIGRAPH_SERVER}", {}).get("workloads", {})
                             .get(name, {}).get("median"))
                if name.startswith("HTTP"):
                    m = by_store.get("serve memory", {}).get("workloads", {}).get(name, {}).get("median")
                else:
                    m = mem.get("workloads", {}).get(name, {}).get("median")
                med = wl["median"]
                note = f" ({wl['errors']} errors {wl['statuses']})" if wl.get("errors") else ""
                rows.append([name, size, store, str(wl.get("n", "")), fmt_time(med) + note,
                             fmt_time(wl.get("p95")),
                             "" if store == "pyoxigraph" else fmt_ratio(med, p),
                             "" if store == "pyoxigraph" or p is None else fmt_delta(med, p),
                             "" if store in ("memory", "serve memory", "pyoxigraph") else fmt_ratio(med, m),
                             fmt_time(wl.get("first")) if wl.get("first") is not None else "",
                             _paired_or(wl, "paired_delta_direct",
                                        "" if store == "pyoxigraph" or pj is None else fmt_delta(med, pj)),
                             fmt_delta(wl["beyond_engine"], 0) if wl.get("beyond_engine") is not None else "",
                             _paired_or(wl, "paired_delta_oxserver",
                                        fmt_delta(med, ox_server) if ox_server and store == "serve oxigraph"
                                        else "")])
    # columns were gathered as: name size store n median p95 x-pyox Δ x-mem [first Δ-JSON Δ-server Δ-ox-server]
    padded = [r + [""] * (13 - len(r)) for r in rows]
    return header, [r[:4] + [r[9]] + r[4:9] + r[10:13] for r in padded]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10k,100k", help="comma list of bundled, 10k, 100k, 1M, or a number")
    ap.add_argument("--stores", default=",".join(STORES), help="comma list of oxigraph, memory, pyoxigraph")
    ap.add_argument("--http-stores", default="oxigraph,memory" + (f",{OXIGRAPH_SERVER}" if C.OxigraphServer.available()
                                                                  else ""),
                    help=f"stores for `r2pkg serve` HTTP runs (empty for none); {OXIGRAPH_SERVER} is Oxigraph's "
                         "own server, as a baseline")
    ap.add_argument("--unpaired", action="store_true",
                    help="measure `r2pkg serve --store oxigraph` alone, not taking turns with pyoxigraph "
                         "and Oxigraph's server")
    ap.add_argument("--skip", default="", help="size:store pairs to skip, e.g. 1M:memory,1M:serve memory")
    ap.add_argument("--repeat", type=int, default=20, help="timed calls per workload (at most)")
    ap.add_argument("--budget", type=float, default=4.0, help="seconds per workload (at least 3 calls)")
    ap.add_argument("--worker-timeout", type=float, default=900.0, help="seconds per store and size")
    ap.add_argument("--call-timeout", type=float, default=15.0,
                    help="seconds one measured call may run before it is stopped and reported")
    ap.add_argument("--worker-memory-gb", type=float, default=6.0,
                    help="address-space cap of each worker, so a runaway query cannot exhaust the machine")
    ap.add_argument("--queries", type=Path, default=None, help="folder of .rq files instead of queries/")
    ap.add_argument("--results", type=Path, default=C.RESULTS, help="markdown file to overwrite")
    ap.add_argument("--json", type=Path, default=C.WORK / "run-results.json", help="raw results")
    ap.add_argument("--live", action="store_true",
                    help="measure src/ as it is at each moment instead of a snapshot taken at the start")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0

    C.WORK.mkdir(parents=True, exist_ok=True)
    live_src = C.ROOT / "src" / "r2pkg"
    digest_start = C.source_digest(live_src)
    measured = live_src if args.live else C.snapshot_source() / "r2pkg"
    snapshot_time = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    http_stores = [s.strip() for s in args.http_stores.split(",") if s.strip()]
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    began = time.perf_counter()
    load_start = os.getloadavg()[0]
    from r2pkg.store import bundled_files

    results: dict = {}
    notes: list[str] = []
    for size in sizes:
        synthetic, meta = C.synthetic(size)
        files = [str(f) for f in bundled_files(C.ROOT)] + ([str(synthetic)] if synthetic else [])
        results[size] = {}
        for store in stores:
            if f"{size}:{store}" in skip:
                notes.append(f"{size} on {store}: skipped (--skip).")
                continue
            spec = {"store": store, "size": size, "files": files, "repeat": args.repeat, "budget": args.budget,
                    "call_timeout": args.call_timeout, "memory_gb": args.worker_memory_gb,
                    "landmarks": meta, "queries": str(args.queries) if args.queries else None}
            print(f"[bench] {size} / {store} ...", file=sys.stderr, flush=True)
            res = run_worker(spec, args.worker_timeout)
            print(f"[bench] {size} / {store}: load {res.get('load_s', float('nan')):.2f} s, "
                  f"{res.get('wall_s', 0):.0f} s in all{' ERROR ' + res['error'] if res.get('error') else ''}",
                  file=sys.stderr, flush=True)
            results[size][store] = res
            notes += [f"{size} / {store}: {x}" for x in res.get("notes", [])]
        paired = not args.unpaired and "oxigraph" in http_stores and f"{size}:serve oxigraph" not in skip
        if paired:
            with_ox = OXIGRAPH_SERVER in http_stores and f"{size}:serve {OXIGRAPH_SERVER}" not in skip
            print(f"[bench] {size} / serve oxigraph{' and ' + OXIGRAPH_SERVER if with_ox else ''}, "
                  "paired with pyoxigraph ...", file=sys.stderr, flush=True)
            t = time.perf_counter()
            try:
                both = paired_http_bench(size, synthetic, args.repeat, args.budget, args.queries, with_ox)
            except Exception as exc:  # noqa: BLE001
                both = {"serve oxigraph": {"error": f"{type(exc).__name__}: {exc}", "workloads": {}}}
            print(f"[bench] {size} / paired HTTP: {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
            for key, res in both.items():
                results[size][key] = res
                notes += [f"{size} / {key}: {x}" for x in res.get("notes", [])]
        for store in http_stores:
            key = f"serve {store}"
            if key in results[size]:
                continue  # measured in turns above
            if f"{size}:{key}" in skip:
                notes.append(f"{size} HTTP on {store}: skipped (--skip).")
                continue
            print(f"[bench] {size} / {key} ...", file=sys.stderr, flush=True)
            t = time.perf_counter()
            try:
                res = http_bench(size, synthetic, store, args.repeat, args.budget, args.queries)
            except Exception as exc:  # noqa: BLE001
                res = {"error": f"{type(exc).__name__}: {exc}", "workloads": {}}
            print(f"[bench] {size} / {key}: {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
            results[size][key] = res
            notes += [f"{size} / {key}: {x}" for x in res.get("notes", [])]
    total = time.perf_counter() - began
    digest_end = C.source_digest(live_src)
    import r2pkg

    code_line = (f"Code measured: `src/r2pkg` as of {snapshot_time} (sha256 {C.source_digest(measured)}, "
                 f"a snapshot copied to `{measured.parent}` and first on every process's path; "
                 f"imported from `{Path(r2pkg.__file__).parent}`)"
                 if not args.live else f"Code measured: live `src/r2pkg` (sha256 {digest_start} at start)")
    if digest_end != digest_start:
        code_line += f"; `src/r2pkg` was edited during the run (sha256 {digest_end} at the end)"

    header, rows = build_rows(results)
    table = C.md_table(header, rows)
    print(table)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, default=str))
    details = _details(results)
    cmd = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    folder = next((r.get("queries_folder") for s in results.values() for r in s.values()
                   if r.get("queries_folder")), "?")
    doc = [
        "# r2pkg benchmark results",
        "",
        f"Command: `{cmd.strip()}`  ",
        f"Date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}  ",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{_versions()}  ",
        f"Saved queries read from: `{folder}`  ",
        code_line + "  ",
        f"Total run time: {total / 60:.1f} min; load average (1 min) at start {load_start:.2f}, "
        f"at end {os.getloadavg()[0]:.2f} (the machine is shared: other sessions' processes ran too)",
        "",
        "Times per call; `n` timed calls after one warm-up call. `x pyoxigraph` and `Δ pyox ms` compare "
        "with the same query run on pyoxigraph.Store directly in this run (for HTTP rows: the direct "
        "in-process query, so the gap is all of r2pkg's and HTTP's overhead); `x memory` with rdflib "
        "memory (for HTTP rows: `r2pkg serve --store memory`). `Δ pyox JSON ms` compares an answer "
        "written as SPARQL JSON (`query:` rows on r2pkg stores, HTTP rows) with pyoxigraph writing "
        "the same JSON (`query as JSON:`). `Δ server query ms` (HTTP rows) is the round trip minus "
        "the time the server itself spent running and writing the query, which it sends in its "
        "`Server-Timing` header: what r2pkg and HTTP add, measured on the same call, free of the "
        "few-percent differences between two processes running the same query. `Δ oxigraph server ms` "
        "compares `r2pkg serve` with Oxigraph's own SPARQL server (`oxigraph serve`, in memory, "
        "loaded with the same files) answering the same query over HTTP with the same client. "
        "A figure marked `p` was measured in turns: for each call, pyoxigraph in the harness "
        "process writes the JSON, then `r2pkg serve` answers, then Oxigraph's server answers, and "
        "the figure is the median of the per-call differences (`--unpaired` measures each alone). "
        "`query as rdflib rows:` is the Python API (`run_saved`), compared with pyoxigraph reading "
        "every value.",
        "",
        table,
        "",
        "## Details",
        "",
        *details,
        "",
        "## Notes",
        "",
        *([f"- {n}" for n in notes] or ["- none"]),
        "",
    ]
    args.results.write_text("\n".join(doc), encoding="utf-8")
    print(f"\nwrote {args.results} ({total / 60:.1f} min)", file=sys.stderr)
    return 0


def _details(results: dict) -> list[str]:
    lines = []
    for size, by_store in results.items():
        for store, res in by_store.items():
            for name, wl in res.get("workloads", {}).items():
                if wl.get("details"):
                    parts = ", ".join(f"{k} {v['median'] * 1000:.1f} ms ({v['found']} found)"
                                      for k, v in wl["details"].items())
                    lines.append(f"- {size} / {store} / {name}: {parts}")
            rows = {name: wl.get("rows") for name, wl in res.get("workloads", {}).items() if "rows" in wl}
            if rows and store != "pyoxigraph":
                ref = by_store.get("pyoxigraph", {}).get("workloads", {})
                same = {k: k.replace("query as rdflib rows: ", "query: ") for k in rows}
                diff = [f"{k} ({v} vs {ref[same[k]].get('rows')})" for k, v in rows.items()
                        if same[k] in ref and ref[same[k]].get("rows") != v]
                if diff:
                    lines.append(f"- {size} / {store}: row counts differ from pyoxigraph: {', '.join(diff)}")
            if res.get("wall_s"):
                lines.append(f"- {size} / {store}: {res.get('triples')} triples, worker wall time "
                             f"{res['wall_s']:.0f} s, RSS after imports {res.get('rss_base_mb', 0):.0f} MB")
    return lines


def _versions() -> str:
    from importlib.metadata import version

    return ", ".join(f"{p} {version(p)}" for p in ("rdflib", "pyoxigraph", "oxrdflib", "pyshacl", "waitress"))


if __name__ == "__main__":
    sys.exit(main())

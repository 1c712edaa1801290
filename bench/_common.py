"""Helpers shared by bench/run.py and bench/load.py (not a test module; pytest never sees it)."""

from __future__ import annotations

import http.client
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORK = Path(os.environ.get("R2PKG_BENCH_DIR", "/tmp/r2pkg-bench"))
RESULTS = BENCH / "RESULTS.md"
PY = sys.executable
R2PKG_BIN = str(Path(sys.executable).with_name("r2pkg"))
SEED = 20091

sys.path.insert(0, str(BENCH))
import generate  # noqa: E402

# -- sizes and synthetic files ---------------------------------------------------------------


def size_triples(label: str) -> int:
    """'bundled' -> 0 (no synthetic data); '10k' -> 10000; '1M' -> 1000000."""
    return 0 if label == "bundled" else generate.parse_size(label)


def synthetic(label: str) -> tuple[Path | None, dict]:
    """The synthetic Turtle file for a size (generated once, deterministic) and its landmarks."""
    target = size_triples(label)
    if not target:
        return None, {}
    out = WORK / f"synthetic-{label}.ttl"
    meta_path = Path(str(out) + ".json")
    if out.is_file() and meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if (meta.get("target") == target and meta.get("seed") == SEED
                and meta.get("version") == generate.SIDECAR_VERSION):
            return out, meta
    print(f"[bench] generating {label} synthetic triples -> {out}", file=sys.stderr, flush=True)
    meta = generate.generate(target, out, SEED)
    return out, meta


def mirror_home(label: str, extra: Path | None) -> Path:
    """An R2PKG_HOME for `r2pkg serve`: the real ontology/ and queries/ (symlinked, so the
    queries are read as they are now), data/ mirrored file by file, plus the synthetic file."""
    home = WORK / f"home-{label}"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    (home / "ontology").symlink_to(ROOT / "ontology", target_is_directory=True)
    (home / "queries").symlink_to(ROOT / "queries", target_is_directory=True)
    for src in sorted((ROOT / "data").rglob("*")):
        dst = home / "data" / src.relative_to(ROOT / "data")
        if src.is_dir():
            dst.mkdir(parents=True, exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(src)
    if extra is not None:
        (home / "data" / "zz-bench").mkdir(parents=True, exist_ok=True)
        (home / "data" / "zz-bench" / extra.name).symlink_to(extra)
    return home


# -- the code under test --------------------------------------------------------------------


def source_digest(src: Path) -> str:
    """A short sha256 of every .py file under ``src`` (to tell whether the code changed)."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted(src.rglob("*.py")):
        h.update(str(path.relative_to(src)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def snapshot_source() -> Path:
    """Copy src/r2pkg to WORK/snapshot/src and put it first on the path of this process and
    of every process it starts, so that one run measures one version of the code even while
    others edit src/. Returns the snapshot's src folder."""
    dest = WORK / "snapshot" / "src"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(ROOT / "src" / "r2pkg", dest / "r2pkg",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    os.environ["PYTHONPATH"] = str(dest) + (os.pathsep + os.environ["PYTHONPATH"]
                                            if os.environ.get("PYTHONPATH") else "")
    os.environ["R2PKG_HOME"] = str(ROOT)  # the snapshot is outside the checkout
    sys.path.insert(0, str(dest))
    return dest


# -- saved queries ---------------------------------------------------------------------------


def load_queries(folder: Path | None = None):
    """The saved queries as they are on disk now: {name: SavedQuery}, the folder, problems.

    A file that does not load (someone may be writing it right now) is skipped and named.
    Falls back to bench/queries/ (representative shapes) when queries/ has none.
    """
    from r2pkg.queries import load_saved_query, queries_dir

    folder = folder or queries_dir(ROOT)
    found, problems = {}, []
    for path in sorted(folder.glob("*.rq")):
        try:
            found[path.stem] = load_saved_query(path)
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            problems.append(f"{path.name}: {exc}")
    if not found and folder != BENCH / "queries":
        found, more, _ = load_queries(BENCH / "queries")
        return found, BENCH / "queries", problems + more
    return found, folder, problems


def query_text(saved) -> tuple[str | None, str | None]:
    """The text an engine receives for a saved query run with its defaults, or why not."""
    from r2pkg.sparql import bind_parameters, with_prefixes

    try:
        bindings = saved.bindings()
    except Exception as exc:  # noqa: BLE001
        return None, f"skipped: {exc}"
    return with_prefixes(bind_parameters(saved.text, bindings)), None


# -- measuring -------------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(samples: list[float]) -> dict:
    return {"median": statistics.median(samples), "p95": percentile(samples, 95), "n": len(samples)}


class CallTimeout(BaseException):
    """A measured call ran past its time limit (raised by SIGALRM inside Python code).

    A BaseException, so that library code that wraps ``Exception`` (r2pkg's run_query
    turns any engine error into a QueryError) lets it through."""


def _alarm(_signum, _frame):
    raise CallTimeout()


def timed_call(fn, limit: float | None):
    """(seconds, result) of fn(); CallTimeout if it runs past ``limit`` seconds."""
    if limit:
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        t = time.perf_counter()
        out = fn()
        return time.perf_counter() - t, out
    finally:
        if limit:
            signal.setitimer(signal.ITIMER_REAL, 0)


def repeat(fn, n: int, budget: float, min_runs: int = 3, limit: float | None = None) -> dict:
    """Call fn once as warm-up (timed as 'first'), then up to n timed calls within budget s.

    With ``limit``, a call that runs longer is stopped (CallTimeout propagates on the
    warm-up; later it ends the series).
    """
    first, out = timed_call(fn, limit)
    samples: list[float] = []
    if first > budget:  # too slow to repeat: report the one call
        samples = [first]
    else:
        deadline = time.perf_counter() + budget
        while len(samples) < n:
            try:
                elapsed, _ = timed_call(fn, limit)
            except CallTimeout:
                samples.append(float(limit))
                break
            samples.append(elapsed)
            if len(samples) >= min_runs and time.perf_counter() > deadline:
                break
    return {**summarize(samples), "first": first, "out": out, "samples": samples}


def paired(fa, fb, n: int, budget: float, min_pairs: int = 1) -> tuple[dict, dict]:
    """Time two ways of doing the same thing against each other, fairly.

    Each is called once untimed as warm-up (so neither is measured on a cold cache the other
    has warmed), then the two alternate, a before b then b before a, up to ``n`` pairs or
    until ``budget`` s have passed: on a shared machine both see the same load, where two
    series one after the other could differ by 2x (measured: a 1M query at 2.06x in series,
    1.01x paired). A query slower than ``budget`` is warmed up once only (by ``fb``): at
    ten million triples a saved query can take minutes, and one cold call is what matters.
    """
    t = time.perf_counter()
    fb()
    if time.perf_counter() - t <= budget:
        fa()
    a: list[float] = []
    b: list[float] = []
    deadline = time.perf_counter() + budget
    while len(a) < n:
        order = ((fa, a), (fb, b)) if len(a) % 2 == 0 else ((fb, b), (fa, a))
        for fn, samples in order:
            t = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t)
        if len(a) >= min_pairs and time.perf_counter() > deadline:
            break
    return summarize(a), summarize(b)


def paired_in_child(fa, fb, n: int, budget: float, limit: float, min_pairs: int = 1) -> tuple[dict, dict] | None:
    """:func:`paired` in a forked child, killed after ``limit`` s in all (None then).

    A saved query that runs for minutes at ten million triples cannot be stopped inside
    Oxigraph's Rust code; here it is stopped with its process, and reported as over the limit.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: measure, send the figures, exit at once without cleanup
        code = 0
        try:
            os.write(write, json.dumps(paired(fa, fb, n, budget, min_pairs)).encode())
        except BaseException:  # noqa: BLE001 - reported by the parent as no figures
            code = 1
        os._exit(code)
    os.close(write)
    deadline = time.perf_counter() + limit
    try:
        while time.perf_counter() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                with os.fdopen(read, "rb") as fh:
                    read = -1
                    body = fh.read()
                if status != 0 or not body:
                    raise RuntimeError("the measuring child failed")
                a, b = json.loads(body)
                return a, b
            time.sleep(0.01)
        os.kill(pid, signal.SIGKILL)  # the child this function forked
        os.waitpid(pid, 0)
        return None
    finally:
        if read != -1:
            os.close(read)


def probe_in_child(fn, limit: float) -> None:
    """Run fn() once in a forked child and kill it after ``limit`` seconds (CallTimeout).

    SIGALRM cannot stop a query inside Oxigraph's Rust code, so a query that would run for
    minutes is caught here before it is measured in-process.
    """
    pid = os.fork()
    if pid == 0:  # child: run, exit at once without cleanup
        code = 0
        try:
            fn()
        except BaseException:  # noqa: BLE001 - the parent measures again and sees the error
            code = 1
        os._exit(code)
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)  # the child this function forked
    os.waitpid(pid, 0)
    raise CallTimeout()


def limit_memory(gigabytes: float) -> None:
    """Cap this process's address space so a runaway query fails here, not on the machine."""
    import resource

    cap = int(gigabytes * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def proc_status(pid: int | str = "self") -> dict[str, float]:
    """VmRSS and VmHWM (peak RSS) in MB from /proc."""
    values = {}
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values


# -- a real `r2pkg serve` --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Started:
    """A server in a child process (``self.proc``, its own process group) that this harness
    started and stops, with its children, when the ``with`` block ends."""

    proc: subprocess.Popen | None

    def status(self) -> dict[str, float]:
        return proc_status(self.proc.pid) if self.proc else {}

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


@dataclass
class Server(_Started):
    """`r2pkg serve` on 127.0.0.1:port in a child process that this harness started."""

    home: Path
    store: str = "oxigraph"
    threads: int = 8
    env: dict = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen | None = None
    started: float = 0.0
    first_answer: float | None = None
    log: Path | None = None
    path: str = "/sparql"

    def start(self, timeout: float = 900.0) -> float:
        """Start it; return seconds from process start to the first answered /sparql query."""
        self.port = free_port()
        env = {**os.environ, "R2PKG_HOME": str(self.home), **self.env}
        self.log = WORK / f"serve-{self.home.name}-{self.store.replace('/', '_')}-{self.port}.log"
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [R2PKG_BIN, "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--store", self.store, "--threads", str(self.threads)],
            env=env, stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"), start_new_session=True)
        deadline = self.started + timeout
        body = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"r2pkg serve exited with {self.proc.returncode}; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", body, headers={"Accept": "application/sparql-results+json"})
                resp = conn.getresponse()
                resp.read()
                conn.close()
                if resp.status == 200:
                    self.first_answer = time.perf_counter() - self.started
                    return self.first_answer
            except OSError:
                pass
            time.sleep(0.01)
        self.stop()
        raise TimeoutError(f"r2pkg serve did not answer within {timeout:g} s; see {self.log}")



ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"


def http_query(conn: http.client.HTTPConnection, text: str, path: str = "/sparql") -> tuple[int, int, float | None]:
    """One GET round trip on a kept-alive connection: (status, body bytes, the server's own
    time for the query in seconds, from its ``Server-Timing`` header, if it sends one)."""
    conn.request("GET", path + "?" + urllib.parse.urlencode({"query": text}), headers={"Accept": ACCEPT})
    resp = conn.getresponse()
    body = resp.read()
    return resp.status, len(body), server_timing(resp.getheader("Server-Timing"))


def server_timing(header: str | None) -> float | None:
    """The ``dur`` of the first metric of a Server-Timing header, in seconds."""
    for part in (header or "").split(";"):
        if part.strip().startswith("dur="):
            return float(part.strip()[4:]) / 1000
    return None


OXIGRAPH_BIN = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))


@dataclass
class OxigraphServer(_Started):
    """The `oxigraph` server (in memory, as r2pkg's default store) on 127.0.0.1:port, loaded
    with the same files over its Graph Store endpoint: a real SPARQL server to compare with."""

    files: list[Path]
    port: int = 0
    proc: subprocess.Popen | None = None
    log: Path | None = None
    path: str = "/query"

    @staticmethod
    def available() -> bool:
        return Path(OXIGRAPH_BIN).exists()

    def start(self, timeout: float = 600.0) -> float:
        """Start it and load every file; return the seconds that took."""
        self.port = free_port()
        self.log = WORK / f"oxigraph-server-{self.port}.log"
        started = time.perf_counter()
        self.proc = subprocess.Popen([OXIGRAPH_BIN, "serve", "--bind", f"127.0.0.1:{self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"), start_new_session=True)
        deadline = started + timeout
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/query?query=ASK%7B%7D")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if time.perf_counter() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"the oxigraph server did not start; see {self.log}") from None
                time.sleep(0.05)
        for path in self.files:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            conn.request("POST", "/store?default", body=Path(path).read_bytes(),
                         headers={"Content-Type": "text/turtle"})
            resp = conn.getresponse()
            resp.read()
            conn.close()
            if resp.status >= 300:
                self.stop()
                raise RuntimeError(f"the oxigraph server refused {path}: {resp.status}")
        return time.perf_counter() - started



# -- output ----------------------------------------------------------------------------------


def md_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep] + [line(r) for r in rows])

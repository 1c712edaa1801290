"""Many clients behind one address (a ministry's proxy) asking cheap questions are all answered.

Admission refuses only work that would wait longer than ``QUEUE_WAIT``; cheap queries from
one address wait their few milliseconds in line instead. A real waitress server on
loopback, with the query workers of ``r2pkg serve`` and its thread count, serves 64 client
threads that each send 50 cheap mixed requests (small SPARQL queries, a saved query's page,
the liveness probe): every answer must be a 200, and the slowest in twenty within a second.
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from collections import Counter

import pytest

from r2pkg.web import create_app

from conftest import serving

pytestmark = pytest.mark.slow

CLIENTS = 64
REQUESTS = 50
#: cheap requests, each of a kind a browser behind a proxy sends; all but the last need a worker
MIX = [
    "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s a r2p:Case }"}),
    "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?c WHERE { ?c a r2p:Case } LIMIT 5"}),
    "/queries/who-held-a-mandate?format=json",
    "/sparql?" + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?m a r2p:Mandate }"}),
    "/healthz",
]


@pytest.fixture(scope="module")
def busy_server(oxigraph_store):
    """``r2pkg serve``'s settings (32 threads, default admission, isolated workers) on loopback."""
    app = create_app({"TESTING": True, "QUERY_TIMEOUT": 10.0}, store=oxigraph_store)
    for server in serving(app, threads=32, backlog=1024):
        yield server.effective_port, app
    app.extensions["r2pkg.isolator"].close()


def _client(port: int, offset: int, statuses: Counter, times: list[float], lock: threading.Lock) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for i in range(REQUESTS):
            path = MIX[(offset + i) % len(MIX)]
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
                response = conn.getresponse()
                response.read()
                status: int | str = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = type(exc).__name__
            with lock:
                statuses[status] += 1
                times.append(time.perf_counter() - started)
    finally:
        conn.close()


def test_64_clients_behind_one_address_are_all_answered_within_a_second(busy_server):
    port, app = busy_server
    for path in MIX:  # each kind once, so workers are forked and the queries read before timing
        _client_once(port, path)
    statuses: Counter = Counter()
    times: list[float] = []
    lock = threading.Lock()
    threads = [threading.Thread(target=_client, args=(port, n, statuses, times, lock)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert sum(statuses.values()) == CLIENTS * REQUESTS
    assert statuses == Counter({200: CLIENTS * REQUESTS}), statuses
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    assert p95 < 1.0, f"p95 {p95:.3f} s, p50 {times[len(times) // 2]:.3f} s"


def _client_once(port: int, path: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)
    finally:
        conn.close()


def test_a_client_whose_queries_take_long_is_told_to_retry_at_once(busy_server):
    """The other side of the rule: when the work ahead would not finish within the wait
    allowed, the refusal comes at once with the expected wait, not after holding a thread."""
    _, app = busy_server
    gate = app.extensions["r2pkg.admission"]
    with gate._lock:
        gate._regular["slow-client"] = gate.client_slots  # its own slots are all busy
        gate._service["slow-client"] = 8.0  # and each of its queries takes 8 s
        assert gate._expected_wait("slow-client") > gate.queue_wait
    try:
        started = time.monotonic()
        from r2pkg.web.admission import Busy

        with pytest.raises(Busy) as refused:
            gate.call("slow-client", _noop, timeout=5)
        assert time.monotonic() - started < 0.2 and refused.value.retry_after >= 8
    finally:
        with gate._lock:
            del gate._regular["slow-client"]
            gate._service.pop("slow-client", None)
            gate._dispatch()


def _noop(_store) -> str:
    return "done"


def test_the_wait_is_judged_from_when_the_running_tasks_should_end():
    """With every slot taken by another client's 5 s task, a new request's wait is what is
    left of that task: refused at once just after it started, queued when it is nearly done."""
    from r2pkg.isolation import Isolator
    from r2pkg.web.admission import Admission

    gate = Admission(Isolator(slots=1, context=None), slots=1, client_slots=1, fast_slots=0,
                     fast_timeout=0.5, fast_penalty=30, queue_wait=2.0)
    try:
        with gate._lock:
            gate._regular["slow"] = 1
            gate._service["slow"] = 5.0
            gate._running["task"] = ("slow", time.monotonic())
            assert 4.5 < gate._expected_wait("cheap") <= 5.0
            gate._running["task"] = ("slow", time.monotonic() - 4.5)
            assert gate._expected_wait("cheap") <= 0.5
    finally:
        gate.isolator.close()

"""The worker pool that runs untrusted work with a time limit that really stops it."""

from __future__ import annotations

import os
import time

import pytest

from r2pkg.errors import QueryError, QueryTimeout
from r2pkg.isolation import Isolator


def pid_of(context, *_):
    return os.getpid()


def sleep_for(context, seconds):
    time.sleep(seconds)
    return "done"


def die(context):
    os._exit(3)


def context_value(context):
    return context["answer"]


def fail(context):
    raise ValueError("broken")


@pytest.fixture()
def pool():
    """A pool of one worker, with no context, stopped after the test."""
    isolator = Isolator(slots=1, context=None)
    yield isolator
    isolator.close()


def test_workers_share_the_context_and_are_reused():
    pool = Isolator(slots=2, context={"answer": 42})
    try:
        assert pool.call(context_value, timeout=5) == 42
        first = pool.call(pid_of, timeout=5)
        assert first != os.getpid()
        assert pool.call(pid_of, timeout=5) == first
    finally:
        pool.close()


def test_a_task_past_its_time_is_killed_and_the_pool_goes_on(pool):
    before = pool.call(pid_of, timeout=5)
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        pool.call(sleep_for, 30, timeout=0.5)
    assert time.monotonic() - started < 3
    with pytest.raises(ProcessLookupError):
        os.kill(before, 0)  # the worker that overran is gone
    assert pool.call(sleep_for, 0, timeout=5) == "done"


def test_a_worker_that_dies_is_reported_and_replaced(pool):
    with pytest.raises(QueryError, match="too much memory"):
        pool.call(die, timeout=5)
    assert pool.call(sleep_for, 0, timeout=5) == "done"


def test_unexpected_errors_come_back_as_query_errors(pool):
    with pytest.raises(QueryError, match="ValueError: broken"):
        pool.call(fail, timeout=5)


def echo(context, data):
    return data


def test_large_messages_cross_whole_both_ways(pool):
    """Tasks and answers of several megabytes (past any pipe buffer) arrive byte for byte."""
    for size in (0, 1, 65_536, 1_048_577, 5_000_003):
        data = os.urandom(size)
        assert pool.call(echo, data, timeout=10) == data



def written_answer(context, size):
    from r2pkg.answers import Serialized

    return Serialized(bytes(range(256)) * (size // 256), "application/sparql-results+json", True, "SELECT", 0.5)


def unpicklable(context):
    return lambda: None


def test_a_written_answer_crosses_out_of_band_intact(pool):
    """An answer's body travels beside the pickle, not inside it, and arrives as it left."""
    for size in (0, 256, 3_000_064):
        got = pool.call(written_answer, size, timeout=10)
        assert got.body == bytes(range(256)) * (size // 256)
        assert (got.media_type, got.truncated, got.form, got.seconds) == (
            "application/sparql-results+json", True, "SELECT", 0.5)


def test_an_answer_that_cannot_be_sent_back_is_a_query_error_and_the_worker_stays(pool):
    before = pool.call(pid_of, timeout=5)
    with pytest.raises(QueryError, match="could not be sent back"):
        pool.call(unpicklable, timeout=5)
    assert pool.call(pid_of, timeout=5) == before


def test_a_task_that_cannot_be_sent_leaves_the_worker_in_service(pool):
    import pickle

    before = pool.call(pid_of, timeout=5)
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pool.call(echo, lambda: None, timeout=5)
    assert pool.call(pid_of, timeout=5) == before


# -- defence in depth: a worker for an embedded store has no network ---------------------------

def service_directly(store, port):
    """A SERVICE query handed straight to the store's engine: the reading's checks bypassed."""
    from r2pkg.reading import Reading

    text = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    try:
        rows = store.run(Reading(text=text, form="SELECT"), None).rows
        return f"ran: {len(rows)} rows"
    except Exception as exc:  # noqa: BLE001 - the failure is the point
        return f"failed: {exc}"


def connect_directly(store, port):
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return "connected"
    except OSError as exc:
        return f"failed: {exc}"


@pytest.mark.parametrize("kind", ["oxigraph", "memory"])
def test_a_worker_cannot_reach_the_network_even_when_the_check_is_bypassed(kind, listener, request):
    from r2pkg.isolation import network_can_be_cut

    if not network_can_be_cut():
        pytest.fail("this system allows no network namespace; the defence cannot be tested")
    store = request.getfixturevalue(f"{kind}_store")
    port, hits = listener
    offline = Isolator(slots=1, context=store)
    try:
        assert offline.offline  # an embedded store: workers are cut off by default
        assert offline.call(service_directly, port, timeout=20).startswith("failed")
        assert offline.call(connect_directly, port, timeout=20).startswith("failed")
        time.sleep(0.3)
        assert hits == []
    finally:
        offline.close()
    online = Isolator(slots=1, context=store, offline=False)  # the same tasks do connect otherwise
    try:
        assert online.call(connect_directly, port, timeout=20) == "connected"
        time.sleep(0.3)
        assert len(hits) == 1
    finally:
        online.close()


def test_a_remote_store_keeps_its_network():
    class Remote:
        uses_network = True

    assert not Isolator(slots=1, context=Remote()).offline


def test_the_server_memory_cap_stops_a_runaway_allocation_and_leaves_workers_their_own():
    """In a child (the cap is for the whole process): an allocation past the cap fails,
    and a worker forked afterwards still sets its own, larger cap."""
    import resource

    from r2pkg.isolation import cap_server_memory

    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            cap = cap_server_memory(256 * 1024**2)
            assert cap is not None and resource.getrlimit(resource.RLIMIT_AS)[0] == cap
            try:
                bytearray(512 * 1024**2)
            except MemoryError:
                pool = Isolator(slots=1, context=None, memory_headroom=512 * 1024**2)
                assert pool.call(pid_of, timeout=20) != os.getpid()
                pool.close()
                code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


# -- admission: slow clients cannot take every slot ---------------------------------------------

def test_admission_keeps_a_fast_lane_for_other_clients():
    import threading

    from r2pkg.web.admission import Admission, Busy

    pool = Isolator(slots=3, context=None)
    gate = Admission(pool, slots=1, client_slots=1, fast_slots=1, fast_timeout=0.5, fast_penalty=30,
                     queue_wait=0.2, queue_depth=4)
    try:
        slow = threading.Thread(target=gate.call, args=("other", sleep_for, 3.0), kwargs={"timeout": 5})
        slow.start()
        time.sleep(0.3)  # another client holds the only regular slot
        started = time.monotonic()
        with pytest.raises(Busy) as overran:  # the attacker's slow task overruns the fast lane
            gate.call("attacker", sleep_for, 2.0, timeout=5)
        assert 0.4 < time.monotonic() - started < 1.5 and overran.value.retry_after == 30
        started = time.monotonic()
        with pytest.raises(Busy):  # now it only waits its short turn and is told to retry
            gate.call("attacker", sleep_for, 0.0, timeout=5)
        assert time.monotonic() - started < 0.6
        started = time.monotonic()
        assert gate.call("victim", sleep_for, 0.0, timeout=5) == "done"  # another client is served
        assert time.monotonic() - started < 0.5
        slow.join()
    finally:
        pool.close()


def test_newcomers_share_all_but_one_fast_slot_and_a_client_with_a_record_keeps_it():
    import threading

    from r2pkg.web.admission import Admission, Busy

    pool = Isolator(slots=4, context=None)
    gate = Admission(pool, slots=1, client_slots=1, fast_slots=2, fast_timeout=0.5, fast_penalty=30,
                     queue_wait=0.1, queue_depth=8)
    try:
        gate._regular["someone"] = 1  # every regular slot is held by a slow query
        assert gate.call("probe", sleep_for, 0.0, timeout=5) == "done"  # a quick answer: a record
        failures = []

        def newcomer(name):
            try:
                gate.call(name, sleep_for, 2.0, timeout=5)
            except Busy as exc:
                failures.append(exc)

        first = threading.Thread(target=newcomer, args=("new-1",))
        first.start()
        time.sleep(0.1)  # new-1 holds a fast slot; new-2 may not take the one kept for records
        with pytest.raises(Busy):
            gate.call("new-2", sleep_for, 2.0, timeout=5)
        started = time.monotonic()
        assert gate.call("probe", sleep_for, 0.0, timeout=5) == "done"  # the kept slot serves it at once
        assert time.monotonic() - started < 0.3
        first.join()
        assert len(failures) == 1 and "probe" in gate._record and "new-1" not in gate._record
    finally:
        pool.close()


def test_many_cheap_tasks_from_one_client_wait_their_turn_instead_of_failing():
    from concurrent.futures import ThreadPoolExecutor

    from r2pkg.web.admission import Admission

    pool = Isolator(slots=3, context=None)
    gate = Admission(pool, slots=2, client_slots=1, fast_slots=1, fast_timeout=0.5, fast_penalty=30,
                     queue_wait=2.0, queue_depth=16)
    try:
        with ThreadPoolExecutor(8) as run:
            results = list(run.map(lambda _: gate.call("one", sleep_for, 0.01, timeout=5), range(24)))
        assert results == ["done"] * 24
    finally:
        pool.close()


def test_a_task_whose_own_limit_is_short_is_a_timeout_not_a_strike():
    from r2pkg.errors import QueryTimeout
    from r2pkg.web.admission import Admission, Busy

    pool = Isolator(slots=2, context=None)
    gate = Admission(pool, slots=1, client_slots=1, fast_slots=1, fast_timeout=1.0, fast_penalty=30)
    try:
        gate._regular["someone"] = 1  # no regular slot free
        with pytest.raises(QueryTimeout) as stopped:
            gate.call("a", sleep_for, 2.0, timeout=0.3)
        assert not isinstance(stopped.value, Busy) and "a" not in gate._barred
    finally:
        pool.close()


def nice_after(context, seconds):
    time.sleep(seconds)
    return os.getpriority(os.PRIO_PROCESS, 0)


def test_a_slow_task_yields_the_cpu_and_the_next_task_starts_at_full_priority(pool):
    from r2pkg.isolation import DEMOTE_AFTER, SLOW_NICE

    assert pool.call(nice_after, DEMOTE_AFTER + 0.3, timeout=5) == SLOW_NICE
    if os.geteuid() == 0:  # raising a priority back needs privilege
        assert pool.call(nice_after, 0.0, timeout=5) == 0

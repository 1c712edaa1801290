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

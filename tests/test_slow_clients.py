"""Slow and silent clients (slowloris) against the real ``r2pkg serve``: the server stays up for others.

The guards are waitress's, set in ``r2pkg serve`` (``WAITRESS_GUARDS``): a connection that
sends nothing for ``channel_timeout`` seconds is dropped, and a waiting connection holds no
thread, so hundreds of clients that trickle a header a byte at a time cannot starve the
threads that answer everyone else. These tests start the command itself, as a user would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from http_helpers import free_port

from r2pkg.cli import WAITRESS_GUARDS

SLOW_CLIENTS = 200
pytestmark = pytest.mark.slow  # starts `r2pkg serve` and 200 connections


@pytest.fixture(scope="module")
def server():
    """``r2pkg serve`` in its own process on a free loopback port, stopped after the module."""
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "r2pkg", "serve", "--port", str(port), "--threads", "4"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            assert proc.poll() is None, "r2pkg serve exited while starting"
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("r2pkg serve did not answer /healthz within 60 s")
    yield port, url, proc
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def silent(server):
    """A connection to the server that sends nothing, opened with it, and when: the other
    test runs while it waits out the server's ``channel_timeout`` (the module's last test
    reads it)."""
    port, _, _ = server
    sock = socket.create_connection(("127.0.0.1", port))
    yield sock, time.monotonic()
    sock.close()


def _answer_time(url: str) -> float:
    started = time.monotonic()
    with urllib.request.urlopen(url + "/sparql?query=ASK%7B%7D", timeout=10) as r:
        assert r.status == 200
        r.read()
    return time.monotonic() - started


def test_clients_trickling_their_headers_do_not_starve_the_others(server, silent):
    port, url, proc = server
    slow = []
    try:
        for _ in range(SLOW_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            slow.append(sock)
        times = []
        for _ in range(5):  # each slow client sends one more header byte a second, never the end
            for sock in slow:
                sock.sendall(b"X")
            times.append(_answer_time(url))
            time.sleep(1)
        assert proc.poll() is None, "the server died under slow clients"
        assert max(times) < 2.0, times  # an answer, not a wait for a thread the slow clients hold
    finally:
        for sock in slow:
            sock.close()
    assert _answer_time(url) < 2.0


def test_a_connection_that_sends_nothing_is_dropped(silent):
    sock, opened = silent
    sock.settimeout(WAITRESS_GUARDS["channel_timeout"] + 3 * WAITRESS_GUARDS["cleanup_interval"] + 5)
    assert sock.recv(1) == b"", "the server closes a silent connection without answering"
    waited = time.monotonic() - opened
    assert WAITRESS_GUARDS["channel_timeout"] - 1 <= waited, waited

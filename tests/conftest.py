"""Fixtures: the real bundled graph, parsed once per session, on each embedded store.

The suite runs in parallel (pytest-xdist, ``-n auto --dist loadgroup`` in pyproject.toml):
each worker process parses the bundled graph once for itself. A module whose tests share a
module-scoped fixture (a server, a browser, an external store, a built wheel) is kept on
one worker, in its own order, by :func:`pytest_collection_modifyitems`: the fixture is
made once, as in a serial run, and a module's last test that writes to it still runs last.
xdist's own ``loadgroup`` cannot do this under pytest 9.2: it marks a test's group in its node
ID, which pytest 9.2 no longer lets a plugin change (pytest-dev/pytest-xdist#1386), so the
groups were silently ignored and every worker made every module fixture for itself. The
controller therefore schedules with :class:`GroupScheduling`, which reads the groups the
workers found from a file (:func:`pytest_configure_node`, :func:`write_groups`).

Temporary folders go to memory (``/dev/shm``) when it has room, see :func:`pytest_configure`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from r2pkg.cli import OUTBUF_OVERFLOW
from r2pkg.store import Store, open_store
from r2pkg.web import create_app

_LOADED: dict[str, Store] = {}


#: Markers that make a test part of the slow end-to-end set (``-m "not slow"`` leaves them out).
SLOW_MARKERS = ("slow", "browser", "server")


#: Free space ``/dev/shm`` must have for the tests' temporary folders to go there (a run
#: writes a few hundred MB; Docker's default ``/dev/shm`` of 64 MB is left alone).
SHM_NEEDED = 2 * 1024**3


def pytest_configure(config) -> None:
    """Put pytest's temporary folders (``tmp_path``) in memory when the machine has room.

    Many tests build an on-disk Oxigraph store, copy the graph folder or write entries;
    RocksDB's loads and the editorial record's writes sync every file, and on a virtual
    disk those waits, not the CPU, were most of those tests' time (test_views and
    test_log_replay: 159 s on disk, 86 s in /dev/shm, under the same load). Left alone when
    ``TMPDIR``, ``--basetemp`` or ``PYTEST_DEBUG_TEMPROOT`` says where they go. Set in the
    controller before xdist starts its workers, which take their folders from it.
    """
    if config.option.basetemp or os.environ.get("TMPDIR") or os.environ.get("PYTEST_DEBUG_TEMPROOT"):
        return
    shm = Path("/dev/shm")
    try:
        roomy = shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > SHM_NEEDED
    except OSError:
        roomy = False
    if roomy:
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(shm)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Keep each module that shares a module- or class-scoped fixture on one xdist worker,
    and mark ``slow`` what the fast development run (``-m "not slow"``) leaves out: browser
    and external-store tests, and every test on rdflib's in-memory store, whose SPARQL
    engine takes seconds where Oxigraph takes milliseconds (the full run keeps them all)."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        defs = info.name2fixturedefs.values() if info is not None else ()
        params = getattr(getattr(item, "callspec", None), "params", {})
        if any(d and d[-1].scope in ("module", "class") for d in defs):
            item.add_marker(pytest.mark.xdist_group(group_of(item, params)))
        on_rdflib = params.get("store") == "memory" or "memory_store" in getattr(item, "fixturenames", ())
        if on_rdflib or any(item.get_closest_marker(m) for m in SLOW_MARKERS[1:]):
            item.add_marker(pytest.mark.slow)
    write_groups(config, items)


#: Where the controller asks the workers to write the xdist group of each test (a JSON object).
GROUPS_FILE = "r2pkg_groups"


def write_groups(config, items) -> None:
    """On an xdist worker: write each grouped test's group where the controller reads it.
    Every worker collects the same tests, so each writes the same object (atomically)."""
    path = getattr(config, "workerinput", {}).get(GROUPS_FILE)
    if not path:
        return
    groups = {}
    for item in items:
        marks = [m.args[0] if m.args else m.kwargs.get("name", "default") for m in item.iter_markers("xdist_group")]
        if marks:
            groups[item.nodeid] = "_".join(sorted(map(str, set(marks))))
    mine = f"{path}.{config.workerinput.get('workerid', 'w')}"
    Path(mine).write_text(json.dumps(groups))
    os.replace(mine, path)


def pytest_configure_node(node) -> None:
    """On the controller, for each xdist worker: where to write the tests' groups."""
    config = node.config
    if not hasattr(config, "_r2pkg_groups"):
        config._r2pkg_groups = os.path.join(tempfile.mkdtemp(prefix="r2pkg-xdist-"), "groups.json")
    node.workerinput[GROUPS_FILE] = config._r2pkg_groups


def pytest_unconfigure(config) -> None:
    """On the controller: remove the groups' file and its folder."""
    path = getattr(config, "_r2pkg_groups", None)
    if path:
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` with the groups applied (see the module's docstring)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        """A grouped test's unit of work is its group (run on one worker, in collection
        order); every other test is a unit of its own, so a large module without shared
        fixtures spreads over the workers. Largest groups are handed out first."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:
                path = getattr(config, "_r2pkg_groups", None)
                self.groups = json.loads(Path(path).read_text()) if path and os.path.exists(path) else {}
            group = self.groups.get(nodeid)
            return f"group:{group}" if group is not None else nodeid

    return GroupScheduling(config, log)


def group_of(item, params: dict) -> str:
    """The xdist group of a test that shares a module-scoped fixture: its module, or, where
    the module names a parametrized module-scoped fixture in ``XDIST_GROUP_BY`` (each
    parameter making its own servers), its module and that parameter, so that the
    parameters' groups may run on different workers, each in its own order."""
    by = getattr(item.module, "XDIST_GROUP_BY", ())
    values = [str(params[name]) for name in by if name in params]
    return item.module.__name__ + "".join(f"[{v}]" for v in values)


def loaded(kind: str) -> Store:
    """The bundled graph on one kind of store, parsed once per session."""
    if kind not in _LOADED:
        _LOADED[kind] = open_store(kind)
    return _LOADED[kind]


@pytest.fixture(scope="session", params=["oxigraph", "memory"])
def store(request) -> Store:
    """The bundled graph on each embedded store in turn: every test that uses it runs on both."""
    return loaded(request.param)


@pytest.fixture(scope="session")
def oxigraph_store() -> Store:
    """The bundled graph on the default store (Oxigraph) only."""
    return loaded("oxigraph")


@pytest.fixture(scope="session")
def memory_store() -> Store:
    """The bundled graph on rdflib's in-memory store only."""
    return loaded("memory")


@pytest.fixture(scope="session")
def loaded_folder(tmp_path_factory) -> Path:
    """The bundled graph loaded once per worker into an on-disk store (``oxigraph:DIR``),
    with every view built on load. Never opened by a test: each works on a copy (``folder``).

    Session-scoped, so it groups no module on one worker: a copy takes a tenth of a second
    where a load with its views takes seconds."""
    folder = tmp_path_factory.mktemp("loaded") / "store"
    open_store(f"oxigraph:{folder}").close()
    return folder


@pytest.fixture()
def folder(loaded_folder: Path, tmp_path: Path) -> Path:
    """A copy of the loaded on-disk store for one test. The manifest names the bundled files
    by path, size and mtime, none of them inside the folder, so the copy opens as it is."""
    copy = tmp_path / "store"
    shutil.copytree(loaded_folder, copy)
    return copy


@pytest.fixture(scope="session")
def any_store(store: Store) -> Store:
    """Alias of ``store``, for tests that say they must hold on every store."""
    return store


@pytest.fixture(scope="session")
def app(store: Store):
    """The web app on the bundled graph, with a short query timeout."""
    return create_app({"TESTING": True, "QUERY_TIMEOUT": 5.0}, store=store)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def serving(app, **settings):
    """A real waitress server for ``app`` on a free loopback port, in a thread: yields the
    server, then closes it. Closing the socket under waitress's loop is how it stops, and
    the ``OSError`` that raises in the thread is expected then (pytest would report it as
    an error of whichever test was tearing down), and only then."""
    import threading

    import waitress

    settings = {"threads": 4, "outbuf_overflow": OUTBUF_OVERFLOW, **settings}
    server = waitress.create_server(app, host="127.0.0.1", port=0, **settings)
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):  # ValueError: select() on a file descriptor closed meanwhile
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stopping.set()
        server.close()  # the thread (a daemon) may serve open keep-alive connections a while


@pytest.fixture(scope="session")
def live_server(store: Store):
    """A real waitress server on a free loopback port, serving the bundled graph."""
    app = create_app({"TESTING": True, "QUERY_TIMEOUT": 3.0, "MAX_QUERY_LENGTH": 20_000}, store=store)
    for server in serving(app, threads=8):
        yield f"http://127.0.0.1:{server.effective_port}"


@pytest.fixture()
def listener():
    """A loopback socket that records every connection made to it (none should be)."""
    import socket
    import threading

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.2)
    hits: list[tuple] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, addr = sock.accept()
            except OSError:
                continue
            hits.append(addr)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield sock.getsockname()[1], hits
    stop.set()
    thread.join(1)
    sock.close()

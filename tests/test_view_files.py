"""Views saved as a base and a log of each write's changes (``r2pkg.store.view_files``).

The steps of a change (``r2pkg.view_changes``) and the files are tested on their own; then on
the on-disk store: writes and removals made by several processes, with and without
compaction, and a ``kill -9`` at each step of saving the views; after each, every view the
store keeps is compared with a rebuild from the whole graph.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rdflib import Graph

import functools
from types import SimpleNamespace

from r2pkg import (claim_groups, editors_reading, fact_backing, figures, inferred_facts, listing_views,
                   similar_cases)
from r2pkg.store import open_store, view_files
from r2pkg.store.base import INCREMENTAL
from r2pkg.view_changes import apply
from pausing import kill_when_paused

TESTS = Path(__file__).parent
#: Every view a write updates: a module with VIEW and build(store), or a listing as one.
VIEWS = (claim_groups, editors_reading, figures, fact_backing, inferred_facts, similar_cases,
         *(SimpleNamespace(VIEW=listing.view, build=functools.partial(listing_views.build, listing))
           for listing in listing_views.LISTINGS.values()))


# -- the steps of a change ------------------------------------------------------------------

def test_apply_leaves_the_old_view_as_it_was():
    old = {"rows": {"a": 1, "b": 2}, "members": {"x": {1, 2}}, "text": "q"}
    new = apply(old, [("set", ("rows", "c"), 3), ("del", ("rows", "a"), None),
                      ("add", ("members", "x"), 3), ("discard", ("members", "x"), 1),
                      ("add", ("members", "y"), 9)])
    assert new == {"rows": {"b": 2, "c": 3}, "members": {"x": {2, 3}, "y": {9}}, "text": "q"}
    assert old == {"rows": {"a": 1, "b": 2}, "members": {"x": {1, 2}}, "text": "q"}
    assert new["text"] is old["text"]


def test_apply_in_place_and_a_whole_view():
    view = {"k": {1}}
    assert apply(view, [("add", ("k",), 2)], copy=False) is view and view == {"k": {1, 2}}
    assert apply(view, [("set", (), {"z": 0})]) == {"z": 0}
    assert type(apply(claim_groups.ClaimGroups(), [("set", ("claims", "c"), 1)])) is claim_groups.ClaimGroups


# -- the files -------------------------------------------------------------------------------

def test_a_reader_takes_the_base_and_the_records_up_to_its_generation(tmp_path: Path):
    on_disk = view_files.save_base(tmp_path, "v-k", 3, {"n": 0})
    for g in (4, 5, 6):
        on_disk = view_files.append(tmp_path, "v-k", on_disk, g, [("set", ("n",), g)])
    assert view_files.read(tmp_path, "v-k", 6)[0] == {"n": 6}
    assert view_files.read(tmp_path, "v-k", 4)[0] == {"n": 4}  # a process behind: not the newer writes
    assert view_files.read(tmp_path, "v-k", 3)[0] == {"n": 0}
    assert view_files.read(tmp_path, "v-k", 7) is None  # a write whose changes were not saved
    assert view_files.read(tmp_path, "v-k", 2) is None  # the base is newer than the reader
    assert view_files.read(tmp_path, "other-k", 3) is None


def test_a_background_reader_reads_the_same_view(tmp_path: Path):
    """serve's preload reads views giving way at every frame (``in_background``); a request
    reads them straight: the same view either way, over many frames."""
    import threading

    view = {"rows": {f"key-{i}": ("value", i) for i in range(50_000)}}  # several 64 kB frames
    view_files.save_base(tmp_path, "v-k", 1, view)
    found = {}

    def background() -> None:
        view_files.in_background()
        found["background"] = view_files.read(tmp_path, "v-k", 1)[0]

    thread = threading.Thread(target=background)
    thread.start()
    thread.join(60)
    assert found["background"] == view_files.read(tmp_path, "v-k", 1)[0] == view


def test_a_torn_record_is_not_read_and_the_next_append_cuts_it_off(tmp_path: Path):
    on_disk = view_files.save_base(tmp_path, "v-k", 0, {"n": 0})
    on_disk = view_files.append(tmp_path, "v-k", on_disk, 1, [("set", ("n",), 1)])
    whole = view_files.log_path(tmp_path, "v-k").read_bytes()
    view_files.append(tmp_path, "v-k", on_disk, 2, [("set", ("n",), 2)])
    torn = view_files.log_path(tmp_path, "v-k").read_bytes()[:-3]
    view_files.log_path(tmp_path, "v-k").write_bytes(torn)  # as a kill half-way through the append
    assert view_files.read(tmp_path, "v-k", 2) is None
    view, on_disk = view_files.read(tmp_path, "v-k", 1)
    assert view == {"n": 1} and on_disk.log_end == len(whole)
    on_disk = view_files.append(tmp_path, "v-k", on_disk, 2, [("set", ("n",), 22)])
    assert view_files.read(tmp_path, "v-k", 2)[0] == {"n": 22}
    flipped = bytearray(view_files.log_path(tmp_path, "v-k").read_bytes())
    flipped[-1] ^= 0xFF  # a record whose bytes do not match its CRC
    view_files.log_path(tmp_path, "v-k").write_bytes(bytes(flipped))
    assert view_files.read(tmp_path, "v-k", 2) is None


def test_records_older_than_a_new_base_are_skipped(tmp_path: Path):
    on_disk = view_files.save_base(tmp_path, "v-k", 0, {"n": 0})
    on_disk = view_files.append(tmp_path, "v-k", on_disk, 1, [("set", ("n",), 1)])
    log = view_files.log_path(tmp_path, "v-k").read_bytes()
    view_files.save_base(tmp_path, "v-k", 2, {"n": 2})
    view_files.log_path(tmp_path, "v-k").write_bytes(log)  # a kill between the new base and the emptied log
    view, on_disk = view_files.read(tmp_path, "v-k", 2)
    assert view == {"n": 2}
    view_files.append(tmp_path, "v-k", on_disk, 3, [("set", ("n",), 3)])
    assert view_files.read(tmp_path, "v-k", 3)[0] == {"n": 3}


def test_a_read_only_process_never_replaces_a_base(tmp_path: Path):
    view_files.save_base(tmp_path, "v-k", 5, {"n": 5})
    assert view_files.save_base(tmp_path, "v-k", 4, {"n": 4}, exclusive=True) is None
    assert view_files.read(tmp_path, "v-k", 5)[0] == {"n": 5}
    view_files.save_base(tmp_path, "w-k", 4, {"n": 4}, exclusive=True)
    assert view_files.read(tmp_path, "w-k", 4)[0] == {"n": 4}
    assert not list(tmp_path.glob("*.part"))


def test_compaction_when_the_log_outgrows_a_share_of_the_base():
    assert not view_files.wants_compaction(view_files.OnDisk(1, view_files.COMPACT_MIN, 10 * view_files.COMPACT_MIN))
    assert view_files.wants_compaction(view_files.OnDisk(1, 3 * view_files.COMPACT_MIN, 10 * view_files.COMPACT_MIN))
    assert not view_files.wants_compaction(view_files.OnDisk(1, 1000, 10))  # a small log: appended to


# -- on the store, across processes ----------------------------------------------------------

#: A process that makes writes: the test_query_views entry added (k=0) or taken out (k=1)
#: and the test_views entries added (k >= 2), optionally with every view saved whole.
WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from rdflib import Graph
    from r2pkg.namespaces import R2P
    from r2pkg.store import open_store, view_files
    from test_query_views import NEW_CLAIM, NEW_RESPONSE, disputing_entry
    from test_views import entry
    if {compact!r}:
        view_files.wants_compaction = lambda on_disk: True
    store = open_store("oxigraph:" + {folder!r})
    for k in {writes!r}:
        if k == 1:  # the claim, its citations and the response taken out, as the store holds them
            taken = Graph()
            for node in (NEW_CLAIM, NEW_RESPONSE):
                for t in store.triples((node, None, None)):
                    taken.add(t)
                for cite in store.objects(NEW_CLAIM, R2P.evidence):
                    for t in store.triples((cite, None, None)):
                        taken.add(t)
            store.remove_graph(taken)
            store.settle()
        else:
            store.add_graph(disputing_entry() if k == 0 else entry("quote " + str(k)))
    print("done", flush=True)
""")


def write(folder: Path, writes: list[int], compact: bool = False) -> None:
    script = WRITER.format(tests=str(TESTS), folder=str(folder), writes=writes, compact=compact)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "done" in done.stdout, done.stderr


def all_views_match_a_rebuild(folder: Path, read_back: bool = True) -> None:
    """Every view this store keeps, as a new process reads it, equals a rebuild."""
    store = open_store(f"oxigraph:{folder}")
    try:
        for module in VIEWS:
            saved = store._saved_view(module.VIEW)
            if read_back:
                assert saved is not None, module.VIEW  # read from the files, not built
            found = saved if saved is not None else store.view(module.VIEW, module.build)
            assert found == module.build(store), module.VIEW
    finally:
        store.close()


def log_sizes(folder: Path) -> dict[str, int]:
    return {p.name.rsplit("-", 1)[0]: p.stat().st_size for p in (folder / "views").glob("*.log")}


@pytest.mark.slow
def test_writes_of_several_processes_append_and_a_later_one_reads_them(folder: Path):
    assert set(INCREMENTAL) == {m.VIEW for m in VIEWS}
    write(folder, [0, 2])
    sizes = log_sizes(folder)
    assert set(sizes) == set(INCREMENTAL) and all(sizes.values())  # appended, not saved whole
    write(folder, [1, 3])  # a removal, then another entry, by another process
    assert all(log_sizes(folder)[name] > sizes[name] for name in (claim_groups.VIEW, editors_reading.VIEW))
    all_views_match_a_rebuild(folder)
    write(folder, [4], compact=True)  # saved whole: the logs emptied
    assert set(log_sizes(folder).values()) == {0}
    all_views_match_a_rebuild(folder)


@pytest.mark.slow
def test_a_view_written_by_an_earlier_generation_is_not_read_as_current(folder: Path):
    store = open_store(f"oxigraph:{folder}")
    before = {m.VIEW: m.build(store) for m in VIEWS}
    store.close()
    write(folder, [0])
    store = open_store(f"oxigraph:{folder}")
    now = {m.VIEW: m.build(store) for m in VIEWS}
    assert all(store._saved_view(name) == now[name] for name in now)
    changed = {name for name in now if now[name] != before[name]}  # the entry leaves some views as they were
    assert {m.VIEW for m in (claim_groups, editors_reading, figures)} <= changed
    store.manifest["generation"] += 1  # as if a write had gone in without its views' changes
    assert all(store._saved_view(name) is None for name in now)
    store.manifest["generation"] -= 2  # a process that opened before the write: the view it had
    assert all(store._saved_view(name) == before[name] for name in now)
    store.close()


KILLED = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from r2pkg.store import open_store, view_files
    from test_query_views import disputing_entry
    if {compact!r}:
        view_files.wants_compaction = lambda on_disk: True
    store = open_store("oxigraph:" + {folder!r})
    store.add_graph(disputing_entry())
""")


@pytest.mark.slow
@pytest.mark.parametrize("step,compact", [("views-saved-one", False), ("view-record-half", False),
                                          ("view-base-saved", True)])
def test_the_views_are_right_after_a_kill_while_they_are_saved(folder: Path, step: str, compact: bool):
    write(folder, [2])  # a log to append to
    script = KILLED.format(tests=str(TESTS), folder=str(folder), compact=compact)
    kill_when_paused(["-c", script], step, wait=120)
    all_views_match_a_rebuild(folder, read_back=False)  # whatever the files hold, what is read is right
    write(folder, [3])  # and the next process's write, from them
    all_views_match_a_rebuild(folder)

"""Accepting, correcting and retracting entries: written as files a team reviews in
version control, applied to the running store, logged with who, when, why and a checksum,
all or nothing.

Every change is one folder under the data directory's ``entries/`` (``data/entries/`` of a
source checkout, or ``R2PKG_DATA``): ``change.ttl`` (its ``prov:`` record) and, for an
accept or a correction, ``entry.ttl`` (the editor's triples). Both files are written and
synced in a staging folder the loader never reads, and the folder is then renamed into
place: a rename is atomic, so after a crash, a ``kill -9`` or a full disk the record holds
the whole change or nothing of it, and the loader sees the same. A correction supersedes an
entry and a retraction withdraws one; neither deletes anything (see :mod:`r2pkg.versions`
for how the log is replayed). One lock file serialises changes across threads and
processes; under it the store first takes in any change another process made meanwhile,
so that an entry is validated against what the files say.
"""
from __future__ import annotations

import fcntl
import getpass
import hashlib
import os
import re
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from r2pkg.editing.rules import EXTENDS
from r2pkg.errors import InputError
from r2pkg.namespaces import R2P, R2PID, bind_prefixes
from r2pkg.editing.record import changes, stored_form
from r2pkg.store import Store, data_dir, project_root, writable_data_dir
from r2pkg.editing.validation import Finding, Report, validate_entry
from r2pkg.versions import Change, live, read_change, read_log, version

ENTRIES = "entries"
STAGING = ".staging"
CHANGE = Namespace(str(R2PID) + "change/")
EDITOR = Namespace(str(R2PID) + "editor/")
#: Classes whose instances an entry is "about", in the order a page would be chosen.
_MAIN_CLASSES = (R2P.Case, R2P.Mandate, R2P.Recommendation, R2P.Response, R2P.Document, R2P.Claim)

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass
class Accepted:
    """What a change did: where it went, what it is about, its change record."""

    id: str
    folder: Path
    nodes: list[str]
    checksum: str
    editor: str
    time: str
    triples: int
    #: accept, correct or retract.
    kind: str = "accept"
    #: The entry a correction superseded or a retraction withdrew.
    invalidates: str | None = None
    reason: str = ""
    #: True when the entry was already accepted (a retry after a lost reply): nothing was written.
    repeated: bool = False

    @property
    def location(self) -> str:
        """The page of the entry's main node (``/id/case/…``)."""
        main = self.nodes[0] if self.nodes else str(CHANGE[self.id])
        return "/id/" + main[len(str(R2PID)):]

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "location": self.location, "nodes": self.nodes,
                "sha256": self.checksum, "editor": self.editor, "time": self.time, "triples": self.triples,
                "invalidates": self.invalidates, "reason": self.reason, "repeated": self.repeated}


@dataclass
class Outcome:
    """The report, and the change when it was made."""

    report: Report
    accepted: Accepted | None = None


class UnknownEntry(InputError):
    """No live accepted entry has that ID (exit status 2, HTTP 404)."""


@dataclass
class Ledger:
    """Accepts, corrects and retracts entries in one store and one data directory."""

    store: Store
    root: Path = field(default_factory=project_root)
    #: Called after each change (the web app retires its forked query workers).
    on_change: Callable[[], None] | None = None
    known: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.base = data_dir(self.root)
        self.log: list[Change] = read_log(self.folder)
        self.known = {c.id for c in self.log}

    @property
    def folder(self) -> Path:
        return self.base / ENTRIES

    @property
    def workdir(self) -> Path:
        """Where changes are staged and the lock lives: outside the folders the loader reads
        (``.staging`` beside ``data/`` in a checkout, inside an R2PKG_DATA directory)."""
        return self.root if self.base == self.root / "data" else self.base

    def version(self) -> str:
        """The version of the graph this ledger serves (release + position in the log)."""
        return version(self.log)

    # -- the three changes ---------------------------------------------------------------

    def accept(self, entry: Graph, editor: str, name: str = "the entry") -> Outcome:
        """Validate ``entry`` against the graph and, if it conforms, add it everywhere.

        An entry identical to a live accepted one is not added again: the outcome names
        the earlier change (``repeated``), as a retry after a lost reply expects.
        """
        editor = _editor_name(editor)
        writable_data_dir(self.root)
        with _lock(self.workdir):
            self._catch_up()
            same = self._same_as_live(entry)
            if same is not None:
                return Outcome(Report(conforms=True), same)
            report = validate_entry(self.store, entry)
            if not report.conforms:
                return Outcome(report)
            accepted = self._write(entry, editor, name)
        self._changed()
        return Outcome(report, accepted)

    def correct(self, entry_id: str, entry: Graph, editor: str, reason: str = "",
                name: str = "the correction", dry_run: bool = False) -> Outcome:
        """A new version of live entry ``entry_id``: validated as if the old one were gone,
        written as a new entry that supersedes it; the old one stays in the record.
        ``dry_run`` only validates (the editors' form's Check of a correction)."""
        editor = _editor_name(editor)
        if not dry_run:
            writable_data_dir(self.root)
        with _lock(self.workdir):
            self._catch_up()
            old = self._live(entry_id)
            old_triples = stored_form(self.store, _read_entry(old, self.root))
            self.store.remove_graph(old_triples)  # validated against the graph without it
            try:
                report = validate_entry(self.store, entry)
                if dry_run or not report.conforms:
                    self.store.add_graph(old_triples)
                    return Outcome(report)
                accepted = self._write(entry, editor, name, kind="correct", old=old, reason=reason)
            except BaseException:
                self.store.add_graph(old_triples)
                raise
        self._changed()
        return Outcome(report, accepted)

    def retract(self, entry_id: str, editor: str, reason: str) -> Outcome:
        """Withdraw live entry ``entry_id`` from the served graph, with a reason; refused
        while another part of the graph still points at what it added."""
        editor = _editor_name(editor)
        reason = _reason(reason, required=True)
        writable_data_dir(self.root)
        with _lock(self.workdir):
            self._catch_up()
            old = self._live(entry_id)
            old_triples = stored_form(self.store, _read_entry(old, self.root))
            self.store.remove_graph(old_triples)
            try:
                report = _still_used(self.store, old_triples, old)
                if not report.conforms:
                    self.store.add_graph(old_triples)
                    return Outcome(report)
                accepted = self._write(None, editor, f"retraction of {old.id}", kind="retract", old=old,
                                       reason=reason)
            except BaseException:
                self.store.add_graph(old_triples)
                raise
        self._changed()
        return Outcome(report, accepted)

    def entry_text(self, entry_id: str) -> tuple[str, str]:
        """The ID and Turtle of live entry ``entry_id`` (the form opens a correction with it)."""
        old = self._live(entry_id)
        text = (old.folder / "entry.ttl").read_text(encoding="utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("# ")).lstrip("\n")
        return old.id, body

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _live(self, entry_id: str) -> Change:
        """The live change ``entry_id`` names (a change ID, or a node it added)."""
        current = live(self.log)
        if entry_id in current:
            return current[entry_id]
        by_node = [c for c in current.values() if entry_id in c.nodes or _short(entry_id) in c.nodes]
        if len(by_node) == 1:
            return by_node[0]
        later = [c for c in self.log if c.invalidates == entry_id]
        if later:
            what = "superseded by" if later[-1].kind == "correct" else "retracted by"
            raise UnknownEntry(f"entry {entry_id} is no longer in the graph: it was {what} {later[-1].id}.",
                               hint="correct or retract the entry that is in the graph now (see /changes).")
        raise UnknownEntry(f"no accepted entry is called {entry_id}.",
                           hint="give the ID shown by r2pkg add or on /changes (e.g. 20261207T101500Z-case-…).")

    def already_accepted(self, entry: Graph) -> Accepted | None:
        """The live entry with exactly these triples, if one was accepted (a retry)."""
        with _lock(self.workdir):
            self._catch_up()
            return self._same_as_live(entry)

    def _same_as_live(self, entry: Graph) -> Accepted | None:
        """The live entry with exactly these triples, if any (compared as graphs)."""
        stored = _stored_triples(entry)
        nodes = {str(n) for n in _main_nodes(stored)}
        for change in live(self.log).values():
            if not nodes & set(change.nodes):
                continue
            old = _read_entry(change, self.root)
            if isomorphic(old, stored):
                checksum = hashlib.sha256((change.folder / "entry.ttl").read_bytes()).hexdigest()
                return Accepted(id=change.id, folder=change.folder, nodes=[str(n) for n in _main_nodes(old)],
                                checksum=checksum, editor=change.editor, time=change.time, triples=len(old),
                                kind=change.kind, repeated=True)
        return None

    # -- writing -----------------------------------------------------------------------

    def _write(self, entry: Graph | None, editor: str, name: str, kind: str = "accept",
               old: Change | None = None, reason: str = "") -> Accepted:
        stored = _stored_triples(entry) if entry is not None else bind_prefixes(Graph())
        nodes = _main_nodes(stored) if entry is not None else [URIRef(n) for n in old.nodes]
        now = datetime.now(UTC).replace(microsecond=0)
        slug = _slug(nodes[0]) if nodes else "entry"
        entry_id = f"{now:%Y%m%dT%H%M%SZ}-{'retract-' if kind == 'retract' else ''}{slug}-{uuid.uuid4().hex[:6]}"
        files: dict[str, bytes] = {}
        checksum = ""
        if entry is not None:
            files["entry.ttl"] = _entry_turtle(stored, entry, editor, now, name, old)
            checksum = hashlib.sha256(files["entry.ttl"]).hexdigest()
        relative = (self.folder / entry_id / "entry.ttl").relative_to(self.base.parent).as_posix()
        change = _change_graph(entry_id, editor, now, checksum, relative, nodes, len(stored),
                               kind=kind, old=old, reason=_reason(reason), number=len(self.log) + 1)
        files["change.ttl"] = change.serialize(format="turtle").encode("utf-8")
        target = self._commit(entry_id, files, 'added' if kind == 'accept' else 'changed')
        try:
            self.store.add_graph(_union(stored, change))
        except Exception:
            shutil.rmtree(target, ignore_errors=True)  # the files follow the store
            _sync_dir(self.folder)
            raise
        recorded = read_log_entry(target)
        self.log.append(recorded)
        self.known.add(entry_id)
        return Accepted(id=entry_id, folder=target, nodes=[str(n) for n in nodes], checksum=checksum,
                        editor=editor, time=now.isoformat().replace("+00:00", "Z"), triples=len(stored),
                        kind=kind, invalidates=old.id if old else None, reason=_reason(reason))

    def _commit(self, entry_id: str, files: dict[str, bytes], verb: str = "changed") -> Path:
        """Write the files in staging, then rename the folder into place: all or nothing."""
        staging = self.workdir / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        _clear_leftovers(staging)
        tmp = staging / entry_id
        target = self.folder / entry_id
        try:
            tmp.mkdir()
            for i, (file_name, data) in enumerate(files.items()):
                _write_synced(tmp / file_name, data)
                if i == 0:
                    _pause("staged")
            _sync_dir(tmp)
            self.folder.mkdir(parents=True, exist_ok=True)
            os.rename(tmp, target)  # the commit point: before it nothing, after it everything
            _sync_dir(self.folder)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise InputError(f"the change could not be written to {self.folder} ({exc.strerror}); "
                             f"nothing was {verb}.", hint="free some disk space or fix the folder's "
                             "permissions, then try again.") from exc
        _pause("written")
        return target

    # -- other processes' changes ----------------------------------------------------

    def _catch_up(self) -> None:
        """Apply to the store the changes another process made since this one loaded."""
        from r2pkg.rdfinput import parse_file

        names = [p for p in self.folder.iterdir() if p.name not in self.known] if self.folder.is_dir() else []
        fresh = sorted((c for c in map(read_change, names) if c is not None),
                       key=lambda c: (c.time, c.number, c.id))
        for change in fresh:
            if change.invalidates:
                old = next((c for c in self.log if c.id == change.invalidates), None)
                if old is not None and old.kind != "retract":
                    self.store.remove_graph(stored_form(self.store, _read_entry(old, self.root)))
            graph = bind_prefixes(Graph())
            names = ("change.ttl",) if change.kind == "retract" else ("entry.ttl", "change.ttl")
            for file_name in names:
                parse_file(graph, change.folder / file_name, root=self.root)
            self.store.add_graph(graph)
            self.log.append(change)
            self.known.add(change.id)
        if fresh:
            self.log.sort(key=lambda c: (c.time, c.number, c.id))


def read_log_entry(folder: Path) -> Change:
    """The change just written to ``folder``."""
    change = read_change(folder)
    assert change is not None, folder  # written whole a moment ago, under the lock
    return change


def _read_entry(change: Change, root: Path) -> Graph:
    from r2pkg.rdfinput import parse_file

    return parse_file(bind_prefixes(Graph()), change.folder / "entry.ttl", root=root)


def _short(name: str) -> str:
    """``case:x`` → its full IRI (the prefixes of the project), else the name itself."""
    prefix, sep, local = name.partition(":")
    if sep and not local.startswith("//"):
        for bound, namespace in bind_prefixes(Graph()).namespaces():
            if bound == prefix:
                return str(namespace) + local
    return name


def _still_used(store: Store, removed: Graph, old: Change) -> Report:
    """A report with a finding for each node the retraction would leave pointed at."""
    findings = []
    for node in {URIRef(n) for n in old.nodes}:
        if store.exists(node):
            continue
        for subject, prop in store.subject_predicates(node):
            if prop in (DCTERMS.subject,):  # the change log's own mention
                continue
            findings.append(Finding(
                focus=str(node), focus_label=store.label(node), field=str(prop), field_label=store.label(prop),
                message=f"'{store.label(subject)}' still points at it; withdrawing it would leave that link "
                        "pointing at nothing.", rule="retraction",
                fix=f"correct or retract the entry that adds '{store.label(subject)}' first."))
            break
    return Report(conforms=not findings, findings=findings)


def _stored_triples(entry: Graph) -> Graph:
    """The entry without the marker that lets it extend a node (said of the entry, not stored)."""
    out = bind_prefixes(Graph())
    for s, p, o in entry:
        if p != EXTENDS:
            out.add((s, p, o))
    for prefix, ns in entry.namespaces():
        out.bind(prefix, ns, override=False)
    return out


def _main_nodes(entry: Graph) -> list[URIRef]:
    """The named nodes the entry types, the most telling kind first."""
    typed = {s for s in entry.subjects(RDF.type, None) if isinstance(s, URIRef)}
    rank = {cls: i for i, cls in enumerate(_MAIN_CLASSES)}

    def order(node: URIRef) -> tuple[int, str]:
        return min((rank.get(t, len(rank)) for t in entry.objects(node, RDF.type)), default=len(rank)), str(node)

    nodes = sorted(typed, key=order)
    extended = sorted({s for s in entry.subjects() if isinstance(s, URIRef)} - typed, key=str)
    return nodes + extended


def _entry_turtle(stored: Graph, entry: Graph, editor: str, now: datetime, name: str,
                  old: Change | None = None) -> bytes:
    extended = sorted(str(s) for s in entry.subjects(EXTENDS, Literal(True)))
    header = [f"# Accepted by {editor} on {now.isoformat()} from {name}.",
              "# Reviewed in version control: change this file only by a new, reviewed entry",
              "# (r2pkg correct ID FILE, or r2pkg retract ID --reason TEXT)."]
    if old is not None:
        header.append(f"# A correction: supersedes entry {old.id} (kept in the record).")
    header += [f"# Adds to the existing node <{iri}> (r2p:extendsExisting)." for iri in extended]
    body = stored.serialize(format="turtle")
    return ("\n".join(header) + "\n\n" + body).encode("utf-8")


_KIND_CLASS = {"accept": R2P.AcceptedEntry, "correct": R2P.Correction, "retract": R2P.Retraction}
_KIND_WORD = {"accept": "accepted", "correct": "accepted as a correction of", "retract": "withdraws"}


def _change_graph(entry_id: str, editor: str, now: datetime, checksum: str, relative: str,
                  nodes: list[URIRef], triples: int, kind: str = "accept", old: Change | None = None,
                  reason: str = "", number: int = 0) -> Graph:
    """The prov: record of one change: activity, agent, the entity (file) it generated and,
    for a correction or a retraction, the entity it invalidated (``prov:wasRevisionOf``,
    ``prov:invalidated``/``prov:wasInvalidatedBy``) and why."""
    g = bind_prefixes(Graph())
    g.bind("prov", PROV)
    activity, entity, agent = CHANGE[entry_id], CHANGE[entry_id + "/file"], EDITOR[_slug_text(editor)]
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, RDF.type, _KIND_CLASS[kind]))
    label = {"accept": f"Entry {entry_id} accepted",
             "correct": f"Entry {entry_id} accepted as a correction of {old.id if old else ''}",
             "retract": f"Entry {old.id if old else ''} retracted"}[kind]
    g.add((activity, RDFS.label, Literal(label, lang="en")))
    g.add((activity, PROV.endedAtTime, Literal(now.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)))
    g.add((activity, PROV.wasAssociatedWith, agent))
    g.add((activity, R2P.tripleCount, Literal(triples)))
    if number:
        g.add((activity, R2P.changeNumber, Literal(number)))
    if reason:
        g.add((activity, R2P.reason, Literal(reason, lang="en")))
    for node in nodes:
        g.add((activity, DCTERMS.subject, node))
    g.add((agent, RDF.type, PROV.Agent))
    g.add((agent, RDFS.label, Literal(editor, lang="en")))
    if kind != "retract":
        g.add((activity, PROV.generated, entity))
        g.add((entity, RDF.type, PROV.Entity))
        g.add((entity, RDFS.label, Literal(relative, lang="en")))
        g.add((entity, R2P.file, Literal(relative)))
        g.add((entity, R2P.sha256, Literal(checksum)))
    if old is not None:
        invalidated = CHANGE[old.id + "/file"]
        g.add((activity, PROV.invalidated, invalidated))
        g.add((invalidated, PROV.wasInvalidatedBy, activity))
        if kind == "correct":
            g.add((entity, PROV.wasRevisionOf, invalidated))
    return g


def _reason(reason: str | None, required: bool = False) -> str:
    text = " ".join((reason or "").split())
    if required and not text:
        raise InputError("a retraction needs a reason.", hint="say why: --reason TEXT (the R2pkg-Reason header on the web).")
    if len(text) > 1000:
        raise InputError("the reason must be at most 1,000 characters.")
    return text


def _union(*graphs: Graph) -> Graph:
    out = Graph()
    for g in graphs:
        for t in g:
            out.add(t)
    return out


def _clear_leftovers(staging: Path) -> None:
    """Folders an accept killed before its rename left behind (we hold the lock: none is live)."""
    for path in staging.iterdir():
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _lock:  # noqa: N801 - used as a statement: with _lock(root)
    """Threads of this process through a mutex, processes through flock on one file."""

    def __init__(self, root: Path) -> None:
        with _locks_guard:
            self.mutex = _locks.setdefault(root.resolve(), threading.Lock())
        (root / STAGING).mkdir(parents=True, exist_ok=True)
        self.path = root / STAGING / "lock"

    def __enter__(self) -> None:
        self.mutex.acquire()
        self.fh = open(self.path, "a+b")
        fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX)

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
        self.fh.close()
        self.mutex.release()


def _pause(step: str) -> None:
    """A test hook: ``R2PKG_TEST_PAUSE=step:seconds`` stops between the steps of a write,
    so that a test can kill the process there."""
    hook = os.environ.get("R2PKG_TEST_PAUSE", "")
    wanted, _, seconds = hook.partition(":")
    if wanted == step:
        print(f"r2pkg: paused at {step}", file=sys.stderr, flush=True)
        time.sleep(float(seconds or 30))


def _editor_name(editor: str | None) -> str:
    name = (editor or "").strip() or os.environ.get("R2PKG_EDITOR", "") or getpass.getuser()
    if len(name) > 100 or any(ord(c) < 32 for c in name):
        raise InputError("the editor's name must be one line of at most 100 characters.")
    return name


def _slug(node: URIRef) -> str:
    text = str(node)
    if text.startswith(str(R2PID)):
        text = text[len(str(R2PID)):]
    return _slug_text(text)


def _slug_text(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "editor"


__all__ = ["Accepted", "Ledger", "Outcome", "UnknownEntry", "changes", "stored_form"]

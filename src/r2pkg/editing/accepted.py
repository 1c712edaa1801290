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
for how the log is replayed). The project's own corrections of the bundled data are changes
of the same log, kept in the graph's tracked ``data/corrections/`` with the bundled
statements they supersede (``superseded.ttl``); the bundled files stay as released. One lock file serialises changes across threads and
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from r2pkg.editing.rules import EXTENDS
from r2pkg.errors import InputError
from r2pkg.namespaces import PREFIXES, R2P, R2PID, bind_prefixes
from r2pkg.editing.record import apply_change, changes, read_entry, stored_form
from r2pkg.store import Store, data_dir, project_root, writable_data_dir
from r2pkg.store.bundle import corrections_folder, installed
from r2pkg.editing.validation import Finding, Report, validate_entry
from r2pkg.versions import SUPERSEDED, Change, live, merge_logs, read_change, read_log, version

ENTRIES = "entries"
STAGING = ".staging"
CHANGE = Namespace(str(R2PID) + "change/")
EDITOR = Namespace(str(R2PID) + "editor/")
#: Classes whose instances an entry is "about", in the order a page would be chosen.
_MAIN_CLASSES = (R2P.Case, R2P.Mandate, R2P.Recommendation, R2P.Response, R2P.Document, R2P.Claim)

_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass
class Accepted(Change):
    """A change as its maker sees it: the log's record (:class:`r2pkg.versions.Change`: ID,
    kind, time, editor, folder, reason, the entry it invalidated, the nodes, main one first)
    and what only the write knows: the entry file's checksum, its size, and whether it was
    a retry of an entry already accepted."""

    checksum: str = ""
    triples: int = 0
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
    #: Each change's entry as read from its file, by change ID (an entry file never changes
    #: once written, so a correction or a retraction need not parse it again).
    entries: dict[str, Graph] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.base = data_dir(self.root)
        self.log: list[Change] = merge_logs(read_log(self.folder), read_log(self.corrections))
        self.known = {c.id for c in self.log}

    @property
    def folder(self) -> Path:
        return self.base / ENTRIES

    @property
    def corrections(self) -> Path:
        """The project's own corrections of the bundled data (tracked with it)."""
        return corrections_folder(self.root)

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
            old_triples = stored_form(self.store, self._entry(old))
            accepted, report = self._replace(  # validated against the graph without it
                old_triples, lambda: validate_entry(self.store, entry), dry_run,
                lambda: self._write(entry, editor, name, kind="correct", old=old, reason=reason))
        if accepted is not None:
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
            old_triples = stored_form(self.store, self._entry(old))
            accepted, report = self._replace(
                old_triples, lambda: _still_used(self.store, old_triples, old), False,
                lambda: self._write(None, editor, f"retraction of {old.id}", kind="retract", old=old, reason=reason))
        if accepted is not None:
            self._changed()
        return Outcome(report, accepted)

    def correct_bundled(self, name: str, entry: Graph, editor: str, reason: str,
                        source: str = "the correction", dry_run: bool = False) -> Outcome:
        """The project corrects what the bundled data says about node ``name``: its bundled
        statements are superseded by ``entry`` (validated as if they were gone), recorded like
        any change in ``data/corrections/`` (tracked, released with the data); the bundled
        files themselves are left as released, and keep the old statements in the record."""
        editor = _editor_name(editor)
        reason = _reason(reason, required=True, what="a correction of the bundled data")
        if not dry_run and installed(self.root):
            raise InputError(f"the bundled data is corrected in a source checkout of r2pkg, not in an installed "
                             f"package ({self.root}).", hint="run r2pkg correct --bundled from the checkout, "
                             "and have the new data/corrections/ folder reviewed and released.")
        with _lock(self.workdir):
            self._catch_up()
            node = self.store.resolve(name)
            kept = self._entry_statements(node)
            old = self._bundled_description(node, kept)
            if not len(old):
                raise UnknownEntry(f"the bundled data says nothing about {name} any more (an entry or an earlier "
                                   "correction states it now).", hint="correct that entry instead (see /changes).")
            # validated as a new node: without its bundled statements, nor (for the moment) what
            # live entries add to it, which stays in the graph
            accepted, report = self._replace(
                _union(stored_form(self.store, old), kept), lambda: validate_entry(self.store, entry), dry_run,
                lambda: self._write(entry, editor, source, kind="correct", reason=reason, superseded=old), kept)
        if accepted is not None:
            self._changed()
        return Outcome(report, accepted)

    def _replace(self, out: Graph, check: Callable[[], Report], dry_run: bool,
                 write: Callable[[], Accepted], back: Graph | None = None) -> tuple[Accepted | None, Report]:
        """Take ``out`` out of the store, ``check`` the graph so; if it passes (and this is
        not a dry run), ``write`` the change and put ``back`` in; else put ``out`` back. The
        store is then told the change is whole (an on-disk store marked it under way)."""
        self.store.remove_graph(out)
        try:
            report = check()
            if dry_run or not report.conforms:
                self.store.add_graph(out)
                self.store.settle()
                return None, report
            accepted = write()
        except BaseException:
            self.store.add_graph(out)
            raise
        if back is not None and len(back):
            self.store.add_graph(back)
        self.store.settle()
        return accepted, report

    def _entry_statements(self, node: URIRef) -> Graph:
        """What live entries state about ``node``, as the store holds it."""
        out = Graph()
        for change in live(self.log).values():
            if str(node) in change.nodes:
                for triple in stored_form(self.store, self._entry(change)):
                    out.add(triple)
        return out

    def _bundled_description(self, node: URIRef, stated: Graph) -> Graph:
        """What the bundled data says about ``node``: its triples and their inline citations
        (blank nodes), less what live entries state (``stated``)."""
        out = bind_prefixes(Graph())
        todo: list = [node]
        seen = set()
        while todo:
            subject = todo.pop()
            if subject in seen:
                continue
            seen.add(subject)
            for p, o in self.store.predicate_objects(subject):
                out.add((subject, p, o))
                if isinstance(o, BNode):
                    todo.append(o)
        for triple in stated:
            out.remove(triple)
        return out

    def entry_text(self, entry_id: str) -> tuple[str, str]:
        """The ID and Turtle of live entry ``entry_id`` (the form opens a correction with it)."""
        old = self._live(entry_id)
        text = (old.folder / "entry.ttl").read_text(encoding="utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("# ")).lstrip("\n")
        return old.id, body

    def _entry(self, change: Change) -> Graph:
        """The triples ``change`` brought, parsed once per process."""
        found = self.entries.get(change.id)
        if found is None:
            found = self.entries[change.id] = read_entry(change, self.root)
        return found

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def _live(self, entry_id: str) -> Change:
        """The live change ``entry_id`` names (a change ID, or a node it added)."""
        current = live(self.log)
        if entry_id in current:
            return current[entry_id]
        full = _short(entry_id)
        by_node = [c for c in current.values() if entry_id in c.nodes or full in c.nodes]
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
            old = self._entry(change)
            if isomorphic(old, stored):
                checksum = hashlib.sha256((change.folder / "entry.ttl").read_bytes()).hexdigest()
                record = {f.name: getattr(change, f.name) for f in fields(Change)}
                return Accepted(**{**record, "nodes": [str(n) for n in _main_nodes(old)]},
                                checksum=checksum, triples=len(old), repeated=True)
        return None

    # -- writing -----------------------------------------------------------------------

    def _write(self, entry: Graph | None, editor: str, name: str, kind: str = "accept",
               old: Change | None = None, reason: str = "", superseded: Graph | None = None) -> Accepted:
        stored = _stored_triples(entry) if entry is not None else Graph()
        nodes = _main_nodes(stored) if entry is not None else [URIRef(n) for n in old.nodes]
        now = datetime.now(UTC).replace(microsecond=0)
        slug = _slug(nodes[0]) if nodes else "entry"
        entry_id = f"{now:%Y%m%dT%H%M%SZ}-{'retract-' if kind == 'retract' else ''}{slug}-{uuid.uuid4().hex[:6]}"
        files: dict[str, bytes] = {}
        checksum = ""
        if entry is not None:
            files["entry.ttl"] = _entry_turtle(stored, entry, editor, now, name, old, superseded)
            checksum = hashlib.sha256(files["entry.ttl"]).hexdigest()
        folder = self.corrections if superseded is not None else self.folder
        if superseded is not None:
            files["superseded.ttl"] = _superseded_turtle(superseded, entry_id, now)
            nodes = sorted({s for s in superseded.subjects() if isinstance(s, URIRef)} | set(nodes), key=str)
            relative = (folder / entry_id / "entry.ttl").relative_to(self.root).as_posix()
        else:
            relative = (folder / entry_id / "entry.ttl").relative_to(self.base.parent).as_posix()
        change = _change_graph(entry_id, editor, now, checksum, relative, nodes, len(stored),
                               kind=kind, old=old, reason=_reason(reason), number=len(self.log) + 1,
                               superseded=relative.replace("entry.ttl", "superseded.ttl") if superseded is not None else None)
        files["change.ttl"] = change.serialize(format="turtle").encode("utf-8")
        target = self._commit(entry_id, files, 'added' if kind == 'accept' else 'changed', folder)
        try:
            self.store.add_graph(_union(stored, change))
        except Exception:
            shutil.rmtree(target, ignore_errors=True)  # the files follow the store
            _sync_dir(target.parent)
            raise
        when = str(Literal(now.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime))  # as change.ttl reads
        recorded = Accepted(id=entry_id, kind=kind, time=when,
                            number=len(self.log) + 1, editor=editor, folder=target, reason=_reason(reason),
                            invalidates=old.id if old else None, nodes=[str(n) for n in nodes],
                            superseded=target / "superseded.ttl" if superseded is not None else None,
                            checksum=checksum, triples=len(stored))
        self.log.append(recorded)  # the log's record and the outcome are one object
        self.known.add(entry_id)
        if entry is not None:
            self.entries[entry_id] = stored
        return recorded

    def _commit(self, entry_id: str, files: dict[str, bytes], verb: str = "changed",
                folder: Path | None = None) -> Path:
        """Write the files in staging, then rename the folder into place: all or nothing."""
        folder = folder or self.folder
        # staged beside the folder it is renamed into (a rename does not cross file systems)
        staging = (self.root if folder == self.corrections else self.workdir) / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        _clear_leftovers(staging)
        tmp = staging / entry_id
        target = folder / entry_id
        try:
            tmp.mkdir()
            for i, (file_name, data) in enumerate(files.items()):
                _write_synced(tmp / file_name, data)
                if i == 0:
                    _pause("staged")
            _sync_dir(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            os.rename(tmp, target)  # the commit point: before it nothing, after it everything
            _sync_dir(folder)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise InputError(f"the change could not be written to {folder} ({exc.strerror}); "
                             f"nothing was {verb}.", hint="free some disk space or fix the folder's "
                             "permissions, then try again.") from exc
        _pause("written")
        return target

    # -- other processes' changes ----------------------------------------------------

    def _catch_up(self) -> None:
        """Apply to the store the changes another process made since this one loaded."""
        names = [p for folder in (self.folder, self.corrections) if folder.is_dir()
                 for p in folder.iterdir() if p.name not in self.known]
        fresh = merge_logs([c for c in map(read_change, names) if c is not None])
        for change in fresh:
            apply_change(self.store, change, self.log, self._entry)
            self.log.append(change)
            self.known.add(change.id)
        if fresh:
            self.log.sort(key=lambda c: (c.time, c.number, c.id))


def _short(name: str) -> str:
    """``case:x`` → its full IRI (the prefixes of the project), else the name itself."""
    prefix, sep, local = name.partition(":")
    if sep and not local.startswith("//"):
        if prefix in PREFIXES:
            return PREFIXES[prefix] + local
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
    out = Graph()
    for s, p, o in entry:
        if p != EXTENDS:
            out.add((s, p, o))
    return _bind_used(out, own=entry.namespaces())


def _bind_used(graph: Graph, own: Iterable[tuple[str, URIRef]] = ()) -> Graph:
    """Bind the project's prefixes that the graph's IRIs use, then those of ``own`` (the
    entry's) that it uses and that are not bound yet: the Turtle written is the same as with
    every prefix bound (only used ones are written), and binding all ~80 took a third of a
    correction's time outside validation."""
    used = {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
    for prefix, iri in PREFIXES.items():
        if any(u.startswith(iri) for u in used):
            graph.bind(prefix, iri, override=True, replace=True)
    for prefix, iri in own:
        if prefix not in PREFIXES and any(u.startswith(str(iri)) for u in used):
            graph.bind(prefix, iri, override=False)
    return graph


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
                  old: Change | None = None, superseded: Graph | None = None) -> bytes:
    extended = sorted(str(s) for s in entry.subjects(EXTENDS, Literal(True)))
    header = [f"# Accepted by {editor} on {now.isoformat()} from {name}.",
              "# Reviewed in version control: change this file only by a new, reviewed entry",
              "# (r2pkg correct ID FILE, or r2pkg retract ID --reason TEXT)."]
    if old is not None:
        header.append(f"# A correction: supersedes entry {old.id} (kept in the record).")
    if superseded is not None:
        header.append("# A correction of the bundled data by the project: supersedes the bundled statements "
                      "in superseded.ttl beside this file (the bundled files keep them as released).")
    header += [f"# Adds to the existing node <{iri}> (r2p:extendsExisting)." for iri in extended]
    body = stored.serialize(format="turtle")
    return ("\n".join(header) + "\n\n" + body).encode("utf-8")


def _superseded_turtle(superseded: Graph, entry_id: str, now: datetime) -> bytes:
    header = [f"# The bundled statements superseded by the project's correction {entry_id} on {now.isoformat()},",
              "# as the released data states them. Kept in the record; not part of the served graph",
              "# from this change on (see change.ttl beside this file)."]
    return ("\n".join(header) + "\n\n" + superseded.serialize(format="turtle")).encode("utf-8")


_KIND_CLASS = {"accept": R2P.AcceptedEntry, "correct": R2P.Correction, "retract": R2P.Retraction}
_KIND_WORD = {"accept": "accepted", "correct": "accepted as a correction of", "retract": "withdraws"}


def _change_graph(entry_id: str, editor: str, now: datetime, checksum: str, relative: str,
                  nodes: list[URIRef], triples: int, kind: str = "accept", old: Change | None = None,
                  reason: str = "", number: int = 0, superseded: str | None = None) -> Graph:
    """The prov: record of one change: activity, agent, the entity (file) it generated and,
    for a correction or a retraction, the entity it invalidated (``prov:wasRevisionOf``,
    ``prov:invalidated``/``prov:wasInvalidatedBy``) and why."""
    g = Graph()
    g.bind("prov", PROV)
    activity, entity, agent = CHANGE[entry_id], CHANGE[entry_id + "/file"], EDITOR[_slug_text(editor)]
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, RDF.type, _KIND_CLASS[kind]))
    label = {"accept": f"Entry {entry_id} accepted",
             "correct": (f"Entry {entry_id} accepted as a correction of {old.id}" if old else
                         f"Entry {entry_id}: the project's correction of the bundled data"),
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
    if superseded is not None:  # the bundled statements, kept in the record beside the entry
        invalidated = URIRef(str(activity) + SUPERSEDED)
        g.add((activity, PROV.invalidated, invalidated))
        g.add((invalidated, RDF.type, PROV.Entity))
        g.add((invalidated, RDFS.label, Literal(f"bundled statements superseded ({superseded})", lang="en")))
        g.add((invalidated, R2P.file, Literal(superseded)))
        g.add((invalidated, PROV.wasInvalidatedBy, activity))
        g.add((entity, PROV.wasRevisionOf, invalidated))
    return _bind_used(g)


def _reason(reason: str | None, required: bool = False, what: str = "a retraction") -> str:
    text = " ".join((reason or "").split())
    if required and not text:
        raise InputError(f"{what} needs a reason.", hint="say why: --reason TEXT (the R2pkg-Reason header on the web).")
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

"""Accepting an entry: written as files a team reviews in version control, added to the
running store, logged with who, when and a checksum, all or nothing.

An accepted entry is one folder, ``data/entries/ID/``, holding ``entry.ttl`` (the editor's
triples) and ``change.ttl`` (its ``prov:`` record: who, when, the SHA-256 of entry.ttl,
what it added). Both files are written and synced in a staging folder outside ``data/``,
and the folder is then renamed into place: a rename is atomic, so after a crash, a
``kill -9`` or a full disk, ``data/`` holds the whole entry or nothing of it, and the
loader (which reads ``data/`` recursively) sees the same. One lock file serialises
accepts across threads and processes; under it the store first takes in any entry another
process accepted meanwhile, so that the entry is validated against what the files say.
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
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from r2pkg.entry_rules import EXTENDS
from r2pkg.errors import InputError
from r2pkg.namespaces import R2P, R2PID, bind_prefixes
from r2pkg.store import Store, project_root
from r2pkg.validation import Report, validate_entry

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
    """What an accept did: where the entry went, what it is about, its change record."""

    id: str
    folder: Path
    nodes: list[str]
    checksum: str
    editor: str
    time: str
    triples: int

    @property
    def location(self) -> str:
        """The page of the entry's main node (``/id/case/…``)."""
        main = self.nodes[0] if self.nodes else str(CHANGE[self.id])
        return "/id/" + main[len(str(R2PID)):]


@dataclass
class Outcome:
    """The report, and the accepted entry when it conformed."""

    report: Report
    accepted: Accepted | None = None


@dataclass
class Ledger:
    """Accepts entries into one store and one graph folder (``root/data``)."""

    store: Store
    root: Path = field(default_factory=project_root)
    #: Called after each accept (the web app retires its forked query workers).
    on_change: Callable[[], None] | None = None
    known: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.known = set(self._on_disk())

    @property
    def folder(self) -> Path:
        return self.root / "data" / ENTRIES

    def accept(self, entry: Graph, editor: str, name: str = "the entry") -> Outcome:
        """Validate ``entry`` against the graph and, if it conforms, add it everywhere."""
        editor = _editor_name(editor)
        with _lock(self.root):
            self._catch_up()
            report = validate_entry(self.store, entry)
            if not report.conforms:
                return Outcome(report)
            accepted = self._write(entry, editor, name)
        if self.on_change is not None:
            self.on_change()
        return Outcome(report, accepted)

    # -- writing -----------------------------------------------------------------------

    def _write(self, entry: Graph, editor: str, name: str) -> Accepted:
        stored = _stored_triples(entry)
        nodes = _main_nodes(stored)
        now = datetime.now(UTC).replace(microsecond=0)
        entry_id = f"{now:%Y%m%dT%H%M%SZ}-{_slug(nodes[0]) if nodes else 'entry'}-{uuid.uuid4().hex[:6]}"
        entry_bytes = _entry_turtle(stored, entry, editor, now, name)
        checksum = hashlib.sha256(entry_bytes).hexdigest()
        relative = f"data/{ENTRIES}/{entry_id}/entry.ttl"
        change = _change_graph(entry_id, editor, now, checksum, relative, nodes, len(stored))
        change_bytes = change.serialize(format="turtle").encode("utf-8")

        staging = self.root / STAGING
        staging.mkdir(exist_ok=True)
        _clear_leftovers(staging)
        tmp = staging / entry_id
        target = self.folder / entry_id
        try:
            tmp.mkdir()
            _write_synced(tmp / "entry.ttl", entry_bytes)
            _pause("staged")
            _write_synced(tmp / "change.ttl", change_bytes)
            _sync_dir(tmp)
            self.folder.mkdir(parents=True, exist_ok=True)
            os.rename(tmp, target)  # the commit point: before it nothing, after it everything
            _sync_dir(self.folder)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise InputError(f"the entry could not be written to {self.folder} ({exc.strerror}); "
                             "nothing was added.", hint="free some disk space or fix the folder's "
                             "permissions, then add the entry again.") from exc
        _pause("written")
        try:
            self.store.add_graph(_union(stored, change))
        except Exception:
            shutil.rmtree(target, ignore_errors=True)  # the files follow the store
            _sync_dir(self.folder)
            raise
        self.known.add(entry_id)
        return Accepted(id=entry_id, folder=target, nodes=[str(n) for n in nodes], checksum=checksum,
                        editor=editor, time=now.isoformat().replace("+00:00", "Z"), triples=len(stored))

    # -- other processes' entries ----------------------------------------------------

    def _on_disk(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir()
                      if p.is_dir() and (p / "entry.ttl").is_file() and (p / "change.ttl").is_file())

    def _catch_up(self) -> None:
        """Add to the store the entries another process accepted since this one loaded."""
        from r2pkg.rdfinput import parse_file

        for entry_id in self._on_disk():
            if entry_id in self.known:
                continue
            graph = bind_prefixes(Graph())
            for name in ("entry.ttl", "change.ttl"):
                parse_file(graph, self.folder / entry_id / name, root=self.root)
            self.store.add_graph(graph)
            self.known.add(entry_id)


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


def _entry_turtle(stored: Graph, entry: Graph, editor: str, now: datetime, name: str) -> bytes:
    extended = sorted(str(s) for s in entry.subjects(EXTENDS, Literal(True)))
    header = [f"# Accepted by {editor} on {now.isoformat()} from {name}.",
              "# Reviewed in version control: change this file only by a new, reviewed entry."]
    header += [f"# Adds to the existing node <{iri}> (r2p:extendsExisting)." for iri in extended]
    body = stored.serialize(format="turtle")
    return ("\n".join(header) + "\n\n" + body).encode("utf-8")


def _change_graph(entry_id: str, editor: str, now: datetime, checksum: str, relative: str,
                  nodes: list[URIRef], triples: int) -> Graph:
    """The prov: record of one accept: activity, agent, the entity (file) it generated."""
    g = bind_prefixes(Graph())
    g.bind("prov", PROV)
    activity, entity, agent = CHANGE[entry_id], CHANGE[entry_id + "/file"], EDITOR[_slug_text(editor)]
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, RDF.type, R2P.AcceptedEntry))
    g.add((activity, RDFS.label, Literal(f"Entry {entry_id} accepted", lang="en")))
    g.add((activity, PROV.endedAtTime, Literal(now.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)))
    g.add((activity, PROV.wasAssociatedWith, agent))
    g.add((activity, PROV.generated, entity))
    g.add((activity, R2P.tripleCount, Literal(triples)))
    for node in nodes:
        g.add((activity, DCTERMS.subject, node))
    g.add((agent, RDF.type, PROV.Agent))
    g.add((agent, RDFS.label, Literal(editor, lang="en")))
    g.add((entity, RDF.type, PROV.Entity))
    g.add((entity, RDFS.label, Literal(relative, lang="en")))
    g.add((entity, R2P.file, Literal(relative)))
    g.add((entity, R2P.sha256, Literal(checksum)))
    return g


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
        (root / STAGING).mkdir(exist_ok=True)
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


def changes(store: Store, limit: int = 100) -> list[dict]:
    """The accepted entries in the graph, newest first: time, editor, file, checksum, nodes."""
    text = """
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX r2p: <https://w3id.org/r2pkg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?change ?time ?editor ?file ?sha ?count
               (GROUP_CONCAT(STR(?node); SEPARATOR=" ") AS ?nodes) WHERE {
            ?change a r2p:AcceptedEntry ; prov:endedAtTime ?time ;
                    prov:wasAssociatedWith/rdfs:label ?editor ;
                    prov:generated ?entity ; r2p:tripleCount ?count .
            ?entity r2p:file ?file ; r2p:sha256 ?sha .
            OPTIONAL { ?change dct:subject ?node }
        } GROUP BY ?change ?time ?editor ?file ?sha ?count ORDER BY DESC(?time) DESC(?change)
    """
    out = []
    for binding in store.select(text).bindings:
        row = {str(k): v for k, v in binding.items()}
        nodes = str(row["nodes"]).split() if row.get("nodes") else []
        out.append({
            "id": str(row["change"]).rsplit("/", 1)[-1], "change": str(row["change"]),
            "time": str(row["time"]), "editor": str(row["editor"]), "file": str(row["file"]),
            "sha256": str(row["sha"]), "triples": int(row["count"]),
            "added": [{"iri": n, "label": store.label(URIRef(n))} for n in sorted(nodes)],
        })
        if len(out) >= limit:
            break
    return out


__all__ = ["Accepted", "Ledger", "Outcome", "changes"]

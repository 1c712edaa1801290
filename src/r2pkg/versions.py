"""The change log as a history: which entries are in the graph at a point, and the graph's
version there, so that an answer can be cited and reproduced later.

The record is the entries folder (``data/entries/`` of a source checkout, or ``R2PKG_DATA``):
one folder per change, each with a ``change.ttl`` (its ``prov:`` record) and, for an accept
or a correction, the ``entry.ttl`` it brought. Nothing in it is ever deleted: a correction
*supersedes* an entry (``prov:wasRevisionOf``, ``prov:invalidated``) and a retraction
*withdraws* one (``prov:invalidated``, with a reason). Replaying the changes in order gives
the entries that are live at any point; the served graph is the bundled files plus the
live entries plus every change record up to that point.

A version is the bundled data's release plus the position in the log, and a short hash of
the changes up to it, e.g. ``0.1.0+3.5f2a1c9e``: two servers that answer under the same
version hold the same graph.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from r2pkg.errors import InputError
from r2pkg.namespaces import R2P, R2PID

CHANGE_PREFIX = str(R2PID) + "change/"
#: The entity a correction of the bundled data invalidates: ``change/ID/superseded``.
SUPERSEDED = "/superseded"
KINDS = {R2P.AcceptedEntry: "accept", R2P.Correction: "correct", R2P.Retraction: "retract"}


@dataclass
class Change:
    """One change of the log, as its ``change.ttl`` records it."""

    id: str
    kind: str
    time: str
    number: int
    editor: str
    folder: Path
    reason: str = ""
    #: The entry this change superseded or withdrew (its change ID).
    invalidates: str | None = None
    nodes: list[str] = field(default_factory=list)
    #: For a correction of the bundled data (made by the project, kept in ``data/corrections/``):
    #: the file holding the bundled statements it took out of the served graph.
    superseded: Path | None = None

    @property
    def entry_file(self) -> Path | None:
        path = self.folder / "entry.ttl"
        return path if self.kind != "retract" else None


def release() -> str:
    """The release of the bundled data (the package's version)."""
    from r2pkg import __version__

    return __version__


def read_log(folder: Path) -> list[Change]:
    """Every whole change in ``folder``, in the order they were made."""
    if not folder.is_dir():
        return []
    out = []
    for path in folder.iterdir():
        if path.is_dir() and (path / "change.ttl").is_file():
            change = read_change(path)
            if change is not None:
                out.append(change)
    return sorted(out, key=lambda c: (c.time, c.number, c.id))


def read_change(folder: Path) -> Change | None:
    graph = Graph()
    try:
        graph.parse(folder / "change.ttl", format="turtle")
    except Exception:  # noqa: BLE001 - a record that cannot be read is reported by the loader
        return None
    activity = URIRef(CHANGE_PREFIX + folder.name)
    kind = next((KINDS[t] for t in graph.objects(activity, RDF.type) if t in KINDS), None)
    if kind is None:
        return None
    if kind != "retract" and not (folder / "entry.ttl").is_file():
        return None  # not whole: the loader ignores it too
    invalidated = graph.value(activity, PROV.invalidated)
    superseded = None
    if invalidated is not None and str(invalidated) == str(activity) + SUPERSEDED:
        superseded, invalidated = folder / "superseded.ttl", None  # the bundled data's own statements
        if not superseded.is_file():
            return None
    agent = graph.value(activity, PROV.wasAssociatedWith)
    return Change(
        id=folder.name, kind=kind, time=str(graph.value(activity, PROV.endedAtTime) or ""),
        number=int(graph.value(activity, R2P.changeNumber) or 0),
        editor=str(graph.value(agent, RDFS.label) or "") if agent is not None else "",
        folder=folder, reason=str(graph.value(activity, R2P.reason) or ""),
        invalidates=_change_id(invalidated) if invalidated is not None else None,
        nodes=sorted(str(n) for n in graph.objects(activity, URIRef("http://purl.org/dc/terms/subject"))),
        superseded=superseded,
    )


def _change_id(entity: URIRef) -> str:
    """``…/change/ID/file`` or ``…/change/ID`` → ``ID``."""
    return str(entity)[len(CHANGE_PREFIX):].split("/", 1)[0]


def merge_logs(*logs: list[Change]) -> list[Change]:
    """One log of several folders' changes (the editors' entries and the project's own
    corrections of the bundled data), in the order they were made."""
    return sorted((c for log in logs for c in log), key=lambda c: (c.time, c.number, c.id))


def revisions(log: list[Change], upto: int | None = None) -> list[Change]:
    """The corrections of the bundled data among the first ``upto`` changes: each takes its
    ``superseded.ttl`` out of the bundled statements, whatever became of its new version."""
    return [c for c in log[:upto] if c.superseded is not None]


def live(log: list[Change], upto: int | None = None) -> dict[str, Change]:
    """The entries in the graph after the first ``upto`` changes (all when None), by ID."""
    current: dict[str, Change] = {}
    for change in log[:upto]:
        if change.invalidates:
            current.pop(change.invalidates, None)
        if change.kind != "retract":
            current[change.id] = change
    return current


def record_files(log: list[Change], upto: int | None = None) -> list[Path]:
    """The files the graph is loaded from at that point: live entries and every record."""
    entries = live(log, upto)
    files = []
    for change in log[:upto]:
        if change.id in entries:
            files.append(change.folder / "entry.ttl")
        files.append(change.folder / "change.ttl")
    return files


def version(log: list[Change], upto: int | None = None) -> str:
    """The graph's version after the first ``upto`` changes: ``RELEASE+N.HASH``."""
    changes = log[:upto]
    digest = hashlib.sha256(" ".join(c.id for c in changes).encode()).hexdigest()[:8]
    return f"{release()}+{len(changes)}.{digest}"


_VERSION = re.compile(r"^(?P<release>[^+\s]+)[+ ](?P<n>\d+)(?:\.(?P<hash>[0-9a-f]{1,64}))?$")


def position(log: list[Change], as_of: str) -> int:
    """How many changes of the log the graph had at ``as_of`` (a date, a time or a version;
    in a version, a space stands for the "+" a URL query turns into one)."""
    text = as_of.strip()
    match = _VERSION.match(text)
    if match:
        n = int(match["n"])
        if match["release"] != release():
            raise InputError(f"version {text} is of release {match['release']}; this graph is release {release()}.",
                             hint="install that release, or give a date with --as-of.")
        if n > len(log):
            raise InputError(f"version {text} is ahead of this graph's change log ({len(log)} changes).",
                             hint=f"the current version is {version(log)}.")
        if match["hash"] and not version(log, n).endswith("." + match["hash"]):
            raise InputError(f"version {text} is not in this graph's change log (its changes differ).",
                             hint=f"at position {n} this graph is {version(log, n)}.")
        return n
    limit = _as_of_time(text)
    return sum(1 for c in log if _parse_time(c.time) <= limit)


def _as_of_time(text: str) -> datetime:
    """The last instant ``text`` names: the end of a day, or the time itself (UTC)."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            return day + timedelta(days=1) - timedelta(microseconds=1)
        return _parse_time(text)
    except ValueError as exc:
        raise InputError(f"'{text}' is neither a date, a time nor a graph version.",
                         hint="give --as-of 2026-12-01, 2026-12-01T10:00:00Z or a version such as "
                              f"{release()}+3 (shown on /healthz and every page).") from exc


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = ["Change", "live", "merge_logs", "revisions", "position", "read_change", "read_log", "record_files", "release", "version"]

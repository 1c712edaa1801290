"""A query's answer as bytes in a wire format: what ``/sparql`` and ``r2pkg query --format`` send.

An answer that is only written out never needs rdflib terms. A store may write it itself
(``Store.write``: the embedded Oxigraph store hands a SELECT to Oxigraph's own result
writers, which keeps a 3,000-row answer within about 15% of the time Oxigraph needs just to
hand the rows to Python). Otherwise the store's :class:`~r2pkg.sparql.Answer` is written by
:mod:`r2pkg.formats`; both roads give the same answer. Serialising here, inside the query
worker, also means only bytes travel back to the server process.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

from rdflib.term import Node

from r2pkg.formats import GRAPH_TYPES, RESULT_TYPES, serialize_ask, serialize_graph, serialize_select
from r2pkg.sparql import Answer, prepare


@dataclass(frozen=True)
class Serialized:
    """An answer ready to send: its bytes, media type, whether rows were cut off, and the
    seconds spent running the query and writing it (sent as ``Server-Timing``, so that a
    client can tell the engine's time from the network's)."""

    body: bytes | bytearray
    media_type: str
    truncated: bool = False
    form: str = "SELECT"
    seconds: float | None = None

    def __reduce_ex__(self, protocol):
        """Offer the body out of band, so a query worker sends it without copying it."""
        if protocol < 5:
            return super().__reduce_ex__(protocol)
        return _rebuilt, (pickle.PickleBuffer(self.body), self.media_type, self.truncated, self.form, self.seconds)


def _rebuilt(body, media_type: str, truncated: bool, form: str, seconds: float | None) -> Serialized:
    """A Serialized from its pickled parts. An out-of-band body arrives as a read-only view
    of the buffer it was read into; that buffer is kept as the body, uncopied."""
    if isinstance(body, memoryview):
        body = body.obj if isinstance(body.obj, bytes | bytearray) and body.nbytes == len(body.obj) else bytes(body)
    return Serialized(body, media_type, truncated, form, seconds)


def fit_format(form: str, fmt: str) -> str:
    """The format actually used: a results format for SELECT/ASK, an RDF syntax for graphs."""
    if form in ("SELECT", "ASK"):
        return fmt if fmt in RESULT_TYPES else "json"
    return fmt if fmt in GRAPH_TYPES else "turtle"


def answer(store, text: str, fmt: str, bindings: Mapping[str, Node] | None = None,
           max_rows: int | None = None) -> Serialized:
    """Run a query on a store and write its result in ``fmt`` (cut at ``max_rows`` if given).

    ``store`` comes first so that a query worker can run this as its task. The query runs
    once: written by the engine if the store can (``Store.write``), else read and written here.
    """
    started = time.perf_counter()
    parsed = prepare(text, bindings)
    fmt = fit_format(parsed.form, fmt)
    written = store.write(parsed, fmt, max_rows)
    if written is None:
        written = write(store.run(parsed, max_rows), fmt)
    return replace(written, seconds=time.perf_counter() - started)


def write(result: Answer, fmt: str) -> Serialized:
    """An :class:`~r2pkg.sparql.Answer` in ``fmt``, by r2pkg's own writers."""
    fmt = fit_format(result.form, fmt)
    if result.form == "ASK":
        body, media = serialize_ask(bool(result.boolean), fmt), RESULT_TYPES[fmt]
    elif result.form == "SELECT":
        body, media = serialize_select(result.names, result.rows, fmt), RESULT_TYPES[fmt]
    else:
        body, media = serialize_graph(result.graph, fmt), GRAPH_TYPES[fmt]
    return Serialized(body.encode("utf-8"), media, result.truncated, result.form)

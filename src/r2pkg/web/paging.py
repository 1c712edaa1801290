"""Long lists shown a page at a time (``?offset=``): the saved queries' pages, "Linked from".

A listing of every response resting on Chapter VII has 1,682 rows at a million triples: one
page of them all was 1.8 MB of HTML and took 1.3 s to render, ten times that at ten million.
A page shows :data:`ROWS` rows with their count and links to the next and previous ones; the
answers for programs (JSON) stay whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from r2pkg.errors import InputError

#: Rows a saved query's page shows at a time.
ROWS = 200


def offset_argument(args: Mapping[str, str]) -> int:
    """The ``offset`` of the URL (0 when absent); a clear error when it is not a whole number."""
    try:
        return min(max(0, int(args.get("offset", "0"))), 10**12)
    except ValueError:
        raise InputError("the parameter 'offset' must be a whole number.", hint="for example ?offset=200.") from None


@dataclass(frozen=True)
class Page:
    """Which rows of ``total`` a page shows, and where the pages before and after it are."""

    offset: int
    shown: int
    total: int
    previous: str | None
    next: str | None
    #: The first page (for a page asked past the last row).
    first: str | None


def page_of(path: str, args: Mapping[str, str], offset: int, total: int, size: int = ROWS) -> Page:
    """The page of ``size`` rows from ``offset`` of a list of ``total``; its links keep the other
    arguments of the URL (a query's parameters) as they were."""
    def href(at: int) -> str:
        kept = {k: v for k, v in args.items() if k != "offset"}
        if at:
            kept["offset"] = str(at)
        return path + ("?" + urlencode(kept) if kept else "")

    shown = max(0, min(size, total - offset))
    return Page(offset=offset, shown=shown, total=total,
                previous=href(max(0, offset - size)) if offset > 0 and total else None,
                next=href(offset + size) if offset + size < total else None,
                first=href(0) if offset and not shown else None)

"""Exceptions that users see, each with a message that says what to do next.

    R2pkgError
     ├── InputError        unreadable input: a data file, an entry, a parameter (exit 2, HTTP 400)
     │    └── QueryError   a SPARQL query that does not parse or is refused  (exit 2, HTTP 400)
     ├── UnknownNodeError  an IRI or label that names nothing in the graph    (exit 2, HTTP 400)
     └── QueryTimeout      a query that ran past its time limit               (exit 2, HTTP 503)

A "no" is a result, not an error: a non-conforming entry or a missing chain is returned.
"""

from __future__ import annotations


class R2pkgError(Exception):
    """Base class: ``message`` says what failed, ``hint`` what to do next."""

    exit_code = 2
    http_status = 400

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(R2pkgError):
    """Input that cannot be read: a malformed file, entry or parameter."""


class QueryError(InputError):
    """A SPARQL query that does not parse, or that the endpoint refuses."""


class UnknownNodeError(R2pkgError):
    """An IRI or label that names no node of the graph (or none of the class asked for).

    A 400, as the contract says: the request named something wrong. A page that does not
    exist (``/id/…`` of no node) is a 404 of its own."""

    http_status = 400


class QueryTimeout(R2pkgError):
    """A query stopped because it ran past the time limit."""

    http_status = 503


class PayloadTooLarge(InputError):
    """A request body or query longer than the configured limit."""

    http_status = 413

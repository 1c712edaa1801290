"""Form fields read strictly: a field whose bytes are not UTF-8 is refused, never repaired.

Werkzeug decodes form fields with ``errors="replace"``, so a bad byte becomes U+FFFD and an
entry or query nobody wrote would be validated, accepted or run. Every route that reads a
form reads it through :func:`strict_form`, which checks the raw body first.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable

from flask import request
from werkzeug.datastructures import MultiDict

from r2pkg.errors import InputError

REPLACEMENT = "\ufffd"


def strict_form(refuse: Callable[[str], Exception]) -> MultiDict:
    """``request.form``, or ``refuse(why)`` raised if a field was not valid UTF-8.

    The body is cached before Werkzeug parses it, so the check and the parse read the same
    bytes. A urlencoded body is decoded strictly; a multipart one is compared: a field may
    hold U+FFFD only as often as the body carries its UTF-8 bytes (EF BF BD), so a sender's
    own U+FFFD passes and a replaced byte does not.
    """
    mimetype = (request.mimetype or "").lower()
    if mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form
    raw = request.get_data(cache=True)
    if mimetype == "application/x-www-form-urlencoded":
        strict_urlencoded(raw, refuse)
        return request.form
    form = request.form
    found = sum(k.count(REPLACEMENT) + sum(v.count(REPLACEMENT) for v in form.getlist(k)) for k in form)
    if found > raw.count(REPLACEMENT.encode("utf-8")):
        raise refuse("a field of the multipart form is not valid UTF-8")
    return form


def strict_urlencoded(encoded: bytes, refuse: Callable[[str], Exception]) -> None:
    """Raise ``refuse(why)`` if percent-encoded parameters (a form body, a query string) are
    not UTF-8, rather than read them with U+FFFD in place of the bad bytes."""
    try:
        urllib.parse.parse_qsl(encoded.decode("latin-1"), encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise refuse("a percent-encoded byte in the request is not valid UTF-8") from exc


def not_utf8_entry(why: str) -> InputError:
    """The refusal of an entry form (validate, accept, the editors' form) with a bad byte."""
    return InputError(f"the entry: {why}; the entry is refused rather than read with those bytes replaced.",
                      hint="send the form as UTF-8.")

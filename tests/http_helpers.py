"""Plain HTTP calls for tests against a live server: status, headers and body, even on errors."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request


def get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def post(url: str, body: bytes, ctype: str, accept: str = "") -> tuple[int, dict, bytes]:
    headers = {"Content-Type": ctype}
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def q(text: str) -> str:
    return urllib.parse.quote(text)

"""What a write changes in a view, as a short list of steps: applied to the view held in memory,
and appended to the view's log on disk (``r2pkg.store.view_files``), so that a write saves
the few keys an entry touched instead of the whole view (a 72 MB pickle at a million triples).

A view is nested dicts and sets. A change is ``(op, path, value)``, ``path`` the keys from
the view's top down to the one changed:

* ``("set", path, value)``: ``path[-1]`` of the dict at ``path[:-1]`` is ``value``
  (an empty path: the whole view is ``value``, for an update that rebuilds it);
* ``("del", path, None)``: that key is gone (it may already be);
* ``("add", path, member)`` / ``("discard", path, member)``: the set at ``path`` has, or has
  not, ``member``.

The same :func:`apply` brings the view in memory up to date and replays the log on disk, so
the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

Change = tuple[str, tuple, object]


def apply(view: object, changes: Iterable[Change], copy: bool = True) -> object:
    """The view after ``changes``. With ``copy`` (a view in use), ``view`` itself is left as it
    was: each dict or set on a changed path is copied once (a page may still hold the old
    view; a sorted answer is cached against it). Without (a view just read from disk), the
    view is changed in place."""
    made: set[int] = set()  # containers this call made: changed in place from then on

    def own(container):
        if not copy or id(container) in made:
            return container
        if isinstance(container, dict):
            new = container.copy() if type(container) is dict else _copy_dict(container)
        else:
            new = set(container)
        made.add(id(new))
        return new

    for op, path, value in changes:
        if not path:
            if op != "set":
                raise ValueError(f"a change of the whole view must be a set, not {op}")
            view = value
            continue
        view = own(view)
        parent = view
        steps = path if op in ("add", "discard") else path[:-1]
        for i, key in enumerate(steps):
            if i == len(steps) - 1 and op in ("add", "discard"):
                child = own(parent[key]) if key in parent else set()
            else:
                child = own(parent[key])
            parent[key] = child
            parent = child
        if op == "set":
            parent[path[-1]] = value
        elif op == "del":
            parent.pop(path[-1], None)
        elif op == "add":
            parent.add(value)
        elif op == "discard":
            parent.discard(value)
        else:
            raise ValueError(f"unknown view change {op!r}")
    return view


def _copy_dict(container: dict) -> dict:
    """A copy of a dict subclass (``ClaimGroups``) of the same class."""
    new = type(container).__new__(type(container))
    dict.update(new, container)
    return new

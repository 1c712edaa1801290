"""First views after ``r2pkg serve`` on a folder already loaded, one version of the code against another.

    R2PKG_BENCH_DIR=/tmp/bench-me python bench/first_views.py \\
        --home /tmp/r2pkg-bench/home-10M --store oxigraph:/tmp/r2pkg-bench/pages-dir-10M \\
        --baseline /work/main/src --pages precedents --rounds 3

For a page whose first view one branch shortens: each round starts ``r2pkg serve`` on the
same folder with the baseline's ``src`` first on ``PYTHONPATH``, asks the pages (bench/pages.py's
paths, in its order, or only those named), stops it, then does the same with this checkout's
``src``; baseline and branch alternate, so both see the same load. A folder bench/pages.py
loaded takes half an hour to load again at 10M: this script only starts serve on it and asks
pages with GET (no entry is accepted), and never deletes it. Prints one line
per round and version; appends nothing to RESULTS.md. Not a test: pytest never runs it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as C  # noqa: E402
from pages import PAGES, _get  # noqa: E402

HERE = Path(__file__).resolve().parent.parent / "src"


def first_views(home: Path, store: str, src: Path, pages: dict[str, str]) -> tuple[float, dict[str, float]]:
    """Seconds from start to serve's first answer, and each page's first view, with ``src``'s code."""
    with C.Server(home, store=store, threads=32, env={"PYTHONPATH": str(src)}) as server:
        ready = server.start()
        found = {}
        for name, path in pages.items():
            status, seconds = _get(server.port, path)
            if status != 200:
                raise RuntimeError(f"{path} answered {status} with {src}")
            found[name] = seconds
    return ready, found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, required=True, help="R2PKG_HOME of the loaded folder (bench/pages.py's)")
    ap.add_argument("--store", required=True, help="oxigraph:DIR, loaded already")
    ap.add_argument("--baseline", type=Path, required=True, help="the other version's src/ folder")
    ap.add_argument("--pages", default="", help="names from bench/pages.py, comma-separated (default: all, in order)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    names = [n.strip() for n in args.pages.split(",") if n.strip()] or list(PAGES)
    pages = {name: PAGES[name] for name in names}
    for round_ in range(args.rounds):
        for label, src in (("baseline", args.baseline), ("this", HERE)):
            load = os.getloadavg()[0]
            ready, found = first_views(args.home, args.store, src, pages)
            views = ", ".join(f"{name} {1000 * s:.0f} ms" for name, s in found.items())
            print(f"round {round_} {label:8s} load {load:.2f}; serve {ready:.2f} s; first views: {views}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

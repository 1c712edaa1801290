"""The query editor's bundle: built from ``frontend/`` by esbuild, committed in ``web/static/``.

The bundle is committed so that installing r2pkg needs neither Node nor the npm registry.
``editor.stamp`` holds a hash of every input of the build; when the sources change and the
bundle was not rebuilt, the stamp no longer matches and a test (and ``.ci/run``) says so.
The hash here must stay the same as ``stamp()`` in ``frontend/build.mjs``. Standard library
only: ``setup.py`` runs this file before r2pkg's dependencies are installed.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
STATIC = Path(__file__).resolve().parent / "web" / "static"
BUNDLE = ("editor.js", "editor.css", "editor.licenses.txt", "editor.stamp")


def inputs(frontend: Path = FRONTEND) -> list[str]:
    """The files whose content decides the bundle, relative to ``frontend/``, sorted."""
    files = ["package.json", "package-lock.json", "build.mjs"]
    files += [p.relative_to(frontend).as_posix() for p in (frontend / "src").rglob("*") if p.is_file()]
    return sorted(files)


def stamp(frontend: Path = FRONTEND) -> str:
    """The sha256 of every input, each as its path, NUL, its bytes, NUL."""
    digest = hashlib.sha256()
    for name in inputs(frontend):
        digest.update(name.encode() + b"\0")
        digest.update((frontend / name).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def is_stale(frontend: Path = FRONTEND, static: Path = STATIC) -> bool:
    """True when a bundle file is missing or was built from other sources."""
    if any(not (static / name).is_file() for name in BUNDLE):
        return True
    if not (frontend / "package.json").is_file():  # an installed copy: no sources to compare
        return False
    return (static / "editor.stamp").read_text().strip() != stamp(frontend)


def build(frontend: Path = FRONTEND) -> None:
    """``npm ci && npm run build``: needs Node and the npm registry (or npm's cache)."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("the query editor's bundle is missing or stale and npm is not installed; "
                           "install Node.js and npm, then run 'npm ci && npm run build' in frontend/.")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=frontend, check=True)
    subprocess.run([npm, "run", "build"], cwd=frontend, check=True)


def ensure_built(frontend: Path = FRONTEND) -> bool:
    """Build the bundle if it is missing or stale; True when a build ran."""
    if not is_stale(frontend):
        return False
    build(frontend)
    return True


if __name__ == "__main__":  # python src/r2pkg/frontend.py: rebuild when needed
    print("built" if ensure_built() else "the bundle is up to date")

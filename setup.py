"""Build steps that pyproject.toml cannot express.

1. The query editor's bundle (``src/r2pkg/web/static/editor.*``) is rebuilt with
   ``npm ci && npm run build`` in ``frontend/`` when it is missing or older than its sources,
   so 'pip install -e .' on a fresh checkout does all the set-up. The bundle is committed,
   so a normal install needs no Node at all.
2. The bundled graph ships inside the wheel: the graph's folders (ontology/, data/,
   queries/) stay at the top of the source tree, where editors and other tools expect them;
   at build time they are copied into the package as ``r2pkg/graph/``, which
   ``r2pkg.store.bundle`` finds when no source checkout is around. From a git checkout only
   the files git tracks are copied: entries accepted in a working tree (``data/entries/``)
   and other untracked files stay out of the wheel until they are reviewed and committed.
   An editable install reads the checkout itself and copies nothing.
"""

from __future__ import annotations

import runpy
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: The folders of the bundled graph, copied whole (new files included) into every wheel.
GRAPH_FOLDERS = ("ontology", "data", "queries")
HERE = Path(__file__).resolve().parent


class BuildPy(build_py):
    """build_py, after making sure the editor bundle matches frontend/, plus a copy of the graph."""

    def run(self) -> None:
        editor = HERE / "src" / "r2pkg" / "frontend.py"
        if editor.is_file():  # standard library only: runs before r2pkg's dependencies exist
            runpy.run_path(str(editor))["ensure_built"](HERE / "frontend")
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "r2pkg" / "graph"
        tracked = tracked_files()
        for name in GRAPH_FOLDERS:
            source = HERE / name
            if not source.is_dir():
                continue
            if tracked is None:  # an unpacked sdist: it holds what its manifest chose
                shutil.copytree(source, target / name, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
                continue
            for relative in tracked:
                if relative.parts[0] == name and (HERE / relative).is_file():
                    (target / relative).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(HERE / relative, target / relative)


def tracked_files() -> list[Path] | None:
    """The graph's files git tracks, or None outside a git checkout (or without git)."""
    if not (HERE / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(HERE), "ls-files", "-z", "--", *GRAPH_FOLDERS],
                             capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [Path(name) for name in out.decode("utf-8").split("\0") if name]


setup(cmdclass={"build_py": BuildPy})

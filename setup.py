"""Build step that pyproject.toml cannot express: ship the bundled graph inside the wheel.

The graph's folders (ontology/, data/, queries/) stay at the top of the source tree, where
editors and other tools expect them; at build time they are copied, whatever files they
hold then, into the package as ``r2pkg/graph/``, which ``r2pkg.store.bundle`` finds when no
source checkout is around. An editable install reads the checkout itself and copies nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: The folders of the bundled graph, copied whole (new files included) into every wheel.
GRAPH_FOLDERS = ("ontology", "data", "queries")
HERE = Path(__file__).resolve().parent


class BuildPyWithGraph(build_py):
    """build_py, plus a copy of the graph's folders into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "r2pkg" / "graph"
        for name in GRAPH_FOLDERS:
            source = HERE / name
            if source.is_dir():
                shutil.copytree(source, target / name, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildPyWithGraph})

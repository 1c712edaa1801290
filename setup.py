"""Packaging hook: the query editor's bundle is rebuilt (npm ci && npm run build in frontend/)
when it is missing or older than its sources, so 'pip install -e .' on a fresh checkout does
all the set-up. The bundle is committed, so a normal install needs no Node at all."""

from __future__ import annotations

import runpy
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithEditor(build_py):
    """build_py, after making sure the editor bundle in web/static/ matches frontend/."""

    def run(self) -> None:
        frontend = runpy.run_path(str(HERE / "src" / "r2pkg" / "frontend.py"))
        frontend["ensure_built"](HERE / "frontend")
        super().run()


setup(cmdclass={"build_py": BuildWithEditor})

"""Where the bundled graph lives: a source checkout, an installed wheel, or ``R2PKG_HOME``.

The graph is three folders, ``ontology/``, ``data/`` and ``queries/``. In a source
checkout they sit at the top of the tree; a wheel carries a copy of them as package data
in ``r2pkg/graph/`` (copied there at build time by ``setup.py``), so an installed command
finds its graph from any folder. ``R2PKG_HOME`` points at another copy, e.g. one being edited.
"""

from __future__ import annotations

import os
from pathlib import Path

from r2pkg.errors import InputError

#: The copy of the graph inside an installed package (empty in a source checkout).
PACKAGED = Path(__file__).resolve().parent.parent / "graph"


def _is_graph(folder: Path) -> bool:
    return (folder / "ontology" / "r2p.ttl").is_file() and (folder / "data").is_dir()


def project_root() -> Path:
    """The folder holding ``ontology/``, ``data/`` and ``queries/``.

    ``R2PKG_HOME`` wins; then the source checkout this package runs from (an editable
    install), found by walking up from this file; then the copy packaged in the wheel.
    """
    env = os.environ.get("R2PKG_HOME")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        if _is_graph(parent):
            return parent
    if _is_graph(PACKAGED):
        return PACKAGED
    raise InputError(
        "cannot find the bundled graph (the ontology/ and data/ folders).",
        hint="reinstall r2pkg ('pip install r2pkg' or 'pip install .' from its source), "
        "or set R2PKG_HOME to the folder that holds ontology/ and data/.",
    )


def bundled_files(root: Path | None = None) -> list[Path]:
    """The ontology and data files of the bundled graph, in a stable order."""
    root = root or project_root()
    return sorted((root / "ontology").glob("*.ttl")) + sorted((root / "data").rglob("*.ttl"))


def ontology_files(files: list[Path]) -> list[Path]:
    """Those of ``files`` that hold the ontology (the folder named ``ontology``)."""
    return [f for f in files if Path(f).parent.name == "ontology"]

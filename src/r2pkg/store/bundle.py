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
from r2pkg.versions import Change, merge_logs, read_log, record_files

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


def bundled_files(root: Path | None = None, upto: int | None = None) -> list[Path]:
    """The files of the graph, in a stable order: the ontology, the bundled data, then the
    accepted entries live after the first ``upto`` changes of the log (all when None) and
    the records of those changes (see :mod:`r2pkg.versions`)."""
    root = root or project_root()
    return base_files(root) + record_files(change_log(root), upto)


def base_files(root: Path | None = None) -> list[Path]:
    """The ontology and the bundled data as released (no change of the log)."""
    root = root or project_root()
    logs = (root / "data" / ENTRIES, corrections_folder(root))
    data = [f for f in sorted((root / "data").rglob("*.ttl"))
            if not any(folder in f.parents for folder in logs)
            and not any(part.startswith(".") for part in f.relative_to(root).parts)]
    return sorted((root / "ontology").glob("*.ttl")) + data


def change_log(root: Path | None = None) -> list[Change]:
    """The whole change log: the editors' entries (under the data directory) and the
    project's own corrections of the bundled data (``data/corrections/``, tracked)."""
    root = root or project_root()
    return merge_logs(read_log(entries_folder(root)), read_log(corrections_folder(root)))


#: The folder of accepted entries, under the data directory.
ENTRIES = "entries"


def data_dir(root: Path | None = None) -> Path:
    """Where accepted entries live: ``R2PKG_DATA``, else the ``data/`` folder of the graph."""
    env = os.environ.get("R2PKG_DATA")
    return Path(env).expanduser() if env else (root or project_root()) / "data"


#: The project's own corrections of the bundled data, tracked with it.
CORRECTIONS = "corrections"


def corrections_folder(root: Path | None = None) -> Path:
    """Where the project records its corrections of the bundled data (``data/corrections/``
    of the graph, never the operator's data directory: they are released with the data)."""
    return (root or project_root()) / "data" / CORRECTIONS


def entries_folder(root: Path | None = None) -> Path:
    """The folder holding one sub-folder per change (accept, correction, retraction)."""
    return data_dir(root) / ENTRIES


def installed(root: Path) -> bool:
    """True when ``root`` is the graph copied into an installed package (not a checkout)."""
    resolved = Path(root).resolve()
    return resolved == PACKAGED or any(part in ("site-packages", "dist-packages") for part in resolved.parts)


def writable_data_dir(root: Path | None = None) -> Path:
    """The data directory to write entries to; never inside an installed package."""
    root = root or project_root()
    if not os.environ.get("R2PKG_DATA") and installed(root):
        raise InputError(
            f"r2pkg is installed as a package ({root}); it does not write entries inside its own "
            "installation, where nobody could review or keep them.",
            hint="choose a data directory: set R2PKG_DATA=DIR (or pass --data DIR); accepted entries "
                 "go to DIR/entries/.")
    return data_dir(root)


def ontology_files(files: list[Path]) -> list[Path]:
    """Those of ``files`` that hold the ontology (the folder named ``ontology``)."""
    return [f for f in files if Path(f).parent.name == "ontology"]

"""The installable package: a wheel carries the bundled graph and works with no checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from r2pkg.store import open_store

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from this checkout, offline (the build backend is the test venv's)."""
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
         "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    (found,) = out.glob("r2pkg-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory) -> Path:
    """A fresh venv with only the wheel installed; its dependencies are borrowed from the
    test venv through a path file (no network, no copy)."""
    target = tmp_path_factory.mktemp("venv")
    venv.create(target, with_pip=False)
    fresh = target / "bin" / "python"
    site = subprocess.run([str(fresh), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(fresh), "install", "--no-index", "--no-deps", "-q", str(wheel)],
        capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stdout + install.stderr
    return target


def run(installed: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("R2PKG_HOME", "R2PKG_STORE", "PYTHONPATH")}
    return subprocess.run([str(installed / "bin" / "r2pkg"), *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def _tracked() -> set[str]:
    out = subprocess.run(["git", "-C", str(ROOT), "ls-files", "--", "ontology", "data", "queries"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_wheel_carries_every_tracked_file_of_the_bundled_graph_and_nothing_else(wheel: Path):
    names = {n[len("r2pkg/graph/"):] for n in zipfile.ZipFile(wheel).namelist() if n.startswith("r2pkg/graph/")}
    assert names == _tracked()  # entries accepted in a working tree stay out until committed


def test_the_installed_command_finds_its_graph_from_any_folder(installed: Path, tmp_path: Path):
    stats = run(installed, "stats", cwd=tmp_path)
    assert stats.returncode == 0, stats.stderr
    triples = int(next(ln.split()[1] for ln in stats.stdout.splitlines() if ln.startswith("triples")))
    assert triples == open_store("oxigraph").triple_count()
    where = subprocess.run([str(installed / "bin" / "python"), "-c",
                            "import r2pkg.store as s; print(s.project_root())"],
                           capture_output=True, text=True, cwd=tmp_path, env={"PATH": os.environ["PATH"]})
    assert where.stdout.strip().startswith(str(installed)), where.stdout + where.stderr


def test_the_installed_command_runs_a_saved_query_and_a_query_file(installed: Path, tmp_path: Path):
    saved = run(installed, "query", "responses-by-pillar", "--format", "json", cwd=tmp_path)
    assert saved.returncode == 0, saved.stderr
    assert json.loads(saved.stdout)["results"]["bindings"]
    (tmp_path / "cases.rq").write_text("SELECT (COUNT(?c) AS ?n) WHERE { ?c a r2p:Case }", encoding="utf-8")
    counted = run(installed, "query", "cases.rq", "--format", "csv", cwd=tmp_path)
    assert counted.returncode == 0, counted.stderr
    assert int(counted.stdout.split()[1]) == open_store("oxigraph").stats()["cases"]


def test_r2pkg_home_still_points_at_an_editable_graph(installed: Path, tmp_path: Path):
    env_home = tmp_path / "graph"
    for folder in ("ontology", "data", "queries"):
        (env_home / folder).mkdir(parents=True)
    (env_home / "ontology" / "r2p.ttl").write_bytes((ROOT / "ontology" / "r2p.ttl").read_bytes())
    env = {k: v for k, v in os.environ.items() if k != "R2PKG_STORE"} | {"R2PKG_HOME": str(env_home)}
    stats = subprocess.run([str(installed / "bin" / "r2pkg"), "stats"], capture_output=True, text=True,
                           cwd=tmp_path, env=env, timeout=120)
    assert stats.returncode == 0, stats.stderr
    assert "cases            0" in stats.stdout

"""A non-editable `pip install .` works from any directory: ontology and data ship inside the
package, and the build goes to the user's cache, never to the current directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED_SOURCES


def _dependency_dirs() -> list[str]:
    """Where the running interpreter finds kg's dependencies: its own site-packages, whether it is a
    virtual environment or a system install. (`venv --system-site-packages` from inside a venv would
    see the base interpreter's packages instead, which is how this test once passed only in CI.)"""
    import site

    dirs = site.getsitepackages() + [site.getusersitepackages()]
    return [d for d in dict.fromkeys(dirs) if Path(d).is_dir()]


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    py = str(where / "bin" / "python")
    own = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True, check=True
    )
    # The new venv sees the running environment's packages after its own: a plain path line in a
    # .pth file does not run that environment's .pth hooks, so an editable kg there stays invisible.
    (Path(own.stdout.strip()) / "kg-test-deps.pth").write_text("\n".join(_dependency_dirs()) + "\n")
    pip = [py, "-m", "pip", "install", "-q", "--no-deps", str(ROOT)]
    proc = subprocess.run(pip, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return where


def test_installed_kg_runs_from_any_directory(venv, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KG_")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    kg = str(venv / "bin" / "kg")
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import kg.paths as p; print(p.Paths.from_env().data)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert str(venv) in where.stdout, where.stdout + where.stderr  # the packaged data, not the checkout's
    args = ["validate"] + (["--sources", str(SHARED_SOURCES)] if SHARED_SOURCES.is_dir() else [])
    proc = subprocess.run([kg, *args], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run([kg, "stats"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "facts without evidence: 0" in proc.stdout
    assert list(elsewhere.iterdir()) == [], "nothing may be written to the current directory"
    assert (tmp_path / "cache" / "kg" / "current").exists()

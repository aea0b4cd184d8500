"""A non-editable `pip install .` works from any directory: ontology and data ship inside the
package, and the build goes to the user's cache, never to the current directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED_SOURCES


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(where)], check=True)
    pip = [str(where / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(ROOT)]
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

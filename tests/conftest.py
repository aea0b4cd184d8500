"""Shared fixtures: every test works on copies, never on the checkout's data or build."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.paths import Paths

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_SOURCES = ROOT.parent / "shared" / "sources"


@pytest.fixture
def mini(tmp_path: Path) -> Paths:
    """A copy of the small fixture dataset with the real ontology and its own build home."""
    shutil.copytree(FIXTURES / "mini" / "data", tmp_path / "data")
    shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    return Paths(
        data=tmp_path / "data",
        ontology=tmp_path / "ontology",
        home=tmp_path / "home",
        sources=FIXTURES / "mini" / "sources",
    )


@pytest.fixture(scope="session")
def real_build(tmp_path_factory):
    """The real curated data, built once into a temporary home."""
    from kg.build import build

    home = tmp_path_factory.mktemp("real-home")
    paths = Paths(data=ROOT / "data", ontology=ROOT / "ontology", home=home)
    return build(paths)


def env_for(paths: Paths) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env.update(KG_DATA_DIR=str(paths.data), KG_ONTOLOGY_DIR=str(paths.ontology), KG_HOME=str(paths.home))
    return env


def run_kg(paths: Paths, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Runs the real `kg` entry point in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "kg", *args],
        env=env_for(paths),
        cwd=cwd or paths.home.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


def free_port() -> int:
    """A loopback port nothing listens on (for servers the tests start)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float, why) -> None:
    """Polls until the server a test started answers; `why()` explains a server that died or hung."""
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(why()) from None
            time.sleep(0.2)

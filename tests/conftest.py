"""Shared fixtures: every test works on copies, never on the checkout's data or build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
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


# Modules whose module-scoped fixture starts a server or a store: under pytest-xdist (`make check`
# runs `-n auto --dist loadgroup`, see docs/testing.md) all their tests go to one worker, so it
# starts once per run, not once per worker.
SERIAL_GROUPS = {
    "test_serve.py": "serve",
    "test_serve_browser.py": "serve-browser",
    "test_serve_hosts.py": "serve-hosts",
    "test_virtuoso.py": "virtuoso",
}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the marks
def pytest_collection_modifyitems(config, items) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        group = SERIAL_GROUPS.get(item.path.name)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


def require_nlp() -> None:
    """Skips a test that needs the nlp extra (spaCy and its English pipeline) when it is missing;
    with KG_REQUIRE_NLP=1 (CI: .ci/run installs the extra) a missing extra fails the test instead."""
    from kg.extract import nlp_available

    if not nlp_available():
        if os.environ.get("KG_REQUIRE_NLP") == "1":
            pytest.fail("KG_REQUIRE_NLP=1 but spaCy or its English pipeline is not installed (make install NLP=1)")
        pytest.skip("the nlp extra is not installed (make install NLP=1)")


def _run_tmp(tmp_path_factory) -> Path:
    """A folder for this test run: shared by all xdist workers (their base temps' parent), else the session's base temp."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session", autouse=True)
def real_home(tmp_path_factory) -> Iterator[Path]:
    """KG_HOME for the whole run: `kg` subprocesses on the default (real) data and `real_build`
    share one build, made once per run (kg's build lock makes a second worker wait and reuse it),
    and nothing is written to the checkout's build/."""
    home = _run_tmp(tmp_path_factory) / "real-home"
    old = os.environ.get("KG_HOME")
    os.environ["KG_HOME"] = str(home)
    try:
        yield home
    finally:
        if old is None:
            os.environ.pop("KG_HOME", None)
        else:
            os.environ["KG_HOME"] = old


@pytest.fixture(scope="session")
def real_build(real_home):
    """The real curated data, built once per run into the shared temporary home."""
    from kg.build import build

    return build(Paths(data=ROOT / "data", ontology=ROOT / "ontology", home=real_home))


def env_for(paths: Paths) -> dict[str, str]:
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


def kg_in_process(paths: Paths, *args: str) -> subprocess.CompletedProcess:
    """Runs the `kg` command line inside this process (typer's test runner) on `paths`: the same
    code from argument parsing to exit code and stderr, at a tenth of a subprocess's cost (most of
    which is importing rdflib again). For data-driven matrices such as tests/test_loader_errors.py;
    whatever depends on the process (start-up, exit, signals, stdin) is tested with run_kg.
    An exception that escapes the command fails the test, as a traceback would."""
    import contextlib

    from typer.testing import CliRunner

    from kg.cli import app

    env = {"KG_DATA_DIR": str(paths.data), "KG_ONTOLOGY_DIR": str(paths.ontology), "KG_HOME": str(paths.home)}
    with contextlib.chdir(paths.home.parent):
        r = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    return subprocess.CompletedProcess(["kg", *args], r.exit_code, r.stdout, r.stderr)

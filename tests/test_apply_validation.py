"""`kg review --apply` checks exactly what the build will need, so a bad value is refused at apply
time (exit 2, data/ untouched) instead of breaking every later command."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

PAGE = "<html><body><p>Jack Ma, founder of Alibaba, met Xi Jinping in Beijing.</p></body></html>\n"


def _kg(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env, timeout=300)


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.rglob("*")):
        if f.is_file():
            h.update(str(f.relative_to(folder)).encode() + f.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("url", ["http://exa mple.com/", "javascript:alert(1)"])
def test_apply_refuses_a_url_the_build_could_not_use(tmp_path, url):
    """Regression: a url with a space passed apply and then made every command fail (exit 3)."""
    shutil.copytree(FIXTURES / "mini" / "data", tmp_path / "data")  # the check, not the data's size, is under test
    env = dict(os.environ, KG_DATA_DIR=str(tmp_path / "data"), KG_HOME=str(tmp_path / "home"), KG_CORPUS_DIR=str(tmp_path / "corpus"))
    page = tmp_path / "page.html"
    page.write_text(PAGE)
    added = _kg(env, "source", "add", str(page), "--title", "A page", "--url", url)
    assert added.returncode == 0, added.stderr
    sid = added.stdout.split()[2]
    assert _kg(env, "extract", sid).returncode == 0
    before = _tree_hash(tmp_path / "data")
    proc = _kg(env, "review", sid, "--accept-all", "--apply")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in proc.stderr
    assert err[0].startswith("kg: error: ") and "sources.yaml:" in err[0] and "not applied" in err[0] and repr(url) in err[0]
    assert str(tmp_path / "home") not in err[0] and "kg-apply-" not in err[0], "names data/, not the staging copy"
    assert _tree_hash(tmp_path / "data") == before
    assert _kg(env, "stats").returncode == 0, "later commands still work"

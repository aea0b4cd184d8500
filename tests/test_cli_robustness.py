"""Regressions in how commands meet hostile or broken surroundings: an alias bomb in sources.yaml,
a push while data is broken, a reader that closes the pipe early."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys

from kg.build import build, current
from tests.conftest import env_for, free_port, run_kg
from tests.test_loader_errors import BILLION_LAUGHS


def test_source_add_reads_sources_yaml_with_the_hardened_loader(mini, tmp_path):
    """Regression: `kg source add` read data/sources.yaml with yaml.safe_load, so anchors and
    aliases (an alias bomb) passed unnoticed there while every other command refused them."""
    sources = mini.data / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text + BILLION_LAUGHS, encoding="utf-8")
    line = len(text.splitlines()) + 3  # the `label: &l0 lol` line of the appended record
    page = tmp_path / "page.txt"
    page.write_text("Jack Ma met Xi Jinping in Beijing.\n")
    corpus = tmp_path / "corpus"
    env = dict(env_for(mini), KG_CORPUS_DIR=str(corpus))
    proc = subprocess.run([sys.executable, "-m", "kg", "source", "add", str(page)], env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in proc.stderr
    assert f"sources.yaml:{line}: YAML anchors (&l0) are not allowed" in err[0]
    assert not any(corpus.glob("*.txt")), "nothing is added"


def test_push_refuses_broken_data_instead_of_pushing_the_last_good_build(mini):
    """Regression: `kg push` fell back to the last good build (with a warning) while a data file was
    broken, so a remote store could be replaced by data the user had already changed."""
    build(mini)
    ents = mini.data / "entities" / "all.yaml"
    ents.write_text(ents.read_text().replace("type: Company", "type: Compnay"))
    proc = run_kg(mini, "push", "--gsp", f"http://127.0.0.1:{free_port()}/sparql-graph-crud")
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("kg: error: ") and "all.yaml:11: unknown type 'Compnay'" in err[0]
    assert "cannot reach" not in proc.stderr, "refused before anything is sent"


def test_export_to_a_pipe_closed_early_stops_quietly(mini):
    """Regression: `kg export -o - | head` said "kg: error: cannot write to standard output: Broken
    pipe" and exited 2; like Unix tools it now stops quietly, exit 141 (128 + SIGPIPE)."""
    build(mini)
    for fmt in ("nt", "ttl", "jsonld"):
        read_end, write_end = os.pipe()
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)  # the export (> 40 KB) cannot fit before the reader leaves
        proc = subprocess.Popen([sys.executable, "-m", "kg", "export", "-f", fmt, "-o", "-"], env=env_for(mini),
                                stdout=write_end, stderr=subprocess.PIPE)  # fmt: skip
        os.close(write_end)
        with os.fdopen(read_end, "rb") as out:
            assert out.read(10)  # then the reader goes away, as `head -c 10` does
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 141, err
        assert err == "", err
    assert current(mini) is not None

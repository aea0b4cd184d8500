"""kg export: every format is readable by a standard tool and holds the whole graph."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import networkx as nx
import pytest
import rdflib

from kg.paths import Paths
from tests.conftest import env_for


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env_for(Paths.from_env()), timeout=600)


@pytest.fixture(scope="module")
def quads(real_build) -> int:
    import pyoxigraph as ox

    return len(ox.Store.read_only(str(real_build.store)))


@pytest.mark.parametrize("fmt,parser", [("nq", "nquads"), ("trig", "trig")])
def test_quad_formats_hold_every_quad(tmp_path, quads, fmt, parser):
    out = tmp_path / f"g.{fmt}"
    proc = kg("export", "-f", fmt, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    ds = rdflib.Dataset()
    ds.parse(out, format=parser)
    assert sum(len(g) for g in ds.graphs() if len(g)) == quads


@pytest.mark.parametrize("fmt,parser", [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_triple_formats_hold_the_union(tmp_path, real_build, fmt, parser):
    out = tmp_path / f"g.{fmt}"
    assert kg("export", "-f", fmt, "-o", str(out)).returncode == 0
    g = rdflib.Graph().parse(out, format=parser)
    assert len(g) == real_build.manifest["union_triples"]


def test_graph_tool_formats_and_neo4j_csv(tmp_path, real_build):
    for fmt in ("graphml", "gexf"):
        out = tmp_path / f"g.{fmt}"
        assert kg("export", "-f", fmt, "-o", str(out)).returncode == 0
        G = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
        assert G.number_of_nodes() == real_build.manifest["entities"]
    assert kg("export", "-f", "csv", "-o", str(tmp_path / "neo")).returncode == 0
    with open(tmp_path / "neo-nodes.csv", newline="") as f:
        nodes = list(csv.DictReader(f))
    with open(tmp_path / "neo-relationships.csv", newline="") as f:
        rels = list(csv.DictReader(f))
    assert len(nodes) == real_build.manifest["entities"] and "id:ID" in nodes[0] and ":LABEL" in nodes[0]
    ids = {n["id:ID"] for n in nodes}
    assert rels and all(r[":START_ID"] in ids and r[":END_ID"] in ids for r in rels)
    jack = next(n for n in nodes if n["name"] == "Jack Ma")
    assert "Person" in jack[":LABEL"].split(";")


def test_unknown_format_and_unwritable_path(tmp_path):
    assert kg("export", "-f", "xlsx", "-o", str(tmp_path / "x")).returncode == 2
    bad = kg("export", "-f", "ttl", "-o", str(tmp_path / "missing" / "x.ttl"))
    assert bad.returncode == 2 and "cannot write" in bad.stderr and "Traceback" not in bad.stderr


# Output files: what -o names decides how it is written (kg/atomic.py).


def _one_line_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: ") and "Traceback" not in proc.stderr, proc.stderr
    assert all(w in lines[0] for w in words), lines[0]


def _nt_count(data: bytes) -> int:
    return len(rdflib.Graph().parse(data=data.decode("utf-8"), format="nt"))


def test_dev_full_is_written_not_replaced():
    import stat

    proc = kg("export", "-f", "nt", "-o", "/dev/full")
    _one_line_error(proc, "/dev/full", "No space left on device")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode), "the device must stay a device"


def test_dash_streams_to_stdout(real_build):
    proc = subprocess.run([sys.executable, "-m", "kg", "export", "-f", "nt", "-o", "-"], capture_output=True,
                          env=env_for(Paths.from_env()), timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert _nt_count(proc.stdout) == real_build.manifest["union_triples"]
    assert b"wrote - (nt)" in proc.stderr and b"wrote - " not in proc.stdout


def test_dev_stdout_writes_through_the_descriptor(tmp_path, real_build):
    """`>` and `>>` keep their meaning: the file is written through fd 1, not replaced."""
    out = tmp_path / "out.nt"
    out.write_bytes(b"")
    sizes = []
    for _ in range(2):
        with open(out, "ab") as f:
            proc = subprocess.run([sys.executable, "-m", "kg", "export", "-f", "nt", "-o", "/dev/stdout"], stdout=f,
                                  stderr=subprocess.PIPE, env=env_for(Paths.from_env()), timeout=600)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        sizes.append(out.stat().st_size)
    assert sizes[0] > 0 and sizes[1] == 2 * sizes[0], "appended, not replaced"
    assert _nt_count(out.read_bytes()) == real_build.manifest["union_triples"]
    piped = kg("export", "-f", "nt", "-o", "/proc/self/fd/1")
    assert piped.returncode == 0 and len(piped.stdout.encode()) == sizes[0] and "wrote" in piped.stderr


def test_fifo_is_written_through(tmp_path, real_build):
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    proc = kg("export", "-f", "nt", "-o", str(fifo))
    reader.join(60)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO must stay a FIFO"
    assert _nt_count(got[0]) == real_build.manifest["union_triples"]


def test_symlink_target_is_replaced_and_the_link_kept(tmp_path, real_build):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "g.nt"
    target.write_text("old\n")
    target.chmod(0o640)
    link = tmp_path / "link.nt"
    link.symlink_to(target)
    proc = kg("export", "-f", "nt", "-o", str(link))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert _nt_count(target.read_bytes()) == real_build.manifest["union_triples"]
    assert target.stat().st_mode & 0o777 == 0o640, "the replaced file keeps its mode"
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["g.nt"], "no temporary file left"
    dangling = tmp_path / "dangling.nt"
    dangling.symlink_to(tmp_path / "real" / "new.nt")
    assert kg("export", "-f", "nt", "-o", str(dangling)).returncode == 0
    assert dangling.is_symlink() and (tmp_path / "real" / "new.nt").stat().st_size > 0


def test_bad_output_names_fail_before_any_work(tmp_path):
    """One line, exit 2, and nothing built: the check comes before the graph is opened."""
    env = env_for(Paths.from_env()) | {"KG_HOME": str(tmp_path / "home")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env, timeout=120)

    (tmp_path / "file").write_text("x")
    _one_line_error(run("export", "-f", "nt", "-o", ""), "empty")
    _one_line_error(run("export", "-f", "nt", "-o", str(tmp_path / "missing" / "x.nt")), "does not exist")
    _one_line_error(run("export", "-f", "nt", "-o", str(tmp_path / "file" / "x.nt")), "ot a directory")
    _one_line_error(run("export", "-f", "nt", "-o", str(tmp_path)), "is a directory")
    _one_line_error(run("export", "-f", "csv", "-o", "-"), "two files")
    _one_line_error(run("viz", "-o", ""), "empty")
    _one_line_error(run("viz", "-o", str(tmp_path / "missing" / "v.html")), "does not exist")
    assert not (tmp_path / "home").exists(), "nothing was built"
    assert not (tmp_path / "-").exists()

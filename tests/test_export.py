"""kg export: every format is readable by a standard tool and holds the whole graph."""

from __future__ import annotations

import csv
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

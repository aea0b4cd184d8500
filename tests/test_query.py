"""kg query: formats, named queries, errors with positions (the SSRF / file-read refusals: test_guard.py)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kg.graph import KnowledgeGraph
from kg.paths import Paths
from tests.conftest import env_for
from tests.test_guard import Listener as _Listener  # noqa: F401 (tests/test_serve.py imports it from here)

SELECT = "SELECT ?p WHERE { kgr:great-hall-meeting kgo:host ?p }"


def kg(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], input=stdin, capture_output=True, text=True,
                          env=env_for(Paths.from_env()), timeout=300)  # fmt: skip


@pytest.fixture(scope="module")
def g(real_build) -> KnowledgeGraph:
    return KnowledgeGraph(real_build.store, real_build.lexicon)


def test_select_table_and_formats():
    proc = kg("query", SELECT)
    assert proc.returncode == 0 and "kgr:xi-jinping" in proc.stdout and "(1 row)" in proc.stdout
    data = json.loads(kg("query", SELECT, "--format", "json").stdout)
    assert data["results"]["bindings"][0]["p"]["value"].endswith("/xi-jinping")
    rows = list(csv.reader(io.StringIO(kg("query", SELECT, "--format", "csv").stdout)))
    assert rows[0] == ["p"] and rows[1][0].endswith("/xi-jinping")
    assert kg("query", SELECT, "--format", "tsv").stdout.startswith("?p")
    root = ET.fromstring(kg("query", SELECT, "--format", "xml").stdout)
    assert root.tag.endswith("sparql")


def test_ask_and_construct():
    assert kg("query", "ASK { kgr:jack-ma a schema:Person }").stdout.strip() == "yes"
    c = "CONSTRUCT { ?e schema:attendee ?p } WHERE { ?e schema:attendee ?p }"
    ttl = kg("query", c, "--format", "ttl")
    assert ttl.returncode == 0 and "schema:attendee" in ttl.stdout
    jsonld = json.loads(kg("query", c, "--format", "jsonld").stdout)
    assert jsonld
    bad = kg("query", c, "--format", "csv")
    assert bad.returncode == 2 and "not for CONSTRUCT" in bad.stderr


def test_query_from_file_stdin_and_name(tmp_path: Path):
    f = tmp_path / "q.rq"
    f.write_text(SELECT)
    assert "xi-jinping" in kg("query", f"@{f}").stdout
    assert "xi-jinping" in kg("query", stdin=SELECT).stdout
    named = kg("query", "--name", "great-hall-attendees", "--format", "csv")
    assert named.returncode == 0
    names = {row[1] for row in csv.reader(io.StringIO(named.stdout))}
    assert {"Jack Ma", "Pony Ma", "Liang Wenfeng"} <= names
    listing = kg("query", "--list")
    assert "great-hall-attendees" in listing.stdout
    unknown = kg("query", "--name", "nope")
    assert unknown.returncode == 2 and "known:" in unknown.stderr


def test_every_named_query_runs(g):
    from kg.queries import named_queries

    for q in named_queries(Paths.from_env().queries):
        result = g.query(q["text"])
        assert result.kind == "select" and result.rows(), q["name"]


def test_syntax_error_has_position_exit_2_no_traceback():
    proc = kg("query", "SELECT ?s WHERE {\n  ?s ?p ")
    assert proc.returncode == 2
    assert "line 2, column" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_update_is_refused():
    proc = kg("query", "INSERT DATA { <http://a> <http://b> <http://c> }")
    assert proc.returncode == 2 and "read-only" in proc.stderr


def test_show_search_path_neighbors():
    show = kg("show", "jack ma")
    assert show.returncode == 0 and "Alibaba" in show.stdout and "attended" in show.stdout
    card = json.loads(kg("show", "Jack Ma", "--format", "json").stdout)
    assert card["label"] == "Jack Ma" and card["types"] == ["Person"] and card["mentions"]
    assert any(r["property"] == "founder" and r["direction"] == "in" for r in card["relations"])
    unknown = kg("show", "Jack Mo")
    assert unknown.returncode == 1 and "did you mean 'Jack Ma'" in unknown.stderr
    hits = json.loads(kg("search", "qwen", "--format", "json").stdout)
    assert {h["label"] for h in hits[:4]} == {"Qwen-72B", "Qwen-7B", "Qwen-14B", "QWQ-Max"} or hits[0]["label"].startswith("Qwen")
    people = json.loads(kg("search", "ma", "--type", "Person", "--format", "json").stdout)
    assert people and all("Person" in h["types"] for h in people)
    badtype = kg("search", "ma", "--type", "Persn")
    assert badtype.returncode == 2
    path = kg("path", "Jack Ma", "Xi Jinping")
    assert path.stdout.splitlines()[0] == "Jack Ma -attended-> Great Hall meeting <-hosted- Xi Jinping"
    near = kg("neighbors", "Great Hall meeting", "--depth", "1")
    assert "Xi Jinping -hosted-> Great Hall meeting" in near.stdout


def test_library_api(real_build):
    from kg import KnowledgeGraph as KG

    g = KG(real_build.store, real_build.lexicon)
    assert [a.label for a in g.ask("who founded Alibaba").answers] == ["Jack Ma"]
    assert g.show("DeepSeek")["label"] == "DeepSeek"
    assert g.query("ASK { kgr:deepseek a kgo:Company }").raw
    assert g.search("deepseek")[0]["label"] == "DeepSeek"


def test_failing_before_the_store_is_used_exits_cleanly():
    """Regression: the store opens on a thread; a command that failed before using it could abort
    the interpreter at exit ('pthread lock: Invalid argument', exit -6)."""
    for _ in range(8):
        refused = kg("query", "SELECT * WHERE { service <http://127.0.0.1:9/x> { ?s ?p ?o } }")
        assert refused.returncode == 2, refused.stderr
        unknown = kg("ask", "who founded Jack Mo")
        assert unknown.returncode == 1, unknown.stderr

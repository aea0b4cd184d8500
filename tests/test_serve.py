"""kg serve against a really started server process, with real clients (SPARQLWrapper, raw HTTP)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from SPARQLWrapper import CSV, JSON, JSONLD, N3, TSV, TURTLE, XML, SPARQLWrapper

from kg.paths import Paths
from tests.conftest import env_for, free_port, wait_for_http
from tests.test_query import _Listener

TIMEOUT = 2.0
ROW_CAP = 50


@pytest.fixture(scope="module")
def server():
    port = free_port()
    cmd = [sys.executable, "-m", "kg", "serve", "--port", str(port), "--timeout", str(TIMEOUT), "--row-cap", str(ROW_CAP),
           "--cors", "http://localhost:5173"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env_for(Paths.from_env()), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    wait_for_http(base + "/sparql", proc, 60, lambda: proc.stderr.read() if proc.poll() is not None else "kg serve did not answer")
    yield base, port
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def http(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None, timeout: float = 30):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


SELECT = "SELECT ?p WHERE { <https://w3id.org/kg-tc/id/great-hall-meeting> <https://schema.org/attendee> ?p }"


def wrapper(base: str, query: str, fmt, method: str = "GET") -> SPARQLWrapper:
    w = SPARQLWrapper(base + "/sparql")
    w.setQuery(query)
    w.setReturnFormat(fmt)
    w.setMethod(method)
    return w


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_in_every_format(server, method):
    base, _ = server
    data = wrapper(base, SELECT, JSON, method).query().convert()
    people = {b["p"]["value"].rsplit("/", 1)[-1] for b in data["results"]["bindings"]}
    assert {"jack-ma", "pony-ma", "liang-wenfeng"} <= people
    xml = wrapper(base, SELECT, XML, method).query().convert()
    assert len(xml.getElementsByTagName("result")) == len(data["results"]["bindings"])
    csv = wrapper(base, SELECT, CSV, method).query().convert().decode()
    assert csv.splitlines()[0].strip() == "p" and "jack-ma" in csv
    tsv = wrapper(base, SELECT, TSV, method).query().convert().decode()
    assert tsv.splitlines()[0].strip() == "?p"


def test_sparqlwrapper_ask_and_construct(server):
    base, _ = server
    assert wrapper(base, "ASK { <https://w3id.org/kg-tc/id/jack-ma> a <https://schema.org/Person> }", JSON).query().convert()["boolean"]
    construct = "CONSTRUCT { ?e <https://schema.org/attendee> ?p } WHERE { ?e <https://schema.org/attendee> ?p }"
    g = wrapper(base, construct, TURTLE).query().convert()
    assert b"attendee" in g
    g = wrapper(base, construct, JSONLD).query().convert()
    assert len(g) > 5
    g = wrapper(base, construct, N3).query().convert()
    assert g


def test_protocol_errors(server):
    base, _ = server
    status, _, body = http(base + "/sparql?" + urllib.parse.urlencode({"query": "SELECT ?s WHERE {\n ?s ?p "}))
    assert status == 400 and b"line 2, column" in body
    form = urllib.parse.urlencode({"update": "INSERT DATA { <a:a> <a:b> <a:c> }"}).encode()
    assert http(base + "/sparql", form, {"Content-Type": "application/x-www-form-urlencoded"})[0] == 403
    assert http(base + "/sparql", b"DROP ALL", {"Content-Type": "application/sparql-update"})[0] == 403
    assert http(base + "/sparql", b"x", {"Content-Type": "text/plain"})[0] == 415
    big = b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * 70000
    assert http(base + "/sparql", big, {"Content-Type": "application/sparql-query"})[0] == 413
    assert http(base + "/sparql?query=")[0] == 400
    status, headers, body = http(base + "/sparql")
    assert status == 200 and b"sd:Service" in body and headers["content-type"].startswith("text/turtle")
    assert http(base + "/sparql", method="DELETE")[0] == 405


def test_row_cap_is_announced(server):
    base, _ = server
    q = urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o }"})
    status, headers, body = http(base + "/sparql?" + q, headers={"Accept": "application/sparql-results+json"})
    assert status == 200
    assert headers["x-kg-truncated"] == "true" and headers["x-kg-row-cap"] == str(ROW_CAP)
    assert len(json.loads(body)["results"]["bindings"]) == ROW_CAP
    status, headers, _ = http(base + "/sparql?" + urllib.parse.urlencode({"query": SELECT}))
    assert headers["x-kg-truncated"] == "false"


def test_runaway_query_is_stopped_and_server_stays_up(server):
    base, _ = server
    forever = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    t = time.monotonic()
    status, _, body = http(base + "/sparql?" + urllib.parse.urlencode({"query": forever}))
    elapsed = time.monotonic() - t
    assert status == 503 and b"timed out" in body
    assert elapsed < TIMEOUT + 5
    status, _, _ = http(base + "/sparql?" + urllib.parse.urlencode({"query": SELECT}))
    assert status == 200


def test_service_and_file_reads_are_refused_nothing_fetched(server):
    base, _ = server
    listener = _Listener()
    try:
        q = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
        status, _, body = http(base + "/sparql?" + urllib.parse.urlencode({"query": q}))
        assert status == 400 and b"SERVICE" in body
        time.sleep(0.5)
    finally:
        listener.close()
    assert listener.hits == 0
    for q in ["SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "LOAD <file:///etc/passwd>"]:
        status, _, body = http(base + "/sparql", q.encode(), {"Content-Type": "application/sparql-query"})
        assert status == 400 and b"root:" not in body
    status, _, _ = http(base + "/sparql?" + urllib.parse.urlencode({"query": SELECT, "default-graph-uri": "file:///etc/passwd"}))
    assert status == 400


def test_entities_resolve_by_content_negotiation(server):
    base, _ = server
    status, headers, body = http(base + "/entity/jack-ma", headers={"Accept": "text/html"})
    assert status == 200 and b"In attendance at the Great Hall" in body and b'<iframe src="/viz/jack-ma"' in body
    status, headers, body = http(base + "/entity/jack-ma", headers={"Accept": "text/turtle"})
    assert status == 200 and headers["content-type"].startswith("text/turtle") and b"kgr:jack-ma" in body
    status, headers, body = http(base + "/entity/jack-ma", headers={"Accept": "application/ld+json"})
    assert status == 200 and json.loads(body)
    assert http(base + "/entity/nobody")[0] == 404
    status, _, body = http(base + "/viz/jack-ma")
    assert status == 200 and b"kg-canvas" in body


def test_ask_and_home(server):
    base, _ = server
    status, _, body = http(base + "/ask?" + urllib.parse.urlencode({"q": "who hosted the Great Hall meeting"}))
    assert status == 200 and json.loads(body)["answers"][0]["label"] == "Xi Jinping"
    status, _, body = http(base + "/ask?" + urllib.parse.urlencode({"q": "who founded Jack Mo"}))
    assert status == 404 and "Jack Ma" in json.loads(body)["suggestions"]
    status, _, body = http(base + "/?" + urllib.parse.urlencode({"q": "<script>qwen"}))
    assert status == 200 and b"<script>qwen" not in body and b"&lt;script&gt;qwen" in body


def test_listens_on_loopback_only(server):
    _, port = server
    listening = []
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.split(":")
            if int(p, 16) == port and state == "0A":
                listening.append(addr)
    assert listening == ["0100007F"]  # 127.0.0.1


def test_cors_only_for_the_allowed_origin(server):
    base, _ = server
    url = base + "/sparql?" + urllib.parse.urlencode({"query": SELECT})
    _, headers, _ = http(url, headers={"Origin": "http://localhost:5173"})
    assert headers.get("access-control-allow-origin") == "http://localhost:5173"
    _, headers, _ = http(url, headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in headers


def test_port_in_use_is_one_line_exit_2(server):
    _, port = server
    proc = subprocess.run([sys.executable, "-m", "kg", "serve", "--port", str(port)], capture_output=True, text=True,
                          env=env_for(Paths.from_env()), timeout=120)  # fmt: skip
    assert proc.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1

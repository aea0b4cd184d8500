"""kg serve answers only its own Host names (DNS rebinding) and refuses cross-site POSTs (issue 12)."""

from __future__ import annotations

import http.client
import urllib.parse

import pytest

from tests.serving import started

CORS = "http://localhost:5173"


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    import shutil

    from kg.paths import Paths
    from tests.conftest import FIXTURES, ROOT

    tmp = tmp_path_factory.mktemp("hosts")
    shutil.copytree(FIXTURES / "mini" / "data", tmp / "data")
    paths = Paths(data=tmp / "data", ontology=ROOT / "ontology", home=tmp / "home", sources=FIXTURES / "mini" / "sources")
    with started(paths, "--cors", CORS) as server:
        yield server


def request(srv, method: str, path: str, headers: dict, body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:{port}", "localhost", "localhost:{port}", "[::1]:{port}", "LOCALHOST."])
def test_own_host_names_are_answered(srv, host):
    assert request(srv, "GET", "/", {"Host": host.format(port=srv.port)})[0] == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "localhost:1", "127.0.0.1.evil.example", "[::1", "x:y:z"])
def test_foreign_host_names_are_refused(srv, host):
    status, body = request(srv, "GET", "/sparql?query=ASK%7B%7D", {"Host": host.format(port=srv.port)})
    assert status == 421 and b"does not name this server" in body and len(body.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("origin", "expected"),
    [(None, 200), ("http://127.0.0.1:{port}", 200), ("http://localhost:{port}", 200), (CORS, 200),
     ("http://evil.example", 403), ("null", 403), ("http://127.0.0.1:1", 403), ("https://127.0.0.1:{port}", 403)],
)  # fmt: skip
def test_form_posts_from_other_origins_are_refused(srv, origin, expected):
    headers = {"Host": f"127.0.0.1:{srv.port}", "Content-Type": "application/x-www-form-urlencoded"}
    if origin:
        headers["Origin"] = origin.format(port=srv.port)
    status, body = request(srv, "POST", "/sparql", headers, urllib.parse.urlencode({"query": "ASK {}"}).encode())
    assert status == expected, body
    if expected == 403:
        assert b"cross-origin POST" in body

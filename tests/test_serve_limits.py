"""kg serve stays up (issue 12): each test starts a real server over a copy of the mini dataset."""

from __future__ import annotations

import os
import select
import signal
import socket
import threading
import time
import urllib.parse

import pytest

from tests.serving import CHEAP, RUNAWAY, started
from tests.test_serve import http


def _in_thread(fn, *args) -> tuple[threading.Thread, dict]:
    box: dict = {}

    def run() -> None:
        box["result"] = fn(*args)
        box["done"] = time.monotonic()

    t = threading.Thread(target=run)
    t.start()
    return t, box


def test_large_queries_do_not_freeze_the_pages(mini):
    # 60 KB of update keywords not starting a statement made the old text guard quadratic, on the event loop: every route froze.
    big = ("SELECT * WHERE { ?s ?p ?o " + "WITH " * 12000 + "}").encode()  # 10 s in that guard
    with started(mini, "--timeout", "3") as srv:
        posts = [_in_thread(http, srv.base + "/sparql", big, {"Content-Type": "application/sparql-query"}) for _ in range(3)]
        time.sleep(0.3)
        t = time.monotonic()
        status, _, body = http(srv.base + "/entity/jack-ma", timeout=60)
        page_seconds = time.monotonic() - t
        for th, _ in posts:
            th.join(60)
        statuses = [box["result"][0] for _, box in posts]
    assert status == 200 and b"Jack Ma" in body
    assert page_seconds < 5, f"the entity page waited {page_seconds:.1f} s behind the guard"
    assert all(s in (400, 503) for s in statuses), statuses


def test_runaways_on_every_worker_queue_is_bounded_and_pages_answer(mini):
    with started(mini, "--workers", "1", "--queue", "4", "--timeout", "2") as srv:  # queued ones wait up to 5 s
        runaway, rbox = _in_thread(srv.query, RUNAWAY)
        time.sleep(1.0)
        cheap = [_in_thread(srv.query, CHEAP) for _ in range(6)]
        status, _, body = http(srv.base + "/entity/jack-ma")
        page_done = time.monotonic()
        for th, _ in cheap:
            th.join(60)
        runaway.join(60)
    assert status == 200 and b"Jack Ma" in body and page_done < rbox["done"]  # pages do not wait behind the pool
    assert rbox["result"][0] == 503 and b"timed out" in rbox["result"][2]
    results = [box["result"] for _, box in cheap]
    busy = [r for r in results if r[0] == 503]
    assert len(busy) == 2 and all(b"server busy" in r[2] and r[1].get("retry-after") for r in busy), results
    assert all(box["done"] < rbox["done"] for _, box in cheap if box["result"][0] == 503)  # refused at once, not after waiting
    # the four that waited ran after the runaway was stopped, each with its own full timeout
    assert sorted(r[0] for r in results) == [200, 200, 200, 200, 503, 503], [r[2][:80] for r in results]
    assert all(b"timed out" not in r[2] for r in results)


def test_memory_cap_is_reported_as_such(mini):
    huge_sort = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
    with started(mini, "--memory-mb", "1200", "--timeout", "60") as srv:
        status, _, body = srv.query(huge_sort, timeout=120)
        assert status == 503 and b"memory cap" in body and b"timed out" not in body, body
        assert srv.query(CHEAP)[0] == 200  # the worker was replaced


def test_a_worker_that_dies_is_reported_as_died_not_timed_out(mini):
    with started(mini, "--workers", "1", "--timeout", "30") as srv:
        th, box = _in_thread(srv.query, RUNAWAY)
        time.sleep(1.5)
        (pid,) = srv.workers()
        os.kill(pid, signal.SIGSEGV)
        th.join(60)
        status, _, body = box["result"]
        assert status == 500 and b"query process died (SIGSEGV)" in body, body
        deep = "SELECT * WHERE " + "{" * 5000 + "}" * 5000  # segfaulted the engine; the guard may now refuse it
        status, _, body = srv.query(deep)
        assert b"timed out" not in body and (status == 400 or (status == 500 and b"query process died" in body)), body
        assert srv.query(CHEAP)[0] == 200


def test_slow_clients_are_cut_off_and_others_answered(mini):
    with started(mini, "--header-timeout", "3") as srv:
        slow = []
        for _ in range(300):
            s = socket.create_connection(("127.0.0.1", srv.port))
            s.sendall(b"G")
            slow.append(s)
        request = b"ET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        t = time.monotonic()
        status, _, _ = http(srv.base + "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}), timeout=10)
        assert status == 200 and time.monotonic() - t < 5
        closed: set = set()
        start = time.monotonic()
        sent = 1
        while time.monotonic() < start + 8:  # one more byte a second, as a slow-loris client sends
            if time.monotonic() >= start + sent:
                for s in slow:
                    if s not in closed:
                        try:
                            s.sendall(request[sent - 1 : sent])
                        except OSError:
                            closed.add(s)
                sent += 1
            readable, _, _ = select.select([s for s in slow if s not in closed], [], [], 0.2)
            for s in readable:
                try:
                    s.recv(4096)
                except OSError:
                    pass
                closed.add(s)
        for s in slow:
            s.close()
    assert len(closed) == 300, f"{300 - len(closed)} slow connections still open after 8 s (header timeout 3 s)"


def test_a_memory_cap_below_a_resting_worker_is_one_line_exit_2(mini):
    from tests.conftest import free_port, run_kg

    proc = run_kg(mini, "serve", "--port", str(free_port()), "--memory-mb", "100")
    assert proc.returncode == 2 and "--memory-mb 100 is below what a query process uses at rest" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def _server_side_state(server_port: int, client_port: int) -> str | None:
    """The TCP state (hex, /proc/net/tcp) of the server's end of one connection; None once it is gone."""
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            local, remote, state = line.split()[1:4]
            if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
                return state
    return None


@pytest.mark.parametrize("pages", [20, 400], ids=["fits-kernel-buffers", "pauses-the-transport"])
def test_clients_that_never_read_are_cut_off(mini, pages):
    """Regression: a client that pipelined requests and never read the answers held its connection
    (and the unsent responses) forever: uvicorn waits for the send buffer to drain with no deadline.
    And once answers fitted the kernel's buffers, a FIN queued behind them held the socket too."""
    with started(mini, "--header-timeout", "2") as srv:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", srv.port))
        try:
            s.sendall(b"GET /viz/jack-ma HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 20)  # 20 pages of ~700 KB, never read
            client_port = s.getsockname()[1]
            t = time.monotonic()
            while _server_side_state(srv.port, client_port) is not None and time.monotonic() - t < 30:
                time.sleep(0.2)
            assert _server_side_state(srv.port, client_port) is None, "the server still holds a connection that never reads"
            assert http(srv.base + "/entity/jack-ma")[0] == 200
        finally:
            s.close()

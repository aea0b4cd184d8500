"""Starting a real `kg serve` over a copied dataset, and talking to it over HTTP (for tests/test_serve_*.py)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator

from kg.paths import Paths
from tests.conftest import env_for, free_port, wait_for_http
from tests.test_serve import http

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CHEAP = "SELECT ?l WHERE { kgr:jack-ma rdfs:label ?l }"


class Server:
    def __init__(self, proc: subprocess.Popen, port: int) -> None:
        self.proc, self.port = proc, port
        self.base = f"http://127.0.0.1:{port}"

    def query(self, q: str, accept: str = "text/csv", timeout: float = 60):
        return http(self.base + "/sparql?" + urllib.parse.urlencode({"query": q}), headers={"Accept": accept}, timeout=timeout)

    def workers(self) -> list[int]:
        """Pids of the query processes (children of the server running multiprocessing's spawn)."""
        pids = []
        for pid in os.listdir("/proc"):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read()
            except (OSError, ValueError, IndexError):
                continue
            if ppid == self.proc.pid and b"spawn_main" in cmd:
                pids.append(int(pid))
        return pids


@contextlib.contextmanager
def started(paths: Paths, *args: str) -> Iterator[Server]:
    port = free_port()
    cmd = [sys.executable, "-m", "kg", "serve", "--port", str(port), *args]
    proc = subprocess.Popen(cmd, env=env_for(paths), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    server = Server(proc, port)
    try:
        wait_for_http(
            server.base + "/sparql", proc, 90, lambda: proc.stderr.read() if proc.poll() is not None else "kg serve did not answer"
        )
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

"""The second wall: with the guard switched off, a sandboxed process still cannot reach the network."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.test_guard import Listener

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp is Linux-only")

EVALUATE = """
import sys
import pyoxigraph as ox
from kg.sandbox import deny_network

if {deny}:
    reason = deny_network()
    assert reason is None, reason
    assert deny_network() is None  # idempotent
# Straight to Oxigraph: no guard. A SERVICE query, evaluated for real.
q = "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
try:
    list(ox.Store().query(q))
except Exception as exc:
    print("failed:", type(exc).__name__, exc)
    sys.exit(1)
sys.exit(0)
"""


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)


def test_sandboxed_oxigraph_cannot_follow_service():
    with Listener() as listener:
        proc = run(EVALUATE.format(deny=True, port=listener.port))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "failed:" in proc.stdout
    assert listener.hits == 0


def test_control_without_the_sandbox_oxigraph_does_connect():
    """Shows the test above can fail: the same evaluation, unsandboxed, reaches the listener."""
    with Listener() as listener:
        run(EVALUATE.format(deny=False, port=listener.port))
    assert listener.hits >= 1


def test_local_ipc_still_works_after_deny_network(tmp_path):
    """The server's workers talk to it over pipes; multiprocessing and AF_UNIX must keep working."""
    script = tmp_path / "ipc.py"  # a file, not -c: spawned children re-import their parent's main
    script.write_text(textwrap.dedent(
        """
        import multiprocessing as mp, socket, threading
        from kg.sandbox import deny_network

        assert deny_network() is None

        def child(conn):
            conn.send(conn.recv() * 2)

        if __name__ == "__main__":
            a, b = socket.socketpair()
            a.sendall(b"ping")
            assert b.recv(4) == b"ping"
            u = socket.socket(socket.AF_UNIX)
            u.close()
            for method in ("fork", "spawn"):
                parent, kid = mp.get_context(method).Pipe()
                p = mp.get_context(method).Process(target=child, args=(kid,))
                p.start()
                parent.send(21)
                assert parent.recv() == 42
                p.join(30)
                assert p.exitcode == 0
            errors = []
            def try_inet():
                try:
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                except PermissionError:
                    errors.append("denied")
            t = threading.Thread(target=try_inet)
            t.start(); t.join()
            for family in (socket.AF_INET, socket.AF_INET6):
                try:
                    socket.socket(family, socket.SOCK_DGRAM)
                except PermissionError:
                    errors.append("denied")
            assert errors == ["denied"] * 3, errors
            print("ok")
        """
    ))  # fmt: skip
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_the_cli_sandboxes_a_local_query_only():
    """`kg query` denies the network before evaluating; the warning path is silent when it works."""
    from kg.paths import Paths
    from tests.conftest import env_for

    proc = subprocess.run([sys.executable, "-m", "kg", "query", "ASK { ?s ?p ?o }"], capture_output=True, text=True,
                          env=env_for(Paths.from_env()), timeout=300)  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.strip() == "yes" and "warning" not in proc.stderr

"""Bytes that are not UTF-8 in arguments or on standard input: one line, exit 2 (was exit 3)."""

from __future__ import annotations

import subprocess
import sys

from kg.paths import Paths
from tests.conftest import env_for


def kg(*args: str | bytes, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], input=stdin, capture_output=True,
                          env=env_for(Paths.from_env()), timeout=300)  # fmt: skip


def _one_line(proc: subprocess.CompletedProcess, words: str) -> None:
    err = proc.stderr.decode()
    assert proc.returncode == 2 and err.count("\n") == 1 and err.startswith("kg: error: ") and words in err, err


def test_argument_that_is_not_utf8():
    _one_line(kg("ask", b"\xff"), "argument 2: not valid UTF-8 (byte 0xff at offset 0)")
    _one_line(kg("show", b"caf\xe9"), "byte 0xe9 at offset 3")


def test_stdin_that_is_not_utf8():
    _one_line(kg("query", "-", stdin=b"SELECT * WHERE { ?s ?p '\xff' }"), "<stdin>: not valid UTF-8 (byte 24)")
    ok = kg("query", "-", stdin="ASK { ?s ?p 'café' }".encode())
    assert ok.returncode == 0, ok.stderr

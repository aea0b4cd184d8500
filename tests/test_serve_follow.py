"""kg serve follows rebuilds (issue 12): new data is served once the switch is announced, with no 503 in between.

The test waits on the server's own event (its `kg: now serving gen-...` line for the generation
the build made), not on a wall-clock deadline: under load the switch may take longer, but once
announced, the very next query must see the new data.
"""

from __future__ import annotations

import queue
import re
import threading

from tests.conftest import run_kg
from tests.serving import CHEAP, started
from tests.test_serve import http

EVENT_WAIT = 300  # only so a server that never switches fails instead of hanging; not a speed check


def _relabel(paths, old: str, new: str) -> None:
    f = paths.data / "entities" / "all.yaml"
    text = f.read_text(encoding="utf-8")
    assert f"label: {old}\n" in text
    f.write_text(text.replace(f"label: {old}\n", f"label: {new}\n"), encoding="utf-8")


def _lines(stream) -> queue.Queue:
    """The server's stdout, line by line, read in a thread (so the pipe never fills)."""
    out: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in stream:
            out.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return out


def _wait_for_switch(lines: queue.Queue, generation: str) -> None:
    seen = []
    while True:
        try:
            line = lines.get(timeout=EVENT_WAIT)
        except queue.Empty:
            raise AssertionError(f"the server never said it serves {generation}; it said {seen!r}") from None
        seen.append(line.strip())
        if line.strip() == f"kg: now serving {generation}":
            return


def test_server_follows_two_rebuilds_without_a_gap(mini):
    with started(mini, "--timeout", "10") as srv:
        lines = _lines(srv.proc.stdout)
        assert b"Jack Ma\r\n" in srv.query(CHEAP)[2]
        bad: list = []
        stop = threading.Event()

        def keep_asking() -> None:
            while not stop.is_set():
                for status, _, body in (srv.query(CHEAP), srv.query("ASK { ?s ?p ?o }")):
                    if status != 200:
                        bad.append((status, body))

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            for old, new in (("Jack Ma", "Ma Yun"), ("Ma Yun", "Jack Ma Yun")):
                _relabel(mini, old, new)
                built = run_kg(mini, "build", "--force")
                assert built.returncode == 0, built.stderr
                generation = re.search(r"(gen-[\w-]+)", built.stdout + built.stderr).group(1)
                _wait_for_switch(lines, generation)
                status, _, body = srv.query(CHEAP)  # the first query after the announcement sees the new build
                assert status == 200 and f"{new}\r\n".encode() in body, body
        finally:
            stop.set()
            asker.join(30)
        assert bad == []
        status, _, page = http(srv.base + "/entity/jack-ma")
        assert status == 200 and b"Jack Ma Yun" in page

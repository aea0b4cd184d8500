"""kg serve follows rebuilds (issue 12): new data is served within seconds, with no 503 in between."""

from __future__ import annotations

import threading
import time

from tests.conftest import run_kg
from tests.serving import CHEAP, started
from tests.test_serve import http


def _relabel(paths, old: str, new: str) -> None:
    f = paths.data / "entities" / "all.yaml"
    text = f.read_text(encoding="utf-8")
    assert f"label: {old}\n" in text
    f.write_text(text.replace(f"label: {old}\n", f"label: {new}\n"), encoding="utf-8")


def test_server_follows_two_rebuilds_without_a_gap(mini):
    with started(mini, "--timeout", "10") as srv:
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
                assert run_kg(mini, "build", "--force").returncode == 0
                built = time.monotonic()
                while f"{new}\r\n".encode() not in srv.query(CHEAP)[2]:
                    assert time.monotonic() - built < 10, f"still not serving the build with {new!r}"
                    time.sleep(0.2)
                assert time.monotonic() - built < 5
                status, _, body = srv.query(CHEAP)
                assert status == 200 and f"{new}\r\n".encode() in body
        finally:
            stop.set()
            asker.join(30)
        assert bad == []
        status, _, page = http(srv.base + "/entity/jack-ma")
        assert status == 200 and b"Jack Ma Yun" in page

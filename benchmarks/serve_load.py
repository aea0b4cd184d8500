"""Bounded load test of `kg serve` on loopback: N concurrent clients for T seconds, a mix of the
named queries, plus one client that keeps sending a runaway query (stopped by the timeout).

Run on demand: python benchmarks/serve_load.py [--clients 20] [--seconds 20] [--workers 2]
Reports throughput, p50/p99 latency and errors; the slow client shows one bad query does not
stall the others.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, query: str) -> tuple[int, float]:
    t = time.perf_counter()
    req = urllib.request.Request(url, data=query.encode(), headers={"Content-Type": "application/sparql-query",
                                                                     "Accept": "application/sparql-results+json"})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    except OSError:
        status = 0
    return status, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=3)
    args = ap.parse_args()
    queries = [p.read_text() for p in sorted((ROOT / "queries").glob("*.rq"))]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--port", str(port), "--workers", str(args.workers), "--timeout", str(args.timeout)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/sparql"
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    results: list[tuple[int, float]] = []
    slow: list[tuple[int, float]] = []
    lock = threading.Lock()
    stop = time.monotonic() + args.seconds

    def client(i: int) -> None:
        n = i
        while time.monotonic() < stop:
            r = post(url, queries[n % len(queries)])
            n += 1
            with lock:
                results.append(r)

    def slow_client() -> None:
        while time.monotonic() < stop:
            r = post(url, RUNAWAY)
            with lock:
                slow.append(r)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)] + [threading.Thread(target=slow_client)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    server.terminate()
    server.wait(10)
    lat = sorted(d for _, d in results)
    ok = sum(1 for s, _ in results if s == 200)
    errors = len(results) - ok

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000

    print(f"{args.clients} clients + 1 runaway-query client, {wall:.1f} s, {args.workers} query workers, timeout {args.timeout:g} s")
    print(f"named-query requests: {len(results)} ({ok} ok, {errors} errors), throughput {len(results) / wall:.1f} req/s")
    spread = f"p50 {pct(50):.1f} ms, p90 {pct(90):.1f} ms, p99 {pct(99):.1f} ms, max {lat[-1] * 1000:.1f} ms"
    print(f"latency {spread}, mean {statistics.mean(lat) * 1000:.1f} ms")
    print(f"runaway queries: {len(slow)}, all stopped with 503: {all(s == 503 for s, _ in slow)}, "
          f"each after {statistics.median(d for _, d in slow):.2f} s (median)")  # fmt: skip


if __name__ == "__main__":
    main()

"""Bounded load tests of `kg serve` on loopback, one scenario at a time (issue 12 added the last three).

    python benchmarks/serve_load.py [--scenario all|mixed|runaways|large|slow] [--clients 20] [--seconds 20]
                                    [--workers 2] [--timeout 3] [--checkout DIR]

- mixed: N clients cycle through the named queries while one more client keeps sending a runaway
  query (a 4-way cross product) that the timeout stops.
- runaways: one runaway client per query worker (every worker busy with work that will be killed),
  while N clients alternate named queries and pages (/entity/<id>, /?q=, /ask?q=).
- large: three clients keep posting 64 KB queries (60 KB of `WITH` inside a pattern, which made the old
  text guard quadratic: 10 s each on the event loop) while N clients query and fetch pages.
- slow: 300 connections send their request head one byte a second while N clients query and fetch pages.

Reports, for the N clients, requests, answers by kind (ok, "server busy", "timed out", other),
throughput and latency; the server runs with a fresh KG_HOME (built from data/ first). --checkout
runs another checkout's kg (e.g. the code before a change) with the same load.
"""

from __future__ import annotations

import argparse
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
LARGE = "SELECT * WHERE { ?s ?p ?o " + "WITH " * 12000 + "}"
PAGES = ["/entity/jack-ma", "/entity/deepseek", "/?q=deep", "/ask?q=" + urllib.parse.quote("who founded DeepSeek")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, query: str | None = None) -> tuple[str, float]:
    """One request; the answer's kind: ok, busy, timeout, died, or the status."""
    t = time.perf_counter()
    data = query.encode() if query is not None else None
    headers = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"} if data else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=120) as r:
            r.read()
            kind = "ok"
    except urllib.error.HTTPError as e:
        body = e.read()
        kind = ("busy" if b"server busy" in body else "timeout" if b"timed out" in body
                else "refused" if e.code == 400 else str(e.code))  # fmt: skip
    except OSError as e:
        kind = f"error:{type(e).__name__}"
    return kind, time.perf_counter() - t


def summary(label: str, results: list[tuple[str, float]], wall: float) -> str:
    if not results:
        return f"{label}: no requests"
    lat = sorted(d for _, d in results)
    kinds: dict[str, int] = {}
    for k, _ in results:
        kinds[k] = kinds.get(k, 0) + 1

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] * 1000

    shown = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))
    return (f"{label}: {len(results)} requests ({shown}), {len(results) / wall:.1f} req/s, "
            f"p50 {pct(50):.0f} ms, p90 {pct(90):.0f} ms, p99 {pct(99):.0f} ms, max {lat[-1] * 1000:.0f} ms")  # fmt: skip


def run(scenario: str, args, env: dict) -> None:
    queries = [p.read_text() for p in sorted((ROOT / "queries").glob("*.rq"))]
    port = free_port()
    cmd = [sys.executable, "-m", "kg", "serve", "--port", str(port), "--workers", str(args.workers), "--timeout", str(args.timeout)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=env["KG_HOME"])
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/sparql", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    lock = threading.Lock()
    stop = time.monotonic() + args.seconds
    out: dict[str, list] = {"queries": [], "pages": [], "background": []}

    def record(kind: str, r) -> None:
        with lock:
            out[kind].append(r)

    def client(i: int) -> None:
        n = i
        while time.monotonic() < stop:
            if scenario != "mixed" and n % 2:
                record("pages", fetch(base + PAGES[n // 2 % len(PAGES)]))
            else:
                record("queries", fetch(base + "/sparql", queries[n % len(queries)]))
            n += 1

    def background(query: str) -> None:
        while time.monotonic() < stop:
            record("background", fetch(base + "/sparql", query))

    slow_closed: list[float] = []

    def slow_loris() -> None:
        socks = []
        for _ in range(300):
            try:
                socks.append(socket.create_connection(("127.0.0.1", port)))
            except OSError:
                break
        head, t0, sent, open_ = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", time.monotonic(), 0, set(socks)
        while time.monotonic() < stop and open_:
            if time.monotonic() >= t0 + sent:
                for s in list(open_):
                    try:
                        s.sendall(head[sent % len(head) : sent % len(head) + 1])
                    except OSError:
                        open_.discard(s)
                        slow_closed.append(time.monotonic() - t0)
                sent += 1
            for s in select.select(list(open_), [], [], 0.2)[0]:
                open_.discard(s)
                slow_closed.append(time.monotonic() - t0)
        for s in socks:
            s.close()
        slow_closed.append(-len(open_))  # how many were still open at the end

    clients = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    extra = {"mixed": [(background, RUNAWAY)], "runaways": [(background, RUNAWAY)] * args.workers,
             "large": [(background, LARGE)] * 3, "slow": [(slow_loris,)]}[scenario]  # fmt: skip
    others = [threading.Thread(target=e[0], args=e[1:]) for e in extra]
    t0 = time.monotonic()
    for t in others:  # the runaways, large queries or slow connections first, then the clients
        t.start()
    time.sleep(0.5)
    for t in clients:
        t.start()
    for t in clients + others:
        t.join()
    wall = time.monotonic() - t0
    server.terminate()
    server.wait(10)
    print(f"== {scenario}: {args.clients} clients, {wall:.1f} s, {args.workers} query workers, timeout {args.timeout:g} s")
    print("  " + summary("queries", out["queries"], wall))
    if out["pages"]:
        print("  " + summary("pages", out["pages"], wall))
    if out["background"]:
        label = {"mixed": "runaway client", "runaways": "runaway clients", "large": "64 KB queries"}[scenario]
        print("  " + summary(label, out["background"], wall))
    if slow_closed:
        still, closed = -slow_closed[-1], sorted(slow_closed[:-1])
        when = f"closed after {closed[0]:.1f}-{closed[-1]:.1f} s" if closed else "none closed"
        print(f"  slow connections: {len(closed)} {when}, {still} still open at the end")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="all", choices=["all", "mixed", "runaways", "large", "slow"])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=3)
    ap.add_argument("--checkout", type=Path, help="run the kg of this checkout instead")
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix="kg-load-")
    env = dict(os.environ, KG_HOME=home, KG_DATA_DIR=str(ROOT / "data"), KG_ONTOLOGY_DIR=str(ROOT / "ontology"))
    if args.checkout:
        env["PYTHONPATH"] = str(args.checkout.resolve())
    subprocess.run([sys.executable, "-m", "kg", "build"], env=env, check=True, capture_output=True, cwd=home)
    for scenario in ["mixed", "runaways", "large", "slow"] if args.scenario == "all" else [args.scenario]:
        run(scenario, args, env)


if __name__ == "__main__":
    main()

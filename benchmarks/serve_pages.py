"""Page latency of `kg serve` (issue 13 goals: p95 < 100 ms per page with 20 clients on the curated
graph; a class page at 1M synthetic triples < 500 ms).

    python benchmarks/serve_pages.py pages [--clients 20] [--seconds 20]   # a real server, real HTTP
    python benchmarks/serve_pages.py synth [--triples 1000000]             # the class page's work at scale

`pages` starts `kg serve` over the curated data (its own build home, the source texts from
../shared/sources) and lets N clients (threads with keep-alive connections, no think time) fetch
a fixed mix: the home page, every class page (also sorted, faceted and page 2), every entity page,
every source page, the search and /ask. It prints p50/p95/max per kind, first visits (nothing
cached yet) apart from repeated ones. `synth` builds a synthetic store (benchmarks/synth.py) and
times what a class-page request runs (kg.web.views.class_view + the template) on the largest class.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def urls(lexicon: dict, sources: list[str]) -> list[tuple[str, str]]:
    out = [("home", "/"), ("search", "/search.json?q=deep"), ("search", "/search.json?q=huawei")]
    classes = {t for e in lexicon["entities"].values() for t in e["types"]}
    for c in sorted(classes):
        out += [("class", f"/class/{c}"), ("class", f"/class/{c}?sort=facts&order=desc")]
    out += [("class", "/class/Organization?page=2"), ("class", "/class/Organization?sub=Company"),
            ("class", f"/class/Person?source={sources[0]}")]  # fmt: skip
    out += [("entity", "/entity/" + e["id"]) for e in lexicon["entities"].values()]
    out += [("source", "/source/" + s) for s in sources]
    for q in ("who attended the Great Hall meeting", "which models did DeepSeek develop"):
        out.append(("ask", "/ask?" + urllib.parse.urlencode({"q": q})))
    return out


def pages(args) -> None:
    from tests.conftest import free_port

    home = Path(tempfile.mkdtemp(prefix="kg-bench-pages-"))
    env = {**os.environ, "KG_HOME": str(home)}
    port = free_port()
    sources = ROOT.parent / "shared" / "sources"
    cmd = [sys.executable, "-m", "kg", "serve", "--port", str(port)] + (["--sources", str(sources)] if sources.is_dir() else [])
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", "/search.json?q=x")
                c.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("kg serve did not start: " + (proc.stderr.read() if proc.poll() is not None else "")) from None
                time.sleep(0.5)
        gen = next(p for p in home.iterdir() if p.name.startswith("gen-"))
        lexicon = json.loads((gen / "lexicon.json").read_text())
        manifest = json.loads((gen / "manifest.json").read_text())
        mix = urls(lexicon, manifest["sources"])
        seen: set[str] = set()
        lock = threading.Lock()
        results: list[tuple[str, bool, float, int]] = []
        stop = time.monotonic() + args.seconds

        def client(k: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            i = k * 37
            while time.monotonic() < stop:
                kind, path = mix[i % len(mix)]
                i += 1
                with lock:
                    first = path not in seen
                    seen.add(path)
                t = time.perf_counter()
                conn.request("GET", path, headers={"Accept": "text/html"})
                r = conn.getresponse()
                r.read()
                results.append((kind, first, time.perf_counter() - t, r.status))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(10)
    bad = [r for r in results if r[3] != 200]
    print(f"{len(results)} requests from {args.clients} clients in {wall:.1f} s ({len(results) / wall:.0f}/s); non-200: {len(bad)}")
    print(f"{'kind':8} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   first visits: {'n':>5} {'p50':>7} {'p95':>7}")
    kinds = sorted({r[0] for r in results})
    for kind in [*kinds, "all"]:
        rows = [r for r in results if kind in ("all", r[0])]
        again = [r[2] for r in rows if not r[1]] or [0.0]
        first = [r[2] for r in rows if r[1]] or [0.0]
        print(f"{kind:8} {len(again):6} {pct(again, 50):8.1f} {pct(again, 95):8.1f} {max(again) * 1000:8.1f}   "
              f"{'':13} {len(first):5} {pct(first, 50):7.1f} {pct(first, 95):7.1f}")  # fmt: skip


def synth(args) -> None:
    import pyoxigraph as ox

    from benchmarks.synth import generate
    from kg.build import ensure_built
    from kg.graph import KnowledgeGraph
    from kg.paths import Paths
    from kg.web import views
    from kg.web.pages import class_url, render

    work = Path(tempfile.mkdtemp(prefix="kg-bench-synth-"))
    base = json.loads(ensure_built(Paths.from_env()).lexicon.read_text())
    info = generate(args.triples, 1, work, base)
    store = ox.Store(str(work / "store"))
    store.bulk_load(path=str(work / "graph.nq"), format=ox.RdfFormat.N_QUADS)
    store.optimize()
    del store
    g = KnowledgeGraph(work / "store", work / "lexicon.json")
    t = time.perf_counter()
    views.warm(g)
    warm_s = time.perf_counter() - t
    members = views.class_members(g)
    name = max(members, key=lambda c: len(members[c]))

    def page(**kw) -> None:
        v = views.class_view(g, name, **kw)
        params = {"sort": v["sort"], "source": v["source"], "sub": v["sub"], "page": v["page"]}
        render("class.html", v=v, parent_label="", url=lambda **ch: class_url(name, params, **ch), generation="bench")

    variants = {"first page": {}, "sorted by statements": {"sort": "facts", "desc": True}, "page 100": {"page": 100},
                "one source": {"source": next(iter(views.sources(g)), None) or "synthetic-0"}}  # fmt: skip
    print(f"{info['quads']} quads, {info['entities']} entities; per-generation structures (once, at start-up): {warm_s * 1000:.0f} ms")
    print(f"class {name}: {len(members[name])} members")
    for label, kw in variants.items():
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            page(**kw)
            times.append(time.perf_counter() - t)
        print(f"  {label:22} median {statistics.median(times) * 1000:7.1f} ms   max {max(times) * 1000:7.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    p = sub.add_parser("pages")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--seconds", type=float, default=20)
    s = sub.add_parser("synth")
    s.add_argument("--triples", type=int, default=1_000_000)
    s.add_argument("--runs", type=int, default=10)
    args = ap.parse_args()
    (pages if args.what == "pages" else synth)(args)


if __name__ == "__main__":
    main()

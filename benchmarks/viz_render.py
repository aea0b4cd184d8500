"""How long a map view takes, side by side at several sizes: layout engines, then the whole view
(measures + layout + page) and headless Chromium loading and drawing it.

Run on demand:  python benchmarks/viz_render.py [--sizes 1000,10000] [--engines] [--shot DIR] [--kg CHECKOUT]
Targets (issue 14): 10,000 nodes: layout + page + first draw under 5 s in all; 1,000 nodes under 1.5 s.

"First draw" is timed two ways, both printed:
- in a running Chromium (tests/browser.Warm, driven over the DevTools pipe): from asking the open tab
  to load the file until the page's first draw is on a frame; the first load after the browser
  started, then the range of two more. The target total is layout + page + that first load.
- a fresh Chromium process per page (`--dump-dom`, as the tests run it), beside the same process
  for an empty page: most of a process is Chromium starting and stopping, whatever the page.
`--kg CHECKOUT` imports kg from another checkout (say, main) to time the code before a change with
the same harness.

The graph is synthetic with long-tailed degrees (preferential attachment, like real entity graphs),
typed with kg's own classes so colours, shapes and labels are drawn as for real data.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if "--kg" in sys.argv:  # before kg is imported: the code to time
    sys.path.insert(0, str(Path(sys.argv[sys.argv.index("--kg") + 1]).resolve()))

from kg.viz import Selection, layout, measure, page, payload, radii  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's harness
from tests import browser  # noqa: E402

KINDS = ["Person", "Company", "AIModel", "Technology", "Meeting", "Regulation", "Country"]
LEXICON = {
    "classes": {k: {"ancestors": [k] + ({"Meeting": ["Event"], "Regulation": ["Policy"], "Country": ["Place"]}.get(k, []))} for k in KINDS},
    "properties": {"relatedTo": {"label": "related to"}},
}


def synthetic(n: int, seed: int) -> tuple[set[str], list, dict]:
    """Long-tailed degrees (preferential attachment), like real entity graphs."""
    rng = random.Random(seed)
    nodes = [f"https://w3id.org/kg-tc/id/n{i}" for i in range(n)]
    edges, targets = [], [nodes[0]]
    for node in nodes[1:]:
        for _ in range(rng.choice((1, 1, 2, 3))):
            other = rng.choice(targets)
            edges.append((node, other, "relatedTo", [{"source": "synthetic", "quote": f"q {len(edges)}", "start": 0, "end": 1}]))
            targets += [other, node]
    entities = {iri: {"label": f"{KINDS[i % len(KINDS)]} {i}", "types": [KINDS[i % len(KINDS)]], "aliases": [], "description": None}
                for i, iri in enumerate(nodes)}  # fmt: skip
    return set(nodes), edges, entities


def engines(nodes: set[str], edges: list) -> dict[str, float]:
    """Layout engines on the same graph: kg's (igraph FR, seeded, hub-damped below 2,000 nodes, with
    overlap removal and packing), bare igraph FR and DrL, networkx spring (the previous engine)."""
    import igraph
    import networkx as nx

    order = sorted(nodes)
    idx = {n: i for i, n in enumerate(order)}
    G = igraph.Graph(n=len(order), edges=sorted({(min(idx[s], idx[o]), max(idx[s], idx[o])) for s, o, *_ in edges}))
    out = {}
    t = time.perf_counter()
    layout(nodes, edges, sizes=dict(zip(order, radii(measure(order, edges)), strict=True)))
    out["kg layout (igraph FR + separation + packing)"] = time.perf_counter() - t
    t = time.perf_counter()
    G.layout_fruchterman_reingold(grid="grid")
    out["igraph Fruchterman-Reingold (grid)"] = time.perf_counter() - t
    t = time.perf_counter()
    G.layout_drl()
    out["igraph DrL"] = time.perf_counter() - t
    if len(order) <= 10000:
        N = nx.Graph()
        N.add_nodes_from(order)
        N.add_edges_from((s, o) for s, o, *_ in edges)
        t = time.perf_counter()
        nx.spring_layout(N, seed=7, iterations=50)
        out["networkx spring_layout (50 iterations)"] = time.perf_counter() - t
    return out


EMPTY = "<!DOCTYPE html><html><body><div id='kg-status' data-state='drawn'></div></body></html>"


def view(n: int, seed: int, shot: Path | None, warm: browser.Warm) -> dict:
    nodes, edges, entities = synthetic(n, seed)
    sel = Selection(nodes, edges, f"synthetic {n}")
    t = time.perf_counter()
    data = payload(LEXICON, sel, entities=entities)
    t_layout = time.perf_counter() - t
    t = time.perf_counter()
    text = page(data)
    t_page = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "big.html"
        f.write_text(text, encoding="utf-8")
        empty = Path(d) / "empty.html"
        empty.write_text(EMPTY, encoding="utf-8")
        loads = [warm.load(f) for _ in range(3)]
        t = time.perf_counter()
        dumped, _ = browser.run(f.resolve().as_uri(), "--dump-dom", "--window-size=1400,1000", budget_ms=60000, timeout=300)
        t_browser = time.perf_counter() - t
        st = browser.status(dumped)
        t = time.perf_counter()
        browser.run(empty.resolve().as_uri(), "--dump-dom", "--window-size=1400,1000", budget_ms=60000, timeout=300)
        t_empty = time.perf_counter() - t
        if shot:
            browser.screenshot(f, shot / f"synthetic-{n}.png", size="1400,1000")
    first = loads[0][0]
    again = sorted(s for s, _ in loads[1:])
    return {"nodes": n, "edges": len(edges), "MB": round(len(text) / 1e6, 2), "measures+layout+payload": t_layout, "page": t_page,
            "warm: first load to frame": first, "warm: again (min-max)": f"{again[0]:.2f}-{again[-1]:.2f}",
            "warm: in-page draw done (ms)": loads[0][1]["drawn_ms"],
            "total (layout+page+warm first)": t_layout + t_page + first,
            "cold process: this page": t_browser, "cold process: empty page": t_empty,
            "cold process: in-page draw (ms)": st.get("ms"), "total (layout+page+cold process)": t_layout + t_page + t_browser,
            "state": st.get("state"), "total": t_layout + t_page + first}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--engines", action="store_true", help="also time the layout engines side by side")
    ap.add_argument("--shot", type=Path, help="save a 1400x1000 screenshot of each view in this folder")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--kg", help="import kg from this checkout (read before the imports above)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    import kg.viz

    print(f"kg from {Path(kg.viz.__file__).resolve().parent.parent}")
    with browser.Warm() as warm:
        print(f"Chromium started (DevTools pipe) in {warm.started:.2f} s")
        rows = [view(n, args.seed, args.shot, warm) for n in sizes]
    targets = {1000: 1.5, 10000: 5.0}
    if args.json:
        print(json.dumps(rows, indent=1))
    print(f"{'':36}" + "".join(f"{r['nodes']:>12,}" for r in rows))
    keys = [k for k in rows[0] if k not in ("nodes", "state", "total")]
    for key in keys:
        cells = "".join(f"{r[key]:>12.2f}" if isinstance(r[key], float) else f"{r[key]!s:>12}" for r in rows)
        print(f"{key:36}{cells}")
    for r in rows:
        goal = targets.get(r["nodes"])
        if goal:
            ok = r["total"] < goal and r["state"] == "drawn"
            print(
                f"{r['nodes']:,} nodes: {r['total']:.2f} s (layout + page + first draw in a running Chromium), target < {goal} s:"
                f" {'met' if ok else 'NOT met'}"
            )
    if args.engines:
        print()
        for n in sizes:
            nodes, edges, _ = synthetic(n, args.seed)
            for name, secs in engines(nodes, edges).items():
                print(f"{n:>7,} nodes  {name:48} {secs:7.2f} s")


if __name__ == "__main__":
    main()

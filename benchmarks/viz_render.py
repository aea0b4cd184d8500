"""How long a large view takes: layout (networkx), page generation, and headless Chromium drawing it.

Run on demand: python benchmarks/viz_render.py [--nodes 5000] [--seed 1]
Target (issue 4): a 5,000-node synthetic graph renders in headless Chromium in under 10 s.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.viz import GROUPS, layout, page  # noqa: E402
from tests import browser  # noqa: E402


def synthetic(n: int, seed: int) -> tuple[set[str], list]:
    """Long-tailed degrees (preferential attachment), like real entity graphs."""
    rng = random.Random(seed)
    nodes = [f"https://w3id.org/kg-tc/id/n{i}" for i in range(n)]
    edges, targets = [], [nodes[0]]
    for node in nodes[1:]:
        for _ in range(rng.choice((1, 1, 2, 3))):
            other = rng.choice(targets)
            edges.append((node, other, "relatedTo", [{"source": "synthetic", "quote": "q", "start": 0, "end": 1}]))
            targets += [other, node]
    return set(nodes), edges


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    nodes, edges = synthetic(args.nodes, args.seed)
    t = time.perf_counter()
    pos = layout(nodes, edges)
    t_layout = time.perf_counter() - t
    groups = [name for name, *_ in GROUPS]
    payload = {
        "title": f"synthetic {args.nodes}",
        "nodes": [{"id": n, "iri": n, "label": n.rsplit("/", 1)[-1], "types": ["Thing"], "group": groups[i % len(groups)],
                   "description": "", "aliases": [], "x": pos[n][0], "y": pos[n][1]} for i, n in enumerate(sorted(nodes))],
        "edges": [{"from": s, "to": o, "label": p, "property": p, "evidence": ev} for s, o, p, ev in edges],
        "styles": {name: {"color": color, "shape": shape} for name, _, color, shape in GROUPS},
        "physics": False,
    }  # fmt: skip
    t = time.perf_counter()
    html = page(payload)
    t_page = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "big.html"
        f.write_text(html, encoding="utf-8")
        dumped, t_browser = browser.run(f.resolve().as_uri(), "--dump-dom", budget_ms=60000, timeout=300)
        st = browser.status(dumped)
    print(f"nodes {args.nodes}, edges {len(edges)}, page {len(html) / 1e6:.1f} MB")
    print(f"layout (networkx spring, precomputed) {t_layout:6.2f} s")
    print(f"page generation                     {t_page:6.2f} s")
    state = f"state={st.get('state')} nodes={st.get('nodes')} errors={st.get('errors')!r}"
    print(f"headless Chromium load + first draw {t_browser:6.2f} s  {state}")
    print(f"browser target < 10 s: {'met' if t_browser < 10 and st.get('state') == 'drawn' else 'NOT met'}")


if __name__ == "__main__":
    main()

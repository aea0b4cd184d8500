"""The build's output step, side by side: rdflib's TriG and Turtle serialisers (what the build used
until stop 18) against one N-Quads hand-over to Oxigraph, which loads the store and writes both files
(what `kg.build._write_outputs` does now). Also the data files' YAML: pure-Python PyYAML against libyaml.

Run on demand:  python benchmarks/build_outputs.py [--repeat 3]
It compiles the curated data (data/, ontology/) once, then times each way `--repeat` times and prints
the best time of each with the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.build import _write_outputs, compile_all  # noqa: E402
from kg.paths import Paths  # noqa: E402


def _rdflib_way(ds, gen: Path) -> None:
    import pyoxigraph as ox
    from rdflib import Graph

    ds.serialize(gen / "graph.trig", format="trig")
    union = Graph()
    for g in ds.graphs():
        for t in g:
            union.add(t)
    union.serialize(gen / "graph.ttl", format="turtle")
    store = ox.Store(str(gen / "store"))
    store.bulk_load(path=str(gen / "graph.trig"), format=ox.RdfFormat.TRIG)
    store.optimize()
    store.flush()
    del store


def _best(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            f(Path(d))
            times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    paths = Paths.from_env()
    ds, *_ = compile_all(paths)
    quads = sum(len(g) for g in ds.graphs())
    old = _best(lambda d: _rdflib_way(ds, d), args.repeat)
    new = _best(lambda d: _write_outputs(ds, d), args.repeat)
    print(f"outputs for {quads} quads: rdflib {old:.2f} s, oxigraph {new:.2f} s, ratio {old / new:.1f}x")

    import kg.yamlio as y

    files = sorted(paths.data.rglob("*.yaml"))
    fast = _best(lambda d: [y.load_yaml(f) for f in files], args.repeat)
    saved, y._FAST = y._FAST, None
    try:
        pure = _best(lambda d: [y.load_yaml(f) for f in files], args.repeat)
    finally:
        y._FAST = saved
    print(f"YAML of {len(files)} data files: pure Python {pure:.2f} s, libyaml {fast:.2f} s, ratio {pure / fast:.1f}x")


if __name__ == "__main__":
    main()

"""Scale benchmark: kg's query path vs raw pyoxigraph vs plain rdflib, at growing sizes, one run.

    python benchmarks/scale.py                      # 10k, 100k, 1M triples (about 5 minutes)
    python benchmarks/scale.py --sizes 10000000     # 10M: optional, rdflib skipped above 2M

Reports load time, store size, the median latency of four queries shaped like the named ones
and of `kg ask`, with ratios side by side. Targets (issue 6): kg within 1.3x raw pyoxigraph at
1M triples; at least 10x faster than rdflib.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyoxigraph as ox  # noqa: E402

from benchmarks.synth import ID, KGO, generate  # noqa: E402
from kg.graph import PREFIXES, KnowledgeGraph  # noqa: E402

QUERIES = {
    "attendees of an event": ("SELECT * WHERE { ?e kgo:attendee ?p . ?p rdfs:label ?label }", "e"),
    "models >= 1e24 FLOP + developer": (
        "SELECT * WHERE { ?m kgo:trainingComputeAboveFLOP ?c FILTER(?c >= 1e24) OPTIONAL { ?m kgo:developer ?d } }", None),
    "a policy's provisions + thresholds": (
        "SELECT * WHERE { ?st rdf:subject ?pol ; rdf:predicate ?p ; rdf:object ?o . OPTIONAL { ?st kgo:thresholdFLOP ?t } }", "pol"),
    "count per type": ("SELECT ?c (COUNT(?e) AS ?n) WHERE { ?e a ?c } GROUP BY ?c", None),
}  # fmt: skip


def median_ms(fn, runs: int) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def busiest(store, pred: str) -> str:
    q = f"SELECT ?s (COUNT(*) AS ?n) WHERE {{ ?s <{KGO}{pred}> ?o }} GROUP BY ?s ORDER BY DESC(?n) LIMIT 1"
    return next(iter(store.query(q, use_default_graph_as_union=True)))["s"].value


def run_size(triples: int, base: dict, work: Path, runs: int, rdflib_limit: int) -> dict:
    d = work / str(triples)
    info = generate(triples, 1, d, base)
    row: dict = {"triples": info["quads"]}
    t = time.perf_counter()
    store = ox.Store(str(d / "store"))
    store.bulk_load(path=str(d / "graph.nq"), format=ox.RdfFormat.N_QUADS)
    store.optimize()
    store.flush()
    row["load_oxigraph_s"] = time.perf_counter() - t
    del store
    row["store_mb"] = int(subprocess.run(["du", "-sk", str(d / "store")], capture_output=True, text=True).stdout.split()[0]) / 1024
    g = KnowledgeGraph(d / "store", d / "lexicon.json")
    raw = ox.Store.read_only(str(d / "store"))
    event, policy = busiest(raw, "attendee"), busiest(raw, "prohibits")
    binds = {"e": ox.NamedNode(event), "pol": ox.NamedNode(policy)}
    ds = None
    if info["quads"] <= rdflib_limit:
        import rdflib

        t = time.perf_counter()
        ds = rdflib.Dataset(default_union=True)
        ds.parse(str(d / "graph.nq"), format="nquads")
        row["load_rdflib_s"] = time.perf_counter() - t
    row["queries"] = {}
    for name, (q, var) in QUERIES.items():
        b = {var: binds[var]} if var else {}
        kg_ms = median_ms(lambda q=q, b=b: g.select(q, b), runs)
        raw_ms = median_ms(lambda q=q, b=b: list(raw.query(q, use_default_graph_as_union=True, prefixes=PREFIXES,
                                                           substitutions={ox.Variable(k): v for k, v in b.items()})), runs)  # fmt: skip
        entry = {"kg_ms": kg_ms, "raw_ms": raw_ms}
        if ds is not None:
            import rdflib

            prologue = "".join(f"PREFIX {p}: <{n}>\n" for p, n in PREFIXES.items())
            rb = {k: rdflib.URIRef(v.value) for k, v in b.items()}
            text = prologue + q
            entry["rdflib_ms"] = median_ms(lambda text=text, rb=rb: list(ds.query(text, initBindings=rb)), max(1, runs // 3))
        row["queries"][name] = entry
    label = g.entity(event)["label"]
    question = f"who attended {label}"
    answer = g.ask(question)  # the raw side runs the very query kg ask built, with the same bound values
    subs = {ox.Variable(k): v for k, v in answer.bindings.items()}
    row["ask_kg_ms"] = median_ms(lambda: g.ask(question), runs)
    row["ask_raw_ms"] = median_ms(
        lambda: list(raw.query(answer.template, use_default_graph_as_union=True, prefixes=PREFIXES, substitutions=subs)), runs
    )
    row["ask_answers"] = len(g.ask(question).answers)
    return row


def report(rows: list[dict]) -> str:
    out = ["| triples | load oxigraph | load rdflib | store | query | kg | raw pyoxigraph | kg/raw | rdflib | rdflib/kg |",
           "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in rows:
        first = True
        for name, q in [*r["queries"].items(), ("kg ask 'who attended <event>'", {"kg_ms": r["ask_kg_ms"], "raw_ms": r["ask_raw_ms"]})]:
            lead = (f"| {r['triples']:,} | {r['load_oxigraph_s']:.1f} s | "
                    + (f"{r['load_rdflib_s']:.1f} s" if "load_rdflib_s" in r else "skipped") + f" | {r['store_mb']:.1f} MB ")  # fmt: skip
            lead = lead if first else "| | | | "
            first = False
            rd = q.get("rdflib_ms")
            out.append(f"{lead}| {name} | {q['kg_ms']:.2f} ms | {q['raw_ms']:.2f} ms | {q['kg_ms'] / q['raw_ms']:.2f} | "
                       + (f"{rd:.1f} ms | {rd / q['kg_ms']:.0f}x |" if rd else "– | – |"))  # fmt: skip
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000, 1000000])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--rdflib-limit", type=int, default=2_000_000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    from kg.build import ensure_built
    from kg.paths import Paths

    base = json.loads(ensure_built(Paths.from_env()).lexicon.read_text())
    work = Path(tempfile.mkdtemp(prefix="kg-scale-"))
    try:
        rows = []
        for size in args.sizes:
            rows.append(run_size(size, base, work, args.runs, args.rdflib_limit))
            print(f"done {size}", file=sys.stderr, flush=True)
        print(report(rows))
        if args.json:
            args.json.write_text(json.dumps(rows, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert ID  # the synthetic IRIs live under kg's own base


if __name__ == "__main__":
    main()

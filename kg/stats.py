"""`kg stats`: what the graph holds, read from the built store (so it reflects the build)."""

from __future__ import annotations

from kg import iri
from kg.build import Build

_PER_CLASS = f"""
SELECT ?class (COUNT(DISTINCT ?e) AS ?n) WHERE {{
  GRAPH <{iri.GRAPH_ENTITIES}> {{ ?e a ?class }}
}} GROUP BY ?class ORDER BY DESC(?n) ?class
"""
_SOURCES = f"""
PREFIX kgo: <{iri.ONTOLOGY}>
SELECT ?src WHERE {{ GRAPH <{iri.GRAPH_SOURCES}> {{ ?src a kgo:Source }} }} ORDER BY ?src
"""
# One count per named graph and kind. (A single query with three OPTIONALs joined every fact with
# every mention and entity of its source before counting: 24 s on the real data instead of 0.1 s.)
_COUNT = f"PREFIX kgo: <{iri.ONTOLOGY}> SELECT ?g (COUNT(DISTINCT ?x) AS ?n) WHERE {{{{ GRAPH ?g {{{{ {{}} }}}} }}}} GROUP BY ?g"
_PER_GRAPH = {
    "facts": _COUNT.format("?x a kgo:Statement"),
    "mentions": _COUNT.format("?x a kgo:Mention"),
    "entities": _COUNT.format("?g kgo:mentions ?x"),
    "triples": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
}
_NO_EVIDENCE = f"""
PREFIX kgo: <{iri.ONTOLOGY}>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT (COUNT(DISTINCT ?st) AS ?n) WHERE {{
  GRAPH ?g {{ ?st a kgo:Statement }}
  FILTER NOT EXISTS {{ GRAPH ?g {{ ?st kgo:evidence ?q ; prov:wasDerivedFrom ?s }} }}
}}
"""


def _int(term) -> int:
    return int(term.value)


def stats(build: Build) -> dict:
    import pyoxigraph

    store = pyoxigraph.Store.read_only(str(build.store))
    per_class = {
        _local(row["class"].value): _int(row["n"]) for row in store.query(_PER_CLASS) if row["class"].value.startswith(iri.ONTOLOGY)
    }
    counts = {kind: {row["g"].value: _int(row["n"]) for row in store.query(q)} for kind, q in _PER_GRAPH.items()}
    per_source = {}
    for row in store.query(_SOURCES):
        src = row["src"].value
        per_source[src[len(iri.SOURCE) :]] = {kind: counts[kind].get(src, 0) for kind in ("facts", "mentions", "entities", "triples")}
    no_evidence = _int(next(iter(store.query(_NO_EVIDENCE)))["n"])
    return {
        "quads": len(store),
        "union_triples": build.manifest.get("union_triples"),
        "entities": build.manifest.get("entities"),
        "facts": build.manifest.get("facts"),
        "facts_without_evidence": no_evidence,
        "per_class": per_class,
        "per_source": per_source,
    }


def _local(s: str) -> str:
    return s.rsplit("#", 1)[-1]


def render(s: dict) -> str:
    lines = [
        f"triples (union): {s['union_triples']}",
        f"quads (all named graphs): {s['quads']}",
        f"entities: {s['entities']}",
        f"facts: {s['facts']}",
        f"facts without evidence: {s['facts_without_evidence']}",
        "",
        "per class (asserted types):",
    ]
    width = max((len(k) for k in s["per_class"]), default=0)
    lines += [f"  {k:<{width}}  {v:>5}" for k, v in s["per_class"].items()]
    lines += ["", "per source:", f"  {'source':<24} {'facts':>6} {'mentions':>9} {'entities':>9} {'triples':>8}"]
    for sid, row in s["per_source"].items():
        lines.append(f"  {sid:<24} {row['facts']:>6} {row['mentions']:>9} {row['entities']:>9} {row['triples']:>8}")
    return "\n".join(lines)

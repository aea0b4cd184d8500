"""`kg export`: the graph for other tools, streamed from the store (RDF), or as GraphML, GEXF
and Neo4j-importable CSV (nodes and relationships files) from the entity graph."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from kg.atomic import Output, open_output, resolve_output
from kg.errors import InputError

RDF_FORMATS = {"ttl": "TURTLE", "nt": "N_TRIPLES", "nq": "N_QUADS", "trig": "TRIG", "jsonld": "JSON_LD"}
FORMATS = (*RDF_FORMATS, "graphml", "gexf", "csv")


def _counting(items: Iterator, tick: Callable[[int], None] | None, every: int = 10000) -> Iterator:
    n = 0
    for item in items:
        yield item
        n += 1
        if tick and n % every == 0:
            tick(every)


def outputs(fmt: str, out: str | os.PathLike) -> list[Output]:
    """Where `kg export -f fmt -o out` will write, checked before any work (so a bad format, a
    missing directory or `-o -` for the two csv files fail at once, exit 2)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt != "csv":
        return [resolve_output(out)]
    first = resolve_output(out)
    if first.kind != "atomic":
        raise InputError(f"cannot write csv to {first}: it writes two files (<name>-nodes.csv, <name>-relationships.csv); give a file name")
    return [resolve_output(p) for p in _csv_names(Path(os.fspath(out)))]


def _csv_names(out: Path) -> tuple[Path, Path]:
    stem = out.with_suffix("") if out.suffix == ".csv" else out
    return Path(f"{stem}-nodes.csv"), Path(f"{stem}-relationships.csv")


def export(g, fmt: str, out: str | os.PathLike, tick: Callable[[int], None] | None = None) -> str:
    """Writes `out` (`-`: standard output; for csv: `<out>-nodes.csv` and `<out>-relationships.csv`);
    returns a summary."""
    targets = outputs(fmt, out)
    if fmt in RDF_FORMATS:
        return _rdf(g, fmt, targets[0], tick)
    if fmt == "csv":
        return _neo4j(g, *targets)
    from kg.viz import select, write

    sel = select(g)
    write(g, sel, targets[0], fmt)
    return f"{len(sel.nodes)} nodes, {len(sel.edges)} edges"


def _rdf(g, fmt: str, out: Output, tick) -> str:
    import pyoxigraph as ox

    from kg.graph import PREFIXES

    rdf_format = getattr(ox.RdfFormat, RDF_FORMATS[fmt])
    if fmt in ("nq", "trig"):
        items = g.store.quads_for_pattern(None, None, None, None)
    else:  # the union of all named graphs, as triples
        items = (q.triple for q in g.store.quads_for_pattern(None, None, None, None))
    prefixes = PREFIXES if fmt in ("ttl", "trig", "jsonld") else None
    counter = {"n": 0}

    def counted(it):
        for x in _counting(it, tick):
            counter["n"] += 1
            yield x

    with open_output(out) as f:
        ox.serialize(counted(items), f, format=rdf_format, prefixes=prefixes)
    unit = "quads" if fmt in ("nq", "trig") else "triples"
    return f"{counter['n']} {unit}"


def _neo4j(g, nodes_path: Output, rels_path: Output) -> str:
    """Files for `neo4j-admin database import full --nodes=... --relationships=...` (';' arrays)."""
    from kg.nav import entity_graph

    G = entity_graph(g)
    classes = g.lexicon["classes"]
    with open_output(nodes_path) as raw, io.TextIOWrapper(raw, newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id:ID", "iri", "name", "description", "aliases:string[]", ":LABEL"])
        for iri_ in sorted(G.nodes):
            e = g.entity(iri_)
            labels = sorted({a for t in e["types"] for a in classes.get(t, {}).get("ancestors", [t])} | {"Entity"})
            w.writerow([e["id"], iri_, e["label"], e.get("description") or "", ";".join(e.get("aliases", [])), ";".join(labels)])
    n_rels = 0
    with open_output(rels_path) as raw, io.TextIOWrapper(raw, newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([":START_ID", ":END_ID", ":TYPE", "sources:string[]", "evidence", "offsets:string[]"])
        for s, o, p, data in G.edges(keys=True, data=True):
            ev = data["evidence"]
            w.writerow([g.entity(s)["id"], g.entity(o)["id"], p, ";".join(sorted({e["source"] for e in ev})),
                        " | ".join(e["quote"] for e in ev), ";".join(f"{e['source']}:{e['start']}-{e['end']}" for e in ev)])  # fmt: skip
            n_rels += 1
    return f"{G.number_of_nodes()} nodes -> {nodes_path}, {n_rels} relationships -> {rels_path}"

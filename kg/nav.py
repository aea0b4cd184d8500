"""Paths and neighbourhoods over the entity graph, with networkx (imported only here)."""

from __future__ import annotations

from dataclasses import dataclass

from kg.graph import KnowledgeGraph

_EDGES = """SELECT * WHERE {
  ?st a kgo:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
      kgo:evidence ?quote ; prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end .
  FILTER(isIRI(?o) && STRSTARTS(STR(?o), "https://w3id.org/kg-tc/id/"))
}"""


def entity_graph(g: KnowledgeGraph):
    """MultiDiGraph: nodes are entity IRIs, one edge per asserted fact (key = property)."""
    return g.memo("entity-graph", lambda: _build(g))


def undirected(g: KnowledgeGraph):
    """The entity graph without directions, as a plain Graph built in a fixed order: networkx's
    undirected *view* of a directed graph iterates neighbours through a set union, so ties between
    equally short paths followed PYTHONHASHSEED."""

    def make():
        import networkx as nx

        G = entity_graph(g)
        U = nx.Graph()
        U.add_nodes_from(G.nodes)
        U.add_edges_from(sorted({tuple(sorted((u, v))) for u, v in G.edges()}))
        return U

    return g.memo("entity-graph-undirected", make)


def _build(g: KnowledgeGraph):
    import networkx as nx

    G = nx.MultiDiGraph()
    for iri, e in g.lexicon["entities"].items():
        G.add_node(iri, label=e["label"], types=e["types"])
    # the engine's row order is not stable across processes (hash joins): sorted, so ties between equally
    # short paths are broken the same way every run
    rows = sorted(g.select(_EDGES), key=lambda r: (r["s"].value, r["p"].value, r["o"].value, r["src"].value, int(r["start"].value)))
    for r in rows:
        s, o, p = r["s"].value, r["o"].value, r["p"].value.rsplit("#", 1)[-1]
        ev = {"source": r["src"].value.rsplit("/", 1)[-1], "quote": r["quote"].value,
              "start": int(r["start"].value), "end": int(r["end"].value)}  # fmt: skip
        if G.has_edge(s, o, key=p):
            G.edges[s, o, p]["evidence"].append(ev)
        else:
            G.add_edge(s, o, key=p, property=p, evidence=[ev])
    return G


@dataclass
class Path:
    chain: list[str]  # printable pieces: label, arrow, label, ...
    edges: list[dict]
    nodes: list[str]


def _arrow(g: KnowledgeGraph, s: str, p: str, o: str, walking_from: str) -> str:
    prop = g.lexicon["properties"].get(p, {})
    if prop.get("inverse_voice"):  # printed object-first: "Jack Ma -attended-> meeting"
        left, text = o, prop.get("verb") or prop.get("label", p)
    else:
        left, text = s, prop.get("label", p)
    return f"-{text}->" if walking_from == left else f"<-{text}-"


def _reading(g: KnowledgeGraph, s: str, p: str, o: str) -> str:
    """A fact as a sentence-like line: 'Xi Jinping -hosted-> Great Hall meeting'."""
    left, right = (o, s) if g.lexicon["properties"].get(p, {}).get("inverse_voice") else (s, o)
    return f"{g.label(left)} {_arrow(g, s, p, o, left)} {g.label(right)}"


def shortest_path(g: KnowledgeGraph, a: str, b: str) -> Path | None:
    import networkx as nx

    G = entity_graph(g)
    try:
        nodes = nx.shortest_path(undirected(g), a, b)
    except nx.NetworkXNoPath:
        return None
    chain = [g.label(nodes[0])]
    edges = []
    for u, v in zip(nodes, nodes[1:], strict=False):
        if G.has_edge(u, v):
            p, data = next(iter(G.get_edge_data(u, v).items()))
            s, o = u, v
        else:
            p, data = next(iter(G.get_edge_data(v, u).items()))
            s, o = v, u
        chain += [_arrow(g, s, p, o, u), g.label(v)]
        edges.append({"subject": s, "property": p, "object": o, "evidence": data["evidence"]})
    return Path(chain, edges, nodes)


def neighbors(g: KnowledgeGraph, x: str, depth: int = 1) -> list[dict]:
    """Every fact within `depth` hops of x, as printable edges with evidence."""
    import networkx as nx

    G = entity_graph(g)
    near = nx.single_source_shortest_path_length(undirected(g), x, cutoff=depth)
    out = []
    for s, o, p, data in G.edges(keys=True, data=True):
        if s in near and o in near and min(near[s], near[o]) < depth:
            out.append({
                "subject": s, "property": p, "object": o, "distance": max(near[s], near[o]),
                "text": _reading(g, s, p, o), "evidence": data["evidence"],
            })  # fmt: skip
    return sorted(out, key=lambda e: (e["distance"], e["text"]))

"""`kg viz`: interactive network views as one self-contained HTML file, plus GraphML/GEXF exports.

The page is kg's own template (kg/templates/viz.html) around vis-network, whose script and styles
come from the pyvis package and are inlined, so nothing is fetched: it renders offline. pyvis's own
templates are not used: they insert some fields unescaped and load Bootstrap from a CDN. Every
string from the data reaches the page as JSON inside a <script type="application/json"> block
(with <, >, & escaped) and is put into the DOM with textContent only.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from kg.errors import InputError
from kg.graph import KnowledgeGraph

LAYOUT_THRESHOLD = 300  # above this many nodes: physics off, layout precomputed with networkx

# Display groups, most specific first: (group, kg classes, colour, vis shape)
GROUPS = [
    ("Person", {"Person"}, "#f4a261", "dot"),
    ("AI model", {"AIModel"}, "#e76f51", "diamond"),
    ("Company", {"Company"}, "#2a9d8f", "box"),
    ("Government", {"GovernmentBody", "IntergovernmentalOrganization", "PoliticalParty"}, "#264653", "box"),
    ("Organization", {"Organization"}, "#8ab17d", "box"),
    ("Policy", {"Policy"}, "#e63946", "triangle"),
    ("Event", {"Event"}, "#ffb703", "star"),
    ("Place", {"Place"}, "#90caf9", "ellipse"),
    ("Technology", {"Technology"}, "#9b5de5", "hexagon"),
    ("Industry", {"Industry", "Concept"}, "#c77dff", "square"),
    ("Product", {"Product"}, "#adb5bd", "square"),
    ("Work", {"CreativeWork"}, "#bde0fe", "ellipse"),
    ("Figure", {"Observation"}, "#dee2e6", "dot"),
    ("Other", set(), "#cccccc", "dot"),
]
CONTEXT_PROPERTIES = {"founder", "affiliation", "worksFor", "leads"}


def group_of(g: KnowledgeGraph, types: list[str]) -> str:
    classes = g.lexicon["classes"]
    ancestors = {a for t in types for a in classes.get(t, {}).get("ancestors", [t])}
    return next((name for name, cls, _, _ in GROUPS if cls & ancestors), "Other")


class Selection:
    """Which nodes and facts a view shows."""

    def __init__(self, nodes: set[str], edges: list[tuple[str, str, str, list]], title: str) -> None:
        self.nodes, self.edges, self.title = nodes, edges, title


def select(
    g: KnowledgeGraph,
    focus: str | None = None,
    depth: int = 1,
    types: list[str] | None = None,
    query: str | None = None,
    context: bool = True,
) -> Selection:
    """The whole graph, an ego network, a class filter, or a query result (or combinations)."""
    import networkx as nx

    from kg.nav import entity_graph

    G = entity_graph(g)
    title = "kg: the whole graph"
    nodes = set(G.nodes)
    if query is not None:
        nodes, extra = _from_query(g, query)
        title = "kg: query result"
    else:
        extra = []
    if focus is not None:
        center = g.link(focus)
        near = nx.single_source_shortest_path_length(G.to_undirected(as_view=True), center, cutoff=depth)
        nodes = set(near) if query is None else nodes & set(near)
        title = f"kg: {g.label(center)} (depth {depth})"
        if context:  # people are shown with their organisations
            for s, o, p in list(G.edges(keys=True)):
                if p in CONTEXT_PROPERTIES and (s in nodes) != (o in nodes):
                    person = o if p == "founder" else s
                    if person in nodes and "Person" in g.entity(person)["types"]:
                        nodes |= {s, o}
    if types:
        wanted = _classes(g, types)
        classes = g.lexicon["classes"]
        nodes = {n for n in nodes if wanted & {a for t in g.entity(n)["types"] for a in classes[t]["ancestors"]}}
        title += f" [{', '.join(sorted(wanted))}]"
    if extra:  # a CONSTRUCT (or ?s ?p ?o) result draws exactly its own edges
        edges = [e for e in extra if e[0] in nodes and e[1] in nodes]
    else:
        edges = [(s, o, p, d["evidence"]) for s, o, p, d in G.edges(keys=True, data=True) if s in nodes and o in nodes]
    return Selection(nodes, edges, title)


def _classes(g: KnowledgeGraph, names: list[str]) -> set[str]:
    classes = g.lexicon["classes"]
    out = set()
    for name in names:
        match = next((c for c in classes if c.lower() == name.strip().lower()), None)
        if match is None:
            raise InputError(f"unknown type {name!r}; types: {', '.join(sorted(classes))}")
        out.add(match)
    return out


def _from_query(g: KnowledgeGraph, sparql: str):
    """Nodes (and for CONSTRUCT or ?s ?p ?o results, edges) from a query."""
    result = g.query(sparql)
    entities = g.lexicon["entities"]
    nodes: set[str] = set()
    edges: list = []
    if result.kind == "graph":
        for t in result.raw:
            s, p, o = t.subject.value, t.predicate.value, t.object.value
            if s in entities and o in entities:
                nodes |= {s, o}
                edges.append((s, o, p.rsplit("#", 1)[-1].rsplit("/", 1)[-1], []))
            elif s in entities:
                nodes.add(s)
        return nodes, edges
    if result.kind != "select":
        raise InputError("--query needs a SELECT or CONSTRUCT query")
    for row in result.rows():
        if {"s", "p", "o"} <= row.keys() and row["s"] in entities and row["o"] in entities:
            edges.append((row["s"], row["o"], str(row["p"]).rsplit("#", 1)[-1], []))
        nodes |= {v for v in row.values() if v in entities}
    return nodes, edges


def _payload(g: KnowledgeGraph, sel: Selection, positions: dict | None) -> dict:
    props = g.lexicon["properties"]
    nodes = []
    for iri in sorted(sel.nodes):
        e = g.entity(iri)
        n = {"id": iri, "iri": iri, "label": e["label"], "types": e["types"], "group": group_of(g, e["types"]),
             "description": e.get("description") or "", "aliases": e.get("aliases", [])}  # fmt: skip
        if positions:
            n["x"], n["y"] = positions[iri]
        nodes.append(n)
    edges = []
    for s, o, p, evidence in sel.edges:
        prop = props.get(p, {})
        if prop.get("inverse_voice"):  # drawn as read: Jack Ma -attended-> meeting
            edges.append({"from": o, "to": s, "label": prop.get("verb") or p, "property": p, "evidence": evidence})
        else:
            edges.append({"from": s, "to": o, "label": prop.get("label", p), "property": p, "evidence": evidence})
    styles = {name: {"color": color, "shape": shape} for name, _, color, shape in GROUPS}
    return {"title": sel.title, "nodes": nodes, "edges": edges, "styles": styles, "physics": positions is None}


def layout(nodes: set[str], edges: list) -> dict[str, tuple[float, float]]:
    """Positions for large views, so the browser draws at once instead of simulating physics."""
    import networkx as nx

    G = nx.Graph()
    G.add_nodes_from(sorted(nodes))
    G.add_edges_from((s, o) for s, o, *_ in edges)
    n = max(len(nodes), 1)
    if n <= 1500:
        pos = nx.spring_layout(G, seed=7, iterations=30)
    else:  # force-directed layout is O(n^2) a step: start from the spectral layout, refine briefly
        pos = nx.spring_layout(G, pos=nx.spectral_layout(G), seed=7, iterations=3)
    scale = 40 * n**0.5
    return {k: (round(float(x) * scale, 1), round(float(y) * scale, 1)) for k, (x, y) in pos.items()}


def _script_json(data: dict) -> str:
    """JSON safe inside <script>: no '</script>', no HTML comment or CDATA tricks."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _vis_assets() -> tuple[str, str]:
    import pyvis

    lib = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    css = (lib / "vis-network.css").read_text(encoding="utf-8").replace("</style", "<\\/style")
    return js, css


def render_html(g: KnowledgeGraph, sel: Selection, physics_threshold: int = LAYOUT_THRESHOLD) -> str:
    positions = layout(sel.nodes, sel.edges) if len(sel.nodes) > physics_threshold else None
    return page(_payload(g, sel, positions))


def page(payload: dict) -> str:
    template = (Path(__file__).parent / "templates" / "viz.html").read_text(encoding="utf-8")
    js, css = _vis_assets()
    values = {"__TITLE__": html.escape(payload["title"]), "__VIS_CSS__": css, "__VIS_JS__": js, "__DATA__": _script_json(payload)}
    # One pass, so text from one slot can never be taken for another placeholder.
    return re.sub("|".join(values), lambda m: values[m.group(0)], template)


def to_networkx(g: KnowledgeGraph, sel: Selection):
    """The selection as a MultiDiGraph with types and provenance as attributes (GraphML/GEXF-safe)."""
    import networkx as nx

    G = nx.MultiDiGraph()
    for iri in sorted(sel.nodes):
        e = g.entity(iri)
        G.add_node(iri, label=e["label"], types=";".join(e["types"]), group=group_of(g, e["types"]),
                   description=e.get("description") or "", aliases=";".join(e.get("aliases", [])))  # fmt: skip
    for s, o, p, evidence in sel.edges:
        G.add_edge(s, o, key=p, label=p, sources=";".join(sorted({ev["source"] for ev in evidence})),
                   evidence=" | ".join(ev["quote"] for ev in evidence),
                   offsets=";".join(f"{ev['source']}:{ev['start']}-{ev['end']}" for ev in evidence))  # fmt: skip
    return G


def write(g: KnowledgeGraph, sel: Selection, out, fmt: str) -> None:
    """Writes `out` (a file name, `-` for standard output, or a resolved `kg.atomic.Output`):
    a file atomically (a failed write leaves no half file), a device or FIFO directly."""
    from kg.atomic import open_output

    if fmt not in ("html", "graphml", "gexf"):
        raise InputError(f"unknown format {fmt!r}; use html, graphml or gexf")
    if fmt == "html":
        body = render_html(g, sel).encode("utf-8")  # rendered first: a failure opens nothing
        with open_output(out) as f:
            f.write(body)
        return
    import networkx as nx

    G = to_networkx(g, sel)
    with open_output(out) as f:
        (nx.write_graphml if fmt == "graphml" else nx.write_gexf)(G, f)

"""`kg viz`: network maps and a timeline as self-contained HTML files, plus GraphML/GEXF exports.

A map is laid out here, in Python, with igraph's Fruchterman-Reingold (C core, seeded, so the same
selection always gives the same picture; `python benchmarks/viz_render.py --engines` times the
engines side by side); a map of 50-2,000 connected nodes is laid out community by community, each
community a group with a halo in the page. The page (kg/templates/viz.html) draws it on a canvas
with its own small script: no physics, no library, nothing fetched. It sizes nodes by degree or
centrality, colours them by class or by community (the layout's groups, else Louvain), labels the
most central ones first and more as you zoom (a label is drawn only where it overlaps no other),
and fades edges until a node or edge is selected.

Every string from the data reaches a page as JSON inside a <script type="application/json"> block
(with <, >, & escaped) and is put into the DOM with textContent (or as SVG text nodes) only.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError
from kg.graph import KnowledgeGraph

TEMPLATES = Path(__file__).parent / "templates"
RESERVE_CAP = 2000  # neighbours outside the view embedded in the page, for "expand"
CONNECTOR_CAP = 200  # connecting nodes added to a filtered view at most

# Display groups, most specific first: (group, kg classes, colour, shape drawn on the canvas)
GROUPS = [
    ("Person", {"Person"}, "#f08c3c", "circle"),
    ("AI model", {"AIModel"}, "#d6404e", "diamond"),
    ("Company", {"Company"}, "#1f9e89", "square"),
    ("Government", {"GovernmentBody", "IntergovernmentalOrganization", "PoliticalParty"}, "#2f4b7c", "square"),
    ("Organization", {"Organization"}, "#6aaa4f", "square"),
    ("Policy", {"Policy"}, "#b8336a", "triangle"),
    ("Event", {"Event"}, "#e9b000", "star"),
    ("Place", {"Place"}, "#4d9de0", "circle"),
    ("Technology", {"Technology"}, "#7a4fc9", "hexagon"),
    ("Industry", {"Industry", "Concept"}, "#a07cc5", "circle"),
    ("Product", {"Product"}, "#8d99ae", "square"),
    ("Work", {"CreativeWork"}, "#5fa8b8", "circle"),
    ("Figure", {"Observation"}, "#b0a990", "circle"),
    ("Other", set(), "#aaaaaa", "circle"),
]
GROUP_INDEX = {name: i for i, (name, *_) in enumerate(GROUPS)}
CONTEXT_PROPERTIES = {"founder", "affiliation", "worksFor", "leads"}
SIZE_MEASURES = ("degree", "pagerank", "betweenness")
COLOR_MODES = ("class", "community")


def group_of(lexicon: dict, types: list[str]) -> str:
    classes = lexicon["classes"]
    ancestors = {a for t in types for a in classes.get(t, {}).get("ancestors", [t])}
    return next((name for name, cls, _, _ in GROUPS if cls & ancestors), "Other")


@dataclass
class Selection:
    """Which nodes and facts a view shows.

    `connectors` are nodes added only to connect the selected ones (drawn lighter, can be hidden);
    `reserve` and `reserve_edges` are the neighbours outside the view, embedded for "expand"."""

    nodes: set[str]
    edges: list[tuple[str, str, str, list]]
    title: str
    connectors: set[str] = field(default_factory=set)
    reserve: set[str] = field(default_factory=set)
    reserve_edges: list[tuple[str, str, str, list]] = field(default_factory=list)


def select(
    g: KnowledgeGraph,
    focus: str | None = None,
    depth: int = 1,
    types: list[str] | None = None,
    query: str | None = None,
    context: bool = True,
) -> Selection:
    """The whole graph, an ego network, a class filter, or a query result (or combinations).

    A class filter or a SELECT keeps its context: nodes that connect two kept nodes (a meeting
    between two people, a company between its founder and its model) are added as connectors, so
    the view shows how its nodes relate instead of isolated points (`context=False`: not added)."""
    import networkx as nx

    from kg.nav import entity_graph

    G = entity_graph(g)
    U = G.to_undirected(as_view=True)
    title = "kg: the whole graph"
    nodes = set(G.nodes)
    extra: list = []
    construct = False
    if query is not None:
        nodes, extra, construct = _from_query(g, query)
        title = "kg: query result"
    if focus is not None:
        center = g.link(focus)
        near = nx.single_source_shortest_path_length(U, center, cutoff=depth)
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
    connectors: set[str] = set()
    if context and not construct and (types or (query is not None and focus is None)):
        connectors = connecting_nodes(U, nodes)
    shown = nodes | connectors
    if construct:  # a CONSTRUCT result draws exactly its own triples
        edges = [e for e in extra if e[0] in shown and e[1] in shown]
    else:
        edges = _edges_among(G, shown)
        seen = {(s, o, p) for s, o, p, _ in edges}
        edges += [e for e in extra if e[0] in shown and e[1] in shown and (e[0], e[1], e[2]) not in seen]
    reserve = _reserve(U, shown)
    reserve_edges = [e for e in _edges_among(G, shown | reserve) if e[0] in reserve or e[1] in reserve]
    return Selection(nodes, edges, title, connectors, reserve, reserve_edges)


def _edges_among(G, nodes: set[str]) -> list[tuple[str, str, str, list]]:
    out = []
    for s in sorted(nodes):
        for _, o, p, d in G.out_edges(s, keys=True, data=True):
            if o in nodes:
                out.append((s, o, p, d["evidence"]))
    return out


def connecting_nodes(U, kept: set[str], cap: int = CONNECTOR_CAP) -> set[str]:
    """Nodes outside `kept` on paths of length 2 or 3 between two kept nodes.

    Length 2 first (x linked to two kept nodes), then pairs x-y linking kept nodes that length 2
    left apart. Ranked by how many kept nodes they join, so a cap keeps the most useful ones."""
    touch: dict[str, set[str]] = {}
    for k in kept:
        for x in U.neighbors(k):
            if x not in kept:
                touch.setdefault(x, set()).add(k)
    two = sorted((x for x, ks in touch.items() if len(ks) >= 2), key=lambda x: (-len(touch[x]), x))[:cap]
    chosen = set(two)
    joined = set().union(*(touch[x] for x in two)) if two else set()
    for x in sorted(touch):
        if len(chosen) >= cap:
            break
        if x in chosen:
            continue
        for y in sorted(U.neighbors(x)):
            if y in kept or y == x or y not in touch:
                continue
            a, b = touch[x], touch[y]
            if (a | b) - joined and any(u != v for u in a for v in b):
                chosen |= {x, y}
                joined |= a | b
                break
    return chosen


def _reserve(U, shown: set[str], cap: int = RESERVE_CAP) -> set[str]:
    out: set[str] = set()
    for n in sorted(shown):
        for x in U.neighbors(n):
            if x not in shown:
                out.add(x)
                if len(out) >= cap:
                    return out
    return out


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
    """Nodes, edges (for CONSTRUCT or ?s ?p ?o results) and whether it was a CONSTRUCT."""
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
        return nodes, edges, True
    if result.kind != "select":
        raise InputError("--query needs a SELECT or CONSTRUCT query")
    for row in result.rows():
        if {"s", "p", "o"} <= row.keys() and row["s"] in entities and row["o"] in entities:
            edges.append((row["s"], row["o"], str(row["p"]).rsplit("#", 1)[-1], []))
        nodes |= {v for v in row.values() if v in entities}
    return nodes, edges, False


# ---------------------------------------------------------------- measures and layout


def _igraph(order: list[str], edges):
    import igraph

    idx = {n: i for i, n in enumerate(order)}
    pairs = {(min(idx[s], idx[o]), max(idx[s], idx[o])) for s, o, *_ in edges if s in idx and o in idx and s != o}
    return igraph.Graph(n=len(order), edges=sorted(pairs))


def measure(order: list[str], edges, by: str = "degree") -> list[float]:
    """Importance of each node: degree, PageRank or betweenness (igraph), for size and label order."""
    if by not in SIZE_MEASURES:
        raise InputError(f"unknown size measure {by!r}; use {', '.join(SIZE_MEASURES)}")
    G = _igraph(order, edges)
    if by == "degree":
        return [float(d) for d in G.degree()]
    if by == "pagerank":
        return [float(v) for v in G.pagerank()]
    return [float(v) for v in G.betweenness(directed=False)]


def communities(order: list[str], edges, seed: int = 7) -> list[int]:
    """Louvain communities (networkx), numbered largest first; isolated nodes share one number."""
    import networkx as nx

    G = nx.Graph()
    G.add_nodes_from(order)
    G.add_edges_from((s, o) for s, o, *_ in edges if s != o)
    found = sorted(nx.community.louvain_communities(G, seed=seed), key=lambda c: (-len(c), min(c)))
    where = {n: i for i, c in enumerate(found) for n in c}
    return [where[n] for n in order]


def radii(values: list[float], smallest: float = 5.0, largest: float = 28.0) -> list[float]:
    """Node radius in layout pixels: area grows with the measure, so hubs stand out without swamping."""
    top = max(values, default=0.0) or 1.0
    return [round(smallest + (largest - smallest) * math.sqrt(max(v, 0.0) / top), 1) for v in values]


class _SeededIgraph:
    """igraph draws its random numbers from Python's `random` module; a private generator makes the
    layout reproducible without touching the caller's random state."""

    def __init__(self, seed: int) -> None:
        import random

        self.rng = random.Random(seed)

    def __enter__(self):
        import igraph

        igraph.set_random_number_generator(self.rng)

    def __exit__(self, *exc):
        import random

        import igraph

        igraph.set_random_number_generator(random)


EDGE_PX = 70.0  # median edge length in the laid-out picture
HUB_DAMPING = 1.5  # edge weight 1/(deg u * deg v)^this: 0.5 and 1.0 left the curated graph one ball around China


GROUPED = (50, 2000)  # components of this many nodes are laid out community by community
HALO_MIN = 6  # a community of at least this many nodes gets a halo in the page


def layout(
    nodes, edges, seed: int = 7, sizes: dict[str, float] | None = None, groups: list | None = None
) -> dict[str, tuple[float, float]]:
    """Seeded positions in pixels: each connected component laid out with Fruchterman-Reingold,
    nodes pushed apart where their discs overlap, components packed side by side (largest first).

    Attraction is weaker on edges at hubs (weight 1/(deg u * deg v)^HUB_DAMPING), so a country
    linked to everything does not pull all clusters into one ball. A component of GROUPED size (a
    map a person reads whole) is laid out by its communities (see `_grouped`): each one on its own,
    then the communities placed as discs side by side, so a meeting, a rule or a list of models
    shows as a group instead of a strand of one hairball. If `groups` (a list) is given, the
    communities drawn are appended to it as (member indices in sorted node order, centre x, y, radius)."""
    import numpy as np

    order = sorted(nodes)
    if not order:
        return {}
    G = _igraph(order, edges)
    deg = np.array(G.degree(), dtype=float)
    r = np.array([(sizes or {}).get(n, 6.0) for n in order], dtype=float)
    pos = np.zeros((len(order), 2))
    boxes, found = [], []
    with _SeededIgraph(seed):
        rng = np.random.default_rng(seed)
        for comp in sorted(G.connected_components(), key=lambda c: (-len(c), c[0])):
            comp = sorted(comp)
            if len(comp) == 1:
                xy = np.zeros((1, 2))
            elif GROUPED[0] <= len(comp) <= GROUPED[1]:
                xy, parts = _grouped(G.subgraph(comp), deg[comp], r[comp], rng)
                found.append((comp, parts))
            else:
                xy = _force(G.subgraph(comp), deg[comp], r[comp], rng)
            mid = (xy.min(axis=0) + xy.max(axis=0)) / 2
            xy -= mid
            if found and found[-1][0] is comp:
                found[-1] = (comp, [(m, (cx - mid[0], cy - mid[1]), rad) for m, (cx, cy), rad in found[-1][1]])
            boxes.append((comp, xy))
    shift = _pack(boxes, pos, r)
    if groups is not None:
        for comp, parts in found:
            for members, (cx, cy), radius in parts:
                dx, dy = shift[id(comp)]
                groups.append(([comp[m] for m in members], round(float(cx + dx), 1), round(float(cy + dy), 1), round(radius, 1)))
    return {n: (round(float(pos[i, 0]), 1), round(float(pos[i, 1]), 1)) for i, n in enumerate(order)}


def _force(sub, deg, r, rng, damping: float = HUB_DAMPING, finish: bool = True, niter: int | None = None):
    """One connected piece laid out by Fruchterman-Reingold, in pixels; `finish`: evened out (50
    nodes and more) and discs pushed apart (else the caller does it)."""
    import numpy as np

    n = sub.vcount()
    if n == 1:
        return np.zeros((1, 2))
    edgelist = sub.get_edgelist()
    # Weaker pull between hubs; its cost (2.5x) pays only on views a person reads whole.
    w = [1.0 / (deg[a] * deg[b]) ** damping for a, b in edgelist] if n <= 2000 and damping else None
    half = math.sqrt(n) / 2
    start = rng.uniform(-half, half, (n, 2)).tolist()
    grid = "grid" if n > 300 else "nogrid"  # the grid: 12x faster at 1,000 nodes
    niter = niter or (500 if n <= 2000 else 300)  # large maps: settled enough, 40% less time
    xy = np.array(sub.layout_fruchterman_reingold(seed=start, weights=w, grid=grid, niter=niter).coords)
    if finish and 50 <= n <= 2000:
        xy = _even_out(xy, SPREAD)
    if edgelist:
        xy *= _scale(xy, edgelist, r)
    else:  # a community with no edge inside: its members in a small disc
        xy *= EDGE_PX / max(float(np.ptp(xy, axis=0).max()), 1e-9) * math.sqrt(n) / 2
    return _separate(xy, r) if finish else xy


COMMUNITY_DAMPING = 0.25  # community edge weight 1/(deg u * deg v)^this: a hub does not merge every group it touches
RESOLUTION = 1.5  # modularity resolution: above 1, smaller groups (a meeting, not the whole of its article)
INNER_DAMPING = 0.5  # hub damping inside one group
GROUP_NITER = 250  # iterations for one group: a few dozen nodes settle well before 500
GROUP_GAP = 60.0  # pixels between two communities' discs
GROUP_SPACING = 28.0  # a group of n nodes spans about this * sqrt(n) pixels (90% of them within): ~50 px apart


def _grouped(sub, deg, r, rng):
    """A component laid out community by community: Leiden (igraph, modularity on hub-damped
    weights: Louvain's method, with connected communities) finds the groups; each is laid out on
    its own (`_force`), about equally dense, turned to face the groups it links to, and the groups
    are placed as discs: Fruchterman-Reingold on the graph of groups (weighted by the edges between
    them), discs pulled toward the centre and pushed apart until none overlaps.
    Returns positions and [(member indices, centre, radius)]."""
    import numpy as np

    edgelist = sub.get_edgelist()
    w = [1.0 / (deg[a] * deg[b]) ** COMMUNITY_DAMPING for a, b in edgelist]
    # Leiden (modularity): like Louvain, and its communities are connected
    member = np.array(sub.community_leiden(objective_function="modularity", weights=w, resolution=RESOLUTION, n_iterations=-1).membership)
    k = int(member.max()) + 1
    # groups numbered largest first (ties: lowest member), so the result does not depend on igraph's numbering
    first = {}
    for i, c in enumerate(member):
        first.setdefault(int(c), i)
    counts = np.bincount(member, minlength=k)
    rank = sorted(range(k), key=lambda c: (-counts[c], first[c]))
    renum = np.empty(k, dtype=int)
    renum[rank] = np.arange(k)
    member = renum[member]
    parts = [np.flatnonzero(member == c) for c in range(k)]
    inner, radius = [], np.zeros(k)
    for c, idx in enumerate(parts):
        part = sub.subgraph(idx.tolist())
        # within a group, by the degrees inside it, and damped less: the group is small enough to read
        dense = len(idx) >= 8  # every group about equally dense: a chain is folded in, a crowded star opened up
        xy = _force(part, np.array(part.degree(), dtype=float), r[idx], rng, INNER_DAMPING, finish=not dense, niter=GROUP_NITER)
        xy -= np.median(xy, axis=0)
        if dense:
            xy = _even_out(xy, SPREAD)
            reach = float(np.percentile(np.hypot(xy[:, 0], xy[:, 1]), 90)) or 1.0
            xy = _separate(xy * (GROUP_SPACING * math.sqrt(len(idx)) / reach), r[idx])
        xy -= xy.mean(axis=0)
        inner.append(xy)
        radius[c] = float((np.hypot(xy[:, 0], xy[:, 1]) + r[idx]).max()) + 6.0
    # the graph of groups
    e = np.array(edgelist, dtype=np.int64).reshape(-1, 2)
    ca, cb = member[e[:, 0]], member[e[:, 1]]
    between = ca != cb
    weight: dict[tuple[int, int], float] = {}
    for a, b in zip(ca[between], cb[between], strict=True):
        key = (min(a, b), max(a, b))
        weight[key] = weight.get(key, 0.0) + 1.0
    centre = _place_discs(k, weight, radius, rng)
    # each group turned so that its members linked outside face the groups they link to
    offset = np.zeros((sub.vcount(), 2))
    for c, idx in enumerate(parts):
        offset[idx] = inner[c]
    m = np.concatenate([e[between, 0], e[between, 1]])  # a member linked outside, and the other end
    o = np.concatenate([e[between, 1], e[between, 0]])
    u, v = offset[m], centre[member[o]] - centre[member[m]]
    v /= np.maximum(np.hypot(v[:, 0], v[:, 1]), 1e-9)[:, None]
    # per group: sums of cross and dot products between offsets and outward directions
    torque = np.column_stack(
        [np.bincount(member[m], u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0], k), np.bincount(member[m], (u * v).sum(axis=1), k)]
    )
    xy = np.zeros((sub.vcount(), 2))
    out = []
    for c, idx in enumerate(parts):
        t = math.atan2(torque[c, 0], torque[c, 1]) if torque[c].any() else 0.0
        rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
        xy[idx] = inner[c] @ rot.T + centre[c]
        out.append((idx.tolist(), (float(centre[c, 0]), float(centre[c, 1])), float(radius[c])))
    return xy, out


def _place_discs(k: int, weight: dict, radius, rng, rounds: int = 200):
    """Centres for k discs of the given radii: a seeded Fruchterman-Reingold of the group graph as
    the start, then rounds of a pull toward the centre (stronger for linked pairs: toward each
    other) and a push apart of overlapping discs, so the groups sit close but never on top."""
    import igraph
    import numpy as np

    if k == 1:
        return np.zeros((1, 2))
    pairs = sorted(weight)
    H = igraph.Graph(n=k, edges=pairs)
    start = rng.uniform(-1, 1, (k, 2)).tolist()
    p = np.array(H.layout_fruchterman_reingold(seed=start, weights=[weight[q] for q in pairs] or None, niter=500).coords)
    p -= p.mean(axis=0)
    spread = float(np.hypot(p[:, 0], p[:, 1]).max()) or 1.0
    p *= 1.2 * math.sqrt(float((radius**2).sum())) / spread  # about the area the discs need
    area = radius**2
    ia, ib = np.triu_indices(k, 1)
    la = np.array([a for a, _ in pairs], dtype=np.int64)
    lb = np.array([b for _, b in pairs], dtype=np.int64)
    lw = np.array([weight[q] for q in pairs])
    lw = lw / lw.max() if len(lw) else lw
    need_all = radius[ia] + radius[ib] + GROUP_GAP
    share_all = area[ib] / (area[ia] + area[ib])  # the smaller disc moves more
    to_a = area[lb] / (area[la] + area[lb])

    def acc(idx, vec):  # sums of 2-d vectors per disc (np.add.at, faster)
        return np.column_stack([np.bincount(idx, vec[:, 0], k), np.bincount(idx, vec[:, 1], k)])

    for step in range(rounds):
        cool = 1.0 - step / rounds
        before = p.copy()
        p -= 0.05 * cool * (p - np.average(p, axis=0, weights=area))
        if len(la):  # linked groups drift toward touching
            d = p[lb] - p[la]
            dist = np.hypot(d[:, 0], d[:, 1]) + 1e-9
            gapd = dist - radius[la] - radius[lb] - GROUP_GAP
            move = (d / dist[:, None]) * (0.05 * cool * lw * np.maximum(gapd, 0))[:, None]
            p += acc(la, move * to_a[:, None]) - acc(lb, move * (1 - to_a)[:, None])
        for _ in range(2):
            d = p[ib] - p[ia]
            dist = np.hypot(d[:, 0], d[:, 1])
            over = dist < need_all
            if not over.any():
                break
            a, b, d, dist, need, share = ia[over], ib[over], d[over], dist[over], need_all[over], share_all[over]
            tiny = dist < 1e-6
            d[tiny] = np.column_stack([np.cos(a[tiny] * 2.4), np.sin(a[tiny] * 2.4)])
            dist[tiny] = 1.0
            push = (d / dist[:, None]) * (need - dist)[:, None]
            p += acc(b, push * (1 - share)[:, None]) - acc(a, push * share[:, None])
        if step > 20 and float(np.abs(p - before).max()) < 0.5:  # settled (to half a pixel)
            break
    for _ in range(200):  # last: no two discs overlap at all
        d = p[ib] - p[ia]
        dist = np.hypot(d[:, 0], d[:, 1])
        need = radius[ia] + radius[ib] + GROUP_GAP
        over = dist < need - 1e-6
        if not over.any():
            break
        a, b, d, dist, need = ia[over], ib[over], d[over], dist[over], need[over]
        dist = np.maximum(dist, 1e-6)
        push = (d / dist[:, None]) * ((need - dist) / 2 + 0.01)[:, None]
        np.add.at(p, a, -push)
        np.add.at(p, b, push)
    return p


SPREAD = 0.5  # how far a readable map's crowded centre is evened out (0: as laid out, 1: uniform disc)


def _even_out(xy, amount: float):
    """Moves nodes outward from the centre so the disc is about evenly dense: a force layout packs
    the hubs and their shared neighbours into the middle, where their labels then find no room.
    Each node keeps its direction and its rank by distance (so clusters and who-is-inside stay);
    its distance moves `amount` of the way toward where that rank falls in a uniform disc."""
    import numpy as np

    c = np.median(xy, axis=0)
    d = xy - c
    rho = np.hypot(d[:, 0], d[:, 1])
    top = float(rho.max()) or 1.0
    rank = np.empty(len(rho))
    rank[np.argsort(rho, kind="stable")] = np.arange(len(rho))
    target = top * np.sqrt((rank + 0.5) / len(rho))
    new = (1 - amount) * rho + amount * target
    scale = np.where(rho > 1e-9, new / np.maximum(rho, 1e-9), 1.0)
    return c + d * scale[:, None]


def _scale(xy, edgelist, r, gap: float = 6.0) -> float:
    """Pixels per layout unit: edges about EDGE_PX long, unless nodes would then sit closer than
    their size (large sparse graphs): then the typical spacing gets about two radii and a gap."""
    import numpy as np

    e = np.array(edgelist[:50000])
    lengths = np.hypot(*(xy[e[:, 0]] - xy[e[:, 1]]).T)
    by_edges = EDGE_PX / (float(np.median(lengths)) or 1.0)
    if len(xy) < 500:  # small components are never that crowded, and a line of three has no area
        return by_edges
    lo, hi = np.percentile(xy, 5, axis=0), np.percentile(xy, 95, axis=0)
    spacing = math.sqrt(max(float(np.prod(hi - lo)) / 0.81, 1e-9) / len(xy))  # mean distance between neighbours
    by_room = (2 * float(np.median(r)) + gap) / (0.5 * spacing)  # nearest neighbours sit about half that apart
    return max(by_edges, by_room)


def pairs_within(xy, reach: float):
    """Index pairs (i < j) of points closer than `reach` on each axis' cell grid, then by distance.

    A uniform grid of cells `reach` wide, in numpy: each point meets the points of its own cell and of
    four neighbouring cells (the other four see it from their side). Used instead of scipy's k-d
    tree, whose import alone costs a second and more on a busy machine."""
    import numpy as np

    n = len(xy)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    cell = np.floor((xy - xy.min(axis=0)) / reach).astype(np.int64)
    width = int(cell[:, 1].max()) + 3
    key = (cell[:, 0] + 1) * width + (cell[:, 1] + 1)
    order = np.argsort(key, kind="stable")
    sorted_keys = key[order]
    out = []
    for dx, dy in ((0, 0), (1, -1), (1, 0), (1, 1), (0, 1)):
        target = key + dx * width + dy
        left = np.searchsorted(sorted_keys, target, "left")
        right = np.searchsorted(sorted_keys, target, "right")
        counts = right - left
        total = int(counts.sum())
        if not total:
            continue
        i = np.repeat(np.arange(n), counts)
        starts = np.repeat(left - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        j = order[np.arange(total) + starts]
        keep = (i < j) if (dx, dy) == (0, 0) else np.ones(total, dtype=bool)
        i, j = i[keep], j[keep]
        d = xy[i] - xy[j]
        close = d[:, 0] ** 2 + d[:, 1] ** 2 < reach * reach
        out.append(np.column_stack([np.minimum(i, j)[close], np.maximum(i, j)[close]]))
    return np.concatenate(out) if out else np.zeros((0, 2), dtype=np.int64)


SMALL = 300  # up to this many nodes, overlaps are checked between all pairs


def _separate(xy, r, rounds: int = 20, gap: float = 4.0):
    """Pushes apart nodes whose discs (plus a gap) overlap, a few rounds."""
    import numpy as np

    xy = xy.copy()
    # any pair with at least one node of ordinary size; two of the rare largest hubs may still touch
    reach = float(np.percentile(r, 99)) + float(r.max()) + gap
    every = np.column_stack(np.triu_indices(len(xy), 1)) if len(xy) <= SMALL else None  # a small group: all pairs, cheaper than cells
    for _ in range(rounds):
        pairs = every if every is not None else pairs_within(xy, reach)
        if not len(pairs):
            break
        a, b = pairs[:, 0], pairs[:, 1]
        d = xy[b] - xy[a]
        dist = np.hypot(d[:, 0], d[:, 1])
        need = r[a] + r[b] + gap
        over = dist < need
        if not over.any():
            break
        a, b, d, dist, need = a[over], b[over], d[over], dist[over], need[over]
        tiny = dist < 1e-6
        d[tiny] = np.column_stack([np.cos(a[tiny] * 2.4), np.sin(a[tiny] * 2.4)])
        dist[tiny] = 1.0
        push = (d / dist[:, None]) * ((need - dist) / 2)[:, None]
        np.add.at(xy, a, -push)
        np.add.at(xy, b, push)
    return xy


def _pack(boxes, pos, r, aspect: float = 1.0, margin: float = 40.0) -> dict[int, tuple[float, float]]:
    """Shelf packing: rows of components, largest first, in a page about `aspect` wide.
    Returns each component's shift (by id of its index list)."""
    import numpy as np

    sizes = []
    for comp, xy in boxes:
        ext = xy.max(axis=0) - xy.min(axis=0) + 2 * r[comp].max() + margin
        sizes.append(ext)
    area = sum(float(w * h) for w, h in sizes)
    width = max(math.sqrt(area * aspect), float(max(w for w, _ in sizes)))
    x = y = row = 0.0
    shift = {}
    for (comp, xy), (w, h) in zip(boxes, sizes, strict=True):
        if x > 0 and x + w > width:
            x, y, row = 0.0, y + row, 0.0
        shift[id(comp)] = (x + w / 2, y + h / 2)
        pos[comp] = xy + np.array(shift[id(comp)])
        x, row = x + w, max(row, float(h))
    mid = (pos.min(axis=0) + pos.max(axis=0)) / 2
    pos -= mid
    return {k: (float(dx - mid[0]), float(dy - mid[1])) for k, (dx, dy) in shift.items()}


# ---------------------------------------------------------------- page data

_LITERALS = """SELECT ?s ?p ?o ?quote ?src ?start ?end WHERE {
  ?st a kgo:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
      kgo:evidence ?quote ; prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end .
  FILTER(isLiteral(?o))
}"""


def literal_facts(g: KnowledgeGraph) -> dict[str, list[tuple[str, str, dict]]]:
    """Facts with a value (dates, figures, titles) per entity, with evidence, for the node cards."""

    def make():
        out: dict[str, list] = {}
        for r in g.select(_LITERALS):
            ev = {"source": r["src"].value.rsplit("/", 1)[-1], "quote": r["quote"].value,
                  "start": int(r["start"].value), "end": int(r["end"].value)}  # fmt: skip
            out.setdefault(r["s"].value, []).append((r["p"].value.rsplit("#", 1)[-1], r["o"].value, ev))
        return out

    return g.memo("viz-literal-facts", make)


class _Evidence:
    """One table of evidence per page: a quote shared by many facts is embedded once."""

    def __init__(self) -> None:
        self.rows: list[list] = []
        self.index: dict[tuple, int] = {}

    def ref(self, ev: dict) -> int:
        key = (ev["source"], ev["start"], ev["end"], ev["quote"])
        if key not in self.index:
            self.index[key] = len(self.rows)
            self.rows.append([ev["source"], ev["quote"], ev["start"], ev["end"]])
        return self.index[key]


def payload(
    lexicon: dict,
    sel: Selection,
    *,
    size_by: str = "degree",
    color_by: str = "class",
    seed: int = 7,
    facts: dict | None = None,
    entities: dict | None = None,
) -> dict:
    """Everything the page needs: laid-out nodes (most important first), edges by node index,
    one evidence table, the reserve for "expand", styles. `entities` defaults to the lexicon's."""
    if color_by not in COLOR_MODES:
        raise InputError(f"unknown colour mode {color_by!r}; use {', '.join(COLOR_MODES)}")
    ents = entities if entities is not None else lexicon["entities"]
    props = lexicon["properties"]
    shown = sel.nodes | sel.connectors
    order = sorted(shown)
    values = measure(order, sel.edges, size_by)
    rad = radii(values)
    found: list = []
    pos = layout(shown, sel.edges, seed=seed, sizes=dict(zip(order, rad, strict=True)), groups=found)
    drawn = [gr for gr in found if len(gr[0]) >= HALO_MIN]  # groups drawn as a halo behind their members
    in_group = {order[m]: q for q, gr in enumerate(drawn) for m in gr[0]}
    comm = None
    if color_by == "community":
        # the layout's groups where it made them (so a group's nodes share its halo's colour), else Louvain
        louvain = communities(order, sel.edges, seed)
        comm = [in_group[n] if n in in_group else len(drawn) + louvain[i] for i, n in enumerate(order)]
    ranked = sorted(range(len(order)), key=lambda i: (-values[i], ents[order[i]]["label"], order[i]))
    evidence = _Evidence()
    facts = facts or {}
    prop_ids: dict[str, int] = {}
    prop_rows: list[list] = []

    def prop(p: str) -> int:
        if p not in prop_ids:
            d = props.get(p, {})
            inverse = bool(d.get("inverse_voice"))
            prop_ids[p] = len(prop_rows)
            prop_rows.append([p, (d.get("verb") or d.get("label", p)) if inverse else d.get("label", p), 1 if inverse else 0])
        return prop_ids[p]

    def node(iri: str, i: int | None) -> dict:
        e = ents[iri]
        n = {"id": iri, "label": e["label"], "g": GROUP_INDEX[group_of(lexicon, e["types"])], "types": e["types"]}
        if e.get("description"):
            n["d"] = e["description"]
        if e.get("aliases"):
            n["a"] = e["aliases"]
        if iri in facts:
            n["f"] = [[prop(p), v, evidence.ref(ev)] for p, v, ev in facts[iri]]
        if i is not None:
            n.update(x=pos[iri][0], y=pos[iri][1], r=rad[i], m=round(values[i], 6))
            if comm is not None:
                n["c"] = comm[i]
            if iri in sel.connectors:
                n["k"] = 1  # connector
            if iri in in_group:
                n["q"] = in_group[iri]  # its group (halo); edges between groups are drawn fainter
        return n

    nodes = [node(order[i], i) for i in ranked]
    where = {n["id"]: k for k, n in enumerate(nodes)}
    reserve = [node(iri, None) for iri in sorted(sel.reserve)]
    where.update({n["id"]: len(nodes) + k for k, n in enumerate(reserve)})

    def edge(s: str, o: str, p: str, ev: list) -> list:
        frm, to = (o, s) if props.get(p, {}).get("inverse_voice") else (s, o)  # drawn as read
        return [where[frm], where[to], prop(p), [evidence.ref(x) for x in ev]]

    styles = [{"name": name, "color": color, "shape": shape} for name, _, color, shape in GROUPS]
    return {
        "kind": "map",
        "title": sel.title,
        "nodes": nodes,
        "edges": [edge(*e) for e in sel.edges],
        "reserve": reserve,
        "reserveEdges": [edge(*e) for e in sel.reserve_edges],
        "props": prop_rows,
        "evidence": evidence.rows,
        "styles": styles,
        "sizeBy": size_by,
        "colorBy": color_by,
        "groups": [[x, y, radius] for _, x, y, radius in drawn],
    }


def _script_json(data: dict) -> str:
    """JSON safe inside <script>: no '</script>', no HTML comment or CDATA tricks."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _fill(template_name: str, title: str, data: dict) -> str:
    template = (TEMPLATES / template_name).read_text(encoding="utf-8")
    values = {"__TITLE__": html.escape(title), "__DATA__": _script_json(data)}
    # One pass, so text from one slot can never be taken for another placeholder.
    return re.sub("|".join(values), lambda m: values[m.group(0)], template)


def page(data: dict) -> str:
    """The map page around a payload (see `payload`)."""
    return _fill("viz.html", data["title"], data)


def render_html(g: KnowledgeGraph, sel: Selection, size_by: str = "degree", color_by: str = "class", seed: int = 7) -> str:
    """A self-contained, offline map page of a selection."""
    return page(payload(g.lexicon, sel, size_by=size_by, color_by=color_by, seed=seed, facts=literal_facts(g)))


# ---------------------------------------------------------------- timeline

_DATE_TYPES = "xsd:date, xsd:gYearMonth, xsd:gYear, xsd:gMonth"  # the ontology's date ranges (kgo:range)
_DATED = f"""SELECT ?st ?s ?p ?o ?dp ?date ?quote ?src ?start ?end WHERE {{
  ?st a kgo:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; ?dp ?date .
  FILTER(isLiteral(?date) && DATATYPE(?date) IN ({_DATE_TYPES}))
  OPTIONAL {{ ?st kgo:evidence ?quote ; prov:wasDerivedFrom ?src ; kgo:startOffset ?start ; kgo:endOffset ?end }}
}}"""
_BARE_DATED = f"""SELECT ?s ?p ?date WHERE {{
  ?s ?p ?date . FILTER(isIRI(?s) && isLiteral(?date) && DATATYPE(?date) IN ({_DATE_TYPES}))
}}"""
_DATE = re.compile(r"^(-?\d{4,})(?:-(\d\d))?(?:-(\d\d))?")
_MONTH = re.compile(r"^--(\d\d)$")
END_PROPERTIES = {"endDate"}
START_PROPERTIES = {"date", "startDate"}


def _date_key(text: str) -> tuple[int, int, int] | None:
    """Sort key; a month without a year ("--02", "the Paris Summit in February") sorts after every
    dated item, by month, since the source places it in no year."""
    m = _MONTH.match(text)
    if m:
        return 10**6, int(m.group(1)), 0
    m = _DATE.match(text)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)


def _local(iri_: str) -> str:
    return iri_.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def timeline_items(g: KnowledgeGraph) -> list[dict]:
    """Everything dated, oldest first, each with its evidence.

    Read from the ontology's date datatypes, not from a list of properties: any statement whose
    value is an xsd:date, xsd:gYearMonth, xsd:gYear or xsd:gMonth (an event's date, a rule's comment deadline,
    a founding date, an observation's year) is an item, and so is any statement qualified by such
    a date ("as of April 2024"). A start and an end date of one subject become one span. Facts that
    share date, relation, value and quote (a list of models in one sentence) become one item."""
    lex = g.lexicon
    ents, props = lex["entities"], lex["properties"]
    facts: list[dict] = []
    stated: set[tuple[str, str, str]] = set()
    for r in g.select(_DATED):
        s, p, dp, date = r["s"].value, _local(r["p"].value), _local(r["dp"].value), r["date"].value
        if s not in ents or _date_key(date) is None:
            continue
        o, qualified = r["o"].value, dp != "object"
        if not qualified:
            stated.add((s, p, date))
        ev = []
        if r.get("quote") is not None:
            ev = [{"source": r["src"].value.rsplit("/", 1)[-1], "quote": r["quote"].value,
                   "start": int(r["start"].value), "end": int(r["end"].value)}]  # fmt: skip
        value = (ents[o]["label"] if o in ents else o) if qualified else None
        facts.append({"s": s, "p": p, "date": date, "qualifier": props.get(dp, {}).get("label", dp) if qualified else None,
                      "value": value, "evidence": ev})  # fmt: skip
    for r in g.select(_BARE_DATED):  # dated facts without a statement (none today): still shown
        s, p, date = r["s"].value, _local(r["p"].value), r["date"].value
        if s in ents and (s, p, date) not in stated and _date_key(date):
            facts.append({"s": s, "p": p, "date": date, "qualifier": None, "value": None, "evidence": []})
    facts = _spans(facts)
    items: dict[tuple, dict] = {}
    for f in facts:
        quote = f["evidence"][0]["quote"] if f["evidence"] else f["s"]
        k = (f["date"], f.get("end"), f["p"], f["value"], quote, f["qualifier"])
        it = items.setdefault(k, {"date": f["date"], "sort": list(_date_key(f["date"])), "property": f["p"],
                                  "what": "from - to" if f.get("end") else props.get(f["p"], {}).get("label", f["p"]),
                                  "qualifier": f["qualifier"], "value": f["value"], "subjects": [], "evidence": []})  # fmt: skip
        if f.get("end"):
            it["end"] = f["end"]
        if _MONTH.match(f["date"]):
            it["noyear"] = True
        if f["s"] not in it["subjects"]:
            it["subjects"].append(f["s"])
        it["evidence"] += [e for e in f["evidence"] if e not in it["evidence"]]
    out = list(items.values())
    for it in out:
        it["subjects"] = [{"id": s, "label": ents[s]["label"], "group": group_of(lex, ents[s]["types"]), "types": ents[s]["types"]}
                          for s in sorted(it["subjects"], key=lambda s: ents[s]["label"])]  # fmt: skip
        it["evidence"].sort(key=lambda e: (e["source"], e["start"]))
    return sorted(out, key=lambda it: (it["sort"], it["subjects"][0]["label"], it["what"]))


def _spans(facts: list[dict]) -> list[dict]:
    """A subject's start date and its end date as one fact 'from - to'."""
    ends = {f["s"]: f for f in facts if f["p"] in END_PROPERTIES and f["qualifier"] is None}
    used = set()
    for f in facts:
        end = ends.get(f["s"])
        if f["p"] in START_PROPERTIES and f["qualifier"] is None and end is not None and _date_key(end["date"]) >= _date_key(f["date"]):
            f["end"] = end["date"]
            f["evidence"] = f["evidence"] + [e for e in end["evidence"] if e not in f["evidence"]]
            used.add(id(end))
    return [f for f in facts if id(f) not in used]


def timeline_page(items: list[dict], title: str = "kg: timeline") -> str:
    """The timeline page (kg/templates/timeline.html) for `timeline_items` output: self-contained,
    offline, every string escaped. For callers such as the server's pages."""
    styles = [{"name": name, "color": color} for name, _, color, _ in GROUPS]
    return _fill("timeline.html", title, {"kind": "timeline", "title": title, "items": items, "styles": styles})


def render_timeline(g: KnowledgeGraph, title: str = "kg: timeline") -> str:
    """Everything dated in the graph as one timeline page."""
    return timeline_page(timeline_items(g), title)


# ---------------------------------------------------------------- files


def to_networkx(g: KnowledgeGraph, sel: Selection):
    """The selection as a MultiDiGraph with types and provenance as attributes (GraphML/GEXF-safe)."""
    import networkx as nx

    G = nx.MultiDiGraph()
    for iri in sorted(sel.nodes | sel.connectors):
        e = g.entity(iri)
        G.add_node(iri, label=e["label"], types=";".join(e["types"]), group=group_of(g.lexicon, e["types"]),
                   description=e.get("description") or "", aliases=";".join(e.get("aliases", [])),
                   connector=iri in sel.connectors)  # fmt: skip
    for s, o, p, evidence in sel.edges:
        G.add_edge(s, o, key=p, label=p, sources=";".join(sorted({ev["source"] for ev in evidence})),
                   evidence=" | ".join(ev["quote"] for ev in evidence),
                   offsets=";".join(f"{ev['source']}:{ev['start']}-{ev['end']}" for ev in evidence))  # fmt: skip
    return G


def write(g: KnowledgeGraph, sel: Selection | None, out, fmt: str, **options) -> None:
    """Writes `out` (a file name, `-` for standard output, or a resolved `kg.atomic.Output`):
    a file atomically (a failed write leaves no half file), a device or FIFO directly.
    `sel=None` with fmt "html" writes the timeline; `options` go to `render_html`."""
    from kg.atomic import open_output

    if fmt not in ("html", "graphml", "gexf"):
        raise InputError(f"unknown format {fmt!r}; use html, graphml or gexf")
    if sel is None:
        if fmt != "html":
            raise InputError("the timeline is an HTML page; use -o NAME.html")
        body = render_timeline(g).encode("utf-8")
    elif fmt == "html":
        body = render_html(g, sel, **options).encode("utf-8")  # rendered first: a failure opens nothing
    else:
        body = None
    if body is not None:
        with open_output(out) as f:
            f.write(body)
        return
    import networkx as nx

    G = to_networkx(g, sel)
    with open_output(out) as f:
        (nx.write_graphml if fmt == "graphml" else nx.write_gexf)(G, f)

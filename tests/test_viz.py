"""kg viz: the selection, layout, the self-contained pages (map and timeline), escaping, exports, and
the interactions in a real headless Chromium (click, edge, expand, filter, search, export, timeline)."""

from __future__ import annotations

import base64
import html
import io
import os
import re
import urllib.parse
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from kg.graph import KnowledgeGraph
from kg.viz import Selection, layout, measure, page, payload, render_html, render_timeline, select, timeline_items, timeline_page, write
from tests import browser

LEADERS = ["Jack Ma", "Liang Wenfeng", "Ren Zhengfei", "Wang Chuanfu", "Liu Yonghao", "Yu Renrong", "Lei Jun", "Wang Xingxing", "Pony Ma"]
COMPANIES = [
    "Alibaba",
    "DeepSeek",
    "Huawei",
    "BYD",
    "New Hope Group",
    "Shanghai Will Semiconductor",
    "Xiaomi",
    "UniTree Robotics",
    "Tencent",
]
PAYLOAD = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>\"'"
EVIL = "https://w3id.org/kg-tc/id/evil"

needs_browser = pytest.mark.skipif(browser.chromium() is None and not os.environ.get("KG_REQUIRE_BROWSER"), reason="chromium not installed")


@pytest.fixture(scope="module")
def g(real_build) -> KnowledgeGraph:
    return KnowledgeGraph(real_build.store, real_build.lexicon)


def labels(g, sel) -> set[str]:
    return {g.label(n) for n in sel.nodes | sel.connectors}


def iri_of(g, label):
    return g.link(label)


def test_great_hall_focus_shows_host_leaders_and_companies(g):
    sel = select(g, focus="Great Hall meeting", depth=1)
    assert {"Xi Jinping", "Great Hall meeting", *LEADERS, *COMPANIES} <= labels(g, sel)
    assert ("Xi Jinping", "Great Hall meeting") in {(g.label(s), g.label(o)) for o, s, p, _ in sel.edges if p == "host"}
    assert sel.reserve and not sel.reserve & sel.nodes  # neighbours outside the view, for "expand"
    assert all((s in sel.reserve) or (o in sel.reserve) for s, o, *_ in sel.reserve_edges)


def test_type_filter_keeps_context_by_connecting_nodes(g):
    people = select(g, types=["Person", "Company"])
    classes = g.lexicon["classes"]

    def kept(n):
        return {"Person", "Company"} & {a for t in g.entity(n)["types"] for a in classes[t]["ancestors"]}

    assert people.nodes and all(kept(n) for n in people.nodes)
    assert people.connectors and not any(kept(n) for n in people.connectors)
    assert g.link("Great Hall meeting") in people.connectors  # it joins the leaders
    bare = select(g, types=["Person", "Company"], context=False)
    assert not bare.connectors and len(people.edges) > 2 * len(bare.edges)
    # every connector links at least two kept nodes, directly or through one other connector
    U = nx.Graph([(s, o) for s, o, *_ in people.edges])
    for c in people.connectors:
        near = {n for n in nx.single_source_shortest_path_length(U, c, cutoff=2) if n in people.nodes}
        assert len(near) >= 2, g.label(c)
    with pytest.raises(Exception, match="unknown type"):
        select(g, types=["Persn"])


def test_select_query_draws_connections_and_construct_its_triples(g):
    q = select(g, query=open("queries/great-hall-attendees.rq").read())
    assert set(LEADERS) <= {g.label(n) for n in q.nodes}
    assert g.link("Great Hall meeting") in q.connectors and q.edges
    assert {g.label(s) for s, o, p, _ in q.edges if p == "attendee"} == {"Great Hall meeting"}
    c = select(g, query="CONSTRUCT { ?e kgo:attendee ?p } WHERE { ?e kgo:attendee ?p }")
    assert "Jack Ma" in labels(g, c) and c.edges and all(e[2] == "attendee" for e in c.edges) and not c.connectors


def test_layout_is_seeded_separated_and_fast_engine(g):
    sel = select(g)
    data = payload(g.lexicon, sel, seed=7)
    again = payload(g.lexicon, sel, seed=7)
    other = payload(g.lexicon, sel, seed=8)
    pos = {n["id"]: (n["x"], n["y"], n["r"]) for n in data["nodes"]}
    assert pos == {n["id"]: (n["x"], n["y"], n["r"]) for n in again["nodes"]}
    assert pos != {n["id"]: (n["x"], n["y"], n["r"]) for n in other["nodes"]}
    # discs do not sit on top of each other (a small tolerance for the last push)
    import numpy as np

    xy = np.array([(x, y) for x, y, _ in pos.values()])
    r = np.array([r for *_, r in pos.values()])
    dist = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    np.fill_diagonal(dist, np.inf)
    overlapping = np.argwhere(dist < 0.8 * (r[:, None] + r[None, :]))
    assert not len(overlapping), len(overlapping)
    # nodes come most important first, and size follows degree
    degree = [n["m"] for n in data["nodes"]]
    assert degree == sorted(degree, reverse=True) and data["nodes"][0]["label"] == "China"
    assert data["nodes"][0]["r"] > data["nodes"][-1]["r"]


def _groups_of(data):
    by = {}
    for n in data["nodes"]:
        if "q" in n:
            by.setdefault(n["q"], []).append(n)
    return by


def test_whole_graph_is_laid_out_in_groups(g):
    """Communities are laid out as groups (issue 14): each group's members inside its own disc, no
    two discs overlapping, and the clusters a reader looks for are groups: the Great Hall meeting
    with the leaders who attended, the outbound-investment rule with its rulemaking notice, and
    the list of Chinese AI models around China."""
    import numpy as np

    from kg.viz import GROUP_GAP, HALO_MIN

    sel = select(g)
    data = payload(g.lexicon, sel)
    groups = data["groups"]
    by = _groups_of(data)
    assert len(groups) >= 10 and sorted(by) == list(range(len(groups)))
    assert all(len(members) >= HALO_MIN for members in by.values())
    c = np.array(groups)
    for q, members in by.items():
        d = np.hypot(*(np.array([(n["x"], n["y"]) for n in members]) - c[q, :2]).T) + np.array([n["r"] for n in members])
        assert (d <= c[q, 2] + 0.5).all(), q
    gap = np.hypot(c[:, None, 0] - c[None, :, 0], c[:, None, 1] - c[None, :, 1]) - c[:, None, 2] - c[None, :, 2]
    np.fill_diagonal(gap, np.inf)
    assert gap.min() >= GROUP_GAP - 1, gap.min()  # discs apart by the gap
    q = {n["id"]: n.get("q") for n in data["nodes"]}
    hall = q[g.link("Great Hall meeting")]
    assert hall is not None and sum(q[g.link(p)] == hall for p in LEADERS) >= 5
    assert q[g.link("outbound investment screening mechanism")] == q[g.link("Notice of Proposed Rulemaking (NPRM)")] is not None
    models = [n for n in data["nodes"] if "AIModel" in n["types"]]
    top, count = max(((k, sum(n.get("q") == k for n in models)) for k in by), key=lambda kc: kc[1])
    assert count >= 10 and q[g.link("China")] == top  # the model list gathers around China


def test_planted_communities_come_out_as_groups():
    """Six dense clusters joined by a few edges: each comes out as one group, in its own disc."""
    import random

    rng = random.Random(5)
    planted = {f"https://w3id.org/kg-tc/id/p{c}-{i}": c for c in range(6) for i in range(15)}
    nodes = sorted(planted)
    edges = [(a, b, "relatedTo", []) for a in nodes for b in nodes if a < b and planted[a] == planted[b] and rng.random() < 0.5]
    edges += [(f"https://w3id.org/kg-tc/id/p{c}-0", f"https://w3id.org/kg-tc/id/p{(c + 1) % 6}-1", "relatedTo", []) for c in range(6)]
    found: list = []
    pos = layout(set(nodes), edges, groups=found)
    assert len(found) == 6
    for members, *_ in found:
        assert len({planted[nodes[m]] for m in members}) == 1 and len(members) == 15
    # a planted cluster sits apart: every node is nearer its own group's centre than any other's
    for members, *_ in found:
        for m in members:
            x, y = pos[nodes[m]]
            near = min(found, key=lambda f: (x - f[1]) ** 2 + (y - f[2]) ** 2)
            assert m in near[0]
    assert pos == layout(set(nodes), edges)  # asking for the groups changes nothing


def test_grouped_layout_is_the_same_under_any_hash_seed():
    """Set order, dict order and igraph's random numbers must not leak into the picture."""
    import subprocess
    import sys

    code = (
        "import random, json; from kg.viz import layout\n"
        "rng = random.Random(2); ns = {f'n{i}' for i in range(120)}; order = sorted(ns)\n"
        "es = [(a, b, 'p', []) for a in order for b in order if a < b and (int(a[1:]) // 20 == int(b[1:]) // 20) and rng.random() < 0.3]\n"
        "es += [(f'n{i}', f'n{(i + 37) % 120}', 'p', []) for i in range(0, 120, 9)]\n"
        "found = []; pos = layout(ns, es, groups=found); print(json.dumps([sorted(pos.items()), found]))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed}, check=True
        ).stdout
        for seed in ("1", "2", "31337")
    }
    import json

    assert len(outs) == 1
    pos, found = json.loads(outs.pop())
    assert len(pos) == 120 and len(found) >= 4  # the grouped path was taken


def test_pairs_within_matches_brute_force():
    import numpy as np

    from kg.viz import pairs_within

    rng = np.random.default_rng(3)
    for n, reach in ((0, 5.0), (1, 5.0), (50, 10.0), (800, 7.5)):
        xy = rng.uniform(-60, 60, (n, 2))
        got = {tuple(p) for p in pairs_within(xy, reach).tolist()}
        want = {(i, j) for i in range(n) for j in range(i + 1, n) if np.hypot(*(xy[i] - xy[j])) < reach}
        assert got == want and len(pairs_within(xy, reach)) == len(want)


def test_layout_of_an_empty_or_tiny_view():
    assert layout(set(), []) == {}
    one = layout({"a"}, [])
    assert set(one) == {"a"}
    two = layout({"a", "b"}, [("a", "b", "p", [])], sizes={"a": 5, "b": 5})
    (ax, ay), (bx, by) = two["a"], two["b"]
    assert ((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5 >= 10


def test_size_and_community_options(g):
    sel = select(g, focus="Great Hall meeting", depth=2)
    pr = payload(g.lexicon, sel, size_by="pagerank", color_by="community")
    assert all("c" in n for n in pr["nodes"]) and len({n["c"] for n in pr["nodes"]}) > 1
    whole = payload(g.lexicon, select(g), color_by="community")  # a grouped map: colour and halo agree
    assert all(n["c"] == n["q"] for n in whole["nodes"] if "q" in n) and any("q" not in n for n in whole["nodes"])
    assert not {n["c"] for n in whole["nodes"] if "q" in n} & {n["c"] for n in whole["nodes"] if "q" not in n}
    bt = payload(g.lexicon, sel, size_by="betweenness")
    assert [n["id"] for n in bt["nodes"]][:1] != [] and "c" not in bt["nodes"][0]
    with pytest.raises(Exception, match="unknown size"):
        payload(g.lexicon, sel, size_by="mass")
    with pytest.raises(Exception, match="unknown colour"):
        payload(g.lexicon, sel, color_by="mood")


def test_page_is_self_contained(g, tmp_path):
    text = render_html(g, select(g, focus="Jack Ma"))
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=", text, re.I), "nothing may be loaded"
    assert "@import" not in text and "kg-canvas" in text and "http://" not in text.split('<script id="kg-data"')[0]
    assert "default-src 'none'" in text  # the page itself forbids any fetch


def _evil_payload() -> dict:
    lexicon = {
        "classes": {"Person": {"ancestors": ["Person"]}, "Company": {"ancestors": ["Company"]}},
        "properties": {"founder": {"label": PAYLOAD}},
        "entities": {
            EVIL: {"label": PAYLOAD, "types": ["Person"], "description": PAYLOAD, "aliases": [PAYLOAD]},
            "b": {"label": "b", "types": ["Company"], "description": None, "aliases": []},
        },
    }
    ev = [{"source": "s</script>", "quote": PAYLOAD + "</script>", "start": 0, "end": 1}]
    sel = Selection({EVIL, "b"}, [(EVIL, "b", "founder", ev)], PAYLOAD)
    return payload(lexicon, sel, facts={EVIL: [("founder", PAYLOAD, ev[0])]})


def test_payload_is_escaped_in_the_file():
    text = page(_evil_payload())
    assert "<img src=x" not in text and "<script>document.title" not in text
    assert text.count("</script>") == 3  # kg's own three blocks: the quote's </script> did not close one
    items = [{"date": "2024", "sort": [2024, 0, 0], "property": "date", "what": PAYLOAD, "qualifier": None, "value": PAYLOAD,
              "target": None, "subjects": [{"id": EVIL, "label": PAYLOAD, "group": "Person", "types": ["Person"]}],
              "evidence": [{"source": "s", "quote": PAYLOAD + "</script>", "start": 0, "end": 1}]}]  # fmt: skip
    t = timeline_page(items, title=PAYLOAD)
    assert "<img src=x" not in t and t.count("</script>") == 3


def test_exports_graphml_and_gexf(g, tmp_path):
    sel = select(g, focus="Great Hall meeting")
    for fmt in ("graphml", "gexf"):
        out = tmp_path / f"hall.{fmt}"
        write(g, sel, out, fmt)
        G = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
        assert G.number_of_nodes() == len(sel.nodes)
        attrs = [d for _, _, d in G.edges(data=True)]
        assert any("In attendance" in d.get("evidence", "") for d in attrs)
        assert any("002_fa1702329fcaa973" in d.get("sources", "") for d in attrs)
        assert any(d.get("types") == "Person" for _, d in G.nodes(data=True))


def test_timeline_items_from_the_date_datatypes(g):
    items = timeline_items(g)
    keys = [tuple(it["sort"]) for it in items]
    assert keys == sorted(keys)
    by = {(it["subjects"][0]["label"], it["property"], it["date"]): it for it in items}
    nprm = next(it for (label, p, d), it in by.items() if p == "commentDeadline")
    assert nprm["date"] == "2024-08-04" and nprm["evidence"] and nprm["evidence"][0]["quote"]
    # every item carries its quote (all dated facts are stated today)
    assert all(it["evidence"] for it in items)
    # a start and an end date of one subject are one span
    span = next(it for it in items if it.get("end"))
    assert span["date"] <= span["end"] and not any(it["property"] == "endDate" and it["subjects"] == span["subjects"] for it in items)
    # statements qualified "as of" a date are items too, and one sentence listing models is one item
    listed = [it for it in items if it["qualifier"] and len(it["subjects"]) > 1]
    assert listed and all(s["group"] == "AI model" for s in listed[0]["subjects"])
    dated_entities = {r["s"].value for r in g.select("SELECT DISTINCT ?s WHERE { ?s kgo:date ?d }")}
    assert dated_entities <= {s["id"] for it in items for s in it["subjects"]}


@needs_browser
def test_great_hall_view_renders_offline_in_chromium(g, tmp_path):
    from PIL import Image, ImageStat

    out = tmp_path / "hall.html"
    sel = select(g, focus="Great Hall meeting", depth=1)
    write(g, sel, out, "html")
    dumped, _ = browser.dom(out)
    st = browser.status(dumped)
    assert st.get("state") == "drawn", dumped[-500:]
    assert int(st["nodes"]) == len(sel.nodes) and st["errors"] == ""
    png = tmp_path / "hall.png"
    browser.screenshot(out, png)
    img = Image.open(png).convert("L").crop((240, 0, 1060, 900))  # the network pane
    assert ImageStat.Stat(img).stddev[0] > 10, "the graph pane is blank"


@needs_browser
def test_whole_graph_labels_hubs_without_overlap(g, tmp_path):
    out = tmp_path / "all.html"
    write(g, select(g), out, "html")
    rep = browser.drive(
        out,
        "report({labels: kgView.labels(), boxes: kgView.labelBoxes(), nodes: kgView.visibleNodes(), texts: kgView.labelTexts(),"
        " halos: kgView.halos()});",
        tmp_path,
    )
    assert rep["nodes"] == len(g.lexicon["entities"])
    assert rep["halos"] == len(payload(g.lexicon, select(g))["groups"])  # every group drawn with its halo
    # a claim's long sentence is cut at a word on the map (whole on hover, selection and its card)
    assert max(len(t) for t in rep["texts"]) <= 40 and any(t.endswith("…") for t in rep["texts"])
    assert 15 < len(rep["labels"]) < rep["nodes"]  # level of detail: not every label at once
    assert {g.link("China"), g.link("United States")} <= set(rep["labels"])
    # the twelve largest nodes are all labelled at the first view (a hub whose own spots are taken
    # gets its label farther out, with a leader line)
    order = sorted(select(g).nodes | select(g).connectors)
    values = measure(order, select(g).edges, "degree")
    top = [
        order[i] for i in sorted(range(len(order)), key=lambda i: (-values[i], g.label(order[i]), order[i]))[:12]
    ]  # as ranked in the page
    assert all(t in rep["labels"] for t in top), [g.label(t) for t in top if t not in rep["labels"]]
    boxes = rep["boxes"]
    for i, (x0, y0, w0, h0) in enumerate(boxes):
        for x1, y1, w1, h1 in boxes[i + 1 :]:
            assert x0 + w0 <= x1 or x1 + w1 <= x0 or y0 + h0 <= y1 or y1 + h1 <= y0, "two labels overlap"
    zoomed = browser.drive(
        out,
        "var c = document.getElementById('kg-canvas'), r = c.getBoundingClientRect();"
        "for (var i = 0; i < 4; i++) c.dispatchEvent(new WheelEvent('wheel', {deltaY: -400, clientX: r.left + r.width / 2,"
        " clientY: r.top + r.height / 2, bubbles: true, cancelable: true}));"
        "later(function () { report({labels: kgView.labels(), k: kgView.view().k}); });",
        tmp_path,
    )
    new = set(zoomed["labels"]) - set(rep["labels"])
    assert new, "zooming in reveals more labels"


@needs_browser
def test_click_node_edge_expand_filter_search(g, tmp_path):
    out = tmp_path / "hall.html"
    sel = select(g, focus="Great Hall meeting", depth=1)
    write(g, sel, out, "html")
    hall, jack = g.link("Great Hall meeting"), g.link("Jack Ma")
    neighbours = {o if s == hall else s for s, o, *_ in sel.edges if hall in (s, o)}
    script = f"""
    var hall = {hall!r}, jack = {jack!r};
    var out = {{}};
    clickAt(kgView.screenOf(hall));
    later(function () {{
      out.hi = kgView.highlighted().nodes;
      out.card = document.getElementById('kg-card').textContent;
      var k = kgView.highlighted().edges[0];
      clickAt(kgView.screenOf(jack));
      later(function () {{
        out.jackCard = document.getElementById('kg-card').textContent;
        var b = document.getElementById('kg-expand');
        out.expandText = b ? b.textContent : null;
        var before = kgView.visibleNodes(), edgesBefore = kgView.visibleEdges();
        if (b) b.click();
        out.expanded = kgView.visibleNodes() - before;
        out.expandedEdges = kgView.visibleEdges() - edgesBefore;
        var rel = document.getElementById('kg-rel-attendee');
        var e0 = kgView.visibleEdges();
        rel.checked = false; rel.dispatchEvent(new Event('change'));
        out.attendeeHidden = e0 - kgView.visibleEdges();
        rel.checked = true; rel.dispatchEvent(new Event('change'));
        var person = document.querySelector('#kg-legend input');
        var n0 = kgView.visibleNodes();
        person.checked = false; person.dispatchEvent(new Event('change'));
        out.classHidden = n0 - kgView.visibleNodes();
        person.checked = true; person.dispatchEvent(new Event('change'));
        document.getElementById('kg-fit').click();
        clickAt(kgView.edgePoint(k));
        later(function () {{
          out.edge = kgView.highlighted().edges;
          out.k = k;
          out.edgeCard = document.getElementById('kg-card').textContent;
          var s = document.getElementById('kg-search');
          s.value = 'pony ma';
          s.dispatchEvent(new KeyboardEvent('keydown', {{key: 'Enter', bubbles: true}}));
          later(function () {{
            var c = document.getElementById('kg-canvas').getBoundingClientRect(), p = kgView.screenOf({g.link("Pony Ma")!r});
            out.searchOffset = [p[0] - (c.left + c.width / 2), p[1] - (c.top + c.height / 2)];
            out.searchZoom = kgView.view().k;
            out.searchCard = document.getElementById('kg-card').dataset.node;
            out.errors = document.getElementById('kg-status').dataset.errors;
            report(out);
          }});
        }});
      }});
    }});
    """
    rep = browser.drive(out, script, tmp_path)
    assert rep.get("errors") == "", rep
    assert rep["hi"] == 1 + len(neighbours)  # the node and its neighbourhood
    assert "Facts (" in rep["card"] and "In attendance at the Great Hall" in rep["card"] and "characters" in rep["card"]
    assert "Jack Ma" in rep["jackCard"] and "Alibaba" in rep["jackCard"]
    assert rep["expandText"] and rep["expanded"] > 0 and rep["expandedEdges"] >= rep["expanded"]
    assert rep["expanded"] <= 25  # the cap
    assert rep["attendeeHidden"] == sum(1 for e in sel.edges if e[2] == "attendee")
    assert rep["classHidden"] > 0
    assert rep["edge"] == [rep["k"]] and "source" in rep["edgeCard"] and "characters" in rep["edgeCard"]
    assert abs(rep["searchOffset"][0]) < 2 and abs(rep["searchOffset"][1]) < 2 and rep["searchZoom"] >= 1.6
    assert rep["searchCard"] == g.link("Pony Ma")


@needs_browser
def test_png_and_svg_export(g, tmp_path):
    from PIL import Image, ImageStat

    out = tmp_path / "hall.html"
    write(g, select(g, focus="Great Hall meeting", depth=1), out, "html")
    script = """
    var a = document.getElementById('kg-download'), out = {};
    document.getElementById('kg-png').click(); out.png = a.href; out.pngName = a.download;
    document.getElementById('kg-svg').click(); out.svg = a.href; out.svgName = a.download;
    out.labels = kgView.labels().length;
    report(out);
    """
    rep = browser.drive(out, script, tmp_path)
    assert rep["pngName"].endswith(".png") and rep["svgName"].endswith(".svg")
    head, b64 = rep["png"].split(",", 1)
    assert head == "data:image/png;base64"
    img = Image.open(io.BytesIO(base64.b64decode(b64))).convert("L")
    assert img.size[0] > 400 and ImageStat.Stat(img).stddev[0] > 5
    svg = ET.fromstring(urllib.parse.unquote(rep["svg"].split(",", 1)[1]))
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in svg.iter(ns + "text")]
    assert "Great Hall meeting" in texts and len(texts) >= rep["labels"]
    assert len(list(svg.iter(ns + "circle"))) > 10 and len(list(svg.iter(ns + "line"))) > 10


@needs_browser
def test_injected_label_shows_as_text_and_runs_nothing(tmp_path):
    out = tmp_path / "evil.html"
    out.write_text(page(_evil_payload()), encoding="utf-8")
    dumped, _ = browser.dom(out, "#node=" + EVIL)
    # Had the payload run, the title would be 'pwned'; it is the payload, as text.
    assert html.unescape(re.search(r"<title>(.*?)</title>", dumped, re.S).group(1)) == PAYLOAD
    card = re.search(r'<div id="kg-card"[^>]*>(.*?)</div>\s*</div>\s*<script', dumped, re.S).group(1)
    assert "&lt;img src=x" in card  # shown as text
    assert "<img" not in card and "<script" not in card  # never as markup
    assert browser.status(dumped)["state"] == "drawn"
    edge, _ = browser.dom(out, "#edge=0")
    assert "&lt;/script&gt;" in edge and html.unescape(re.search(r"<title>(.*?)</title>", edge, re.S).group(1)) == PAYLOAD
    rep = browser.drive(out, "report({svg: kgView.exportSVG(), title: document.title});", tmp_path, "#node=" + EVIL)
    svg = ET.fromstring(rep["svg"])  # well-formed: the label went in as text
    assert PAYLOAD in [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert not list(svg.iter("{http://www.w3.org/2000/svg}script")) and rep["title"] == PAYLOAD


@needs_browser
def test_timeline_page_in_chromium(g, tmp_path):
    out = tmp_path / "t.html"
    write(g, None, out, "html")
    items = timeline_items(g)
    script = """
    var s = document.getElementById('kg-status'), out = {items: +s.dataset.items, shown: +s.dataset.shown, errors: s.dataset.errors};
    var heads = Array.prototype.map.call(document.querySelectorAll('.kg-year'), function (e) { return e.textContent; });
    out.heads = heads; out.bars = document.querySelectorAll('#kg-overview div').length;
    out.years = heads.filter(function (h) { return /^-?\\d+$/.test(h); }).map(Number);
    out.text = document.getElementById('kg-list').textContent;
    var f = document.getElementById('kg-filter'); f.value = 'comment'; f.dispatchEvent(new Event('input'));
    out.filtered = +s.dataset.shown;
    report(out);
    """
    rep = browser.drive(out, script, tmp_path)
    assert rep["errors"] == "" and rep["items"] == rep["shown"] == len(items)
    assert rep["years"] == sorted(set(rep["years"])) and len(rep["years"]) > 5
    assert "4 August 2024" in rep["text"] and "comment deadline" in rep["text"]
    # a month the source gives without a year is listed last, under its own heading, off the axis
    assert rep["heads"][-1] == "Year not stated" and "February (year not stated)" in rep["text"]
    assert rep["bars"] == rep["years"][-1] - rep["years"][0] + 1
    assert 0 < rep["filtered"] < rep["items"]
    text = render_timeline(g)
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=", text, re.I) and "default-src 'none'" in text


@needs_browser
def test_first_draw_in_a_running_chromium(g, tmp_path):
    """The benchmark's harness: a Chromium kept running, driven over the DevTools pipe, loads a
    page and reports its first draw (benchmarks/viz_render.py times views with it)."""
    out = tmp_path / "hall.html"
    write(g, select(g, focus="Great Hall meeting", depth=1), out, "html")
    with browser.Warm() as warm:
        assert warm.started > 0
        for _ in range(2):
            seconds, info = warm.load(out)
            assert 0 < seconds < 60 and 0 < info["drawn_ms"] <= info["frame_ms"]


def test_cli_viz_writes_file(tmp_path):
    import subprocess
    import sys

    from kg.paths import Paths
    from tests.conftest import env_for

    env = env_for(Paths.from_env())

    def kg(*args):
        return subprocess.run([sys.executable, "-m", "kg", "viz", *args], capture_output=True, text=True, env=env, timeout=300)

    out = tmp_path / "v.gexf"
    proc = kg("--focus", "DeepSeek", "-o", str(out))
    assert proc.returncode == 0 and out.exists() and "gexf" in proc.stdout
    bad = kg("--focus", "Jack Mo", "-o", str(tmp_path / "x.html"))
    assert bad.returncode == 1 and not (tmp_path / "x.html").exists()
    t = kg("--timeline", "-o", str(tmp_path / "t.html"))
    assert t.returncode == 0 and "kg-list" in (tmp_path / "t.html").read_text()
    for args in (["--size", "mass"], ["--color", "mood"], ["--timeline", "--focus", "BYD"]):
        r = kg(*args, "-o", str(tmp_path / "y.html"))
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "y.html").exists(), r.stderr


@needs_browser
def test_malformed_deep_link_is_ignored(g, tmp_path):
    """`#node=%E0%A4%A` made decodeURIComponent throw in the page (a URIError); it is ignored now."""
    out = tmp_path / "hall.html"
    write(g, select(g, focus="Great Hall meeting", depth=1), out, "html")
    for fragment in ("#node=%E0%A4%A", "#%", "#edge=%ZZ", "#edge=99999"):
        st = browser.status(browser.dom(out, fragment)[0])
        assert st.get("state") == "drawn" and st["errors"] == "", (fragment, st)

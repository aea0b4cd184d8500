"""kg viz: the selection, the self-contained page, escaping, exports, and a real headless Chromium."""

from __future__ import annotations

import html
import os
import re

import networkx as nx
import pytest

from kg.graph import KnowledgeGraph
from kg.viz import page, render_html, select, write
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
PAYLOAD = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"

needs_browser = pytest.mark.skipif(browser.chromium() is None and not os.environ.get("KG_REQUIRE_BROWSER"), reason="chromium not installed")


@pytest.fixture(scope="module")
def g(real_build) -> KnowledgeGraph:
    return KnowledgeGraph(real_build.store, real_build.lexicon)


def labels(g, sel) -> set[str]:
    return {g.label(n) for n in sel.nodes}


def test_great_hall_focus_shows_host_leaders_and_companies(g):
    sel = select(g, focus="Great Hall meeting", depth=1)
    assert {"Xi Jinping", "Great Hall meeting", *LEADERS, *COMPANIES} <= labels(g, sel)
    assert ("Xi Jinping", "Great Hall meeting") in {(g.label(s), g.label(o)) for o, s, p, _ in sel.edges if p == "host"}


def test_type_filter_and_query_selection(g):
    people = select(g, types=["Person"])
    assert people.nodes and all("Person" in g.entity(n)["types"] for n in people.nodes)
    q = select(g, query="CONSTRUCT { ?e kgo:attendee ?p } WHERE { ?e kgo:attendee ?p }")
    assert "Jack Ma" in labels(g, q) and all(e[2] == "attendee" for e in q.edges)
    with pytest.raises(Exception, match="unknown type"):
        select(g, types=["Persn"])


def test_page_is_self_contained(g, tmp_path):
    text = render_html(g, select(g, focus="Jack Ma"))
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=", text, re.I), "nothing may be loaded"
    assert "@import" not in text and "vis.Network" in text
    assert "default-src 'none'" in text  # the page itself forbids any fetch


def _payload_graph():
    iri = "https://w3id.org/kg-tc/id/evil"
    return {
        "title": PAYLOAD,
        "nodes": [{"id": iri, "iri": iri, "label": PAYLOAD, "types": ["Person"], "group": "Person",
                   "description": PAYLOAD, "aliases": [PAYLOAD]},
                  {"id": "b", "iri": "b", "label": "b", "types": ["Company"], "group": "Company", "description": "", "aliases": []}],
        "edges": [{"from": iri, "to": "b", "label": PAYLOAD, "property": "founder",
                   "evidence": [{"source": "s", "quote": PAYLOAD + "</script>", "start": 0, "end": 1}]}],
        "styles": {"Person": {"color": "#f00", "shape": "dot"}, "Company": {"color": "#0f0", "shape": "box"}},
        "physics": True,
    }  # fmt: skip


def test_payload_is_escaped_in_the_file():
    text = page(_payload_graph())
    assert "<img src=x" not in text and "<script>document.title" not in text
    assert text.count("</script>") == 4  # kg's own four blocks: the quote's </script> did not close one


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
def test_whole_graph_renders(g, tmp_path):
    out = tmp_path / "all.html"
    sel = select(g)
    write(g, sel, out, "html")
    st = browser.status(browser.dom(out)[0])
    assert st.get("state") == "drawn" and int(st["nodes"]) == len(g.lexicon["entities"]) and st["errors"] == ""


@needs_browser
def test_injected_label_shows_as_text_and_runs_nothing(tmp_path):
    out = tmp_path / "evil.html"
    out.write_text(page(_payload_graph()), encoding="utf-8")
    dumped, _ = browser.dom(out, "#node=" + "https://w3id.org/kg-tc/id/evil")
    # Had the payload run, the title would be 'pwned'; it is the payload, as text.
    assert html.unescape(re.search(r"<title>(.*?)</title>", dumped, re.S).group(1)) == PAYLOAD
    card = re.search(r'<div id="kg-card">(.*?)</div>\s*</div>', dumped, re.S).group(1)
    assert "&lt;img src=x" in card  # shown as text
    assert "<img" not in card and "<script" not in card  # never as markup
    assert browser.status(dumped)["state"] == "drawn"
    edge, _ = browser.dom(out, "#edge=0")
    assert "&lt;/script&gt;" in edge and html.unescape(re.search(r"<title>(.*?)</title>", edge, re.S).group(1)) == PAYLOAD


def test_cli_viz_writes_file(tmp_path):
    import subprocess
    import sys

    from kg.paths import Paths
    from tests.conftest import env_for

    out = tmp_path / "v.gexf"
    proc = subprocess.run([sys.executable, "-m", "kg", "viz", "--focus", "DeepSeek", "-o", str(out)],
                          capture_output=True, text=True, env=env_for(Paths.from_env()), timeout=300)  # fmt: skip
    assert proc.returncode == 0 and out.exists() and "gexf" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "kg", "viz", "--focus", "Jack Mo", "-o", str(tmp_path / "x.html")],
                         capture_output=True, text=True, env=env_for(Paths.from_env()), timeout=300)  # fmt: skip
    assert bad.returncode == 1 and not (tmp_path / "x.html").exists()


@needs_browser
def test_malformed_deep_link_is_ignored(g, tmp_path):
    """`#node=%E0%A4%A` made decodeURIComponent throw in the page (a URIError); it is ignored now."""
    out = tmp_path / "hall.html"
    write(g, select(g, focus="Great Hall meeting", depth=1), out, "html")
    for fragment in ("#node=%E0%A4%A", "#%", "#edge=%ZZ"):
        st = browser.status(browser.dom(out, fragment)[0])
        assert st.get("state") == "drawn" and st["errors"] == "", (fragment, st)

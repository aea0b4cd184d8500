"""The pages people browse and the protocol details of kg serve (issue 13), against one real server
over the curated data with the source texts (../shared/sources)."""

from __future__ import annotations

import gzip
import html
import json
import re
import shutil
import time
import urllib.parse

import pytest

from kg import iri
from kg.paths import Paths
from tests.conftest import ROOT, SHARED_SOURCES
from tests.serving import started
from tests.test_query import _Listener
from tests.test_serve import http

SRC = "002_fa1702329fcaa973"  # the Great Hall article


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    if not SHARED_SOURCES.is_dir():
        pytest.skip("the source texts (../shared/sources) are not here")
    tmp = tmp_path_factory.mktemp("web")
    shutil.copytree(ROOT / "data", tmp / "data")
    paths = Paths(data=tmp / "data", ontology=ROOT / "ontology", home=tmp / "home")
    with started(paths, "--sources", str(SHARED_SOURCES), "--row-cap", "5000") as server:
        yield server


def get(srv, path: str, accept: str = "text/html", **headers):
    return http(srv.base + path, headers={"Accept": accept, **headers})


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def sparql(srv, query: str, accept: str = "application/sparql-results+json", **params):
    q = urllib.parse.urlencode({"query": query, **params}, doseq=True)
    return http(srv.base + "/sparql?" + q, headers={"Accept": accept})


# ---------------------------------------------------------------------------------------------- pages


def test_home_lists_classes_sources_questions_and_named_queries(srv):
    status, headers, body = get(srv, "/")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    classes = dict(re.findall(r'<a href="/class/(\w+)">[^<]+</a> <span class="n">(\d+)</span>', page))
    assert int(classes["Person"]) > 10 and int(classes["Company"]) <= int(classes["Organization"])
    status, _, body = get(srv, "/class/Person")
    assert f"<small>{classes['Person']}</small>" in body.decode()  # the count is the class page's total
    titles = re.findall(r'<a href="/source/([\w.-]+)">([^<]+)</a>', page)
    assert (SRC, "US-China battle for tech dominance heats up") in titles
    assert len(re.findall(r'href="/ask\?q=', page)) >= 3
    assert 'href="/query?name=great-hall-attendees"' in page


def test_search_as_you_type_and_without_javascript(srv):
    status, _, body = get(srv, "/search.json?q=deeps", "application/json")
    hits = json.loads(body)["hits"]
    assert status == 200 and hits[0]["id"] == "deepseek" and hits[0]["label"] == "DeepSeek"
    status, _, body = get(srv, "/?" + urllib.parse.urlencode({"q": "<script>deeps"}))
    assert b"<script>deeps" not in body and b"&lt;script&gt;deeps" in body and b'href="/entity/deepseek"' in body


def _rows(page: str) -> list[tuple[str, int]]:
    return [(m[0], int(m[1])) for m in re.findall(r'<tr><td><a href="/entity/([^"]+)">.*?<td class="num">(\d+)</td>', page)]


def test_class_page_pages_sorts_and_facets(srv):
    _, _, body = get(srv, "/class/Organization")
    page = body.decode()
    total = int(re.search(r"<h1>[^<]+<small>(\d+)</small>", page).group(1))
    first = _rows(page)
    assert total > 50 and len(first) == 50 and 'rel="next"' in page
    _, _, body = get(srv, "/class/Organization?page=2")
    second = _rows(body.decode())
    assert len(second) == total - 50 and not {r[0] for r in first} & {r[0] for r in second}
    _, _, body = get(srv, "/class/Organization?sort=facts&order=desc")
    counts = [n for _, n in _rows(body.decode())]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    # facets: each count is what the filtered page then shows
    facets = re.findall(r'<a href="(/class/Organization\?sub=(\w+))">[^<]+</a> <span class="n">(\d+)</span>', page)
    assert ("Company" in {f[1] for f in facets}) and len(facets) >= 3
    for href, _, n in facets[:3]:
        _, _, body = get(srv, html.unescape(href))
        assert int(re.search(r"<h1>[^<]+<small>(\d+) of", body.decode()).group(1)) == int(n)
    sources = re.findall(r'<a href="(/class/Organization\?source=[\w.]+)">[^<]+</a> <span class="n">(\d+)</span>', page)
    assert len(sources) == 3
    href, n = sources[0]
    _, _, body = get(srv, html.unescape(href))
    assert int(re.search(r"<h1>[^<]+<small>(\d+) of", body.decode()).group(1)) == int(n)


def test_class_downloads_are_the_current_view(srv):
    view = f"/class/Organization?sort=facts&order=desc&source={SRC}&sub=Company"
    _, _, body = get(srv, view)
    shown = int(re.search(r"<h1>[^<]+<small>(\d+) of", body.decode()).group(1))
    status, headers, body = get(srv, view + "&format=json", "application/json")
    data = json.loads(body)
    assert status == 200 and data["total"] == shown == len(data["rows"])
    assert all(SRC in r["sources"].split(";") and "Company" in r["types"] for r in data["rows"])
    assert [r["statements"] for r in data["rows"]] == sorted((r["statements"] for r in data["rows"]), reverse=True)
    status, headers, body = get(srv, view + "&format=csv", "text/csv")
    lines = body.decode().strip().splitlines()
    assert status == 200 and headers["content-type"].startswith("text/csv") and "attachment" in headers["content-disposition"]
    assert lines[0] == "iri,label,types,statements,sources,description" and len(lines) == shown + 1


def test_entity_page_groups_statements_with_evidence_links_and_jsonld(srv):
    status, headers, body = get(srv, "/entity/jack-ma")
    page = body.decode()
    assert status == 200 and "Accept" in headers["vary"]
    assert re.search(r"<h2[^>]*>← attended <small>1</small></h2>", page)
    # the evidence: quote, the source's title linking to the quote's place on the source page
    quotes = re.finditer(r'<blockquote>([^<]+)</blockquote><p class="ev"><a href="/source/([\w.]+)#(st-[0-9a-f]+)">([^<]+)</a>', page)
    m = next((q for q in quotes if "Great Hall" in q.group(1)), None)
    assert m and m.group(2) == SRC and m.group(4) == "US-China battle for tech dominance heats up"
    _, _, source_page = get(srv, f"/source/{SRC}")
    assert f'id="{m.group(3)}"' in source_page.decode()
    ld = json.loads(html.unescape(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)))
    assert iri.entity("jack-ma") in json.dumps(ld)
    assert '<iframe src="/viz/jack-ma"' in page
    links = page.split("What links here", 1)[1]
    assert 'href="/entity/great-hall-meeting"' in links and f'href="/source/{SRC}"' in links


def test_qualifiers_are_shown_with_their_statement(srv):
    rows = json.loads(sparql(srv, "SELECT ?s WHERE { ?st rdf:subject ?s ; kgo:qualifierDate ?d } LIMIT 1")[2])["results"]["bindings"]
    subject = rows[0]["s"]["value"][len(iri.ENTITY) :]
    _, _, body = get(srv, "/entity/" + subject)
    assert re.search(r'<li><span class="qp">as of</span> <span>\d{4}', body.decode())


def test_concept_schemes_are_dereferenceable(srv):
    status, _, body = get(srv, "/entity/technologies")
    assert status == 200 and "What links here" in body.decode() and 'href="/entity/' in body.decode()
    status, headers, body = get(srv, "/entity/technologies", "text/turtle")
    assert status == 200 and headers["content-type"].startswith("text/turtle") and b"ConceptScheme" in body
    assert get(srv, "/entity/no-such-scheme")[0] == 404
    for bad in ("a%20b", "%3Cx%3E", "x%22y", "..%2F..%2Fetc"):  # not IRIs, or outside: 404, never 500
        assert get(srv, "/entity/" + bad)[0] == 404 and get(srv, "/source/" + bad)[0] == 404


def test_source_page_marks_every_quote_in_the_text(srv):
    status, _, body = get(srv, f"/source/{SRC}")
    page = body.decode()
    assert status == 200 and "<h1>US-China battle for tech dominance heats up</h1>" in page
    text = (SHARED_SOURCES / f"{SRC}.txt").read_text(encoding="utf-8")
    article = page.split('<div class="article">', 1)[1].split("</div>", 1)[0]
    assert text_of(article) == text  # the whole text, nothing added or lost
    facts = re.findall(r'<li id="row-(st-[0-9a-f]+)">.*?<blockquote><a href="#(st-[0-9a-f]+)">([^<]*)</a>', page, re.S)
    assert len(facts) > 100
    for row, anchor, quote in facts:
        assert row == anchor
        after = re.split(f'<span id="{anchor}" class="anchor"[^>]*></span>', article, maxsplit=1)[1]
        assert text_of(after).startswith(html.unescape(quote)), anchor  # the anchor sits where its quote starts
        assert re.match(r"(<span [^>]*></span>)*<mark", after), anchor  # and the quote is marked


def test_ask_answers_as_a_page_with_evidence_or_json(srv):
    q = urllib.parse.urlencode({"q": "who attended the Great Hall meeting"})
    status, _, body = get(srv, "/ask?" + q)
    page = body.decode()
    assert status == 200 and '<a href="/entity/jack-ma">Jack Ma</a>' in page
    m = re.search(rf'<a href="/source/{SRC}#(at-(\d+)-(\d+))">US-China battle', page)
    assert m
    _, _, source_page = get(srv, f"/source/{SRC}")
    assert f'id="{m.group(1)}"' in source_page.decode()
    status, headers, body = get(srv, "/ask?" + q, "application/json")
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert "Jack Ma" in {a["label"] for a in json.loads(body)["answers"]}
    status, _, body = get(srv, "/ask?" + urllib.parse.urlencode({"q": "who founded Jack Mo"}))
    assert status == 404 and b"Jack Ma" in body


def test_query_editor_is_served_from_the_package(srv):
    status, headers, body = get(srv, "/query?name=great-hall-attendees")
    page = body.decode()
    assert status == 200 and '<script src="/static/yasgui/yasgui.min.js"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing from elsewhere
    config = json.loads(re.search(r'<script type="application/json" id="kg-query">(.*?)</script>', page, re.S).group(1))
    assert "Great Hall" in config["query"] and config["run"] and set(config["examples"]) >= {"great-hall-attendees"}
    status, headers, body = get(srv, "/static/yasgui/yasgui.min.js", "*/*")
    assert status == 200 and len(body) > 500_000 and "javascript" in headers["content-type"]
    assert get(srv, "/sparql")[0] in (200, 303)  # a browser asking /sparql gets the editor


def test_html_pages_have_a_strict_csp(srv):
    for path in ["/", "/class/Person", "/entity/jack-ma", f"/source/{SRC}", "/ask"]:
        _, headers, body = get(srv, path)
        csp = headers["content-security-policy"]
        assert "script-src 'self';" in csp and "default-src 'none'" in csp and "unsafe" not in csp, path
        assert not re.search(rb"<script>|<style>| on\w+=|javascript:", body), path  # nothing inline the CSP would block
    _, headers, _ = get(srv, "/viz/jack-ma")
    assert re.search(r"script-src 'sha256-[^']+'", headers["content-security-policy"])


# ---------------------------------------------------------------------------------------------- protocol

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _count(srv, **params) -> int:
    status, _, body = sparql(srv, COUNT, **params)
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_protocol_dataset_selects_stored_graphs(srv):
    g = iri.source(SRC)
    union = _count(srv)
    alone = _count(srv, **{"default-graph-uri": g})
    status, _, body = sparql(srv, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
    assert 0 < alone < union and alone == int(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    two = _count(srv, **{"default-graph-uri": [g, iri.GRAPH_ENTITIES]})
    assert two > alone
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    status, _, body = sparql(srv, q, **{"named-graph-uri": g})
    assert [b["g"]["value"] for b in json.loads(body)["results"]["bindings"]] == [g]
    assert _count(srv, **{"named-graph-uri": g}) == 0  # only named graphs given: the default graph is empty


def test_protocol_dataset_refuses_other_iris_and_fetches_nothing(srv):
    listener = _Listener()
    try:
        for name in ("default-graph-uri", "named-graph-uri"):
            status, _, body = sparql(srv, COUNT, **{name: f"http://127.0.0.1:{listener.port}/g"})
            assert status == 400 and name.encode() in body and len(body.strip().splitlines()) == 1
            form = urllib.parse.urlencode({"query": COUNT, name: "file:///etc/passwd"}).encode()
            status, _, body = http(srv.base + "/sparql", form, {"Content-Type": "application/x-www-form-urlencoded"})
            assert status == 400 and b"root:" not in body
        time.sleep(0.3)
    finally:
        listener.close()
    assert listener.hits == 0


def test_one_query_only(srv):
    q = urllib.parse.urlencode([("query", "ASK {}"), ("query", "ASK {}")])
    assert http(srv.base + "/sparql?" + q)[0] == 400
    url = srv.base + "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})
    assert http(url, b"ASK {}", {"Content-Type": "application/sparql-query"})[0] == 400
    form = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    assert http(url, form, {"Content-Type": "application/x-www-form-urlencoded"})[0] == 400
    assert http(srv.base + "/sparql", form, {"Content-Type": "application/x-www-form-urlencoded"})[0] == 200


def test_relative_iris_resolve_against_the_endpoint(srv):
    status, _, body = sparql(srv, "CONSTRUCT { <s> <p> 1 } WHERE {}", "application/n-triples")
    assert status == 200 and f"<{srv.base}/s> <{srv.base}/p>".encode() in body


def test_head_conditional_requests_and_gzip(srv):
    url = srv.base + "/sparql?" + urllib.parse.urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3000"})
    status, headers, body = http(url, headers={"Accept": "text/csv"})
    assert status == 200 and headers["etag"] and headers["last-modified"]
    status, head_headers, head_body = http(url, headers={"Accept": "text/csv"}, method="HEAD")
    assert status == 200 and head_body == b"" and head_headers["content-type"] == headers["content-type"]
    assert http(url, headers={"Accept": "text/csv", "If-None-Match": headers["etag"]})[0] == 304
    assert http(url, headers={"Accept": "text/csv", "If-Modified-Since": headers["last-modified"]})[0] == 304
    assert http(url, headers={"Accept": "text/csv", "If-None-Match": '"other"'})[0] == 200
    other = http(url, headers={"Accept": "application/sparql-results+json"})[1]["etag"]
    assert other != headers["etag"]  # another representation, another tag
    status, zipped_headers, zipped = http(url, headers={"Accept": "text/csv", "Accept-Encoding": "gzip"})
    assert zipped_headers.get("content-encoding") == "gzip" and gzip.decompress(zipped) == body and len(zipped) < len(body) / 2
    _, page_headers, _ = get(srv, "/entity/jack-ma")
    assert http(srv.base + "/entity/jack-ma", headers={"Accept": "text/html", "If-None-Match": page_headers["etag"]})[0] == 304


def test_plain_literals_have_no_xsd_string(srv):
    q = "SELECT ?l WHERE { kgr:jack-ma rdfs:label ?l }"
    binding = json.loads(sparql(srv, q)[2])["results"]["bindings"][0]["l"]
    assert binding == {"type": "literal", "value": "Jack Ma"}
    xml = sparql(srv, q, "application/sparql-results+xml")[2].decode()
    assert "<literal>Jack Ma</literal>" in xml and "XMLSchema#string" not in xml
    typed = json.loads(sparql(srv, "SELECT ?n WHERE { BIND(3 AS ?n) }")[2])["results"]["bindings"][0]["n"]
    assert typed["datatype"].endswith("#integer")


def test_service_description_by_content_negotiation(srv):
    status, headers, body = http(srv.base + "/sparql", headers={"Accept": "application/ld+json"})
    assert status == 200 and headers["content-type"].startswith("application/ld+json")
    text = json.dumps(json.loads(body))
    assert "sparql-service-description#Service" in text and iri.source(SRC) in text
    status, headers, body = http(srv.base + "/sparql", headers={"Accept": "text/turtle"})
    assert status == 200 and b"sd:namedGraph" in body and iri.source(SRC).encode() in body


def test_rdflib_sparqlstore_reads_a_source_graph(srv):
    from rdflib import Graph, URIRef
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(srv.base + "/sparql", returnFormat="json")
    g = Graph(store, identifier=URIRef(iri.source(SRC)))
    rows = list(g.query("SELECT ?quote WHERE { ?st <https://w3id.org/kg-tc/ontology#evidence> ?quote } LIMIT 5"))
    assert len(rows) == 5
    subject = URIRef(iri.entity("great-hall-meeting"))
    attendees = set(g.objects(subject, URIRef(iri.term("attendee"))))
    assert URIRef(iri.entity("jack-ma")) in attendees
    whole = Graph(SPARQLStore(srv.base + "/sparql", returnFormat="json"))
    assert len(list(whole.query("SELECT ?s WHERE { ?s a <https://schema.org/Person> } LIMIT 3"))) == 3


# ---------------------------------------------------------------------------------------------- no server


def test_highlight_cuts_overlapping_quotes_and_keeps_the_text():
    from kg.web.views import highlight

    text = "Xi met Jack Ma and Pony Ma in Beijing."
    facts = [{"anchor": "st-a", "start": 0, "end": 14}, {"anchor": "st-b", "start": 7, "end": 26}]  # overlapping
    mentions = [{"anchor": "m-1", "start": 30, "end": 37}]
    segs = highlight(text, facts, mentions)
    assert "".join(s["text"] for s in segs) == text
    by_text = {s["text"]: s for s in segs}
    assert [f["anchor"] for f in by_text["Jack Ma"]["facts"]] == ["st-a", "st-b"]  # the shorter quote is the link
    assert [a for a, _ in by_text["Jack Ma"]["anchors"]] == ["st-b", "at-7-26"]
    assert [f["anchor"] for f in by_text[" and Pony Ma"]["facts"]] == ["st-b"]
    assert by_text["Beijing"]["facts"] == [] and by_text["Beijing"]["mentions"][0]["anchor"] == "m-1"
    assert dict(segs[0]["anchors"]) == {"st-a": 14, "at-0-14": 14}


def test_source_text_only_when_it_is_the_recorded_text(tmp_path):
    import hashlib

    from kg.web.views import source_text

    (tmp_path / "a.txt").write_text("the text", encoding="utf-8")
    rec = {"file": "a.txt", "sha256": hashlib.sha256(b"the text").hexdigest()}
    assert source_text(rec, [tmp_path / "missing", tmp_path]) == ("the text", str(tmp_path / "a.txt"))
    changed = dict(rec, sha256="0" * 64)
    text, why = source_text(changed, [tmp_path])
    assert text is None and "differs" in why
    assert source_text(dict(rec, file="../a.txt"), [tmp_path / "missing"])[0] is None  # never outside the folders
    assert "no sources folder" in source_text(rec, [])[1]


def _highlight_by_definition(text, facts, mentions):
    """What kg.web.views.highlight must give, written plainly: every segment tested against every quote."""
    spans = [(f["start"], f["end"], f) for f in facts if f["start"] is not None and f["end"] is not None and f["end"] > f["start"]]
    mspans = [(m["start"], m["end"], m) for m in mentions if m["end"] > m["start"]]
    cuts = sorted({0, len(text)} | {x for s, e, _ in spans + mspans if 0 <= s <= e <= len(text) for x in (s, e)})
    starts = {}
    for s, e, item in spans + mspans:
        starts.setdefault(s, []).append((item["anchor"], e - s))
    for s, e in sorted({(s, e) for s, e, _ in spans}):
        starts.setdefault(s, []).append((f"at-{s}-{e}", e - s))
    return [{"text": text[a:b], "facts": sorted((f for s, e, f in spans if s <= a and b <= e), key=lambda f: f["end"] - f["start"]),
             "mentions": [m for s, e, m in mspans if s <= a and b <= e], "anchors": starts.get(a, [])}
            for a, b in zip(cuts, cuts[1:], strict=False)]  # fmt: skip


def test_highlight_is_its_plain_definition_on_any_quotes():
    import random

    from kg.web.views import highlight

    rnd = random.Random(13)
    for _ in range(2000):  # overlapping, nested, equal, empty, reversed and out-of-text quotes
        n = rnd.randint(0, 50)
        text = "".join(rnd.choice("ab c") for _ in range(n))
        facts = []
        for k in range(rnd.randint(0, 12)):
            s = rnd.randint(-3, n + 3)
            facts.append({"anchor": f"st-{k % 4}", "start": s if rnd.random() < 0.95 else None,
                          "end": s + rnd.randint(-2, 15) if rnd.random() < 0.95 else None})  # fmt: skip
        mentions = []
        for k in range(rnd.randint(0, 6)):
            s = rnd.randint(-3, n + 3)
            mentions.append({"anchor": f"m-{k}", "start": s, "end": s + rnd.randint(-1, 10)})
        assert highlight(text, facts, mentions) == _highlight_by_definition(text, facts, mentions)


def test_source_pages_are_made_at_start_up_as_they_would_be_on_a_visit(real_build, monkeypatch):
    if not SHARED_SOURCES.is_dir():
        pytest.skip("the source texts (../shared/sources) are not here")
    from kg.graph import KnowledgeGraph
    from kg.web import views
    from kg.web.pages import render, source_page

    folders = [SHARED_SOURCES]
    warmed = KnowledgeGraph(real_build.store, real_build.lexicon)
    views.warm(warmed, folders, "gen-test")
    made = {k.removeprefix("web-source-page-"): v for k, v in warmed.__dict__["_memo"].items() if k.startswith("web-source-page-")}
    with_text = [s for s, rec in views.sources(warmed).items() if views.source_text(rec, folders)[0] is not None]
    assert sorted(made) == sorted(with_text) and SRC in made  # every source with its text, before any visit
    fresh = KnowledgeGraph(real_build.store, real_build.lexicon)
    real, seen = views.highlight, []

    def spy(text, facts, mentions):
        seen.append((real(text, facts, mentions), _highlight_by_definition(text, facts, mentions)))
        return seen[-1][0]

    monkeypatch.setattr(views, "highlight", spy)
    for sid, page in made.items():
        assert source_page(fresh, sid, folders, "gen-test") == page  # what a visit would have made
        view = views.source_view(fresh, sid, folders)
        assert render("source.html", s=view["source"], v=view, generation="gen-test") == page
    assert len(seen) == 2 * len(made) and all(a == b for a, b in seen)  # the sweep's cuts are the definition's on the real quotes
    views.warm(KnowledgeGraph(real_build.store, real_build.lexicon), [], "gen-test")  # no texts: nothing to make, no error


def test_entity_statements_are_every_stated_fact_with_its_evidence_and_qualifiers(real_build):
    """The entity page reads facts, evidence and qualifiers from one query's rows: the same as asking for each plainly."""
    import pyoxigraph as ox

    from kg.graph import KnowledgeGraph
    from kg.web import views

    g = KnowledgeGraph(real_build.store, real_build.lexicon)
    plain = """SELECT ?x ?st ?dir ?src ?quote ?start ?end WHERE {
      { ?st rdf:subject ?x ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?src BIND("out" AS ?dir) }
      UNION { ?st rdf:object ?x ; rdf:predicate ?p ; rdf:subject ?o ; prov:wasDerivedFrom ?src BIND("in" AS ?dir) }
      OPTIONAL { ?st kgo:evidence ?quote } OPTIONAL { ?st kgo:startOffset ?start } OPTIONAL { ?st kgo:endOffset ?end } }"""
    triples = "SELECT ?x ?st ?q WHERE { { ?st rdf:subject ?x } UNION { ?st rdf:object ?x } ?st ?q ?v }"
    with_quals = 0
    for x in sorted(g.lexicon["entities"])[::5]:
        node = ox.NamedNode(x)
        want = {(r["dir"].value, r["st"].value, views.short_id(r["src"].value), r["quote"].value if "quote" in r else "",
                 int(r["start"].value) if "start" in r else None) for r in g.select(plain, {"x": node})}  # fmt: skip
        view = views.entity_view(g, x)
        got = {(rel["direction"], f["statement"], f["source"], f["quote"], f["start"]) for rel in view["relations"] for f in rel["facts"]}
        assert got == want, x
        counted: dict[str, int] = {}
        for r in g.select(triples, {"x": node}):
            counted[r["st"].value] = counted.get(r["st"].value, 0) + (r["q"].value not in views._FIXED)
        for rel in view["relations"]:
            for f in rel["facts"]:
                assert len(f["qualifiers"]) == counted[f["statement"]], (x, f["statement"])  # every qualifier, once
                with_quals += bool(f["qualifiers"])
    assert with_quals > 10

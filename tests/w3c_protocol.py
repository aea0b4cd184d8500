"""The query side of the W3C SPARQL 1.1 Protocol test suite, adapted to a read-only store.

The cases are those of w3c/rdf-tests `sparql/sparql11/protocol/manifest.ttl` (20 query cases; the
14 update cases do not apply to a read-only endpoint, which answers every update 403). Each
request is sent as the manifest writes it (method, content type, body, parameters), over raw
HTTP/1.1, with three adaptations that keep what the case tests:

- the path is the endpoint's own (`/sparql`, not `/sparql/`) and the Host header names the server
  (kg serve answers only Host headers naming its own address: the DNS-rebinding guard);
- the suite's data graphs (`http://kasei.us/2009/09/sparql/data/dataN.rdf`, loaded by the runner
  from dataN.nt) cannot be loaded into a read-only store, so each is replaced by a stored graph,
  and each `<dataN.rdf> a ?type` pattern by a subject typed in that stored graph and in no other
  one chosen (discovered from the server at the start, through the protocol itself);
- `data0.rdf`, named by cases that do not depend on it, is replaced by a stored graph too.

    python -m tests.w3c_protocol http://127.0.0.1:8000/sparql     # prints one line per case and the count
"""

from __future__ import annotations

import http.client
import json
import sys
import urllib.parse
from dataclasses import dataclass, field

KASEI = "http://kasei.us/2009/09/sparql/data/"


@dataclass
class Case:
    name: str
    method: str
    params: list[tuple[str, str]] = field(default_factory=list)  # URL query parameters, in order
    body: bytes | None = None
    ctype: str | None = None
    expect: str = "2xx"  # "2xx" (2xx or 3xx) or "4xx"
    fmt: str | None = None  # boolean / tabular / RDF
    boolean: bool | None = None
    raw_query: str | None = None  # a URL query string sent exactly as written (not built from params)


def _q(text: str) -> bytes:
    return text.encode("utf-8")


def cases(g: dict[str, str], s: dict[str, str]) -> list[Case]:
    """The 20 query cases; g maps data0..data3 to stored graph IRIs, s data1..data3 to their subjects."""
    both_default = f"ASK {{ <{s['data1']}> a ?type . <{s['data2']}> a ?type . }}"
    both_named = f"ASK {{ GRAPH ?g1 {{ <{s['data1']}> a ?type }} GRAPH ?g2 {{ <{s['data2']}> a ?type }} }}"
    full = f"ASK {{\n  <{s['data3']}> a ?type\n  GRAPH ?g1 {{ <{s['data1']}> a ?type }}\n  GRAPH ?g2 {{ <{s['data2']}> a ?type }}\n}}"
    d0 = [("default-graph-uri", g["data0"])]
    sq = "application/sparql-query"
    # query_multiple_dataset: the manifest encodes '&' inside the value (%26), so it sends ONE
    # named-graph-uri whose value is "<data1>&named-graph-uri=<data2>"; kept as written
    multiple = "named-graph-uri=" + urllib.parse.quote(f"{g['data1']}&named-graph-uri={g['data2']}", safe="")
    return [
        Case("query_post_form", "POST", d0, b"query=ASK%20%7B%7D", "application/x-www-form-urlencoded", fmt="boolean", boolean=True),
        Case("query_dataset_default_graphs_get", "GET",
             [("query", both_default), ("default-graph-uri", g["data1"]), ("default-graph-uri", g["data2"])], fmt="boolean", boolean=True),
        Case("query_dataset_default_graphs_post", "POST", [("default-graph-uri", g["data1"]), ("default-graph-uri", g["data2"])],
             _q(both_default), sq, fmt="boolean", boolean=True),
        Case("query_dataset_named_graphs_post", "POST", [("named-graph-uri", g["data1"]), ("named-graph-uri", g["data2"])],
             _q(both_named), sq, fmt="boolean", boolean=True),
        Case("query_dataset_named_graphs_get", "GET",
             [("query", both_named), ("named-graph-uri", g["data1"]), ("named-graph-uri", g["data2"])], fmt="boolean", boolean=True),
        Case("query_dataset_full", "POST",
             [("default-graph-uri", g["data3"]), ("named-graph-uri", g["data1"]), ("named-graph-uri", g["data2"])],
             _q(full), sq, fmt="boolean", boolean=True),
        Case("query_multiple_dataset", "POST", body=_q(f"ASK FROM <{g['data3']}> {both_named[4:]}"), ctype=sq,
             fmt="boolean", boolean=True, raw_query=multiple),
        Case("query_get", "GET", [("query", "ASK {}"), *d0], fmt="boolean", boolean=True),
        Case("query_content_type_select", "POST", d0, b"SELECT (1 AS ?value) {}", sq, fmt="tabular"),
        Case("query_content_type_ask", "POST", d0, b"ASK {}", sq, fmt="boolean"),
        Case("query_content_type_describe", "POST", d0, b"DESCRIBE <http://example.org/>", sq, fmt="RDF"),
        Case("query_content_type_construct", "POST", d0, b"CONSTRUCT { <s> <p> 1 } WHERE {}", sq, fmt="RDF"),
        Case("query_post_direct", "POST", [], b"ASK {}", sq, fmt="boolean", boolean=True),
        Case("bad_query_method", "PUT", [("query", "ASK {}"), *d0], b"", "application/x-www-form-urlencoded", expect="4xx"),
        Case("bad_multiple_queries", "GET", [("query", "ASK {}"), ("query", "SELECT * {}")], expect="4xx"),
        Case("bad_query_wrong_media_type", "POST", [], b"ASK {}", "text/plain", expect="4xx"),
        Case("bad_query_missing_form_type", "POST", [], b"query=ASK%20%7B%7D", None, expect="4xx"),
        Case("bad_query_missing_direct_type", "POST", [], b"ASK {}", None, expect="4xx"),
        Case("bad_query_non_utf8", "POST", [], "ASK {}".encode("utf-16"), "application/sparql-query; charset=UTF-16", expect="4xx"),
        Case("bad_query_syntax", "GET", [("query", "ASK {")], expect="4xx"),
    ]  # fmt: skip


BOOLEAN_TYPES = ("application/sparql-results+xml", "application/sparql-results+json")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = ("text/turtle", "application/rdf+xml", "application/n-triples", "application/ld+json", "application/rdf+json")


def send(endpoint: str, case: Case) -> tuple[int, str, bytes]:
    url = urllib.parse.urlsplit(endpoint)
    query = case.raw_query if case.raw_query is not None else urllib.parse.urlencode(case.params, quote_via=urllib.parse.quote)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        headers = {"Host": url.netloc}
        if case.ctype:
            headers["Content-Type"] = case.ctype
        if case.body is not None:
            headers["Content-Length"] = str(len(case.body))
        conn.request(case.method, url.path + (f"?{query}" if query else ""), body=case.body, headers=headers)
        r = conn.getresponse()
        return r.status, (r.getheader("content-type") or "").split(";")[0].strip(), r.read()
    finally:
        conn.close()


def _boolean(media: str, body: bytes) -> bool | None:
    if media == "application/sparql-results+json":
        return json.loads(body).get("boolean")
    if media == "application/sparql-results+xml":
        import xml.etree.ElementTree as ET

        b = ET.fromstring(body).find("{http://www.w3.org/2005/sparql-results#}boolean")
        return None if b is None else b.text.strip() == "true"
    return None


def check(endpoint: str, case: Case) -> tuple[bool, str]:
    """(passed, what came back) for one case, judged as the manifest's mf:expected* say."""
    status, media, body = send(endpoint, case)
    said = f"{status} {media} {body[:160].decode('utf-8', 'replace').strip()!r}"
    if case.expect == "4xx":
        return 400 <= status < 500, said
    if not 200 <= status < 400:
        return False, said
    if case.fmt == "boolean":
        if media not in BOOLEAN_TYPES:
            return False, said
        got = _boolean(media, body)
        return (got is not None if case.boolean is None else got is case.boolean), said
    if case.fmt == "tabular":
        return media in TABULAR_TYPES, said
    if case.fmt == "RDF":
        if media not in RDF_TYPES:
            return False, said
        import rdflib

        rdflib.Graph().parse(data=body, format={"text/turtle": "turtle", "application/rdf+xml": "xml", "application/n-triples": "nt",
                                               "application/ld+json": "json-ld"}.get(media, "turtle"))  # fmt: skip
        return True, said
    return True, said


def _select(endpoint: str, query: str, params: list[tuple[str, str]] = ()) -> list[dict]:
    url = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        qs = urllib.parse.urlencode([("query", query), *params])
        conn.request("GET", f"{url.path}?{qs}", headers={"Accept": "application/sparql-results+json"})
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"{r.status}: {body[:200]!r}")
        return [{k: v["value"] for k, v in b.items()} for b in json.loads(body)["results"]["bindings"]]
    finally:
        conn.close()


def stand_ins(endpoint: str) -> tuple[dict[str, str], dict[str, str]]:
    """Stored graphs for data0..data3 and, for data1..data3, a subject of one shared type that is
    typed so in that graph only (of the three): the suite's `<dataN.rdf> a ?type` patterns join on
    ?type, and each holds exactly when its graph is in the dataset."""
    rows = _select(endpoint, "SELECT ?t (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s a ?t } } GROUP BY ?t ORDER BY DESC(?n) ?t LIMIT 1")
    kind = rows[0]["t"] if rows else None
    graphs = [r["g"] for r in _select(endpoint, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s a ?t } } ORDER BY ?g", [])]
    chosen = [r["g"] for r in _select(endpoint, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s a <{kind}> }} }} ORDER BY ?g LIMIT 3")]
    if len(chosen) < 3:
        raise RuntimeError("the store needs three named graphs with subjects of one type")
    subjects = {}
    for n, gname in enumerate(chosen, 1):
        others = " ".join(f"<{o}>" for o in chosen if o != gname)
        q = (f"SELECT ?s WHERE {{ GRAPH <{gname}> {{ ?s a <{kind}> }} "
             f"FILTER NOT EXISTS {{ VALUES ?o {{ {others} }} GRAPH ?o {{ ?s a <{kind}> }} }} }} ORDER BY ?s LIMIT 1")  # fmt: skip
        found = _select(endpoint, q)
        if not found:
            raise RuntimeError(f"no subject typed in {gname} only")
        subjects[f"data{n}"] = found[0]["s"]
    spare = [x for x in graphs if x not in chosen] or chosen
    return {"data0": spare[0], **{f"data{n}": gname for n, gname in enumerate(chosen, 1)}}, subjects


def run(endpoint: str) -> list[tuple[str, bool, str]]:
    g, s = stand_ins(endpoint)
    return [(c.name, *check(endpoint, c)) for c in cases(g, s)]


def main() -> None:
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/sparql"
    results = run(endpoint)
    for name, ok, said in results:
        print(f"{'pass' if ok else 'FAIL'}  {name:36} {said}")
    print(f"{sum(ok for _, ok, _ in results)}/{len(results)} query cases pass")


if __name__ == "__main__":
    main()

"""A remote SPARQL 1.1 store as a setting: push the build there (Graph Store Protocol) and run the
same queries and questions against it.

    kg push  --endpoint http://127.0.0.1:8890/sparql --gsp http://127.0.0.1:8890/sparql-graph-crud-auth
    kg query --endpoint http://127.0.0.1:8890/sparql 'SELECT ...'
    kg ask   --endpoint http://127.0.0.1:8890/sparql "who founded DeepSeek"

Credentials come from KG_ENDPOINT_USER / KG_ENDPOINT_PASSWORD (never argv, never logged); both
HTTP Basic and Digest are answered. Values are bound with a trailing VALUES block of terms in
N-Triples syntax (escaped by the library), never spliced from user text.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from kg.errors import InputError, KgError
from kg.graph import PREFIXES, KnowledgeGraph

EXIT_REMOTE = 4


class RemoteError(KgError):
    """The remote store refused, failed or could not be reached. Exit 4."""

    exit_code = EXIT_REMOTE


def check_url(url: str, what: str = "--endpoint") -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{what} must be an http(s) URL with a host, not {url!r}")
    return url


def _opener(url: str):
    handlers = []
    user, password = os.environ.get("KG_ENDPOINT_USER"), os.environ.get("KG_ENDPOINT_PASSWORD")
    if user is not None:
        mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        mgr.add_password(None, url, user, password or "")
        handlers += [urllib.request.HTTPDigestAuthHandler(mgr), urllib.request.HTTPBasicAuthHandler(mgr)]
    return urllib.request.build_opener(*handlers)


def _preauthorize(req: urllib.request.Request, timeout: float) -> None:
    """Answers the auth challenge before sending a large body.

    A server that challenges (401) may close the connection while a large body is still being
    sent (Virtuoso does: a broken pipe); so fetch the challenge with a bodiless GET first and send
    the body once, already authorised.
    """
    user, password = os.environ.get("KG_ENDPOINT_USER"), os.environ.get("KG_ENDPOINT_PASSWORD")
    if user is None or not req.data or len(req.data) < 16384:
        return
    try:
        urllib.request.urlopen(urllib.request.Request(req.full_url, method="GET"), timeout=timeout).close()
        return
    except urllib.error.HTTPError as exc:
        challenge = exc.headers.get("WWW-Authenticate", "")
        exc.close()
    except OSError:
        return  # the real request will report it
    scheme, _, rest = challenge.partition(" ")
    if scheme.lower() == "digest":
        mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        mgr.add_password(None, req.full_url, user, password or "")
        chal = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
        auth = urllib.request.HTTPDigestAuthHandler(mgr).get_authorization(req, chal)
        if auth:
            req.add_unredirected_header("Authorization", "Digest " + auth)
    elif scheme.lower() == "basic":
        import base64

        token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
        req.add_unredirected_header("Authorization", "Basic " + token)


def _request(url: str, data: bytes | None, headers: dict, method: str, timeout: float = 120) -> bytes:
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    shown = urllib.parse.urlsplit(url)._replace(query="").geturl()
    try:
        _preauthorize(req, timeout)
        with _opener(url).open(req, timeout=timeout) as r:
            return r.read()
    except urllib.error.HTTPError as exc:
        detail = " ".join(exc.read(300).decode("utf-8", "replace").split())
        raise RemoteError(f"{shown} answered {exc.code} {exc.reason}: {detail}") from None
    except urllib.error.URLError as exc:
        raise RemoteError(f"cannot reach {shown}: {exc.reason}") from None
    except (TimeoutError, OSError) as exc:
        raise RemoteError(f"cannot reach {shown}: {exc}") from None


def with_prologue(sparql: str, bindings: dict | None = None) -> str:
    """Declares kg's usual prefixes (those the query does not) and appends the bound values."""
    declared = {m.lower() for m in re.findall(r"(?i)PREFIX\s+([A-Za-z][\w-]*)\s*:", sparql)}
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if p.lower() not in declared)
    if not bindings:
        return prologue + sparql
    names = sorted(bindings)
    row = " ".join(str(bindings[n]) for n in names)  # N-Triples syntax, escaped by pyoxigraph
    values = f"VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }}"
    # Inside the WHERE clause, first: the values are bound before FILTERs run, as with the
    # embedded store's substitutions (a trailing VALUES block would be joined after them).
    m = re.search(r"(?i)\bWHERE\s*\{", sparql)
    if m is None:
        raise InputError("a query with bound values needs a WHERE clause")
    return prologue + sparql[: m.end()] + "\n  " + values + sparql[m.end() :]


def _term(b: dict):
    import pyoxigraph as ox

    kind = b["type"]
    if kind == "uri":
        return ox.NamedNode(b["value"])
    if kind == "bnode":
        return ox.BlankNode(b["value"])
    if "xml:lang" in b:
        return ox.Literal(b["value"], language=b["xml:lang"])
    if "datatype" in b:
        return ox.Literal(b["value"], datatype=ox.NamedNode(b["datatype"]))
    return ox.Literal(b["value"])


class RemoteGraph(KnowledgeGraph):
    """The same graph API over a remote SPARQL endpoint; the lexicon comes from the local build."""

    def __init__(self, endpoint: str, lexicon_path: Path) -> None:
        self.endpoint = check_url(endpoint)
        self.store_path = None
        self.lexicon = json.loads(lexicon_path.read_text(encoding="utf-8"))

    @classmethod
    def open_remote(cls, endpoint: str, paths=None) -> RemoteGraph:
        from kg.build import ensure_built
        from kg.paths import Paths

        return cls(endpoint, ensure_built(paths or Paths.from_env()).lexicon)

    @property
    def store(self):
        raise RemoteError("this graph is remote: use select() or query_text()")

    def query_text(self, sparql: str, accept: str, bindings: dict | None = None) -> bytes:
        from kg.sparqlguard import check

        check(sparql)
        body = urllib.parse.urlencode({"query": with_prologue(sparql, bindings)}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept}
        return _request(self.endpoint, body, headers, "POST")

    def select(self, sparql: str, bindings: dict | None = None) -> list[dict]:
        raw = self.query_text(sparql, "application/sparql-results+json", bindings)
        try:
            data = json.loads(raw)
        except ValueError:
            raise RemoteError(f"{self.endpoint} did not answer SPARQL JSON results") from None
        return [{k: _term(v) for k, v in row.items()} for row in data.get("results", {}).get("bindings", [])]


def push(build, gsp_url: str) -> list[str]:
    """PUTs every named graph of the build (replacing it); returns the graphs replaced.

    On a failure the message says exactly which graphs were replaced before it.
    """
    import io

    import pyoxigraph as ox

    check_url(gsp_url, "--gsp")
    store = ox.Store.read_only(str(build.store))
    graphs = sorted(g.value for g in store.named_graphs())
    done: list[str] = []
    for name in graphs:
        buf = io.BytesIO()
        store.dump(buf, format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(name))
        url = gsp_url + ("&" if "?" in gsp_url else "?") + urllib.parse.urlencode({"graph": name})
        try:
            _request(url, buf.getvalue(), {"Content-Type": "application/n-triples"}, "PUT", timeout=600)
        except RemoteError as exc:
            replaced = ", ".join(done) if done else "none"
            raise RemoteError(f"push failed at graph <{name}>: {exc.message}; graphs replaced before it: {replaced}") from None
        done.append(name)
    return done


def remote_query(g: RemoteGraph, sparql: str, fmt: str) -> bytes:
    """`kg query --endpoint`: the remote's own serialisation, or a table made from its JSON."""
    accept = {
        "csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/sparql-results+json",
        "xml": "application/sparql-results+xml", "ttl": "text/turtle", "nt": "application/n-triples",
        "jsonld": "application/ld+json",
    }  # fmt: skip
    if fmt != "table":
        if fmt not in accept:
            raise InputError(f"--format {fmt} is not available with --endpoint; use table or {', '.join(accept)}")
        return g.query_text(sparql, accept[fmt])
    raw = g.query_text(sparql, "application/sparql-results+json, text/turtle;q=0.9")
    try:
        data = json.loads(raw)
    except ValueError:
        return raw  # a graph result, as Turtle
    if "boolean" in data:
        return b"yes\n" if data["boolean"] else b"no\n"
    cols = data["head"]["vars"]
    rows = [[b.get(c, {}).get("value", "") for c in cols] for b in data["results"]["bindings"]]
    widths = [max([len(c)] + [min(60, len(r[i])) for r in rows]) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    lines += ["  ".join(v[:60].ljust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return ("\n".join(lines) + "\n").encode()

"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint with linked-data entity pages.

Starlette app; user SPARQL runs in worker processes (kg.workers) with a timeout that kills the
work and a row cap announced in the `X-KG-Row-Cap` / `X-KG-Truncated` headers. SERVICE, LOAD and
FROM are refused before anything runs. Binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import quote

from kg import iri
from kg.workers import GRAPH_TYPES


@dataclass
class Config:
    timeout: float = 30.0
    row_cap: int = 10000
    max_request_bytes: int = 64 * 1024
    workers: int = 2
    cors: tuple[str, ...] = ()  # origins allowed to call the endpoint from a browser (YASGUI)


SD = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .
@prefix dct: <http://purl.org/dc/terms/> .
<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML, formats:SPARQL_Results_CSV,
        formats:SPARQL_Results_TSV, formats:Turtle, formats:N-Triples, formats:JSON-LD, formats:RDF_XML ;
    sd:feature sd:UnionDefaultGraph ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ] ;
    dct:description "kg: read-only. SERVICE, LOAD, FROM and updates are refused. Query timeout {timeout:g} s; at most {cap} rows, announced in the X-KG-Row-Cap and X-KG-Truncated headers." .
"""


_SHORT = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
    "tsv": "text/tab-separated-values", "turtle": "text/turtle", "ttl": "text/turtle", "nt": "application/n-triples",
    "jsonld": "application/ld+json", "json-ld": "application/ld+json", "rdfxml": "application/rdf+xml",
}  # fmt: skip


def _accept(header: str | None) -> list[str]:
    """Media types in order of preference (q-values honoured; */* and missing mean the defaults)."""
    if not header:
        return []
    items = []
    for n, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if fields[0] and q > 0:
            items.append((-q, n, fields[0].lower()))
    aliases = {"application/json": "application/sparql-results+json", "application/xml": "application/sparql-results+xml",
               "text/xml": "application/sparql-results+xml", "application/x-turtle": "text/turtle",
               "text/plain": "application/n-triples"}  # fmt: skip
    return [aliases.get(m, m) for _, _, m in sorted(items)]


def create_app(graph, pool, config: Config):
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    from kg.errors import KgError
    from kg.sparqlguard import QueryRefused, check

    def error(status: int, message: str) -> Response:
        return PlainTextResponse(message + "\n", status_code=status)

    async def body_text(request: Request) -> str | Response:
        length = request.headers.get("content-length")
        if length and int(length) > config.max_request_bytes:
            return error(413, f"request too large: at most {config.max_request_bytes} bytes")
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > config.max_request_bytes:
                return error(413, f"request too large: at most {config.max_request_bytes} bytes")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return error(400, "request body is not UTF-8")

    async def sparql(request: Request) -> Response:
        query = None
        if request.method == "GET":
            if "update" in request.query_params:
                return error(403, "updates are refused: this endpoint is read-only")
            if len(str(request.url)) > config.max_request_bytes:
                return error(414, "request URI too long")
            query = request.query_params.get("query")
            if query is None:
                endpoint = str(request.url).split("?")[0]
                text = SD.format(endpoint=endpoint, timeout=config.timeout, cap=config.row_cap)
                return Response(text, media_type="text/turtle")
        else:
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            body = await body_text(request)
            if isinstance(body, Response):
                return body
            if ctype == "application/sparql-update":
                return error(403, "updates are refused: this endpoint is read-only")
            if ctype == "application/sparql-query":
                query = body
            elif ctype == "application/x-www-form-urlencoded":
                from urllib.parse import parse_qs

                form = parse_qs(body, keep_blank_values=True)
                if "update" in form:
                    return error(403, "updates are refused: this endpoint is read-only")
                if form.get("default-graph-uri") or form.get("named-graph-uri"):
                    return error(400, "default-graph-uri / named-graph-uri are refused: the dataset is fixed")
                query = (form.get("query") or [None])[0]
            else:
                return error(415, "POST application/sparql-query or application/x-www-form-urlencoded (query=...)")
        if request.query_params.get("default-graph-uri") or request.query_params.get("named-graph-uri"):
            return error(400, "default-graph-uri / named-graph-uri are refused: the dataset is fixed")
        if not query or not query.strip():
            return error(400, "missing query")
        try:
            check(query)
        except QueryRefused as exc:
            return error(400, str(exc))
        short = (request.query_params.get("format") or request.query_params.get("output") or "").lower()
        accept = [_SHORT[short]] if short in _SHORT else _accept(request.headers.get("accept"))
        out = await run_in_threadpool(pool.run, query, accept, config.row_cap, config.timeout)
        if not out.ok:
            return error(out.status, out.error)
        headers = {"X-KG-Row-Cap": str(config.row_cap), "X-KG-Truncated": "true" if out.truncated else "false",
                   "X-KG-Rows": str(out.rows), "Vary": "Accept"}  # fmt: skip
        return Response(out.body, media_type=out.media_type, headers=headers)

    def entity_page(card: dict) -> str:
        e = html.escape
        rows = []
        for rel in card["relations"]:
            arrow = "→" if rel["direction"] == "out" else "←"
            for f in rel["facts"]:
                target = (f'<a href="/entity/{e(quote(f["iri"][len(iri.ENTITY):]))}">{e(f["label"])}</a>'
                          if f["iri"] else e(f["label"]))  # fmt: skip
                rows.append(
                    f"<tr><td>{arrow} {e(rel['label'])}</td><td>{target}</td>"
                    f"<td><blockquote>{e(f['quote'])}</blockquote><small>{e(f['source'])} {f['start']}–{f['end']}</small></td></tr>"
                )
        aliases = f"<p>Also: {e('; '.join(card['aliases']))}</p>" if card["aliases"] else ""
        desc = f"<p>{e(card['description'])}</p>" if card["description"] else ""
        return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(card["label"])} · kg</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; style-src 'unsafe-inline'; frame-src 'self'">
<style>body{{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:1em auto;padding:0 1em}}
td{{vertical-align:top;padding:4px 8px;border-bottom:1px solid #eee}} blockquote{{margin:0}} small{{color:#666}}
iframe{{width:100%;height:480px;border:1px solid #ddd}}</style></head><body>
<p><a href="/">kg</a> · <a href="/entity/{e(quote(card["id"]))}.ttl">Turtle</a> · <a href="/entity/{e(quote(card["id"]))}.jsonld">JSON-LD</a></p>
<h1>{e(card["label"])}</h1><p><em>{e(", ".join(card["types"]))}</em> · <code>{e(card["iri"])}</code></p>{desc}{aliases}
<p>Sources: {e(", ".join(card["sources"]))}</p>
<iframe src="/viz/{e(quote(card["id"]))}" title="ego network"></iframe>
<table>{"".join(rows)}</table></body></html>"""

    def entity_rdf(entity_iri: str, media: str) -> bytes:
        import pyoxigraph as ox

        from kg.graph import PREFIXES

        q = "CONSTRUCT { ?x ?p ?o . ?s ?q ?x } WHERE { { ?x ?p ?o } UNION { ?s ?q ?x } }"
        res = graph.store.query(q, use_default_graph_as_union=True, substitutions={ox.Variable("x"): ox.NamedNode(entity_iri)})
        fmt = getattr(ox.RdfFormat, GRAPH_TYPES[media])
        return ox.serialize(list(res), format=fmt, prefixes=PREFIXES if fmt != ox.RdfFormat.N_TRIPLES else None)

    async def entity(request: Request) -> Response:
        ident = request.path_params["ident"]
        suffix = {".ttl": "text/turtle", ".jsonld": "application/ld+json", ".nt": "application/n-triples", ".rdf": "application/rdf+xml"}
        forced = next((m for s, m in suffix.items() if ident.endswith(s)), None)
        if forced:
            ident = ident.rsplit(".", 1)[0]
        entity_iri = iri.entity(ident)
        if entity_iri not in graph.lexicon["entities"]:
            return error(404, f"no entity {ident!r}")
        wanted = [forced] if forced else _accept(request.headers.get("accept"))
        media = next((m for m in wanted if m in GRAPH_TYPES or m == "text/html"), "text/html")
        if media == "text/html":
            from kg.show import card

            return HTMLResponse(entity_page(await run_in_threadpool(card, graph, entity_iri)))
        body = await run_in_threadpool(entity_rdf, entity_iri, media)
        return Response(body, media_type=media, headers={"Vary": "Accept"})

    async def viz(request: Request) -> Response:
        from kg.viz import render_html, select

        ident = request.path_params["ident"]
        if iri.entity(ident) not in graph.lexicon["entities"]:
            return error(404, f"no entity {ident!r}")

        def make() -> str:
            return render_html(graph, select(graph, focus=graph.label(iri.entity(ident)), depth=1))

        return HTMLResponse(await run_in_threadpool(make))

    async def ask(request: Request) -> Response:
        q = request.query_params.get("q", "")
        if len(q) > 500:
            return JSONResponse({"error": "question too long"}, status_code=400)
        try:
            answer = await run_in_threadpool(graph.ask, q)
        except KgError as exc:
            status = 404 if exc.exit_code == 1 else 400
            return JSONResponse({"question": q, "error": str(exc), "suggestions": getattr(exc, "suggestions", [])}, status_code=status)
        return JSONResponse(answer.as_json())

    async def home(request: Request) -> Response:
        q = request.query_params.get("q", "")
        hits = await run_in_threadpool(graph.search, q, None, 20) if q.strip() else []
        items = "".join(
            f'<li><a href="/entity/{html.escape(quote(h["iri"][len(iri.ENTITY) :]))}">{html.escape(h["label"])}</a>'
            f" <small>{html.escape(', '.join(h['types']))}</small></li>"
            for h in hits
        )
        n = len(graph.lexicon["entities"])
        return HTMLResponse(f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>kg</title>
<style>body{{font:15px/1.45 system-ui,sans-serif;max-width:800px;margin:2em auto;padding:0 1em}}</style></head><body>
<h1>kg</h1><p>{n} entities. SPARQL endpoint: <a href="/sparql">/sparql</a> · questions: <code>/ask?q=...</code></p>
<form action="/" method="get"><input name="q" value="{html.escape(q)}" size="40" placeholder="Search names"> <button>Search</button></form>
<ul>{items}</ul></body></html>""")

    routes = [
        Route("/", home),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/entity/{ident:path}", entity),
        Route("/viz/{ident:path}", viz),
        Route("/ask", ask),
    ]
    middleware = []
    if config.cors:
        from starlette.middleware import Middleware
        from starlette.middleware.cors import CORSMiddleware

        middleware.append(Middleware(CORSMiddleware, allow_origins=list(config.cors), allow_methods=["GET", "POST"],
                                     allow_headers=["Content-Type", "Accept"],
                                     expose_headers=["X-KG-Row-Cap", "X-KG-Rows", "X-KG-Truncated"]))  # fmt: skip
    return Starlette(routes=routes, middleware=middleware)


def _check_bind(host: str, port: int) -> None:
    """A taken port or an unknown interface is a usage error (exit 2), said before anything starts."""
    import socket

    from kg.errors import InputError

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def serve(host: str = "127.0.0.1", port: int = 8000, config: Config | None = None) -> None:
    import uvicorn

    from kg.graph import KnowledgeGraph
    from kg.workers import WorkerPool

    config = config or Config()
    _check_bind(host, port)
    graph = KnowledgeGraph.open()
    store_path = graph.store_path
    pool = WorkerPool(store_path, size=config.workers)
    try:
        app = create_app(graph, pool, config)
        print(f"kg serving http://{host}:{port}/ (SPARQL at /sparql; timeout {config.timeout:g} s, row cap {config.row_cap})", flush=True)
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3)
    finally:
        pool.close()

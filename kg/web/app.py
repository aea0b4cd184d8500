"""The Starlette app behind `kg serve`: the SPARQL 1.1 Protocol endpoint and the entity pages."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from kg import iri
from kg.web.pages import entity_page, home_page
from kg.workers import GRAPH_TYPES

if TYPE_CHECKING:
    from kg.serve import Config
    from kg.web.follow import Holder
    from kg.web.hosts import Names
    from kg.web.pool import WorkerPool

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
    dct:description "{description}" .
"""
SD_DESCRIPTION = (
    "kg: read-only. SERVICE, LOAD, FROM and updates are refused. Query timeout {timeout:g} s; "
    "at most {cap} rows, announced in the X-KG-Row-Cap and X-KG-Truncated headers."
)


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


def create_app(holder: Holder, pool: WorkerPool, config: Config, names: Names | None = None, lifespan=None):
    """The app: /sparql goes to the worker pool (bounded queue, own threads); the pages run here, on
    fixed bounded queries over the served generation, and never wait behind the pool."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    from kg.errors import KgError

    def error(status: int, message: str, headers: dict | None = None) -> Response:
        return PlainTextResponse(message + "\n", status_code=status, headers=headers)

    async def body_text(request: Request) -> str | Response:
        length = request.headers.get("content-length")
        if length and int(length) > config.max_request_bytes:
            return error(413, f"request too large: at most {config.max_request_bytes} bytes")
        raw = b""
        try:
            async with asyncio.timeout(config.header_timeout):  # a body sent a byte a second does not hold a connection
                async for chunk in request.stream():
                    raw += chunk
                    if len(raw) > config.max_request_bytes:
                        return error(413, f"request too large: at most {config.max_request_bytes} bytes")
        except TimeoutError:
            return error(408, f"request body not received within {config.header_timeout:g} s")
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
                description = SD_DESCRIPTION.format(timeout=config.timeout, cap=config.row_cap)
                text = SD.format(endpoint=endpoint, description=description)
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
        short = (request.query_params.get("format") or request.query_params.get("output") or "").lower()
        accept = [_SHORT[short]] if short in _SHORT else _accept(request.headers.get("accept"))
        wait = config.queue_wait if config.queue_wait is not None else max(config.timeout, 5.0)
        out = await pool.run(query, accept, config.row_cap, config.timeout, wait)  # the guard runs in the worker
        if not out.ok:
            return error(out.status, out.error, {"Retry-After": str(out.retry_after)} if out.retry_after else None)
        headers = {"X-KG-Row-Cap": str(config.row_cap), "X-KG-Truncated": "true" if out.truncated else "false",
                   "X-KG-Rows": str(out.rows), "Vary": "Accept"}  # fmt: skip
        return Response(out.body, media_type=out.media_type, headers=headers)

    def entity_rdf(graph, entity_iri: str, media: str) -> bytes:
        import pyoxigraph as ox

        from kg.graph import PREFIXES

        q = "CONSTRUCT { ?x ?p ?o . ?s ?q ?x } WHERE { { ?x ?p ?o } UNION { ?s ?q ?x } }"
        res = graph.store.query(q, use_default_graph_as_union=True, substitutions={ox.Variable("x"): ox.NamedNode(entity_iri)})
        fmt = getattr(ox.RdfFormat, GRAPH_TYPES[media])
        return ox.serialize(list(res), format=fmt, prefixes=PREFIXES if fmt != ox.RdfFormat.N_TRIPLES else None)

    async def entity(request: Request) -> Response:
        with holder.use() as graph:
            return await entity_in(graph, request)

    async def entity_in(graph, request: Request) -> Response:
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
        body = await run_in_threadpool(entity_rdf, graph, entity_iri, media)
        return Response(body, media_type=media, headers={"Vary": "Accept"})

    async def viz(request: Request) -> Response:
        with holder.use() as graph:
            return await viz_in(graph, request)

    async def viz_in(graph, request: Request) -> Response:
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
            with holder.use() as graph:
                answer = await run_in_threadpool(graph.ask, q)
        except KgError as exc:
            status = 404 if exc.exit_code == 1 else 400
            return JSONResponse({"question": q, "error": str(exc), "suggestions": getattr(exc, "suggestions", [])}, status_code=status)
        return JSONResponse(answer.as_json())

    async def home(request: Request) -> Response:
        q = request.query_params.get("q", "")
        with holder.use() as graph:
            hits = await run_in_threadpool(graph.search, q, None, 20) if q.strip() else []
            return HTMLResponse(home_page(len(graph.lexicon["entities"]), q, hits))

    routes = [
        Route("/", home),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/entity/{ident:path}", entity),
        Route("/viz/{ident:path}", viz),
        Route("/ask", ask),
    ]
    from starlette.middleware import Middleware

    from kg.web.hosts import HostGuard

    middleware = [Middleware(HostGuard, names=names, cors=config.cors)] if names is not None else []
    if config.cors:
        from starlette.middleware.cors import CORSMiddleware

        middleware.append(Middleware(CORSMiddleware, allow_origins=list(config.cors), allow_methods=["GET", "POST"],
                                     allow_headers=["Content-Type", "Accept"],
                                     expose_headers=["X-KG-Row-Cap", "X-KG-Rows", "X-KG-Truncated"]))  # fmt: skip
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)

"""The Starlette app behind `kg serve`: the SPARQL 1.1 Protocol endpoint and the pages people browse.

Pages: home (classes, sources, search as you type, ask, example queries), class pages (paged,
sortable, faceted, downloadable), entity pages (statements by property with their evidence,
what links here, the network view, JSON-LD), source pages (the text with every quote marked),
the query editor (YASGUI, vendored) and /ask answers. The data for each page is kg.web.views;
the HTML is kg.web.pages with its templates.
"""

from __future__ import annotations

import asyncio
import functools
import json
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from kg import iri
from kg.workers import GRAPH_TYPES

if TYPE_CHECKING:
    from kg.serve import Config
    from kg.web.follow import Holder
    from kg.web.hosts import Names
    from kg.web.pool import WorkerPool

SD_PREFIXES = """@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .
@prefix dct: <http://purl.org/dc/terms/> .
"""
SD_DESCRIPTION = (
    "kg: read-only. SERVICE, LOAD, FROM and updates are refused. Query timeout {timeout:g} s; "
    "at most {cap} rows, announced in the X-KG-Row-Cap and X-KG-Truncated headers."
)
EDITOR_PREFIXES = ("rdf", "rdfs", "xsd", "skos", "schema", "prov", "dct", "kgo", "kgr", "kgs")
DEFAULT_QUERY = """SELECT ?class (COUNT(?x) AS ?n) WHERE {
  ?x a ?class .
  FILTER(STRSTARTS(STR(?class), STR(kgo:)))
} GROUP BY ?class ORDER BY DESC(?n)
"""
EXAMPLE_QUESTIONS = (
    "who attended the Great Hall meeting",
    "which models did DeepSeek develop",
    "which models were trained with more than 10^24 FLOP",
    "what does the NPRM require notice of",
)
_SHORT = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
    "tsv": "text/tab-separated-values", "turtle": "text/turtle", "ttl": "text/turtle", "nt": "application/n-triples",
    "jsonld": "application/ld+json", "json-ld": "application/ld+json", "rdfxml": "application/rdf+xml",
}  # fmt: skip
_SUFFIX = {".ttl": "text/turtle", ".jsonld": "application/ld+json", ".nt": "application/n-triples", ".rdf": "application/rdf+xml"}


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
               "text/plain": "application/n-triples", "application/xhtml+xml": "text/html"}  # fmt: skip
    return [aliases.get(m, m) for _, _, m in sorted(items)]


def _wants_html(header: str | None) -> bool:
    """A browser: text/html is asked for and preferred to every RDF or results type."""
    for m in _accept(header):
        if m == "text/html":
            return True
        if m in GRAPH_TYPES or m.startswith(("application/sparql-results", "text/csv", "text/tab")):
            return False
    return False


def service_description(endpoint: str, graphs: list[str], timeout: float, cap: int) -> str:
    """The SPARQL service description (Turtle): formats, the union default graph, the stored named graphs."""
    from kg.web.pages import script_json

    description = script_json(SD_DESCRIPTION.format(timeout=timeout, cap=cap))  # a JSON string is a valid Turtle string here
    named = "".join(f"\n        sd:namedGraph [ a sd:NamedGraph ; sd:name <{g}> ] ;" for g in graphs)
    return (
        SD_PREFIXES
        + f"""<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML, formats:SPARQL_Results_CSV,
        formats:SPARQL_Results_TSV, formats:Turtle, formats:N-Triples, formats:JSON-LD, formats:RDF_XML ;
    sd:feature sd:UnionDefaultGraph ;
    sd:defaultDataset [ a sd:Dataset ; sd:defaultGraph [ a sd:Graph ] ;{named}
    ] ;
    dct:description {description} .
"""
    )


def graph_names(graph) -> list[str]:
    """The named graphs stored in the served build (what default-graph-uri / named-graph-uri may name)."""
    return graph.memo("web-graph-names", lambda: sorted(g.value for g in graph.store.named_graphs()))


def create_app(holder: Holder, pool: WorkerPool, config: Config, names: Names | None = None, lifespan=None):
    """The app: /sparql goes to the worker pool (bounded queue, own threads); the pages run here, on
    fixed bounded queries over the served generation, and never wait behind the pool."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from kg.errors import KgError
    from kg.graph import PREFIXES
    from kg.web import views
    from kg.web.pages import STATIC, class_url, render, script_json, source_page, with_prefixes

    folders = list(getattr(config, "source_dirs", ()) or ())
    # Pages are made on a few threads of their own, first come first served. Making a page is
    # Python holding the interpreter lock; on anyio's 40 threads 20 clients' first visits made
    # the same pages with 40% more CPU (threads contending for the lock) and a longer tail.
    page_threads = ThreadPoolExecutor(max_workers=max(1, getattr(config, "page_threads", 4)), thread_name_prefix="kg-page")

    async def run_in_threadpool(fn, *args):
        return await asyncio.get_running_loop().run_in_executor(page_threads, functools.partial(fn, *args))

    def error(status: int, message: str, headers: dict | None = None) -> Response:
        return PlainTextResponse(message + "\n", status_code=status, headers=headers)

    def page(template: str, status: int = 200, headers: dict | None = None, **values) -> Response:
        values.setdefault("generation", holder.served.path.name)
        return HTMLResponse(render(template, **values), status_code=status, headers=headers)

    def not_found(request: Request, message: str, graph=None) -> Response:
        if not _wants_html(request.headers.get("accept")):
            return error(404, message)
        suggestions = []
        if graph is not None:
            name = request.path_params.get("ident", "").replace("-", " ")
            try:
                suggestions = [{"href": "/entity/" + h["iri"][len(iri.ENTITY) :], "label": h["label"]} for h in graph.search(name, None, 5)]
            except KgError:
                pass
        return page("error.html", 404, code=404, message=message, suggestions=suggestions)

    def page_cache(graph) -> PageCache:
        return views._memo(graph, "web-page-cache", lambda: PageCache(config_cache_pages))

    async def cached(graph, key: str, make) -> Response:
        """A rendered page, kept for the generation (read-only data) in a bounded LRU; a page
        already made is answered here on the event loop, only making one goes to a thread."""
        cache = page_cache(graph)
        body = cache.peek(key)
        if body is None:
            body = await run_in_threadpool(cache.get, key, make)
        return HTMLResponse(body)

    config_cache_pages = 2048

    def named(graph=None) -> list[dict]:
        from kg.queries import named_queries

        return named_queries(getattr(config, "queries_dir", None))

    # ------------------------------------------------------------------ SPARQL protocol

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

    def describe_service(request: Request, graph) -> Response:
        import pyoxigraph as ox

        endpoint = str(request.url).split("?")[0]
        text = service_description(endpoint, graph_names(graph), config.timeout, config.row_cap)
        wanted = _accept(request.headers.get("accept"))
        media = next((m for m in wanted if m in GRAPH_TYPES), "text/turtle")
        if media == "text/turtle":
            return Response(text, media_type="text/turtle")
        triples = ox.parse(text, format=ox.RdfFormat.TURTLE)
        fmt = getattr(ox.RdfFormat, GRAPH_TYPES[media])
        return Response(ox.serialize(triples, format=fmt), media_type=media)

    def dataset(params: dict[str, list[str]], graph) -> tuple[list[str], list[str]] | None | Response:
        """default-graph-uri / named-graph-uri: each must name a stored graph (nothing is ever fetched)."""
        default, named_ = params.get("default-graph-uri", []), params.get("named-graph-uri", [])
        if not default and not named_:
            return None
        stored = set(graph_names(graph))
        for name, values in (("default-graph-uri", default), ("named-graph-uri", named_)):
            for v in values:
                if v not in stored:
                    return error(400, f"{name} <{v}> names no graph stored here (nothing is fetched); "
                                      f"the stored graphs are listed in the service description (GET /sparql)")  # fmt: skip
        return default, named_

    async def sparql(request: Request) -> Response:
        url_params: dict[str, list[str]] = {}
        for k, v in request.query_params.multi_items():
            url_params.setdefault(k, []).append(v)
        if len(str(request.url)) > config.max_request_bytes:
            return error(414, "request URI too long")
        if "update" in url_params:
            return error(403, "updates are refused: this endpoint is read-only")
        if request.method in ("GET", "HEAD"):
            params = url_params
            browser = _wants_html(request.headers.get("accept")) and not ({"format", "output"} & set(params))
            if browser and len(params.get("query", [])) == 1:  # a person following a query link: the editor shows it
                from urllib.parse import urlencode

                return RedirectResponse("/query?" + urlencode({"query": params["query"][0]}), status_code=303)
            if "query" not in params:
                if browser:
                    return RedirectResponse("/query", status_code=303)
                with holder.use() as graph:
                    return describe_service(request, graph)
        else:
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            body = await body_text(request)
            if isinstance(body, Response):
                return body
            if ctype == "application/sparql-update":
                return error(403, "updates are refused: this endpoint is read-only")
            if ctype == "application/sparql-query":
                if "query" in url_params:
                    return error(400, "the query is both in the URL and in the body; send it once")
                params = {**url_params, "query": [body]}
            elif ctype == "application/x-www-form-urlencoded":
                from urllib.parse import parse_qs

                form = parse_qs(body, keep_blank_values=True)
                if "update" in form:
                    return error(403, "updates are refused: this endpoint is read-only")
                if "query" in url_params and "query" in form:
                    return error(400, "the query is both in the URL and in the body; send it once")
                params = {**url_params}
                for k, v in form.items():
                    params.setdefault(k, []).extend(v)
            else:
                return error(415, "POST application/sparql-query or application/x-www-form-urlencoded (query=...)")
        queries = params.get("query", [])
        if len(queries) > 1:
            return error(400, f"{len(queries)} query parameters; send exactly one")
        query = queries[0] if queries else None
        if not query or not query.strip():
            return error(400, "missing query")
        with holder.use() as graph:
            chosen = dataset(params, graph)
        if isinstance(chosen, Response):
            return chosen
        short = ((params.get("format") or params.get("output") or [""])[0]).lower()
        accept = [_SHORT[short]] if short in _SHORT else _accept(request.headers.get("accept"))
        wait = config.queue_wait if config.queue_wait is not None else max(config.timeout, 5.0)
        base = str(request.url).split("?")[0]  # relative IRIs in the query resolve against the endpoint
        out = await pool.run(query, accept, config.row_cap, config.timeout, wait, dataset=chosen, base_iri=base)
        if not out.ok:
            return error(out.status, out.error, {"Retry-After": str(out.retry_after)} if out.retry_after else None)
        headers = {"X-KG-Row-Cap": str(config.row_cap), "X-KG-Truncated": "true" if out.truncated else "false",
                   "X-KG-Rows": str(out.rows)}  # fmt: skip
        return Response(out.body, media_type=out.media_type, headers=headers)

    # ------------------------------------------------------------------ linked data

    def describe(graph, subject: str, media: str) -> bytes:
        import pyoxigraph as ox

        q = "CONSTRUCT { ?x ?p ?o . ?s ?q ?x } WHERE { { ?x ?p ?o } UNION { ?s ?q ?x } }"
        res = graph.store.query(q, use_default_graph_as_union=True, substitutions={ox.Variable("x"): ox.NamedNode(subject)})
        fmt = getattr(ox.RdfFormat, GRAPH_TYPES[media])
        return ox.serialize(list(res), format=fmt, prefixes=PREFIXES if fmt not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.JSON_LD) else None)

    def negotiate(request: Request, ident: str) -> tuple[str, str | None]:
        forced = next((m for s, m in _SUFFIX.items() if ident.endswith(s)), None)
        if forced:
            return ident.rsplit(".", 1)[0], forced
        wanted = _accept(request.headers.get("accept"))
        media = next((m for m in wanted if m in GRAPH_TYPES or m == "text/html"), "text/html")
        return ident, None if media == "text/html" else media

    async def entity(request: Request) -> Response:
        with holder.use() as graph:
            ident, media = negotiate(request, request.path_params["ident"])
            subject = iri.entity(ident)
            key = "entity:" + subject
            if media is None and page_cache(graph).peek(key) is not None:  # only pages of entities that exist are kept
                return await cached(graph, key, None)
            exists = subject in graph.lexicon["entities"] or await run_in_threadpool(views.resource_exists, graph, subject)
            if not exists:
                return not_found(request, f"no entity {ident!r}", graph)
            if media is not None:
                return Response(await run_in_threadpool(describe, graph, subject, media), media_type=media)

            def make() -> str:
                view = views.entity_view(graph, subject)
                jsonld = script_json(json.loads(describe(graph, subject, "application/ld+json") or b"[]"))
                return render("entity.html", e=view, jsonld=jsonld, generation=holder.served.path.name)

            return await cached(graph, key, make)

    async def viz(request: Request) -> Response:
        with holder.use() as graph:
            from kg.viz import render_html, select

            ident = request.path_params["ident"]
            if iri.entity(ident) not in graph.lexicon["entities"]:
                return not_found(request, f"no entity {ident!r}", graph)

            def make() -> str:
                return render_html(graph, select(graph, focus=graph.label(iri.entity(ident)), depth=1))

            body = await run_in_threadpool(make)
            return HTMLResponse(body, headers={"Content-Security-Policy": inline_csp(body)})

    # ------------------------------------------------------------------ pages

    async def home(request: Request) -> Response:
        q = request.query_params.get("q", "")
        with holder.use() as graph:

            def make() -> str:
                hits = []
                if q.strip():
                    try:
                        hits = [dict(h, id=views.short_id(h["iri"])) for h in graph.search(q, None, 20)]
                    except KgError:
                        hits = []
                srcs = list(views.sources(graph).values())
                return render("home.html", q=q, hits=hits, entities=len(graph.lexicon["entities"]),
                              facts=sum(s["statements"] for s in srcs), sources=srcs, classes=views.class_counts(graph),
                              queries=named(), questions=EXAMPLE_QUESTIONS, generation=holder.served.path.name)  # fmt: skip

            if q.strip():
                return HTMLResponse(await run_in_threadpool(make))
            made = views.made(graph, "web-home-page")  # made once per generation; once made, answered on the event loop
            return HTMLResponse(made if made is not None else await run_in_threadpool(lambda: views._memo(graph, "web-home-page", make)))

    async def search_json(request: Request) -> Response:
        q = request.query_params.get("q", "")[:200]
        try:
            limit = max(1, min(25, int(request.query_params.get("limit", "10"))))
        except ValueError:
            return JSONResponse({"error": "limit must be a number"}, status_code=400)
        with holder.use() as graph:
            try:
                hits = await run_in_threadpool(graph.search, q, None, limit) if q.strip() else []
            except KgError:
                hits = []
        return JSONResponse({"q": q, "hits": [{"id": views.short_id(h["iri"]), "iri": h["iri"], "label": h["label"], "types": h["types"]}
                                              for h in hits]})  # fmt: skip

    async def klass(request: Request) -> Response:
        name = request.path_params["name"]
        qp = request.query_params
        fmt = qp.get("format")
        if name.endswith((".csv", ".json")):
            name, fmt = name.rsplit(".", 1)
        with holder.use() as graph:
            if name not in graph.lexicon["classes"]:
                return not_found(request, f"no class {name!r}")
            try:
                page_no = int(qp.get("page", "1"))
            except ValueError:
                page_no = 1
            args = {"sort": qp.get("sort", "label"), "desc": qp.get("order") == "desc", "source": qp.get("source") or None,
                    "sub": qp.get("sub") or None}  # fmt: skip
            if fmt in ("csv", "json"):
                view = await run_in_threadpool(lambda: views.class_view(graph, name, limit=10**9, **args))
                return download(view, fmt)

            def make() -> str:
                view = views.class_view(graph, name, page=page_no, **args)
                params = {"sort": None if view["sort"] == "label" else view["sort"], "order": "desc" if view["desc"] else None,
                          "source": view["source"], "sub": view["sub"], "page": view["page"] if view["page"] > 1 else None}  # fmt: skip
                tree = views.class_tree(graph)
                parent = tree[name]["parent"]
                return render("class.html", v=view, parent_label=tree[parent]["label"] if parent else "",
                              url=lambda **ch: class_url(name, params, **ch), generation=holder.served.path.name)  # fmt: skip

            key = f"class:{name}:{page_no}:{sorted(args.items())}"
            return await cached(graph, key, make)

    def asked(graph, q: str) -> str:
        """An answer (as JSON text), kept per generation in a bounded LRU: the same question on the
        same read-only build has the same answer. Refusals (KgError) are not kept."""
        cache = graph.memo("web-ask-cache", lambda: PageCache(512))
        return cache.get(q, lambda: json.dumps(graph.ask(q).as_json()))

    def download(view: dict, fmt: str) -> Response:
        rows = [{"iri": r["iri"], "label": r["label"], "types": ";".join(r["types"]), "statements": r["facts"],
                 "sources": ";".join(r["sources"]), "description": r["description"]} for r in view["rows"]]  # fmt: skip
        stem = view["name"] + (f"-{view['sub']}" if view["sub"] else "") + (f"-{view['source']}" if view["source"] else "")
        disposition = {"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'}
        if fmt == "json":
            return JSONResponse({"class": view["name"], "source": view["source"], "subclass": view["sub"], "sort": view["sort"],
                                 "order": "desc" if view["desc"] else "asc", "total": view["total"], "rows": rows},
                                headers=disposition)  # fmt: skip
        import csv
        import io

        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=["iri", "label", "types", "statements", "sources", "description"])
        w.writeheader()
        for r in rows:
            w.writerow({k: _csv_safe(v) for k, v in r.items()})
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8", headers=disposition)

    async def source(request: Request) -> Response:
        with holder.use() as graph:
            ident, media = negotiate(request, request.path_params["ident"])
            if ident not in views.sources(graph):
                return not_found(request, f"no source {ident!r}")
            if media is not None:
                return Response(await run_in_threadpool(source_rdf, graph, ident, media), media_type=media)

            # the same for the whole generation: made once (those with their text at hand before listening)
            made = views.made(graph, f"web-source-page-{ident}")
            if made is not None:
                return HTMLResponse(made)
            return HTMLResponse(await run_in_threadpool(source_page, graph, ident, folders, holder.served.path.name))

    def source_rdf(graph, sid: str, media: str) -> bytes:
        import pyoxigraph as ox

        q = "CONSTRUCT { ?s ?p ?o } WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { GRAPH ?meta { ?g ?p ?o } BIND(?g AS ?s) } }"
        subs = {ox.Variable("g"): ox.NamedNode(iri.source(sid)), ox.Variable("meta"): ox.NamedNode(iri.GRAPH_SOURCES)}
        fmt = getattr(ox.RdfFormat, GRAPH_TYPES[media])
        res = graph.store.query(q, substitutions=subs)
        return ox.serialize(list(res), format=fmt, prefixes=PREFIXES if fmt not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.JSON_LD) else None)

    async def ask(request: Request) -> Response:
        q = request.query_params.get("q", "")
        html = _wants_html(request.headers.get("accept")) and request.query_params.get("format") != "json"
        if len(q) > 500:
            if html:
                return page("ask.html", 400, q=q[:500], error="question too long (at most 500 characters)", suggestions=[],
                            answer=None, questions=EXAMPLE_QUESTIONS)  # fmt: skip
            return JSONResponse({"error": "question too long"}, status_code=400)
        if html and not q.strip():
            return page("ask.html", q="", error=None, suggestions=[], answer=None, questions=EXAMPLE_QUESTIONS)
        try:
            with holder.use() as graph:
                answer = json.loads(await run_in_threadpool(asked, graph, q))
                titles = views.sources(graph)
        except KgError as exc:
            status = 404 if exc.exit_code == 1 else 400
            suggestions = list(getattr(exc, "suggestions", []) or [])
            if html:
                return page("ask.html", status, q=q, error=str(exc), suggestions=suggestions, answer=None, questions=EXAMPLE_QUESTIONS)
            return JSONResponse({"question": q, "error": str(exc), "suggestions": suggestions}, status_code=status)
        if not html:
            return JSONResponse(answer)
        for a in answer["answers"]:
            a["href"] = "/entity/" + a["iri"][len(iri.ENTITY) :] if (a.get("iri") or "").startswith(iri.ENTITY) else None
            for ev in a["evidence"]:
                ev["title"] = titles[ev["source"]]["title"] if ev["source"] in titles else ev["source"]
                ev["anchor"] = f"at-{ev['start']}-{ev['end']}"
        return page("ask.html", q=q, error=None, suggestions=[], answer=answer, questions=EXAMPLE_QUESTIONS)

    async def editor(request: Request) -> Response:
        qp = request.query_params
        examples = {nq["name"]: with_prefixes(nq["text"], PREFIXES) for nq in named()}
        text = qp.get("query")
        if text is None and qp.get("name") in examples:
            text = examples[qp["name"]]
        run = text is not None
        if text is None:  # the prefixes preset, so a query can use them at once
            text = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in EDITOR_PREFIXES) + DEFAULT_QUERY
        endpoint = str(request.url_for("sparql"))
        config_json = script_json({"endpoint": endpoint, "query": text, "examples": examples, "prefixes": PREFIXES, "run": run})
        return page("query.html", query=text, endpoint=endpoint, prefixes=list(PREFIXES), queries=named(), config=config_json,
                    headers={"Content-Security-Policy": EDITOR_CSP})  # fmt: skip

    async def favicon(request: Request) -> Response:
        from starlette.responses import FileResponse

        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    routes = [
        Route("/", home),
        Route("/favicon.ico", favicon),
        Route("/search.json", search_json),
        Route("/sparql", sparql, methods=["GET", "HEAD", "POST"], name="sparql"),
        Route("/query", editor),
        Route("/class/{name}", klass),
        Route("/entity/{ident:path}", entity),
        Route("/source/{ident:path}", source),
        Route("/viz/{ident:path}", viz),
        Route("/ask", ask),
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
    ]
    from starlette.middleware import Middleware
    from starlette.middleware.gzip import GZipMiddleware

    from kg.web.caching import Conditional
    from kg.web.hosts import HostGuard

    middleware = [Middleware(HostGuard, names=names, cors=config.cors)] if names is not None else []
    if config.cors:
        from starlette.middleware.cors import CORSMiddleware

        middleware.append(Middleware(CORSMiddleware, allow_origins=list(config.cors), allow_methods=["GET", "POST"],
                                     allow_headers=["Content-Type", "Accept"],
                                     expose_headers=["X-KG-Row-Cap", "X-KG-Rows", "X-KG-Truncated"]))  # fmt: skip
    middleware.append(Middleware(Conditional, holder=holder, salt=_salt(config)))
    middleware.append(Middleware(GZipMiddleware, minimum_size=2048))
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


# YASGUI sets style attributes from its own code (CodeMirror, DataTables): the editor page allows
# inline styles; scripts stay 'self' only, and it connects to this server only.
EDITOR_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
              "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'")  # fmt: skip


def inline_csp(page: str) -> str:
    """A CSP for a page with inline scripts and styles (the kg viz page): exactly those, by hash."""
    import base64
    import hashlib
    import re

    def digest(body: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"

    scripts = [digest(m.group(1)) for m in re.finditer(r"<script>(.*?)</script>", page, re.S)]
    styles = [digest(m.group(1)) for m in re.finditer(r"<style>(.*?)</style>", page, re.S)]
    return (f"default-src 'none'; script-src {' '.join(scripts) or chr(39) + 'none' + chr(39)}; "
            f"style-src {' '.join(styles)} 'unsafe-hashes'; img-src data:; connect-src 'none'; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'self'")  # fmt: skip


class PageCache:
    """At most `size` rendered pages, least recently used dropped first (thread-safe)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pages: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()

    def peek(self, key: str) -> str | None:
        """The page if it is kept (and now the most recently used), else None; never makes one."""
        with self.lock:
            if key in self.pages:
                self.pages.move_to_end(key)
                return self.pages[key]
        return None

    def get(self, key: str, make) -> str:
        with self.lock:
            if key in self.pages:
                self.pages.move_to_end(key)
                return self.pages[key]
        page = make()
        with self.lock:
            self.pages[key] = page
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)
        return page


def _salt(config) -> str:
    """What, besides the generation, fixes the answers: the package files' version and the settings."""
    import dataclasses
    from importlib.metadata import PackageNotFoundError, version

    try:
        ver = version("kg")
    except PackageNotFoundError:
        ver = "?"
    import time

    # the start time too: a restart may bring changed templates under the same version
    return ver + repr(dataclasses.asdict(config) if dataclasses.is_dataclass(config) else config) + str(time.time())


def _csv_safe(value):
    """Spreadsheet formula injection: a cell starting with = + - @ is prefixed with '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value

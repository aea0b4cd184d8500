"""The `kg` command: a thin typer layer over the library. Each command is a few lines.

Exit codes: 0 ok, 1 violations, 2 usage or input error, 3 internal error (a bug: please
report it; set KG_DEBUG=1 for the traceback).
"""

import io
import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer

from kg.errors import EXIT_INPUT, EXIT_OK, EXIT_VIOLATIONS, InputError, KgError, ViolationsFound

app = typer.Typer(
    name="kg",
    help="A provenance-first knowledge graph of the US-China technology contest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_INTERNAL = 3
EXIT_PIPE = 141  # 128 + SIGPIPE: what a shell shows for `cat big | head`


def _fail(message: str, code: int) -> None:
    typer.echo(f"kg: error: {_clean(message)}", err=True)
    raise typer.Exit(code)


def _clean(text: str) -> str:
    from kg.terminal import clean

    return clean(text)


def _echo(text: str) -> None:
    """Text output that carries data (labels, quotes, query results): no terminal escapes pass."""
    typer.echo(_clean(text))


def _deny_network() -> None:
    """The second wall, right before a user's query is evaluated here (see kg.sandbox)."""
    from kg.sandbox import deny_network

    reason = deny_network()
    if reason:
        typer.echo(f"kg: warning: {reason}; the query runs behind the SPARQL guard only", err=True)


def handled(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turns library errors into one line on stderr and their exit code; never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except BrokenPipeError:  # the reader went away (`kg export -o - | head`): stop quietly, as Unix tools do
            from kg.atomic import silence_stdout

            silence_stdout()
            raise typer.Exit(EXIT_PIPE) from None
        except ViolationsFound as exc:
            for line in exc.lines:
                _echo(line)
            _fail(str(exc), exc.exit_code)
        except KgError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except Exception as exc:  # a bug, not bad input
            if os.environ.get("KG_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (set KG_DEBUG=1 for details)", EXIT_INTERNAL)

    return wrapper


def _quiet_libraries() -> None:
    """rdflib logs warnings to stderr; kg reports problems itself, in one line each."""
    import logging

    logging.getLogger("rdflib").setLevel(logging.ERROR)
    logging.getLogger("pyshacl").setLevel(logging.ERROR)


def _paths(sources: Path | None = None):
    from kg.paths import Paths

    return Paths.from_env(sources=sources)


@app.command()
@handled
def build(force: Annotated[bool, typer.Option("--force", help="Rebuild even if nothing changed.")] = False) -> None:
    """Compile ontology + data into RDF (TriG, Turtle) and the embedded store, atomically."""
    from kg.build import build as do_build

    _quiet_libraries()
    b = do_build(_paths(), force=force)
    m = b.manifest
    typer.echo(f"built {b.path}: {m['union_triples']} triples, {m['entities']} entities, {m['facts']} facts ({m['seconds']} s)")


@app.command()
@handled
def validate(
    sources: Annotated[
        Path | None,
        typer.Option("--sources", help="Folder with the source texts; quotes are checked against them. Env: KG_SOURCES_DIR."),
    ] = None,
    pending: Annotated[bool, typer.Option("--pending", help="Also list what the checks a facts file defers ('pending:') find.")] = False,
) -> None:
    """Check the data: SHACL shapes, quotes at their offsets and naming both ends, references, shared aliases."""
    from kg.validate import validate as do_validate

    _quiet_libraries()
    report = do_validate(_paths(sources))
    for line in report.violations:
        _echo(line)
    for line in report.deferred if pending else []:
        _echo(f"pending: {line}")
    for line in report.notes:
        _echo(line)
    checked = f"{report.checked_quotes} quotes checked against {len(report.sources_with_text)} source texts"
    if report.sources_without_text:
        checked += f"; no text for {', '.join(report.sources_without_text)}"
    if sources is None and report.checked_quotes == 0:
        checked = "quotes not checked (no --sources given)"
    if report.conforms:
        typer.echo(f"conforms: SHACL ok, {checked}")
        raise typer.Exit(EXIT_OK)
    typer.echo(f"{len(report.violations)} violation(s); {checked}", err=True)
    raise typer.Exit(EXIT_VIOLATIONS)


@app.command()
@handled
def stats(fmt: Annotated[str, typer.Option("--format", help="text or json")] = "text") -> None:
    """Counts per class and per source, triples, and facts without evidence."""
    from kg.build import ensure_built
    from kg.stats import render
    from kg.stats import stats as do_stats

    if fmt not in ("text", "json"):
        _fail(f"--format must be text or json, not {fmt!r}", EXIT_INPUT)
    s = do_stats(ensure_built(_paths()))
    if fmt == "json":
        typer.echo(json.dumps(s, indent=2))
    else:
        _echo(render(s))


@app.command()
@handled
def shapes(
    write: Annotated[bool, typer.Option("--write", help="Regenerate ontology/shapes.ttl from the ontology.")] = False,
) -> None:
    """Print (or --write) the SHACL shapes generated from the ontology."""
    from kg.ontology import read_vocabulary
    from kg.shapes import generate

    p = _paths()
    text = generate(read_vocabulary(p.ontology_files()))
    if write:
        p.shapes_file().write_text(text, encoding="utf-8")
        typer.echo(f"wrote {p.shapes_file()}")
    else:
        sys.stdout.write(text)


Fmt = Annotated[str, typer.Option("--format", "-f", help="Output format.")]


Endpoint = Annotated[str | None, typer.Option("--endpoint", help="A remote SPARQL endpoint instead of the embedded store (see kg push).")]


def _graph(endpoint: str | None = None):
    if endpoint:
        from kg.remote import RemoteGraph

        return RemoteGraph.open_remote(endpoint, _paths())
    from kg.graph import KnowledgeGraph

    return KnowledgeGraph.open(_paths())


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        _fail(f"--format must be one of {', '.join(allowed)}, not {fmt!r}", EXIT_INPUT)


@app.command()
@handled
def ask(
    question: Annotated[str, typer.Argument(help="A question in plain English.")],
    fmt: Fmt = "text",
    explain: Annotated[bool, typer.Option("--explain", help="Print the SPARQL that answered.")] = False,
    endpoint: Endpoint = None,
) -> None:
    """Answer a plain-English question from the graph, with evidence (no LLM, no network)."""
    from kg.render import render_answer

    _check_format(fmt, ("text", "json"))
    answer = _graph(endpoint).ask(question)
    if fmt == "json":
        typer.echo(json.dumps(answer.as_json(), indent=2, ensure_ascii=False))
    else:
        _echo(render_answer(answer, explain=explain))


@app.command()
@handled
def show(name: Annotated[str, typer.Argument(help="Entity name, alias or id.")], fmt: Fmt = "text") -> None:
    """An entity card: types, description, aliases, every fact in and out with its evidence."""
    from kg.show import render

    _check_format(fmt, ("text", "json"))
    c = _graph().show(name)
    if fmt == "json":
        typer.echo(json.dumps(c, indent=2, ensure_ascii=False))
    else:
        _echo(render(c))


@app.command()
@handled
def search(
    text: Annotated[str, typer.Argument(help="Text to look for in labels and aliases.")],
    type_: Annotated[str | None, typer.Option("--type", "-t", help="Comma-separated classes, e.g. Person,Company.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500)] = 10,
    fmt: Fmt = "text",
) -> None:
    """Ranked fuzzy search over labels and aliases."""
    _check_format(fmt, ("text", "json"))
    hits = _graph().search(text, types=type_.split(",") if type_ else None, limit=limit)
    if fmt == "json":
        typer.echo(json.dumps(hits, indent=2, ensure_ascii=False))
    elif not hits:
        typer.echo("No matches")
    else:
        for h in hits:
            via = f"  (as {h['matched']!r})" if h["matched"] != h["label"] else ""
            _echo(f"{h['score']:5.1f}  {h['label']}  [{', '.join(h['types'])}]{via}")


@app.command()
@handled
def path(
    a: Annotated[str, typer.Argument(help="From this entity.")],
    b: Annotated[str, typer.Argument(help="To this entity.")],
    fmt: Fmt = "text",
) -> None:
    """The shortest chain of facts between two entities."""
    from kg.nav import shortest_path

    _check_format(fmt, ("text", "json"))
    g = _graph()
    p = shortest_path(g, g.link(a), g.link(b))
    if p is None:
        typer.echo("No path")
        return
    if fmt == "json":
        typer.echo(json.dumps({"chain": p.chain, "edges": p.edges}, indent=2, ensure_ascii=False))
        return
    _echo(" ".join(p.chain))
    for e in p.edges:
        for ev in e["evidence"][:1]:
            _echo(f"    “{' '.join(ev['quote'].split())}” [{ev['source']} {ev['start']}-{ev['end']}]")


@app.command()
@handled
def neighbors(
    name: Annotated[str, typer.Argument(help="Entity name, alias or id.")],
    depth: Annotated[int, typer.Option("--depth", "-d", min=1, max=4)] = 1,
    fmt: Fmt = "text",
) -> None:
    """Every fact within N hops of an entity."""
    from kg.nav import neighbors as near

    _check_format(fmt, ("text", "json"))
    g = _graph()
    edges = near(g, g.link(name), depth)
    if fmt == "json":
        typer.echo(json.dumps(edges, indent=2, ensure_ascii=False))
        return
    for e in edges:
        _echo(f"[{e['distance']}] {e['text']}")
    if not edges:
        typer.echo("No neighbours")


@app.command()
@handled
def query(
    sparql: Annotated[str | None, typer.Argument(help="SPARQL text, @file.rq, or - for stdin.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Run a named query from queries/.")] = None,
    fmt: Fmt = "table",
    list_: Annotated[bool, typer.Option("--list", help="List the named queries.")] = False,
    endpoint: Endpoint = None,
) -> None:
    """Run SPARQL (SELECT, ASK, CONSTRUCT, DESCRIBE) over the graph. SERVICE, LOAD and FROM are refused."""
    from kg.query import read_query_arg, serialize, table

    p = _paths()
    if list_:
        from kg.queries import named_queries

        for q in named_queries(p.queries):
            _echo(f"{q['name']:<32} {q['title']}")
        return
    stdin_text = None
    if (sparql in (None, "-")) and not name and not sys.stdin.isatty():
        stdin_text = sys.stdin.read()
    text = read_query_arg(sparql, stdin_text, p.queries, name)
    if endpoint:
        from kg.remote import remote_query

        sys.stdout.buffer.write(remote_query(_graph(endpoint), text, fmt))
        sys.stdout.flush()
        return
    g = _graph()
    _deny_network()
    result = g.query(text)
    if fmt == "table":
        _echo(table(result, g))
    else:
        sys.stdout.buffer.write(serialize(result, fmt))
        sys.stdout.flush()


@app.command()
@handled
def viz(
    focus: Annotated[str | None, typer.Option("--focus", help="Centre on this entity (ego network).")] = None,
    depth: Annotated[int, typer.Option("--depth", "-d", min=1, max=6, help="Hops from the focus.")] = 1,
    type_: Annotated[str | None, typer.Option("--type", "-t", help="Only these classes, e.g. Person,Company.")] = None,
    query: Annotated[str | None, typer.Option("--query", help="Draw a SELECT/CONSTRUCT result: @file.rq or text.")] = None,
    out: Annotated[str, typer.Option("--output", "-o", help="Output file (.html, .graphml, .gexf); - for standard output.")] = "kg.html",
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="html, graphml or gexf (default: from -o).")] = None,
    context: Annotated[bool, typer.Option("--context/--no-context", help="Show people in view with their organisations.")] = True,
    open_: Annotated[bool, typer.Option("--open", help="Open the page in the default browser.")] = False,
    size: Annotated[str, typer.Option("--size", help="Node size by degree, pagerank or betweenness.")] = "degree",
    color: Annotated[str, typer.Option("--color", help="Colour by class, or by community (Louvain).")] = "class",
    seed: Annotated[int, typer.Option("--seed", help="Layout seed: the same seed, the same picture.")] = 7,
    timeline: Annotated[bool, typer.Option("--timeline", help="A timeline of everything dated instead of a map.")] = False,
) -> None:
    """Draw the graph (or part of it) as a self-contained, offline HTML page (a map, or with --timeline a
    timeline), or export GraphML/GEXF."""
    from kg.atomic import resolve_output
    from kg.errors import InputError
    from kg.query import read_query_arg
    from kg.viz import COLOR_MODES, SIZE_MEASURES, select, write

    if size not in SIZE_MEASURES:
        raise InputError(f"unknown --size {size!r}; use {', '.join(SIZE_MEASURES)}")
    if color not in COLOR_MODES:
        raise InputError(f"unknown --color {color!r}; use {', '.join(COLOR_MODES)}")
    if timeline and (focus or type_ or query):
        raise InputError("--timeline shows everything dated; it takes no --focus, --type or --query")
    chosen = fmt or {".graphml": "graphml", ".gexf": "gexf"}.get(Path(out).suffix.lower(), "html")
    target = resolve_output(out)  # before any work: a missing directory fails at once
    g = _graph()
    text = read_query_arg(query, None, _paths().queries, None) if query else None
    opener = None
    if text is not None:
        if open_ and chosen == "html":
            opener = _browser_opener()  # started before the sandbox, so the browser keeps the network
        _deny_network()
    if timeline:
        write(g, None, target, chosen)
        typer.echo(f"wrote {out} (timeline)", err=target.is_stdout)
    else:
        sel = select(g, focus=focus, depth=depth, types=type_.split(",") if type_ else None, query=text, context=context)
        write(g, sel, target, chosen, size_by=size, color_by=color, seed=seed)
        extra = f" (+{len(sel.connectors)} connecting)" if sel.connectors else ""
        typer.echo(f"wrote {out} ({chosen}): {len(sel.nodes)} nodes{extra}, {len(sel.edges)} edges", err=target.is_stdout)
    can_open = open_ and chosen == "html" and target.kind == "atomic"
    if opener is not None:
        opener.communicate(target.path.as_uri() + "\n" if can_open else "\n")
    elif can_open:
        import webbrowser

        webbrowser.open(target.path.as_uri())


def _browser_opener():
    """A helper process outside the network sandbox that opens the page it is sent on stdin.

    The seccomp filter is inherited by children: a browser started from the sandboxed process
    would have no network for the rest of its life."""
    import subprocess

    script = "import sys, webbrowser\nuri = sys.stdin.readline().strip()\nif uri:\n    webbrowser.open(uri)\n"
    return subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, text=True)


@app.command()
@handled
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="ttl, nt, nq, trig, jsonld, graphml, gexf or csv (Neo4j).")],
    out: Annotated[
        str, typer.Option("--output", "-o", help="Output file; - for standard output (csv: <name>-nodes.csv and <name>-relationships.csv).")
    ],
) -> None:
    """Write the whole graph for other tools, streamed from the store."""
    from kg.export import export as do_export
    from kg.export import outputs

    to_stdout = outputs(fmt, out)[0].is_stdout  # before any work: a bad name fails at once
    g = _graph()
    if sys.stderr.isatty():
        with typer.progressbar(length=len(g.store), label=f"exporting {fmt}", file=sys.stderr) as bar:
            summary = do_export(g, fmt, out, tick=bar.update)
    else:
        summary = do_export(g, fmt, out)
    typer.echo(f"wrote {out} ({fmt}): {summary}", err=to_stdout)


@app.command()
@handled
def push(
    gsp: Annotated[str, typer.Option("--gsp", help="Graph Store Protocol endpoint, e.g. http://127.0.0.1:8890/sparql-graph-crud-auth")],
) -> None:
    """Load the graph into a remote store: each named graph PUT (replaced) through the Graph Store Protocol.

    Credentials: KG_ENDPOINT_USER and KG_ENDPOINT_PASSWORD (Basic or Digest)."""
    from kg.build import open_build
    from kg.remote import push as do_push

    b, lease = open_build(_paths(), stale_ok=False)  # never a stale build: broken data is an error here
    with lease:
        done = do_push(b, gsp)
    typer.echo(f"replaced {len(done)} named graphs at {gsp.split('?')[0]}")


@app.command()
@handled
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to bind; the default serves this machine only.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", min=0, max=65535)] = 8000,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds a query may run before it is stopped.")] = 30.0,
    row_cap: Annotated[int, typer.Option("--row-cap", min=1, help="Most rows (or triples) returned; announced in headers.")] = 10000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32, help="Query processes.")] = 2,
    cors: Annotated[list[str] | None, typer.Option("--cors", help="Allow this browser origin (e.g. a local YASGUI page).")] = None,
    queue: Annotated[int | None, typer.Option("--queue", min=0, help="Queries that may wait for a worker (default 16 per worker).")] = None,
    memory_mb: Annotated[int, typer.Option("--memory-mb", min=0, help="Address-space cap of each query process (0: none).")] = 2048,
    header_timeout: Annotated[float, typer.Option("--header-timeout", min=0.1, help="Seconds a client has to send a request.")] = 10.0,
    max_connections: Annotated[int, typer.Option("--max-connections", min=1, help="Open connections kept at most.")] = 1000,
    allow_host: Annotated[list[str] | None, typer.Option("--allow-host", help="Also answer this Host name (e.g. a LAN name).")] = None,
    sources: Annotated[Path | None, typer.Option("--sources", help="Source texts, shown on source pages (env KG_SOURCES_DIR).")] = None,
) -> None:
    """Serve the graph: pages to browse, SPARQL 1.1 Protocol at /sparql, the query editor at /query, /ask?q=."""
    from kg.serve import Config
    from kg.serve import serve as run_server

    config = Config(timeout=timeout, row_cap=row_cap, workers=workers, cors=tuple(cors or ()), memory_mb=memory_mb, queue=queue,
                    header_timeout=header_timeout, max_connections=max_connections, allow_hosts=tuple(allow_host or ()),
                    source_dirs=(sources,) if sources else ())  # fmt: skip
    run_server(host, port, config)


source_app = typer.Typer(help="Register new texts (kept in the corpus folder, outside data/).", no_args_is_help=True)
app.add_typer(source_app, name="source")


@source_app.command("add")
@handled
def source_add(
    file: Annotated[Path, typer.Argument(help="Plain text, Markdown or HTML.")],
    title: Annotated[str | None, typer.Option("--title")] = None,
    publisher: Annotated[str | None, typer.Option("--publisher")] = None,
    date: Annotated[str | None, typer.Option("--date", help="2025-03-04, 2025-03 or 2025")] = None,
    url: Annotated[str | None, typer.Option("--url")] = None,
) -> None:
    """Register a text with its sha256 and metadata (data/ is not touched)."""
    from kg.ingest import add_source, corpus_dir

    p = _paths()
    rec = add_source(p, file, title=title, publisher=publisher, date=date, url=url)
    typer.echo(f"added source {rec['id']} ({corpus_dir(p) / rec['file']}); next: kg extract {rec['id']}")


@app.command()
@handled
def extract(
    source: Annotated[str, typer.Argument(help="A source id from kg source add.")],
    engine: Annotated[str, typer.Option("--engine", help="auto (spaCy when installed), nlp, or rules.")] = "auto",
) -> None:
    """Propose mentions, new entities, merges and relations for a source, as a draft to review."""
    from collections import Counter

    from kg.build import ensure_built
    from kg.extract import extract as do_extract
    from kg.extract import nlp_available
    from kg.ingest import load_record
    from kg.review import draft_path, rejected_keys, save_draft

    if engine not in ("auto", "nlp", "rules"):
        raise InputError(f"--engine must be auto, nlp or rules, not {engine!r}")
    p = _paths()
    record, text = load_record(p, source)
    lexicon = json.loads(ensure_built(p).lexicon.read_text(encoding="utf-8"))
    if engine == "auto" and not nlp_available():
        typer.echo("no spaCy pipeline installed: proposing with the rules only (pip install '.[nlp]' for the NLP engine)")
    draft = do_extract(text, source, lexicon, rejected=rejected_keys(p), engine=engine)
    draft["status"] = "draft"
    save_draft(draft_path(p, source), draft)
    counts = Counter(i["kind"] for i in draft["items"] if i["status"] == "proposed")
    typer.echo(f"wrote {draft_path(p, source)} ({draft['engine']}): " + ", ".join(f"{k}: {n}" for k, n in sorted(counts.items())))
    typer.echo(f"next: kg review {source}  (or in bulk: kg review {source} --export review.txt)")


@app.command()
@handled
def review(
    source: Annotated[str, typer.Argument(help="A source id with a draft (kg extract).")],
    apply_: Annotated[bool, typer.Option("--apply", help="Write the accepted items into data/ (if they validate).")] = False,
    accept_all: Annotated[bool, typer.Option("--accept-all", help="Accept every proposed item without asking.")] = False,
    reject_flagged: Annotated[bool, typer.Option("--reject-flagged", help="Reject the items a failed --apply flagged.")] = False,
    export: Annotated[Path | None, typer.Option("--export", help="Write the draft as an editable batch file, one line per item.")] = None,
    import_: Annotated[Path | None, typer.Option("--import", help="Read decisions and edits from a batch file (--export).")] = None,
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="Name recorded with merges.")] = None,
) -> None:
    """Walk the proposals (accept / reject / edit / skip, resumable), or review them in bulk in a
    batch file (--export, edit, --import), then --apply them."""
    from kg.errors import Location
    from kg.ingest import load_record
    from kg.review import apply as do_apply
    from kg.review import export_batch, import_batch, interactive, load_draft, save_draft

    p = _paths()
    path, draft = load_draft(p, source)
    if export is not None:
        export.write_text(export_batch(draft, source, str(export)), encoding="utf-8")
        typer.echo(f"wrote {export}: {len(draft['items'])} items; edit it, then: kg review {source} --import {export}")
        return
    if import_ is not None:
        try:
            content = import_.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the batch file: {exc}", Location(import_)) from None
        counts = import_batch(draft, content, import_, load_record(p, source)[1])
        save_draft(path, draft)
        typer.echo(f"read {import_}: {counts['edited']} edited")
    if accept_all or reject_flagged:
        for it in draft["items"]:
            if accept_all and it["status"] == "proposed":
                it["status"] = "accepted"
            if reject_flagged and it["status"] == "flagged":
                it["status"] = "rejected"
        save_draft(path, draft)
    elif not apply_ and import_ is None:

        def ask(prompt: str) -> str:
            try:
                return input(prompt)
            except EOFError:
                return "q"

        interactive(path, draft, ask, _echo, load_record(p, source)[1])
    left = sum(1 for i in draft["items"] if i["status"] in ("proposed", "flagged"))
    typer.echo(f"{sum(1 for i in draft['items'] if i['status'] == 'accepted')} accepted, "
               f"{sum(1 for i in draft['items'] if i['status'] == 'rejected')} rejected, {left} still proposed")  # fmt: skip
    if apply_:
        r = do_apply(p, source, reviewer)
        typer.echo(f"applied: {r['entities']} entities, {r['mentions']} mentions, {r['facts']} facts, {r['merges']} merges")
        for d in r["dropped"]:
            typer.echo(f"  not applied (an entity it names was not accepted): {d}")
        typer.echo("next: kg validate")


@app.command()
@handled
def unmerge(alias: Annotated[str, typer.Argument(help="The merged spelling to take back.")]) -> None:
    """Reverse a logged merge: the spelling leaves the entity's aliases."""
    from kg.review import unmerge as do_unmerge

    typer.echo(f"removed alias {alias!r} from {do_unmerge(_paths(), alias)}")


def _undecodable_argument(argv: list[str]) -> str | None:
    """Python decodes argv with surrogateescape: a byte that is not UTF-8 becomes a lone surrogate.
    The message for the first such argument, or None."""
    for n, arg in enumerate(argv, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            raw = os.fsencode(arg)
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return f"argument {n}: not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
            return f"argument {n}: not valid UTF-8"
    return None


class _Stdin(io.TextIOWrapper):
    """Standard input as strict UTF-8 whatever the locale: bytes that are not UTF-8 are one line
    (`<stdin>: not valid UTF-8 (byte N)`, exit 2), not a decoding traceback."""

    def read(self, size: int | None = -1) -> str:
        try:
            return super().read(size)
        except UnicodeDecodeError as exc:
            raise KgError(f"<stdin>: not valid UTF-8 (byte {exc.start})") from None

    def readline(self, size: int | None = -1) -> str:
        try:
            return super().readline(size)
        except UnicodeDecodeError as exc:
            raise KgError(f"<stdin>: not valid UTF-8 (byte {exc.start} of the line)") from None


def main() -> None:
    bad = _undecodable_argument(sys.argv[1:])
    if bad:
        sys.stderr.write(f"kg: error: {bad}\n")
        raise SystemExit(EXIT_INPUT)
    if sys.stdin is not None and hasattr(sys.stdin, "buffer"):
        sys.stdin = _Stdin(sys.stdin.buffer, encoding="utf-8", errors="strict", line_buffering=sys.stdin.line_buffering)
    app()


if __name__ == "__main__":
    main()

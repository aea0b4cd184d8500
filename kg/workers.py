"""Query workers: separate processes, so a query that runs too long is really stopped (killed).

Oxigraph cannot cancel a running query from another thread, so the server never runs user
SPARQL in its own process: each worker opens the store read-only, executes one query at a time,
caps the rows and serialises the result. On timeout the worker is killed and replaced.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Outcome:
    ok: bool
    body: bytes = b""
    media_type: str = ""
    truncated: bool = False
    rows: int = 0
    error: str = ""
    status: int = 200


RESULT_TYPES = {
    "application/sparql-results+json": "JSON",
    "application/sparql-results+xml": "XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
}
GRAPH_TYPES = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML",
}


def _take(results, cap: int) -> tuple[list, bool]:
    """At most `cap` items, and whether there were more (the row cap is never silent)."""
    out = []
    for item in results:
        if len(out) == cap:
            return out, True
        out.append(item)
    return out, False


def _run(store, sparql: str, accept: list[str], row_cap: int) -> Outcome:
    import pyoxigraph as ox

    from kg.graph import PREFIXES

    try:
        res = store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)
    except SyntaxError as exc:
        from kg.query import _syntax_message

        return Outcome(False, error=_syntax_message(str(exc)), status=400)
    kind = type(res).__name__
    if kind == "QueryBoolean":
        mt = next((m for m in accept if m in RESULT_TYPES), "application/sparql-results+json")
        return Outcome(True, res.serialize(format=getattr(ox.QueryResultsFormat, RESULT_TYPES[mt])), mt)
    if kind == "QuerySolutions":
        mt = next((m for m in accept if m in RESULT_TYPES), "application/sparql-results+json")
        variables = list(res.variables)
        rows, truncated = _take(res, row_cap)
        return Outcome(True, _serialize_rows(variables, rows, RESULT_TYPES[mt]), mt, truncated, len(rows))
    mt = next((m for m in accept if m in GRAPH_TYPES), "text/turtle")
    triples, truncated = _take(res, row_cap)
    fmt = getattr(ox.RdfFormat, GRAPH_TYPES[mt])
    body = ox.serialize(triples, format=fmt, prefixes=PREFIXES if fmt != ox.RdfFormat.N_TRIPLES else None)
    return Outcome(True, body, mt, truncated, len(triples))


def _serialize_rows(variables, rows, fmt: str) -> bytes:
    """The capped rows in a W3C results format, through rdflib's result serialisers."""
    import rdflib
    from rdflib.query import Result

    def term(t):
        if t is None:
            return None
        name = type(t).__name__
        if name == "NamedNode":
            return rdflib.URIRef(t.value)
        if name == "BlankNode":
            return rdflib.BNode(t.value)
        return rdflib.Literal(t.value, lang=t.language, datatype=None if t.language else rdflib.URIRef(t.datatype.value))

    if fmt == "TSV":  # rdflib has no TSV writer; the format is terms in N-Triples syntax, tab-separated
        lines = ["\t".join(str(v) for v in variables)]
        lines += ["\t".join("" if r[v.value] is None else str(r[v.value]) for v in variables) for r in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    names = [rdflib.Variable(v.value) for v in variables]
    result = Result("SELECT")
    result.vars = names
    result.bindings = [{n: term(r[n.toPython()[1:]]) for n in names if r[n.toPython()[1:]] is not None} for r in rows]
    return result.serialize(format={"JSON": "json", "XML": "xml", "CSV": "csv", "TSV": "tsv"}[fmt])


def _worker(store_path: str, conn) -> None:
    import pyoxigraph as ox

    store = ox.Store.read_only(store_path)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            conn.send(_run(store, *job))
        except Exception as exc:  # a bug or a store error: reported, worker stays up
            conn.send(Outcome(False, error=f"{type(exc).__name__}: {exc}", status=500))


class _Worker:
    def __init__(self, ctx, store_path: Path) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(str(store_path), child), daemon=True)
        self.proc.start()
        child.close()
        self.ready = False

    def wait_ready(self, timeout: float) -> None:
        if not self.ready and self.conn.poll(timeout):
            self.ready = self.conn.recv() == "ready"

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class WorkerPool:
    """A fixed number of query processes; `run` blocks the calling thread (use a thread pool)."""

    def __init__(self, store_path: Path, size: int = 2) -> None:
        self.store_path = store_path
        self.ctx = mp.get_context("spawn")
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.lock = threading.Lock()
        self.size = size
        for _ in range(size):
            self.idle.put(_Worker(self.ctx, store_path))

    def run(self, sparql: str, accept: list[str], row_cap: int, timeout: float) -> Outcome:
        started = time.monotonic()
        try:
            worker = self.idle.get(timeout=timeout)
        except queue.Empty:
            return Outcome(False, error=f"server busy: no query worker free within {timeout:g} s", status=503)
        try:
            worker.wait_ready(max(0.1, timeout))
            worker.conn.send((sparql, accept, row_cap))
            remaining = timeout - (time.monotonic() - started)
            if worker.conn.poll(max(0.0, remaining)):
                outcome = worker.conn.recv()
                self.idle.put(worker)
                return outcome
        except (EOFError, OSError, BrokenPipeError):
            pass
        worker.kill()  # really stops the work
        self.idle.put(_Worker(self.ctx, self.store_path))
        return Outcome(False, error=f"query timed out after {timeout:g} s and was stopped", status=503)

    def close(self) -> None:
        while not self.idle.empty():
            w = self.idle.get_nowait()
            try:
                w.conn.send(None)
            except OSError:
                pass
            w.kill()

"""Query workers: separate processes, so a query that runs too long is really stopped (killed).

Oxigraph cannot cancel a running query from another thread, so the server never runs user SPARQL
in its own process: each worker opens the store read-only, refuses what the guard refuses, executes
one query at a time, caps the rows and serialises the result. Each worker has an address-space cap
(RLIMIT_AS), so a query that would eat the machine's memory ends in its own process, and the
parent says which limit ended it: the time (killed, "timed out"), the memory cap, or the process
dying for another reason (a signal, a stack overflow).

The pool of these processes, driven from the server's event loop, is kg.web.pool.
"""

from __future__ import annotations

import os
import signal
import tempfile
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
    retry_after: int | None = None  # seconds, for "server busy"
    retire: bool = False  # the worker that produced this must not run another query


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
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
MEMORY = "query stopped: it needed more than the {mb} MB memory cap of a query process (--memory-mb)"


class WorkerFailed(Exception):
    """A query process that could not start (the store will not open, the memory cap is too low)."""


def _take(results, cap: int) -> tuple[list, bool]:
    """At most `cap` items, and whether there were more (the row cap is never silent)."""
    out = []
    for item in results:
        if len(out) == cap:
            return out, True
        out.append(item)
    return out, False


def _dataset(dataset: tuple[list[str], list[str]] | None) -> dict:
    """The protocol dataset as Oxigraph's arguments: by default the union of every stored graph;
    with `default-graph-uri` / `named-graph-uri` (already checked to name stored graphs) exactly those."""
    import pyoxigraph as ox

    if dataset is None:
        return {"use_default_graph_as_union": True}
    default, named = dataset
    return {"default_graph": [ox.NamedNode(g) for g in default], "named_graphs": [ox.NamedNode(g) for g in named]}


def _run(store, sparql: str, accept: list[str], row_cap: int, dataset=None, base_iri: str | None = None) -> Outcome:
    """One query, in the worker: the guard first (here, so its cost is bounded by the timeout).

    `base_iri` resolves relative IRIs (`<s>`); `dataset` is the protocol dataset (see _dataset)."""
    import pyoxigraph as ox

    from kg.errors import InputError
    from kg.graph import PREFIXES
    from kg.sparqlguard import check

    try:
        check(sparql)
    except InputError as exc:  # QueryRefused, or a query the guard cannot read
        return Outcome(False, error=str(exc), status=400)
    try:
        res = store.query(sparql, prefixes=PREFIXES, base_iri=base_iri, **_dataset(dataset))
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
        if t.language or t.datatype.value == XSD_STRING:  # a plain literal: written "Jack Ma", not "Jack Ma"^^xsd:string
            return rdflib.Literal(t.value, lang=t.language)
        return rdflib.Literal(t.value, datatype=rdflib.URIRef(t.datatype.value))

    if fmt == "TSV":  # rdflib has no TSV writer; the format is terms in N-Triples syntax, tab-separated
        lines = ["\t".join(str(v) for v in variables)]
        lines += ["\t".join("" if r[v.value] is None else str(r[v.value]) for v in variables) for r in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    names = [rdflib.Variable(v.value) for v in variables]
    result = Result("SELECT")
    result.vars = names
    result.bindings = [{n: term(r[n.toPython()[1:]]) for n in names if r[n.toPython()[1:]] is not None} for r in rows]
    return result.serialize(format={"JSON": "json", "XML": "xml", "CSV": "csv", "TSV": "tsv"}[fmt])


def _address_space() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _worker(store_path: str, conn, memory_mb: int, err_path: str) -> None:
    # stderr goes to a file the parent reads when this process dies: Rust's "memory allocation of N
    # bytes failed" and "has overflowed its stack" are said there and nowhere else.
    fd = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    import resource

    import pyoxigraph as ox

    store = ox.Store.read_only(store_path)
    for fmt in ("JSON", "XML", "CSV"):  # load the guard and the serialisers before the cap applies
        _serialize_rows([], [], fmt)
    _run(store, "ASK {}", [], 1)
    from kg.sandbox import deny_network

    sandbox = deny_network()  # the second wall: this process can open no network socket from here on
    resting = _address_space()
    if memory_mb:
        limit = memory_mb * 2**20
        if limit <= resting:
            conn.send(("too-small", sandbox, resting))
            return
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send(("ready", sandbox, resting))
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        os.ftruncate(2, 0)
        os.lseek(2, 0, os.SEEK_SET)
        try:
            out = _run(store, *job)
        except MemoryError:
            out = Outcome(False, error=MEMORY.format(mb=memory_mb), status=503, retire=True)
        except Exception as exc:  # a bug or a store error: reported, worker stays up
            out = Outcome(False, error=f"{type(exc).__name__}: {exc}", status=500)
        try:
            conn.send(out)
        except MemoryError:
            conn.send(Outcome(False, error=MEMORY.format(mb=memory_mb), status=503, retire=True))
            return
        if out.retire:
            return


class _Worker:
    """One query process and the pipe to it; its blocking methods run on the pool's threads."""

    def __init__(self, ctx, store_path: Path, memory_mb: int, err_dir: Path, generation: int) -> None:
        fd, name = tempfile.mkstemp(prefix="worker-", suffix=".err", dir=err_dir)
        os.close(fd)
        self.err_path = Path(name)
        self.memory_mb = memory_mb
        self.generation = generation
        self.sandbox: str | None = None
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(str(store_path), child, memory_mb, name), daemon=True)
        self.proc.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        """Blocks until the store is open; WorkerFailed says why a process could not start."""
        reason = f"it did not start within {timeout:g} s"
        try:
            if self.conn.poll(timeout):
                state, self.sandbox, resting = self.conn.recv()
                if state == "ready":
                    return
                reason = f"--memory-mb {self.memory_mb} is below what a query process uses at rest ({resting >> 20} MB)"
        except (EOFError, OSError):
            reason = self._death()
        self.stop()
        raise WorkerFailed(f"query process did not start: {reason}")

    def query(self, job: tuple, timeout: float) -> Outcome:
        """Runs one job; the timeout counts from now, when this worker has it."""
        try:
            self.conn.send(job)
            if self.conn.poll(timeout):
                return self.conn.recv()
        except (EOFError, OSError):  # the process died under the query
            return self._died()
        except Exception as exc:  # an answer that cannot be read: the process is not trusted again
            self.kill()
            return Outcome(False, error=f"query process failed: {type(exc).__name__}: {exc}", status=500, retire=True)
        self.kill()
        return Outcome(False, error=f"query timed out after {timeout:g} s and was stopped", status=503, retire=True)

    def _died(self) -> Outcome:
        reason = self._death()
        if reason == "memory":
            return Outcome(False, error=MEMORY.format(mb=self.memory_mb), status=503, retire=True)
        return Outcome(False, error=f"query process died ({reason}); the query was not answered", status=500, retire=True)

    def _death(self) -> str:
        """Why the process ended: 'memory' for the cap, else the signal or exit code (and stack overflow)."""
        self.proc.join(5)
        try:
            tail = self.err_path.read_bytes()[-4096:].decode("utf-8", "replace")
        except OSError:
            tail = ""
        if "memory allocation of" in tail or "MemoryError" in tail:
            return "memory"
        code = self.proc.exitcode
        if code is None:
            what = "still running"
        elif code < 0:
            try:
                what = signal.Signals(-code).name
            except ValueError:
                what = f"signal {-code}"
        else:
            what = f"exit code {code}"
        if "overflowed its stack" in tail:
            what += ", stack overflow: the query nests too deeply"
        elif code == -signal.SIGKILL:
            what += ", killed by the system, perhaps for memory"
        return what

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)

    def stop(self) -> None:
        """Asks the process to exit (after its current query), then makes sure it did."""
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(2)
        if self.proc.is_alive():
            self.kill()
        self.conn.close()
        self.err_path.unlink(missing_ok=True)

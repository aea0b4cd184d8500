"""`kg query`: SPARQL over the built store, with results in the W3C formats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.graph import PREFIXES, KnowledgeGraph
from kg.sparqlguard import QuerySyntaxError, check
from kg.sparqlguard import syntax_message as _syntax_message

__all__ = ["QueryResult", "QuerySyntaxError", "read_query_arg", "run_query", "serialize", "table"]

RESULT_FORMATS = {"csv", "tsv", "json", "xml"}
GRAPH_FORMATS = {"ttl": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD", "xml": "RDF_XML", "trig": "TRIG", "nq": "N_QUADS"}


@dataclass
class QueryResult:
    kind: str  # "select", "ask" or "graph"
    raw: object  # pyoxigraph QuerySolutions / QueryBoolean / QueryTriples
    variables: list[str]

    def rows(self) -> list[dict]:
        if self.kind != "select":
            raise TypeError("rows() is for SELECT results")
        return [{v: (r[v].value if r[v] is not None else None) for v in self.variables} for r in self.raw]


def run_query(g: KnowledgeGraph, sparql: str) -> QueryResult:
    check(sparql)
    try:
        res = g.store.query(sparql, use_default_graph_as_union=True, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QuerySyntaxError(_syntax_message(str(exc))) from None
    kind = type(res).__name__
    if kind == "QuerySolutions":
        return QueryResult("select", res, [v.value for v in res.variables])
    if kind == "QueryBoolean":
        return QueryResult("ask", res, [])
    return QueryResult("graph", res, [])


def read_query_arg(arg: str | None, stdin_text: str | None, named_dir: Path, name: str | None) -> str:
    """The query from `--name`, `@file.rq`, text, or stdin ('-' or nothing)."""
    if name:
        f = named_dir / f"{name}.rq"
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or not f.is_file():
            known = ", ".join(sorted(p.stem for p in named_dir.glob("*.rq")))
            raise InputError(f"no named query {name!r}; known: {known}")
        return f.read_text(encoding="utf-8")
    if arg and arg.startswith("@"):
        path = Path(arg[1:])
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read query file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if arg and arg != "-":
        return arg
    if stdin_text is None or not stdin_text.strip():
        raise InputError("no query given: pass SPARQL text, @file.rq, --name NAME, or pipe it on stdin")
    return stdin_text


def serialize(result: QueryResult, fmt: str) -> bytes:
    import pyoxigraph as ox

    if result.kind == "graph":
        if fmt not in GRAPH_FORMATS:
            raise InputError(f"--format {fmt} is not for CONSTRUCT/DESCRIBE results; use one of {', '.join(sorted(GRAPH_FORMATS))}")
        triples = list(result.raw)
        fmt_obj = getattr(ox.RdfFormat, GRAPH_FORMATS[fmt])
        if fmt in ("trig", "nq"):
            triples = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
        return ox.serialize(triples, format=fmt_obj, prefixes=PREFIXES if fmt in ("ttl", "trig", "xml", "jsonld") else None)
    if fmt not in RESULT_FORMATS:
        raise InputError(f"--format {fmt} is not for SELECT/ASK results; use table, {', '.join(sorted(RESULT_FORMATS))}")
    return result.raw.serialize(format=getattr(ox.QueryResultsFormat, fmt.upper()))


def table(result: QueryResult, g: KnowledgeGraph, max_width: int = 60) -> str:
    if result.kind == "ask":
        return "yes" if bool(result.raw) else "no"
    if result.kind == "graph":
        return serialize(result, "ttl").decode()
    rows = result.rows()
    cols = result.variables
    shown = [[_cell(r[c], g, max_width) for c in cols] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in shown]) for i, c in enumerate(cols)]
    out = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)), "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in shown]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


def _cell(value: str | None, g: KnowledgeGraph, width: int) -> str:
    if value is None:
        return ""
    from kg import iri

    for base, prefix in ((iri.ENTITY, "kgr:"), (iri.ONTOLOGY, "kgo:"), (iri.SOURCE, "kgs:")):
        if value.startswith(base):
            value = prefix + value[len(base) :]
            break
    value = " ".join(value.split())
    return value if len(value) <= width else value[: width - 1] + "…"

"""Refuses SPARQL that would make kg fetch URLs or read files: SERVICE, LOAD, FROM / FROM NAMED.

Oxigraph follows `SERVICE <http://...>` by itself (measured), so every path that takes a user's
query runs this check first. It scans tokens, skipping strings, IRIs and comments, so the word
"service" inside a literal or an IRI is not a false alarm, and a keyword hidden in a comment is not
a bypass.
"""

from __future__ import annotations

import re

from kg.errors import InputError

_SCAN = re.compile(
    r"""(?P<string>'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
    r"""|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)"""
    r"""|(?P<comment>\#[^\n]*)"""
    r"""|(?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)"""
    r"""|(?P<word>[A-Za-z_][A-Za-z0-9_\-]*(?::[A-Za-z0-9_\-.]*)?|:[A-Za-z0-9_\-.]*)""",
    re.S,
)
FORBIDDEN = {
    "SERVICE": "SERVICE (federated query) is refused: kg does not fetch remote endpoints",
    "LOAD": "LOAD is refused: the graph is read-only",
    "FROM": "FROM / FROM NAMED is refused: a query may not name datasets to fetch or read; use GRAPH <iri> over the stored graphs",
}
UPDATE = {"INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


class QueryRefused(InputError):
    """A query that asks for something kg will not do. Exit 2 (HTTP 400 on the server)."""


def position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {col}"


def check(query: str) -> None:
    for m in _SCAN.finditer(query):
        word = m.group("word")
        if not word or ":" in word:
            continue
        upper = word.upper()
        if upper in FORBIDDEN:
            raise QueryRefused(f"{FORBIDDEN[upper]} (at {position(query, m.start())})")
        if upper in UPDATE and _starts_statement(query, m.start()):
            raise QueryRefused(f"updates are refused: the graph is read-only ({upper} at {position(query, m.start())})")


def _starts_statement(query: str, offset: int) -> bool:
    """An update keyword counts where a statement can begin (not inside `FILTER NOT EXISTS` etc.)."""
    before = re.sub(r"#[^\n]*", "", query[:offset]).rstrip()
    return (
        before == ""
        or before.endswith(";")
        or before.endswith("}")
        or re.search(r"(PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>)$", before, re.I) is not None
    )

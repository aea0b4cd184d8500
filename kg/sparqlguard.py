"""The first wall: refuses SPARQL that would make kg fetch URLs or read files, decided on the parse.

Oxigraph follows `SERVICE <http://...>` by itself (measured), so every path that takes a user's
query runs `check()` first. The old guard scanned text and was walked around (a comment ended by
`\\r`, an escaped `\\#` in a prefixed name); this one decides on the parsed query:

1. Unicode code-point escapes (`\\u0053ERVICE`) are expanded exactly as Oxigraph expands them,
   so both parsers see the same characters.
2. Nesting is bounded (MAX_DEPTH levels of `{ [ (` combined) by a linear scan, before any parser
   sees the text: about 4,000 `{` segfault pyoxigraph, and rdflib's parser recurses.
3. rdflib's SPARQL grammar parses the query (lazily imported). Its comment rule runs to `\\n` only
   while SPARQL ends comments at `\\r` too, so the parse is given the text with `\\r` read as `\\n`
   (same length, same structure: outside long strings the two are both whitespace or end a comment).
4. The parse tree and the algebra are walked: SERVICE anywhere (subqueries, OPTIONAL, MINUS,
   EXISTS, ...), FROM / FROM NAMED are refused. Updates and LOAD are refused as updates.
5. A query the guard's parser cannot read is refused too, with Oxigraph's own syntax message when
   Oxigraph also rejects it (Oxigraph is asked to parse only, see `_oxigraph_syntax_error`).

The second wall, which does not depend on any parser, is kg.sandbox: the processes that evaluate
user queries cannot open network sockets.
"""

from __future__ import annotations

import re
import sys

from kg.errors import InputError

MAX_DEPTH = 64
"""Most levels of `{`, `[` and `(` combined. Real queries use under 10; Oxigraph crashes near 4,000."""

FORBIDDEN = {
    "SERVICE": "SERVICE (federated query) is refused: kg does not fetch remote endpoints",
    "FROM": "FROM / FROM NAMED is refused: a query may not name datasets to fetch or read; use GRAPH <iri> over the stored graphs",
}


class QueryRefused(InputError):
    """A query that asks for something kg will not do. Exit 2 (HTTP 400 on the server)."""


class QuerySyntaxError(QueryRefused):
    """Malformed SPARQL (or SPARQL the guard cannot read); the message names line and column. Exit 2."""


def position(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {col}"


def check(query: str) -> None:
    """Raises QueryRefused unless `query` is a read-only query with no SERVICE and no dataset clause."""
    text, origin = expand_codepoints(query)
    depth_error = nesting_error(text)
    if depth_error is not None:
        offset = origin(depth_error) if origin else depth_error
        raise QueryRefused(f"query nested too deeply: more than {MAX_DEPTH} levels of {{ [ ( (at {position(query, offset)})")
    parsed = _parse(text, query)
    _refuse_forbidden(parsed)
    from rdflib.plugins.sparql.algebra import translateQuery

    from kg.graph import PREFIXES

    try:
        with _deep_recursion():
            algebra = translateQuery(parsed, initNs=PREFIXES)
    except Exception as exc:  # unknown prefix, GROUP BY misuse, ...: Oxigraph says it better
        raise QuerySyntaxError(_oxigraph_syntax_error(query) or f"SPARQL error: {_one_line(str(exc))}") from None
    _refuse_forbidden(algebra.algebra)


# --- 1. code points ------------------------------------------------------------------------------


def expand_codepoints(query: str):
    """`\\uXXXX` / `\\UXXXXXXXX` expanded before parsing, as Oxigraph's `unescape_unicode_codepoints`.

    Returns (text, origin) where origin maps an offset in text to one in query (None: unchanged).
    Mirrors Oxigraph, not rdflib (whose regex takes 8 hex digits after `\\u` and no sign): Rust's
    `from_str_radix` accepts a leading `+`, so `\\u+00A` is a newline to Oxigraph and must be to us."""
    if not re.search(r"\\[uU]", query):
        return query, None
    out: list[str] = []
    where: list[int] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c == "\\" and i + 1 < n and query[i + 1] in "uU":
            width = 4 if query[i + 1] == "u" else 8
            digits = query[i + 2 : i + 2 + width]
            value = _hex(digits) if len(digits) == width else None
            if value is not None:
                out.append(chr(value))
                where.append(i)
                i += 2 + width
                continue
        out.append(c)
        where.append(i)
        i += 1
    where.append(n)
    return "".join(out), where.__getitem__


def _hex(digits: str) -> int | None:
    body = digits[1:] if digits.startswith("+") else digits
    if not body or not all(ch in "0123456789abcdefABCDEF" for ch in body):
        return None
    value = int(body, 16)
    return value if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF else None


# --- 2. nesting ----------------------------------------------------------------------------------

_INTERESTING = re.compile(r"""[{}\[\]()<'"#\\]""")
_EOL = re.compile(r"[\r\n]")
_IRI = re.compile(r"""<[^<>"{}|^`\\\x00-\x20]*>""")
_SHORT = {"'": re.compile(r"""'(?:[^'\\\r\n]|\\.)*'""", re.S), '"': re.compile(r'''"(?:[^"\\\r\n]|\\.)*"''', re.S)}
_LONG = {"'": re.compile(r"""'''(?:[^'\\]|\\.|'(?!''))*'''""", re.S), '"': re.compile(r'''"""(?:[^"\\]|\\.|"(?!""))*"""''', re.S)}
_OPEN, _CLOSE = "{[(", "}])"


def nesting_error(text: str) -> int | None:
    """Offset of the first bracket beyond MAX_DEPTH, or None. Linear: regex jumps between tokens.

    Strings and comments are skipped; `\\x` (a prefixed-name escape) is skipped. `<...>` is
    ambiguous without the grammar (an IRI, or `?a<(1)>0`): brackets inside are counted as code but
    may not close below the depth at `<`, so the count is never lower than either reading. The
    guard's parser then bounds recursion again before Oxigraph sees the text."""
    depth = 0
    pos, n = 0, len(text)
    search = _INTERESTING.search
    while pos < n:
        m = search(text, pos)
        if m is None:
            return None
        i = m.start()
        c = text[i]
        if c in _OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                return i
            pos = i + 1
        elif c in _CLOSE:
            depth = max(0, depth - 1)
            pos = i + 1
        elif c == "#":
            e = _EOL.search(text, i)
            pos = e.start() if e else n
        elif c == "\\":
            pos = i + 2
        elif c == "<":
            iri = _IRI.match(text, i)
            if iri is None:
                pos = i + 1
                continue
            floor = depth
            for j in range(i + 1, iri.end() - 1):
                ch = text[j]
                if ch in "[(":
                    depth += 1
                    if depth > MAX_DEPTH:
                        return j
                elif ch in "])":
                    depth = max(floor, depth - 1)
            pos = iri.end()
        else:  # a quote
            long = text.startswith(c * 3, i)
            s = (_LONG if long else _SHORT)[c].match(text, i)
            if s is None and long:
                s = _SHORT[c].match(text, i)  # '' followed by something: an empty string
            pos = s.end() if s else i + 1
    return None


# --- 3. parse ------------------------------------------------------------------------------------

_grammars: dict[str, object] = {}


def _grammar(name: str):
    """rdflib's Query / Update grammar, copied so tabs are kept (positions stay right)."""
    if name not in _grammars:
        import logging

        from rdflib.plugins.sparql import parser

        # rdflib warns on stderr about IRIs it finds odd while translating; kg reports in one line.
        logging.getLogger("rdflib.term").setLevel(logging.ERROR)

        g = (parser.Query if name == "query" else parser.UpdateUnit).copy()
        g.parse_with_tabs()
        _grammars[name] = g
    return _grammars[name]


class _deep_recursion:
    """rdflib's parser recurses some 25 frames per bracket; MAX_DEPTH levels need more than 1000."""

    def __enter__(self) -> None:
        self.old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(self.old, 20000))

    def __exit__(self, *exc: object) -> None:
        sys.setrecursionlimit(self.old)


def _parse(text: str, original: str):
    for_rdflib = text.replace("\r", "\n")
    try:
        with _deep_recursion():
            return _grammar("query").parse_string(for_rdflib, parse_all=True)
    except RecursionError:
        raise QueryRefused(f"query nested too deeply for the guard's parser (more than {MAX_DEPTH} levels)") from None
    except Exception as exc:
        failure = exc
    ops = _update_operations(for_rdflib)
    if ops:
        raise QueryRefused(f"updates are refused: the graph is read-only ({', '.join(ops)})")
    oxigraph = _oxigraph_syntax_error(original)
    if oxigraph:
        raise QuerySyntaxError(oxigraph)
    where = ""
    if hasattr(failure, "lineno"):
        where = f" at line {failure.lineno}, column {failure.col}"
    raise QuerySyntaxError(
        f"query refused: kg's query guard cannot parse it{where} ({_one_line(getattr(failure, 'msg', str(failure)))}); "
        "only queries the guard can read are run"
    )


_OP_NAMES = {"Load": "LOAD", "Clear": "CLEAR", "Drop": "DROP", "Create": "CREATE", "Add": "ADD", "Move": "MOVE",
             "Copy": "COPY", "InsertData": "INSERT DATA", "DeleteData": "DELETE DATA", "DeleteWhere": "DELETE WHERE",
             "Modify": "DELETE/INSERT"}  # fmt: skip


def _update_operations(text: str) -> list[str]:
    """The operations, if the text is a SPARQL Update (only to give the right message)."""
    try:
        with _deep_recursion():
            update = _grammar("update").parse_string(text, parse_all=True)[0]
    except Exception:
        return []
    ops = [_OP_NAMES.get(getattr(r, "name", ""), str(getattr(r, "name", "update"))) for r in update.get("request", [])]
    return list(dict.fromkeys(ops)) or ["update"]


def _oxigraph_syntax_error(query: str) -> str | None:
    """Oxigraph's message if it rejects the query, else None, without ever evaluating it.

    pyoxigraph parses the query, then refuses use_default_graph_as_union together with
    default_graph (ValueError) before evaluation starts: a parse-only check."""
    import pyoxigraph as ox

    from kg.graph import PREFIXES

    try:
        ox.Store().query(query, prefixes=PREFIXES, use_default_graph_as_union=True, default_graph=ox.DefaultGraph())
    except SyntaxError as exc:
        return syntax_message(str(exc))
    except ValueError:
        return None
    return None  # pragma: no cover - the two arguments are always refused together


def syntax_message(text: str) -> str:
    """Oxigraph's `error at L:C: ...` as one line."""
    m = re.match(r"error at (\d+):(\d+): (.*)", text, re.S)
    if not m:
        return f"SPARQL syntax error: {text.splitlines()[0] if text else 'malformed query'}"
    return f"SPARQL syntax error at line {m.group(1)}, column {m.group(2)}: {_one_line(m.group(3))}"


def _one_line(text: str, limit: int = 160) -> str:
    detail = " ".join(text.split())
    return detail if len(detail) <= limit else detail[: limit - 3] + "..."


# --- 4. the decision -----------------------------------------------------------------------------


def _refuse_forbidden(tree: object) -> None:
    """Walks every node of a parse tree or algebra (iteratively: no recursion on deep input)."""
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Node

    stack = [tree]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, (str, Node, int, float)) or node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                raise QueryRefused(FORBIDDEN["SERVICE"] + _where(node))
            if node.name == "DatasetClause" or ("datasetClause" in node and node["datasetClause"]):
                raise QueryRefused(FORBIDDEN["FROM"])
            if node.name in _OP_NAMES:
                raise QueryRefused(f"updates are refused: the graph is read-only ({_OP_NAMES[node.name]})")
            stack.extend(node.values())
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif hasattr(node, "__iter__"):
            stack.extend(list(node))


def _where(node) -> str:
    term = node.get("term")
    return f" (SERVICE {term.n3() if hasattr(term, 'n3') else term})" if term is not None else ""

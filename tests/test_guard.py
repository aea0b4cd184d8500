"""The first wall: the SPARQL guard decides on the parsed query (issue 12, Security).

Every bypass of the old text scan is run through the real `kg query` and `kg viz --query` against
a real loopback listener, which must see no connection."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kg.paths import Paths
from kg.sparqlguard import MAX_DEPTH, QueryRefused, QuerySyntaxError, check, nesting_error
from tests.conftest import env_for


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join(2)
        self.sock.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          env=env_for(Paths.from_env()), timeout=300)  # fmt: skip


S = "SERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o }"
BYPASSES = {
    "comment ended by CR": "SELECT * WHERE { # x\r" + S + " }",
    "comment ended by CR, rest valid to a LF parser": "SELECT * WHERE { ?s ?p ?o # x\r" + S + "\n}",
    "escaped hash in a prefixed name": "SELECT * WHERE { BIND(kgr:x\\# AS ?f) " + S + " }",
    "escaped quote in a prefixed name": "SELECT * WHERE { BIND(kgr:x\\' AS ?f) " + S + " }",
    "escaped quote and a trailing #'": "SELECT * WHERE { BIND(kgr:x\\' AS ?f) " + S + " } #'",
    "code point escape of SERVICE": "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "code point newline ending a comment (Oxigraph reads \\u+00A)": "SELECT * WHERE { ?s ?p ?o # \\u+00A " + S + "\n}",
    "lower case": "select * where { service <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } }",
    "in OPTIONAL": "SELECT * WHERE { OPTIONAL { SERVICE SILENT <http://127.0.0.1:{port}/sparql> { ?s ?p ?o } } }",
    "in MINUS and a subquery": "SELECT * WHERE { ?a ?b ?c MINUS { { SELECT * WHERE { " + S + " } } } }",
    "in FILTER EXISTS": "SELECT * WHERE { ?a ?b ?c FILTER EXISTS { " + S + " } }",
    "in BIND(EXISTS)": "SELECT * WHERE { BIND(EXISTS { " + S + " } AS ?x) }",
    "in CONSTRUCT": "CONSTRUCT { ?s ?p ?o } WHERE { " + S + " }",
    "in ASK": "ASK { " + S + " }",
}


@pytest.mark.parametrize("name", list(BYPASSES))
def test_bypass_is_refused_and_nothing_connects(name, tmp_path: Path):
    with Listener() as listener:
        q = BYPASSES[name].replace("{port}", str(listener.port))
        with pytest.raises(QueryRefused):
            check(q)
        proc = kg("query", q)
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
        out = tmp_path / "v.html"
        viz = kg("viz", "--query", q, "-o", str(out))
        assert viz.returncode == 2, viz.stderr
        assert not out.exists()
    assert listener.hits == 0


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "SELECT * FROM NAMED <http://127.0.0.1:1/x> WHERE { GRAPH ?g { ?s ?p ?o } }",
        "ASK FROM <http://127.0.0.1:1/x> { ?s ?p ?o }",
    ],
)
def test_dataset_clauses_are_refused(query):
    with pytest.raises(QueryRefused, match="FROM"):
        check(query)


@pytest.mark.parametrize(
    "query, op",
    [
        ("LOAD <file:///etc/passwd>", "LOAD"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "INSERT DATA"),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE WHERE"),
        ("CLEAR ALL", "CLEAR"),
        ("PREFIX x: <http://x/> DROP GRAPH x:g", "DROP"),
    ],
)
def test_updates_are_refused_as_updates(query, op):
    with pytest.raises(QueryRefused, match=f"updates are refused: the graph is read-only \\({op}\\)"):
        check(query)


def test_unparseable_is_refused_with_oxigraphs_message():
    with pytest.raises(QuerySyntaxError, match="SPARQL syntax error at line 2, column 7"):
        check("SELECT * WHERE { ?s ?p ?o } # harmless\nSERVICE")
    with pytest.raises(QuerySyntaxError, match="unknown|Prefix not found"):
        check("SELECT * WHERE { ?s nope:x ?o }")


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s rdfs:label "service from load" }',
        "SELECT ?service WHERE { ?service ?p <http://example.org/FROM> }",
        "SELECT * WHERE { ?s ?p ?o FILTER NOT EXISTS { ?s a <http://x/Delete> } }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1:1/> in a comment",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o != '''SERVICE <http://x/> { }''') }",
        "SELECT * WHERE { GRAPH ?g { ?s schema:name ?n } }",
        "SELECT * WHERE { BIND(kgr:x\\# AS ?f) }",
    ],
)
def test_keywords_in_strings_iris_comments_and_variables_are_fine(query):
    check(query)


def test_the_named_queries_pass_the_guard():
    from kg.queries import named_queries

    for q in named_queries(Paths.from_env().queries):
        check(q["text"])


# --- nesting ------------------------------------------------------------------------------------


def nested(n: int, kind: str) -> str:
    if kind == "{":
        return "SELECT * WHERE " + "{ " * n + "?s ?p ?o" + " }" * n
    if kind == "(":
        return "SELECT * WHERE { FILTER(" + "(" * (n - 2) + "1" + ")" * (n - 2) + ") }"
    return "SELECT * WHERE { ?s ?p " + "[ ?p " * (n - 1) + "1" + " ]" * (n - 1) + " }"


@pytest.mark.parametrize("kind", ["{", "(", "["])
def test_nesting_at_the_bound_passes_and_beyond_is_refused(kind):
    check(nested(MAX_DEPTH, kind))
    with pytest.raises(QueryRefused, match=f"nested too deeply: more than {MAX_DEPTH} levels .* line 1, column"):
        check(nested(MAX_DEPTH + 1, kind))


def test_deep_nesting_no_longer_crashes_the_cli(tmp_path: Path):
    """Regression: ~4,000 `{` or 5,000 `(` segfaulted kg query and kg viz --query (pyoxigraph)."""
    for q in (nested(4000, "{"), nested(5000, "("), "SELECT * WHERE { FILTER(" + "\\u0028" * 5000 + "1" + ")" * 5000 + ") }"):
        f = tmp_path / "deep.rq"
        f.write_text(q)
        for args in (("query", f"@{f}"), ("viz", "--query", f"@{f}", "-o", str(tmp_path / "v.html"))):
            proc = kg(*args)
            assert proc.returncode == 2, (args, proc.returncode, proc.stderr[-300:])
            assert proc.stderr.startswith("kg: error: query nested too deeply") and len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    "text",
    [
        '"' + "(" * 200 + '"',  # in a string
        "'''" + "{\n" * 200 + "'''",  # in a long string
        "# " + "[" * 200 + "\n",  # in a comment
        "<http://x/" + "(" * 200 + ">",  # in an IRI: counted, but never closing below its start
    ],
)
def test_brackets_in_strings_and_comments_do_not_count(text):
    assert nesting_error(f"SELECT * WHERE {{ ?s ?p {text} }}") is None or text.startswith("<")


def test_closing_brackets_hidden_from_the_scan_cannot_lower_the_count():
    """`<x:)))>` may be an IRI or `<` followed by code: either way the count may not drop."""
    q = "SELECT * WHERE { FILTER(" + "(" * 40 + "?a<x:" + ")" * 40 + ">" + "(" * 40 + "1"
    assert nesting_error(q) is not None
    q = "SELECT * WHERE { FILTER(?a<" + "(" * 100 + "1" + ")" * 100 + ">0) }"
    assert nesting_error(q) is not None

"""Times the SPARQL guard: the nesting scan on 1 MB, and the whole check (rdflib's parse) on 64 KB.

Run on demand (not in CI): python benchmarks/guard.py
Targets (issue 12): the nesting bound is linear and checks a 1 MB query well under a second. The
full check is not fast (pyparsing) and need not be: the server runs it in its killable workers.
"""

from __future__ import annotations

import statistics
import time

from kg.sparqlguard import check, expand_codepoints, nesting_error


def query_of(size: int) -> str:
    """A realistic query padded to `size` characters with FILTERs, strings, IRIs and comments."""
    head = "SELECT ?s ?l WHERE {\n  ?s rdfs:label ?l .\n"
    part = '  FILTER(?l != "a (string) with { brackets }" && ?s != <https://w3id.org/kg-tc/id/x#y>)  # a comment (\n'
    body = part * max(1, (size - len(head) - 2) // len(part))
    return head + body + "}\n"


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    big = query_of(1 << 20)
    deep = "SELECT * WHERE { FILTER(" + "(" * (1 << 20) + ") }"
    escaped = "SELECT * WHERE { FILTER(" + "\\u0028" * ((1 << 20) // 6) + ") }"
    print(f"nesting scan, 1 MB realistic query:        {timed(lambda: nesting_error(big), 5) * 1000:8.1f} ms")
    print(f"nesting scan, 1 MB of '(' (stops at 65):   {timed(lambda: nesting_error(deep), 5) * 1000:8.1f} ms")
    print(f"code points + scan, 1 MB of \\u0028:        {timed(lambda: nesting_error(expand_codepoints(escaped)[0]), 3) * 1000:8.1f} ms")
    for size in (4 << 10, 64 << 10):
        q = query_of(size)
        check(q)  # warm: rdflib's grammar is built on first use
        print(f"full check (rdflib parse + algebra), {size >> 10:3d} KB: {timed(lambda q=q: check(q), 3) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()

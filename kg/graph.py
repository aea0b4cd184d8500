"""KnowledgeGraph: the library entry point for notebooks and the CLI.

    from kg import KnowledgeGraph
    g = KnowledgeGraph.open()
    g.ask("who attended the Great Hall meeting")
    g.query("SELECT ...")
    g.show("Jack Ma")

Opens the build's Oxigraph store read-only (tens of milliseconds) and the lexicon JSON; rebuilds
first when the data changed. Imports nothing heavy: no rdflib, networkx or pyshacl here.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

from kg import iri
from kg.errors import KgError
from kg.iri import PREFIXES  # noqa: E402,F401 (the prefixes queries and exports use, defined with the IRIs)


def _open(pyoxigraph, path: Path):
    try:
        return pyoxigraph.Store.read_only(str(path))
    except Exception as exc:  # reported on first use, in the caller's thread
        return exc


class Row:
    """A solution with the read-only mapping API of a dict; unbound variables are absent.

    Wraps Oxigraph's solution instead of copying it into a dict: on large results the copy cost
    as much as the query (measured in benchmarks/scale.py)."""

    __slots__ = ("_s", "_names")

    def __init__(self, solution, names: tuple[str, ...]) -> None:
        self._s, self._names = solution, names

    def keys(self) -> list[str]:
        return [n for n in self._names if self._s[n] is not None]

    def items(self) -> list[tuple[str, object]]:
        return [(n, self._s[n]) for n in self.keys()]

    def __getitem__(self, name: str):
        value = self._s[name]
        if value is None:
            raise KeyError(name)
        return value

    def get(self, name: str, default=None):
        value = self._s[name]
        return default if value is None else value

    def __contains__(self, name: str) -> bool:
        return self._s[name] is not None


class UnknownName(KgError):
    """A name that links to no entity; carries suggestions. Exit 1."""

    exit_code = 1

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"no entity named {name!r}{hint}")
        self.name = name
        self.suggestions = suggestions


class KnowledgeGraph:
    """A built graph: the store, the lexicon, and the operations over them."""

    def __init__(self, store_path: Path, lexicon_path: Path) -> None:
        import threading

        import pyoxigraph

        # Opening the store (~10 ms, in Rust, without the GIL) overlaps reading the lexicon
        # and parsing the question; `store` waits for it on first use.
        self.store_path = store_path
        self._opened: list = []
        # Not a daemon: the interpreter must not tear down while RocksDB is still opening
        # (that aborted the process when a command failed before touching the store).
        self._opener = threading.Thread(target=lambda: self._opened.append(_open(pyoxigraph, store_path)), daemon=False)
        self._opener.start()
        self.lexicon = json.loads(lexicon_path.read_text(encoding="utf-8"))

    @property
    def store(self):
        if not self._opened:
            self._opener.join()
        result = self._opened[0] if self._opened else OSError("store did not open")
        if isinstance(result, Exception):
            raise KgError(f"cannot open the graph store: {result}")
        return result

    @classmethod
    def open(cls, paths=None) -> KnowledgeGraph:
        """The current build, rebuilt first if the data or ontology changed.

        Holds a lease on the build's generation for the graph's lifetime (until close() or the
        process ends), so a later `kg build` never deletes the store under it. While a data file
        is broken, answers from the last good build with one warning on stderr."""
        from kg.build import open_build
        from kg.paths import Paths

        build, lease = open_build(paths or Paths.from_env())
        graph = cls(build.store, build.lexicon)
        graph.build, graph.lease = build, lease
        return graph

    def close(self) -> None:
        """Releases the lease on the build (the store stays usable until the process ends)."""
        lease = getattr(self, "lease", None)
        if lease is not None:
            lease.release()

    def memo(self, name: str, make):
        """Per-graph cache for derived structures (the ask lexicon, the networkx entity graph).

        Kept on the graph itself, not in module dicts keyed by id(): a long-running server or a
        test run that opens several graphs must never get another graph's structure back."""
        cache = self.__dict__.setdefault("_memo", {})
        if name not in cache:
            cache[name] = make()
        return cache[name]

    @cached_property
    def index(self):
        from kg.linking import EntityIndex

        return EntityIndex(self.lexicon["entities"], self.lexicon.get("names"))

    def entity(self, iri_: str) -> dict:
        return self.lexicon["entities"][iri_]

    def label(self, term: str) -> str:
        e = self.lexicon["entities"].get(term)
        if e:
            return e["label"]
        if term.startswith(iri.ONTOLOGY):
            local = term[len(iri.ONTOLOGY) :]
            p = self.lexicon["properties"].get(local) or self.lexicon["classes"].get(local)
            return p["label"] if p else local
        if term.startswith(iri.SOURCE):
            return term[len(iri.SOURCE) :]
        return term

    def link(self, name: str, types: set[str] | None = None) -> str:
        """The entity a name denotes: exact label/alias, else a confident fuzzy match, else UnknownName."""
        from kg.linking import FUZZY_ACCEPT
        from kg.text import compact

        key = compact(name)
        if key in self.index.by_key:
            return self.index.by_key[key]
        best = self.index.suggest(name, limit=3, types=types)
        if best and best[0].score >= FUZZY_ACCEPT and (len(best) == 1 or best[0].score - best[1].score >= 3):
            return best[0].iri
        raise UnknownName(name, [s.label for s in best])

    def select(self, sparql: str, bindings: dict | None = None) -> list[dict]:
        """SELECT with values bound (never spliced into the text); rows as {var: term}."""
        import pyoxigraph as ox

        subs = {ox.Variable(k): v for k, v in (bindings or {}).items()}
        rows = self.store.query(sparql, use_default_graph_as_union=True, substitutions=subs, prefixes=PREFIXES)
        names = tuple(v.value for v in rows.variables)
        return [Row(r, names) for r in rows]

    def ask(self, question: str):
        from kg.ask import ask

        return ask(self, question)

    def show(self, name: str):
        from kg.show import card

        return card(self, self.link(name))

    def search(self, text: str, types: list[str] | None = None, limit: int = 10):
        from kg.search import search

        return search(self, text, types=types, limit=limit)

    def query(self, sparql: str):
        from kg.query import run_query

        return run_query(self, sparql)

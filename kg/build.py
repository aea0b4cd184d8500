"""`kg build`: data + ontology -> RDF files and an embedded store, written atomically.

Each build goes into a fresh generation folder; only when everything is written does the
`current` symlink move to it (os.replace is atomic). A failed build leaves `current` and
what it points to untouched. Commands call ensure_built(), which rebuilds only when an
input file or kg's own code changed (a fingerprint of their bytes).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import NamedTuple

from kg import __version__
from kg.errors import InputError, Location
from kg.paths import Paths

_CODE_FILES = (
    "iri.py",
    "load.py",
    "compile.py",
    "infer.py",
    "build.py",
    "ontology.py",
    "model.py",
    "yamlio.py",
    "lexicon.py",
    "linking.py",
    "text.py",
)


class Build(NamedTuple):
    """A finished build: its folder and manifest."""

    path: Path
    manifest: dict

    @property
    def trig(self) -> Path:
        return self.path / "graph.trig"

    @property
    def turtle(self) -> Path:
        return self.path / "graph.ttl"

    @property
    def store(self) -> Path:
        return self.path / "store"

    @property
    def lexicon(self) -> Path:
        return self.path / "lexicon.json"


def _inputs(paths: Paths) -> list[Path]:
    pkg = Path(__file__).resolve().parent
    return [pkg / f for f in _CODE_FILES] + paths.ontology_files() + paths.data_files()


def stat_signature(paths: Paths) -> str:
    """Cheap check (names, sizes, mtimes) so an unchanged build is confirmed without reading files."""
    parts = [__version__]
    for f in _inputs(paths):
        st = f.stat()
        parts.append(f"{f}:{st.st_size}:{st.st_mtime_ns}")
    return ";".join(parts)


def fingerprint(paths: Paths) -> str:
    import hashlib

    h = hashlib.sha256(__version__.encode())
    for f in _inputs(paths):
        h.update(f.name.encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def current(paths: Paths) -> Build | None:
    link = paths.home / "current"
    manifest = link / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        return Build(link.resolve(), json.loads(manifest.read_text()))
    except (OSError, ValueError):
        return None


def compile_all(paths: Paths):
    """Loads, checks, compiles and infers; returns (rdflib.Dataset, dataset, vocab, origins)."""
    from kg.compile import compile_dataset
    from kg.infer import infer
    from kg.load import load_dataset
    from kg.ontology import load_graph, vocabulary_from_graph

    onto_files = paths.ontology_files()
    if not onto_files:
        raise InputError("no ontology files (*.ttl) found", Location(paths.ontology))
    onto_graph = load_graph(onto_files)
    vocab = vocabulary_from_graph(onto_graph)
    data = load_dataset(paths, vocab)
    ds, origins = compile_dataset(data, vocab, onto_graph)
    infer(ds)
    return ds, data, vocab, origins


def build(paths: Paths, *, force: bool = False) -> Build:
    """Builds unless the current build already matches the inputs."""
    cur = current(paths)
    signature = stat_signature(paths)
    if cur is not None and not force and cur.manifest.get("stat_signature") == signature:
        return cur
    fp = fingerprint(paths)
    if cur is not None and not force and cur.manifest.get("fingerprint") == fp:
        _remember_signature(cur, signature)  # touched but unchanged: next time the cheap check suffices
        return cur
    import shutil
    import tempfile

    started = time.perf_counter()
    ds, data, vocab, _origins = compile_all(paths)
    paths.home.mkdir(parents=True, exist_ok=True)
    gen = Path(tempfile.mkdtemp(prefix="gen-", dir=paths.home))
    try:
        ds.serialize(gen / "graph.trig", format="trig")
        union = _union(ds)
        union.serialize(gen / "graph.ttl", format="turtle")
        _write_store(gen / "graph.trig", gen / "store")
        from kg.lexicon import make_lexicon

        (gen / "lexicon.json").write_text(json.dumps(make_lexicon(data, vocab), ensure_ascii=False), encoding="utf-8")
        manifest = {
            "fingerprint": fp,
            "stat_signature": signature,
            "kg_version": __version__,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "seconds": round(time.perf_counter() - started, 3),
            "quads": sum(len(g) for g in ds.graphs()),
            "union_triples": len(union),
            "sources": sorted(data.sources),
            "entities": len(data.entities),
            "facts": len(data.facts),
            "mentions": len(data.mentions),
        }
        (gen / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        _switch(paths.home, gen)
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    _prune(paths.home, keep=gen)
    return Build(gen, manifest)


def _remember_signature(b: Build, signature: str) -> None:
    manifest = dict(b.manifest, stat_signature=signature)
    tmp = b.path / f".manifest-{os.getpid()}.json"
    try:
        tmp.write_text(json.dumps(manifest, indent=2) + "\n")
        os.replace(tmp, b.path / "manifest.json")
    except OSError:
        pass  # a read-only build folder still works, just without the shortcut


def ensure_built(paths: Paths) -> Build:
    return build(paths)


def _union(ds):
    from rdflib import Graph

    union = Graph()
    for prefix, ns in ds.namespaces():
        union.bind(prefix, ns)
    for g in ds.graphs():
        for t in g:
            union.add(t)
    return union


def _write_store(trig: Path, target: Path) -> None:
    import pyoxigraph

    store = pyoxigraph.Store(str(target))
    store.bulk_load(path=str(trig), format=pyoxigraph.RdfFormat.TRIG)
    store.optimize()
    store.flush()
    del store


def _switch(home: Path, gen: Path) -> None:
    tmp_link = home / f".current-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(gen.name)
    os.replace(tmp_link, home / "current")


def _prune(home: Path, keep: Path) -> None:
    """Keeps the new generation and one previous, so a reader mid-query is not cut off."""
    import shutil

    gens = sorted((p for p in home.glob("gen-*") if p.is_dir() and p != keep), key=lambda p: p.stat().st_mtime)
    for old in gens[:-1]:
        shutil.rmtree(old, ignore_errors=True)

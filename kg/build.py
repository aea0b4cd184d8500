"""`kg build`: data + ontology -> RDF files and an embedded store, written atomically.

Each build goes into a fresh generation folder; only when everything is written does the
`current` symlink move to it (os.replace is atomic). A failed build leaves `current` and
what it points to untouched. Commands call ensure_built(), which rebuilds only when an
input file or kg's own code changed (a fingerprint of their bytes).

Concurrency (all with flock, so a killed process releases everything it held):
- one build at a time per KG_HOME: an exclusive lock on `<home>/.build.lock`; a second build
  waits, then checks again whether a build is still needed;
- a generation in use is never deleted: readers (KnowledgeGraph.open, the server) and the
  builder writing it hold a shared lock on `<gen>/.lease` (hold_generation); pruning deletes a
  generation only if it can take that lock exclusively without waiting;
- only complete generations (with manifest.json) count as good: pruning keeps `current` and the
  newest complete previous one, and removes incomplete ones (a build that was killed) that no
  builder holds.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from kg import __version__
from kg.errors import InputError, KgError, Location
from kg.paths import Paths

LEASE_FILE = ".lease"
BUILD_LOCK = ".build.lock"
BROKEN_FILE = ".broken.json"
WAIT_NOTICE_SECONDS = 0.5  # a second build says it waits only when the wait is more than a moment

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
    """Builds unless the current build already matches the inputs; one build at a time per KG_HOME.

    A forced build that waited for another is satisfied by it only if that one began after this
    one was asked for: a build that began before may predate what the user forces a rebuild for
    (code or libraries the fingerprint does not cover)."""
    requested = time.time()
    cur = current(paths)
    signature = stat_signature(paths)
    if cur is not None and not force and cur.manifest.get("stat_signature") == signature:
        return cur
    _prepare_home(paths.home)
    seen = cur.path if cur is not None else None
    with _build_lock(paths.home) as waited:
        cur = current(paths)  # another build may have finished while this one waited
        signature = stat_signature(paths)
        if cur is not None and not force and cur.manifest.get("stat_signature") == signature:
            return cur
        fp = fingerprint(paths)
        fresh = waited and cur is not None and cur.path != seen and cur.manifest.get("started_at", 0) >= requested
        if cur is not None and cur.manifest.get("fingerprint") == fp and (not force or fresh):
            _remember_signature(cur, signature)  # touched but unchanged: next time the cheap check suffices
            return cur
        return _build_locked(paths, fp, signature)


def _build_locked(paths: Paths, fp: str, signature: str) -> Build:
    import shutil
    import tempfile

    started, started_at = time.perf_counter(), time.time()
    ds, data, vocab, _origins = compile_all(paths)
    try:
        gen = Path(tempfile.mkdtemp(prefix="gen-", dir=paths.home))
    except OSError as exc:
        raise InputError(f"cannot write the build: {exc.strerror}", Location(paths.home)) from None
    own = _lock_file(gen / LEASE_FILE, fcntl.LOCK_SH)  # prune spares a generation being written
    try:
        union_triples = _write_outputs(ds, gen)
        from kg.lexicon import make_lexicon

        (gen / "lexicon.json").write_text(json.dumps(make_lexicon(data, vocab), ensure_ascii=False), encoding="utf-8")
        manifest = {
            "fingerprint": fp,
            "stat_signature": signature,
            "kg_version": __version__,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "started_at": started_at,  # epoch seconds; see build() for what a waiting --force compares it with
            "seconds": round(time.perf_counter() - started, 3),
            "quads": sum(len(g) for g in ds.graphs()),
            "union_triples": union_triples,
            "sources": sorted(data.sources),
            "entities": len(data.entities),
            "facts": len(data.facts),
            "mentions": len(data.mentions),
        }
        (gen / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        _switch(paths.home, gen)
    except BaseException:
        os.close(own)
        shutil.rmtree(gen, ignore_errors=True)
        raise
    try:
        _prune(paths.home, keep=gen)
        (paths.home / BROKEN_FILE).unlink(missing_ok=True)
    finally:
        os.close(own)
    return Build(gen, manifest)


def _remember_signature(b: Build, signature: str) -> None:
    manifest = dict(b.manifest, stat_signature=signature)
    tmp = b.path / f".manifest-{os.getpid()}.json"
    try:
        tmp.write_text(json.dumps(manifest, indent=2) + "\n")
        os.replace(tmp, b.path / "manifest.json")
    except OSError:
        pass  # a read-only build folder still works, just without the shortcut


def ensure_built(paths: Paths, *, stale_ok: bool = True) -> Build:
    """The build read commands use: rebuilt first if the inputs changed.

    While a data file is broken (an InputError) and a good build exists, read commands answer
    from that build with one warning line on stderr naming the problem, instead of failing;
    `kg build` and `kg validate` still fail. The failure is remembered by the inputs' stat
    signature, so further read commands do not recompile the broken data each time."""
    if not stale_ok:
        return build(paths)
    cur = current(paths)
    signature = stat_signature(paths) if cur is not None else None
    if cur is not None and cur.manifest.get("stat_signature") != signature:
        known = _known_broken(paths.home, signature)
        if known is not None:
            _warn_stale(known, cur)
            return cur
    try:
        return build(paths)
    except InputError as exc:
        cur = current(paths)
        if cur is None:
            raise
        _remember_broken(paths.home, signature or stat_signature(paths), exc)
        _warn_stale(exc, cur)
        return cur


def open_build(paths: Paths, *, stale_ok: bool = True) -> tuple[Build, Lease]:
    """The current build (built first if needed) with a lease on it, so no build deletes it while
    it is used. Retries if a concurrent build pruned it between the two steps. `stale_ok=False`
    (kg push) refuses to fall back to the last good build while a data file is broken."""
    for _ in range(20):
        b = ensure_built(paths, stale_ok=stale_ok)
        try:
            return b, hold_generation(b.path)
        except FileNotFoundError:
            continue
    raise KgError("the build keeps changing under this command; try again")


def _warn_stale(exc: InputError, cur: Build) -> None:
    sys.stderr.write(f"kg: warning: {exc}; answering from the build of {cur.manifest.get('built_at', '?')}\n")
    sys.stderr.flush()


def _remember_broken(home: Path, signature: str, exc: InputError) -> None:
    where = exc.where
    record = {"stat_signature": signature, "message": exc.message, "path": str(where.path.resolve()) if where else None,
              "line": where.line if where else None}  # fmt: skip
    tmp = home / f".broken-{os.getpid()}.json"
    try:
        tmp.write_text(json.dumps(record))
        os.replace(tmp, home / BROKEN_FILE)
    except OSError:
        pass  # an unwritable home: the next command compiles again, nothing worse


def _known_broken(home: Path, signature: str | None) -> InputError | None:
    try:
        record = json.loads((home / BROKEN_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("stat_signature") != signature:
        return None
    where = Location(Path(record["path"]), record.get("line")) if record.get("path") else None
    return InputError(str(record.get("message")), where)


class Lease:
    """A shared lock on a generation: while it is held, no build deletes that generation.

    Released by release(), by leaving a `with` block, or when the process ends (even by SIGKILL:
    the kernel drops flock locks with the file descriptor)."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:  # already closed (e.g. by a fork's cleanup): nothing is held
                pass

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        self.release()


def hold_generation(path: Path) -> Lease:
    """Takes a shared flock on `<gen>/.lease` so builds keep this generation until release().

    Raises FileNotFoundError if the generation is gone (pruned before the lock was taken) or is not
    a complete build; callers then take the new `current` (see open_build). A generation in a
    read-only home whose lease file cannot be created gets a lease that holds nothing: nobody
    without write access can prune it either."""
    path = Path(path)
    lease = path / LEASE_FILE
    try:
        fd = _lock_file(lease, fcntl.LOCK_SH)
    except PermissionError:
        if not (path / "manifest.json").is_file():
            raise FileNotFoundError(errno.ENOENT, "not a complete generation", str(path)) from None
        return Lease(path, None)
    try:
        st, now = os.fstat(fd), os.stat(lease)
        if (st.st_dev, st.st_ino) != (now.st_dev, now.st_ino) or not (path / "manifest.json").is_file():
            raise FileNotFoundError(errno.ENOENT, "the generation was removed or is not complete", str(path))
    except BaseException:
        os.close(fd)
        raise
    return Lease(path, fd)


def _lock_file(path: Path, how: int) -> int:
    """Opens (creating) a lock file and flocks it; returns the descriptor."""
    fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, how)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _prepare_home(home: Path) -> None:
    """KG_HOME must be a writable folder; say so in one line (exit 2) instead of a traceback."""
    if home.exists() and not home.is_dir():
        raise InputError("KG_HOME is not a directory", Location(home))
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the build folder (KG_HOME): {exc.strerror}", Location(home)) from None
    if not os.access(home, os.W_OK | os.X_OK):
        raise InputError("the build folder (KG_HOME) is not writable", Location(home))


@contextmanager
def _build_lock(home: Path) -> Iterator[bool]:
    """One build at a time per home; yields whether this build had to wait for another."""
    try:
        fd = os.open(home / BUILD_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise InputError(f"cannot write the build folder (KG_HOME): {exc.strerror}", Location(home)) from None
    try:
        waited = False
        deadline = time.monotonic() + WAIT_NOTICE_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = True
                if time.monotonic() >= deadline:
                    sys.stderr.write("kg: waiting for another build to finish\n")
                    sys.stderr.flush()
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    break
                time.sleep(0.05)
        yield waited
    finally:
        os.close(fd)


def _write_outputs(ds, gen: Path) -> int:
    """The store, graph.trig and graph.ttl (the union of the named graphs); returns the union's size.

    rdflib hands the dataset over once, as N-Quads; Oxigraph loads it and writes both files, several
    times faster than rdflib's TriG and Turtle serialisers (benchmarks/build_outputs.py)."""
    import pyoxigraph as ox

    from kg.iri import PREFIXES

    store = ox.Store(str(gen / "store"))
    store.bulk_load(input=ds.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS)
    store.optimize()
    store.flush()
    with open(gen / "graph.trig", "wb") as f:
        store.dump(f, ox.RdfFormat.TRIG, prefixes=PREFIXES)
    union = {q.triple for q in store.quads_for_pattern(None, None, None, None)}
    with open(gen / "graph.ttl", "wb") as f:
        ox.serialize(sorted(union, key=str), f, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    del store
    return len(union)


def _switch(home: Path, gen: Path) -> None:
    tmp_link = home / f".current-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(gen.name)
    os.replace(tmp_link, home / "current")


def _prune(home: Path, keep: Path) -> None:
    """Deletes what nobody needs, under the build lock: complete generations older than the newest
    complete previous one (kept so a reader that opened it is not cut off), and incomplete ones
    (a killed build). Each only if no reader or builder holds its lease."""
    import shutil

    for junk in home.glob(".trash-*"):  # a prune that was killed mid-delete
        shutil.rmtree(junk, ignore_errors=True)
    for tmp in home.glob(".current-*"):  # a temporary link a killed build left
        if tmp.is_symlink():
            tmp.unlink(missing_ok=True)
    link = home / "current"
    live = {keep.resolve(), link.resolve()} if link.is_symlink() else {keep.resolve()}
    complete, incomplete = [], []
    for p in home.glob("gen-*"):
        if p.is_symlink() or not p.is_dir() or p.resolve() in live:
            continue
        (complete if (p / "manifest.json").is_file() else incomplete).append(p)
    complete.sort(key=lambda p: (p / "manifest.json").stat().st_mtime_ns)
    for old in complete[:-1] + incomplete:
        _remove_unless_held(home, old)


def _remove_unless_held(home: Path, gen: Path) -> None:
    """Renames the generation out of the way while holding its lease exclusively (so a reader that
    raced us finds it gone and retries), then deletes it. Skips it if anyone holds the lease."""
    import shutil

    try:
        fd = _lock_file(gen / LEASE_FILE, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError: in use; anything else: leave it alone
        return
    trash = home / f".trash-{gen.name}"
    try:
        os.rename(gen, trash)
    except OSError:
        return
    finally:
        os.close(fd)
    shutil.rmtree(trash, ignore_errors=True)

"""Serving the newest build: the generation in use, held by a lease, and a task that follows rebuilds.

`kg build` writes each build into a new generation folder and then moves `<KG_HOME>/current`;
it prunes old generations. The server holds a lease (kg.build.hold_generation)
on the generation it serves, so prune leaves it alone, and polls `current` every second: on a
change it opens the new generation, moves the query workers over (kg.web.pool.WorkerPool.switch)
and the pages with them, and releases the old lease once no worker or page uses it any more.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path


class Served:
    """One generation being served: its folder, its graph (for the pages) and its lease."""

    def __init__(self, path: Path, graph, lease) -> None:
        self.path = path
        self.graph = graph
        self.lease = lease
        self.users = 0
        self.idle = asyncio.Event()
        self.idle.set()

    def release(self) -> None:
        if self.lease is not None:
            self.lease.release()
            self.lease = None


def open_generation(path: Path, warm: bool = True, folders: tuple[Path, ...] = ()) -> Served:
    """Leases and opens a generation (blocking: reads the lexicon, opens the store, and with `warm`
    computes what the pages need and makes the pages of the sources whose text is in `folders`,
    so a rebuild is switched to only when its pages are fast)."""
    from kg.build import hold_generation
    from kg.errors import KgError
    from kg.graph import KnowledgeGraph

    lease = hold_generation(path)
    try:
        if not (path / "manifest.json").is_file():
            raise KgError(f"{path.name} is not a finished build")
        graph = KnowledgeGraph(path / "store", path / "lexicon.json")
        graph.store  # noqa: B018 (opened now, so a broken build is found here and not by a page)
        from kg.web.views import warm as warm_up

        if warm:
            warm_up(graph, folders, path.name)  # the per-generation structures of the pages, before the first page asks
    except BaseException:
        lease.release()
        raise
    return Served(path, graph, lease)


class Holder:
    """The generation pages use right now; `use()` counts a page's use so the old one is kept until done."""

    def __init__(self, served: Served) -> None:
        self.served = served

    @contextlib.contextmanager
    def use(self) -> Iterator[object]:
        s = self.served
        s.users += 1
        s.idle.clear()
        try:
            yield s.graph
        finally:
            s.users -= 1
            if s.users == 0:
                s.idle.set()


async def follow(home: Path, holder: Holder, pool, interval: float = 1.0, folders: tuple[Path, ...] = ()) -> None:
    """Runs until cancelled: switches to each new generation `current` points to."""
    link = home / "current"
    failed: Path | None = None
    while True:
        await asyncio.sleep(interval)
        try:
            target = (home / os.readlink(link)).resolve()
        except OSError:
            continue
        if target == holder.served.path or target == failed:
            continue
        try:
            new = await asyncio.to_thread(open_generation, target, True, tuple(folders))
        except Exception as exc:
            failed = target
            print(f"kg: warning: still serving {holder.served.path.name}: cannot open {target.name}: {exc}", file=sys.stderr, flush=True)
            continue
        try:
            drained = await pool.switch(new.graph.store_path)
        except Exception as exc:
            new.release()
            failed = target
            print(f"kg: warning: still serving {holder.served.path.name}: {exc}", file=sys.stderr, flush=True)
            continue
        old, holder.served = holder.served, new
        print(f"kg: now serving {target.name}", flush=True)
        asyncio.get_running_loop().create_task(_retire(old, drained))


async def _retire(old: Served, drained: asyncio.Event) -> None:
    await drained.wait()
    await old.idle.wait()
    old.release()

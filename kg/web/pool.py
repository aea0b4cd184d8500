"""The query-process pool of `kg serve`, driven from the event loop (the processes: kg.workers).

Waiting for a free worker is not query time: the query's timeout starts when a worker receives it;
the wait has its own deadline and a bounded queue, and both end in "server busy" (503 with
Retry-After). Starting and stopping processes and waiting for a result happen on the pool's own
threads, never on the event loop, and never on the threads the pages use.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing as mp
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kg.workers import Outcome, WorkerFailed, _Worker


class WorkerPool:
    """`size` query processes behind a bounded queue, for one store generation at a time.

    `start` and `close` are called outside the event loop; everything else on it. `switch` moves
    the pool to a new store (a rebuild) without a moment where no worker is available."""

    def __init__(self, store_path: Path, size: int = 2, memory_mb: int = 2048, queue_cap: int | None = None) -> None:
        # queue_cap: queries that may wait; 16 per worker absorbs ordinary concurrency (20 clients on 2
        # workers never see a refusal), and beyond it a 503 at once is better than a wait that will fail
        self.store_path = store_path
        self.size = size
        self.memory_mb = memory_mb
        self.queue_cap = 16 * size if queue_cap is None else queue_cap
        self.ctx = mp.get_context("spawn")
        self.err_dir = Path(tempfile.mkdtemp(prefix="kg-serve-"))
        self.executor = ThreadPoolExecutor(max_workers=3 * size + 4, thread_name_prefix="kg-query")
        self.generation = 0
        self.idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self.waiting = 0
        self.workers: set[_Worker] = set()
        self.live: dict[int, int] = {}
        self.drained: dict[int, asyncio.Event] = {}
        self.sandbox: str | None = None

    def _spawn(self, store_path: Path, generation: int) -> _Worker:
        w = _Worker(self.ctx, store_path, self.memory_mb, self.err_dir, generation)
        self.workers.add(w)
        try:
            w.wait_ready(120)
        except WorkerFailed:
            self.workers.discard(w)
            raise
        return w

    def start(self) -> str | None:
        """Starts the workers (blocking); returns the sandbox note (None: the network is denied)."""
        futures = [self.executor.submit(self._spawn, self.store_path, 0) for _ in range(self.size)]
        started = [f.result() for f in futures]  # WorkerFailed propagates
        for w in started:
            self.idle.put_nowait(w)
        self.live[0] = len(started)
        self.sandbox = started[0].sandbox
        return self.sandbox

    def _busy(self, message: str, timeout: float) -> Outcome:
        return Outcome(False, error=message, status=503, retry_after=max(1, math.ceil(min(timeout, 10))))

    async def _acquire(self, wait: float) -> _Worker | Outcome:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            if self.idle.empty() and self.waiting >= self.queue_cap:
                return self._busy(f"server busy: all {self.size} query workers are busy and {self.waiting} queries are waiting; "
                                  "retry later", wait)  # fmt: skip
            self.waiting += 1
            try:
                async with asyncio.timeout_at(deadline):
                    worker = await self.idle.get()
            except TimeoutError:
                return self._busy(f"server busy: no query worker became free within {wait:g} s; retry later", wait)
            finally:
                self.waiting -= 1
            if worker.generation == self.generation and worker.proc.is_alive():
                return worker
            self._retire(worker, replace=worker.generation == self.generation)

    async def run(self, sparql: str, accept: list[str], row_cap: int, timeout: float, wait: float | None = None,
                  dataset: tuple[list[str], list[str]] | None = None, base_iri: str | None = None) -> Outcome:  # fmt: skip
        """Answers one query: waits at most `wait` s (default: `timeout`) for a worker, then gives it `timeout` s.
        `dataset` (default graphs, named graphs) and `base_iri` go to kg.workers._run."""
        worker = await self._acquire(timeout if wait is None else wait)
        if isinstance(worker, Outcome):
            return worker
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(self.executor, worker.query, (sparql, accept, row_cap, dataset, base_iri), timeout)
        try:
            out = await asyncio.shield(job)
        except asyncio.CancelledError:  # the request went away; the worker comes back when done
            job.add_done_callback(lambda f: self._release(worker, f.result()))
            raise
        self._release(worker, out)
        return out

    def _release(self, worker: _Worker, out: Outcome) -> None:
        current = worker.generation == self.generation
        if out.retire or not current:
            self._retire(worker, replace=current)
        else:
            self.idle.put_nowait(worker)

    def _retire(self, worker: _Worker, replace: bool) -> None:
        loop = asyncio.get_running_loop()
        self.workers.discard(worker)
        loop.run_in_executor(self.executor, worker.stop)
        self._count(worker.generation, -1)
        if replace:
            self._replace()

    def _count(self, generation: int, delta: int) -> None:
        self.live[generation] = self.live.get(generation, 0) + delta
        if self.live[generation] <= 0 and generation in self.drained:
            self.drained.pop(generation).set()

    def _replace(self) -> None:
        """A new worker for the current store, started off the event loop."""
        loop = asyncio.get_running_loop()
        generation, store_path = self.generation, self.store_path
        self._count(generation, +1)

        def done(f) -> None:
            try:
                w = f.result()
            except Exception as exc:
                self._count(generation, -1)
                print(f"kg: warning: {exc}; retrying in 2 s", file=sys.stderr, flush=True)
                if generation == self.generation:
                    loop.call_later(2, self._replace)
                return
            if generation == self.generation:
                self.idle.put_nowait(w)
            else:
                self._retire(w, replace=False)

        loop.run_in_executor(self.executor, self._spawn, store_path, generation).add_done_callback(done)

    async def switch(self, store_path: Path) -> asyncio.Event:
        """Moves to a new store: new workers first, then the old idle ones exit, the busy ones after
        their query. Returns an event set when no old worker is left (then its store may go)."""
        loop = asyncio.get_running_loop()
        generation = self.generation + 1
        results = await asyncio.gather(
            *(loop.run_in_executor(self.executor, self._spawn, store_path, generation) for _ in range(self.size)),
            return_exceptions=True,
        )
        fresh = [r for r in results if isinstance(r, _Worker)]
        if not fresh:
            raise next(r for r in results if isinstance(r, BaseException))
        old = self.generation
        drained = self.drained.setdefault(old, asyncio.Event())
        self.store_path, self.generation = store_path, generation
        self.live[generation] = len(fresh)
        stale = []
        while not self.idle.empty():
            stale.append(self.idle.get_nowait())
        for w in fresh:
            self.idle.put_nowait(w)
        for w in stale:
            self._retire(w, replace=False)
        for _ in range(self.size - len(fresh)):
            self._replace()
        if self.live.get(old, 0) <= 0:
            self.drained.pop(old, None)
            drained.set()
        return drained

    def close(self) -> None:
        for w in list(self.workers):
            w.proc.kill()
        for w in list(self.workers):
            w.proc.join(5)
            w.err_path.unlink(missing_ok=True)
        self.executor.shutdown(wait=False, cancel_futures=True)
        import shutil

        shutil.rmtree(self.err_dir, ignore_errors=True)

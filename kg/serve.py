"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint with linked-data entity pages.

The Starlette app is in kg.web.app; user SPARQL runs in worker processes (kg.workers) behind a
bounded queue, each query with a timeout that kills the work and a memory cap; the row cap is
announced in the `X-KG-Row-Cap` / `X-KG-Truncated` headers. SERVICE, LOAD and FROM are refused
before anything runs. The server binds to 127.0.0.1 unless told otherwise, answers only Host
headers naming that address (kg.web.hosts), limits how long a client may take to send a request
and how many connections it keeps (kg.web.protocol), and follows rebuilds (kg.web.follow).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Config:
    timeout: float = 30.0
    row_cap: int = 10000
    max_request_bytes: int = 64 * 1024
    workers: int = 2
    cors: tuple[str, ...] = ()  # origins allowed to call the endpoint from a browser (YASGUI)
    memory_mb: int = 2048  # address-space cap (RLIMIT_AS) of each query process; 0 = none
    queue: int | None = None  # queries that may wait for a worker; None = 16 x workers
    queue_wait: float | None = None  # seconds a query may wait for a worker; None = max(timeout, 5)
    header_timeout: float = 10.0  # seconds to send the request head (and, separately, the body)
    max_connections: int = 1000
    allow_hosts: tuple[str, ...] = ()  # Host names accepted besides the bound address
    follow_interval: float = 1.0  # seconds between looks at <KG_HOME>/current
    page_threads: int = 4  # threads making pages (CPU-bound Python: more only contend for the interpreter lock)
    source_dirs: tuple[Path, ...] = ()  # folders with the source texts (source pages show them); the corpus is added
    queries_dir: Path | None = None  # named queries (examples on the home page and in the editor)


def _check_bind(host: str, port: int) -> None:
    """A taken port or an unknown interface is a usage error (exit 2), said before anything starts."""
    import socket

    from kg.errors import InputError

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _connection_cap(wanted: int) -> int:
    """Raises the open-file limit to its hard maximum and keeps the connection cap below it."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return max(16, min(wanted, soft - 64)) if soft != resource.RLIM_INFINITY else wanted


def serve(host: str = "127.0.0.1", port: int = 8000, config: Config | None = None) -> None:
    import contextlib
    import dataclasses

    import uvicorn

    from kg.build import ensure_built
    from kg.errors import InputError
    from kg.ingest import corpus_dir
    from kg.paths import Paths
    from kg.web.app import create_app
    from kg.web.follow import Holder, follow, open_generation
    from kg.web.hosts import Names
    from kg.web.pool import WorkerPool
    from kg.web.protocol import guarded_protocol
    from kg.workers import WorkerFailed

    config = config or Config()
    _check_bind(host, port)
    paths = Paths.from_env()
    for d in config.source_dirs:
        if not d.is_dir():
            raise InputError(f"--sources {d}: no such folder")
    dirs = [d for d in (*config.source_dirs, paths.sources, corpus_dir(paths)) if d is not None]
    config = dataclasses.replace(config, source_dirs=tuple(dict.fromkeys(dirs)), queries_dir=config.queries_dir or paths.queries)
    served = open_generation(ensure_built(paths).path, warm=False)
    import threading

    from kg.web.views import warm

    # what the pages need (and the source pages with their text) is made beside the query workers'
    # start-up (seconds at 1M triples), before listening
    warming = threading.Thread(target=warm, args=(served.graph, config.source_dirs, served.path.name), daemon=True, name="kg-warm")
    warming.start()
    holder = Holder(served)
    pool = WorkerPool(served.graph.store_path, size=config.workers, memory_mb=config.memory_mb, queue_cap=config.queue)
    try:
        try:
            sandbox = pool.start()
        except WorkerFailed as exc:
            raise InputError(str(exc)) from None

        @contextlib.asynccontextmanager
        async def lifespan(app):
            import asyncio

            task = asyncio.get_running_loop().create_task(follow(paths.home, holder, pool, config.follow_interval, config.source_dirs))
            yield
            task.cancel()

        warming.join()  # beside the workers' start-up, which takes longer: no first page waits for it
        app = create_app(holder, pool, config, Names(host, port, config.allow_hosts), lifespan)
        print(f"kg serving http://{host}:{port}/ (SPARQL at /sparql; timeout {config.timeout:g} s, row cap {config.row_cap}, "
              f"{config.workers} query processes of at most {config.memory_mb or 'unlimited'} MB)", flush=True)  # fmt: skip
        if sandbox:
            print(f"kg: note: query processes may open network connections: {sandbox}", flush=True)
        protocol = guarded_protocol(config.header_timeout, _connection_cap(config.max_connections))
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3, http=protocol)
    finally:
        pool.close()
        holder.served.release()

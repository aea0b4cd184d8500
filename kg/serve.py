"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint with linked-data entity pages.

Starlette app (kg.web.app); user SPARQL runs in worker processes (kg.workers) with a timeout that
kills the work and a row cap announced in the `X-KG-Row-Cap` / `X-KG-Truncated` headers. SERVICE,
LOAD and FROM are refused before anything runs. Binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Config:
    timeout: float = 30.0
    row_cap: int = 10000
    max_request_bytes: int = 64 * 1024
    workers: int = 2
    cors: tuple[str, ...] = ()  # origins allowed to call the endpoint from a browser (YASGUI)


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


def serve(host: str = "127.0.0.1", port: int = 8000, config: Config | None = None) -> None:
    import uvicorn

    from kg.graph import KnowledgeGraph
    from kg.workers import WorkerPool

    config = config or Config()
    _check_bind(host, port)
    graph = KnowledgeGraph.open()
    store_path = graph.store_path
    from kg.web.app import create_app

    pool = WorkerPool(store_path, size=config.workers)
    try:
        app = create_app(graph, pool, config)
        print(f"kg serving http://{host}:{port}/ (SPARQL at /sparql; timeout {config.timeout:g} s, row cap {config.row_cap})", flush=True)
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=3)
    finally:
        pool.close()

"""Which Host and Origin headers the server answers (DNS rebinding, cross-site form POSTs).

A web page can make the user's browser call a local `kg serve`: through DNS rebinding (the page's
own name made to resolve to 127.0.0.1: the browser then sends `Host: evil.example`), or with a
plain form POST, which browsers send cross-origin without asking first (no CORS preflight). So the
server answers only Host headers that name the address it is bound to (and the loopback names when
bound to loopback), and refuses a POST whose Origin is neither its own nor a `--cors` origin.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def split_host(value: str) -> tuple[str, int | None] | None:
    """`name[:port]` or `[v6][:port]` -> (lowercase name without brackets or final dot, port); None if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1 :]
        if rest and not rest.startswith(":"):
            return None
        port = rest[1:] if rest else None
    elif value.count(":") == 1:
        name, port = value.split(":")
    else:
        name, port = value, None
    if port is not None and not (port.isdigit() and 0 < int(port) < 65536):
        return None
    name = name.rstrip(".")
    return (name, int(port) if port is not None else None) if name else None


class Names:
    """The host names this server answers to, from the address it is bound to."""

    def __init__(self, host: str, port: int, extra: tuple[str, ...] = ()) -> None:
        bound = host.strip("[]").lower()
        ip = _ip(bound)
        self.port = port
        self.any_ip = ip is not None and ip.is_unspecified  # 0.0.0.0 / ::: every address of the machine
        names = {bound} | {e.lower().rstrip(".") for e in extra}
        if bound == "localhost" or (ip is not None and (ip.is_loopback or ip.is_unspecified)):
            names |= LOOPBACK
        if self.any_ip:
            import socket

            names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        self.names = frozenset(names)

    def allows(self, value: str) -> bool:
        parsed = split_host(value)
        if parsed is None:
            return False
        name, port = parsed
        if port is not None and self.port and port != self.port:
            return False
        return name in self.names or (self.any_ip and _ip(name) is not None)

    def expected(self) -> str:
        shown = sorted(n for n in self.names if n)[:3]
        return " or ".join(f"[{n}]" if ":" in n else n for n in shown) + (f" (port {self.port})" if self.port else "")


def own_origin(origin: str, names: Names) -> bool:
    """An Origin naming this server (http, an allowed name, this port)."""
    parts = urlsplit(origin)
    if parts.scheme != "http" or not parts.hostname:
        return False
    try:
        port = parts.port or 80
    except ValueError:
        return False
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return names.allows(f"{host}:{port}")


class HostGuard:
    """ASGI middleware: 421 for a foreign Host, 403 for a POST from a foreign Origin."""

    def __init__(self, app, names: Names, cors: tuple[str, ...]) -> None:
        self.app = app
        self.names = names
        self.cors = frozenset(cors)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = origin = None
        for k, v in scope["headers"]:
            if k == b"host":
                host = v.decode("latin-1")
            elif k == b"origin":
                origin = v.decode("latin-1")
        if host is not None and not self.names.allows(host):
            return await _refuse(send, 421, f"Host {host!r} does not name this server; use {self.names.expected()}")
        if scope["method"] == "POST" and origin is not None and origin not in self.cors and not own_origin(origin, self.names):
            return await _refuse(send, 403, f"cross-origin POST from {origin!r} refused; kg serve --cors ORIGIN allows a page")
        return await self.app(scope, receive, send)


async def _refuse(send, status: int, message: str) -> None:
    body = (message.replace("\n", " ") + "\n").encode("utf-8", "replace")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})

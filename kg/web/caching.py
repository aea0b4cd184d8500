"""Validators and headers every GET answer of `kg serve` carries (an ASGI middleware).

What the server answers is fixed by the build generation it serves (read-only data) and by its
own settings, so the ETag is a digest of the generation, the settings, the request target and
the headers the answer varies on (Accept, Accept-Encoding); Last-Modified is the build time. A
request whose If-None-Match (or, without one, If-Modified-Since) matches gets 304 before any work
is done. Every answer also says `Vary: Accept` (HTML pages too: the same URL gives Turtle or JSON
by content negotiation), and HTML pages get the strict Content-Security-Policy unless the route
set its own (the network view sets one with the hashes of its inline scripts).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
       "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'")  # fmt: skip


class Conditional:
    """ETag / Last-Modified / 304 for GET and HEAD; Vary, CSP and nosniff on every answer."""

    def __init__(self, app, holder, salt: str, skip: tuple[str, ...] = ("/static/",)) -> None:
        self.app, self.holder, self.salt, self.skip = app, holder, salt, skip
        self._built: dict[str, tuple[str, datetime | None]] = {}

    def _generation(self) -> tuple[str, datetime | None]:
        path = self.holder.served.path
        key = str(path)
        if key not in self._built:
            when = None
            try:
                stamp = json.loads((path / "manifest.json").read_text(encoding="utf-8")).get("built_at")
                when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if stamp else None
            except (OSError, ValueError, TypeError):
                pass
            self._built = {key: (path.name, when)}
        return self._built[key]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        conditional = scope["method"] in ("GET", "HEAD") and not scope["path"].startswith(self.skip)
        etag = modified = None
        if conditional:
            generation, built = self._generation()
            parts = [self.salt, generation, scope["path"], scope.get("query_string", b"").decode("latin-1"),
                     headers.get("accept", ""), headers.get("accept-encoding", "")]  # fmt: skip
            etag = 'W/"' + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32] + '"'
            modified = format_datetime(built, usegmt=True) if built else None
            if _matches(headers, etag, built):
                out = [(b"etag", etag.encode()), (b"vary", b"Accept, Accept-Encoding")]
                if modified:
                    out.append((b"last-modified", modified.encode()))
                await send({"type": "http.response.start", "status": 304, "headers": out})
                await send({"type": "http.response.body", "body": b""})
                return

        async def wrapped(message) -> None:
            if message["type"] == "http.response.start":
                out = list(message.get("headers", []))
                names = {k.lower() for k, _ in out}
                vary = [v.decode() for k, v in out if k.lower() == b"vary"]
                out = [(k, v) for k, v in out if k.lower() != b"vary"]
                values = {s.strip() for v in vary for s in v.split(",") if s.strip()} | {"Accept"}
                out.append((b"vary", ", ".join(sorted(values)).encode()))
                ctype = next((v for k, v in out if k.lower() == b"content-type"), b"")
                if ctype.startswith(b"text/html") and b"content-security-policy" not in names:
                    out.append((b"content-security-policy", CSP.encode()))
                if b"x-content-type-options" not in names:
                    out.append((b"x-content-type-options", b"nosniff"))
                if etag and message["status"] == 200:
                    out.append((b"etag", etag.encode()))
                    if modified:
                        out.append((b"last-modified", modified.encode()))
                message = {**message, "headers": out}
            await send(message)

        return await self.app(scope, receive, wrapped)


def _matches(headers: dict, etag: str, built: datetime | None) -> bool:
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = {t.strip().removeprefix("W/") for t in inm.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    ims = headers.get("if-modified-since")
    if ims and built is not None:
        try:
            return parsedate_to_datetime(ims) >= built
        except (TypeError, ValueError):
            return False
    return False

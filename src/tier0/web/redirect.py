"""The plain-HTTP listener: every request is redirected to the HTTPS public URL (TL-02).

Nothing behind it is reachable over plain HTTP, so no token, code or password is ever
answered in clear text. The body is never read and the target is rebuilt from the public URL
(not from the request's Host header), so the redirect cannot be steered to another site.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.types import Receive, Scope, Send

__all__ = ["RedirectToHttps"]


class RedirectToHttps:
    """ASGI app answering 308 (method and body preserved, RFC 9110 §15.4.9) to
    ``public_url`` + path and query; no HSTS here (RFC 6797 §7.2: only over TLS)."""

    def __init__(self, public_url: str) -> None:
        self._base = public_url.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        path = quote(scope["path"], safe="/%:@!$&'()*+,;=-._~")
        query = scope.get("query_string", b"")
        target = self._base + path + (f"?{query.decode('latin-1')}" if query else "")
        await send(
            {
                "type": "http.response.start",
                "status": 308,
                "headers": [
                    (b"location", target.encode("latin-1", "replace")),
                    (b"content-length", b"0"),
                    (b"cache-control", b"no-store"),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})

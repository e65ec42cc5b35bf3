"""Browser-hardening headers on every response (IV-05, IV-06, TL-02).

- a per-request CSP nonce in ``scope["state"]["csp_nonce"]`` and a default CSP for any
  response that did not set one (HTML pages get the document policy, everything else the
  locked-down API policy);
- ``Strict-Transport-Security`` when the public URL is https (RFC 6797 §7.2: only sent over
  secure transport, so never by the plain-HTTP redirect listener);
- ``Cache-Control: no-store`` unless the handler chose a caching policy: auth, token and
  management responses carry codes, tokens and personal data (RFC 6749 §5.1: "The
  authorization server MUST include the HTTP Cache-Control response header field with a
  value of no-store in any response containing tokens").

``X-Frame-Options``, ``X-Content-Type-Options`` and ``Referrer-Policy`` come from
:class:`~tier0.web.middleware.RequestContextMiddleware`.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tier0.crypto.random import random_token
from tier0.web.csp import API_POLICY, content_security_policy

__all__ = ["HSTS", "SecurityHeadersMiddleware", "add_security_headers", "is_cacheable"]

HSTS = "max-age=31536000; includeSubDomains"
_HSTS_RAW = HSTS.encode("latin-1")
#: Path prefixes whose responses may be cached (public, non-personal documents).
CACHEABLE = ("/static/",)
CACHEABLE_SUFFIXES = ("/.well-known/jwks.json", "/.well-known/openid-configuration")


def is_cacheable(path: str) -> bool:
    """Whether responses to ``path`` may choose to be cached (public documents only)."""
    return path.startswith(CACHEABLE) or path.endswith(CACHEABLE_SUFFIXES)


def add_security_headers(
    headers: MutableHeaders, *, nonce: str, hsts: bool, cacheable: bool
) -> None:
    """Add the headers above to a response's headers; the handler's own values win.

    One pass over the raw list for the names present, then appends: the same result as
    ``in``/``setdefault`` on ``MutableHeaders``, each of which scans and encodes again (a
    few per cent of a token request, on every response)."""
    raw = headers.raw
    present = {name for name, _ in raw}
    if b"content-security-policy" not in present:
        content_type = next((value for name, value in raw if name == b"content-type"), b"")
        policy = (
            content_security_policy(nonce) if content_type.startswith(b"text/html") else API_POLICY
        )
        raw.append((b"content-security-policy", policy.encode("latin-1")))
    if hsts and b"strict-transport-security" not in present:
        raw.append((b"strict-transport-security", _HSTS_RAW))
    if not cacheable and b"cache-control" not in present:
        raw.append((b"cache-control", b"no-store"))


class SecurityHeadersMiddleware:
    """Adds the headers above; a handler's own values win."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = random_token(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        cacheable = is_cacheable(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                add_security_headers(headers, nonce=nonce, hsts=self.hsts, cacheable=cacheable)
            await send(message)

        await self.app(scope, receive, send_with_headers)

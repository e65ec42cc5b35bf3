"""Request size and shape limits at the HTTP edge (AV-02, AV-03).

Checked before any handler runs, so an oversized or pathological request costs almost
nothing: the request target (414), the header block (431), the declared and the actual body
size (413), a stalled body (408) and, for JSON bodies, nesting depth and container size
(400) — a parser handed ``[[[[...]]]]`` 100,000 deep or a million-element array would
otherwise spend memory and CPU before validation could refuse it. Ordinary bodies (at most
``max_body_bytes``) are read whole here and replayed to the app; bulk-import endpoints get a
larger cap and are streamed through with a running count.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tier0.settings import Settings
from tier0.web.errors import problem

__all__ = ["RequestLimits", "RequestLimitsMiddleware", "RequestRefused", "json_within_limits"]

#: Bulk import endpoints (Auth0: POST /api/v2/jobs/users-imports).
IMPORT_PATH = re.compile(r"^/t/[^/]{1,63}/api/v2/jobs/users-imports$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class RequestLimits:
    max_body: int
    max_import_body: int
    max_url: int
    max_headers: int
    json_depth: int
    json_items: int
    body_timeout: float
    body_total_timeout: float

    @classmethod
    def from_settings(cls, s: Settings) -> RequestLimits:
        return cls(
            max_body=s.max_body_bytes,
            max_import_body=s.max_import_body_bytes,
            max_url=s.max_url_bytes,
            max_headers=s.max_header_bytes,
            json_depth=s.json_max_depth,
            json_items=s.json_max_items,
            body_timeout=s.body_read_timeout,
            body_total_timeout=s.body_total_timeout,
        )


class RequestRefused(Exception):
    """A request beyond the limits; :meth:`response` is the problem+json answer."""

    def __init__(self, status: int, detail: str, code: str) -> None:
        super().__init__(detail)
        self.status, self.detail, self.code = status, detail, code

    def response(self) -> Response:
        response = problem(self.status, self.detail, code=self.code)
        response.headers["connection"] = "close"
        return response


def json_within_limits(body: bytes, *, max_depth: int, max_items: int) -> bool:
    """Whether the JSON text ``body`` nests at most ``max_depth`` deep and holds at most
    ``max_items`` members in any one array or object. A lexical scan, no parsing: strings
    (with escapes) are skipped, brackets and commas counted."""
    counts: list[int] = []
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            counts.append(0)
            if len(counts) > max_depth:
                return False
        elif byte in (0x5D, 0x7D):  # ] }
            if counts:
                counts.pop()
        elif byte == 0x2C and counts:  # ,
            counts[-1] += 1
            if counts[-1] >= max_items:
                return False
    return True


class RequestLimitsMiddleware:
    """Refuses requests beyond :class:`RequestLimits` with a problem+json error."""

    def __init__(self, app: ASGIApp, *, limits: RequestLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            receive = await self.check(scope, receive)
        except RequestRefused as refused:
            await refused.response()(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def check(
        self, scope: Scope, receive: Receive, headers: dict[bytes, bytes] | None = None
    ) -> Receive:
        """Check the request head (and read the body of a POST, PUT, PATCH or DELETE);
        the ``receive`` the app must use, or :class:`RequestRefused`."""
        self._check_head(scope)
        if scope["method"] in _BODY_METHODS:
            return await self._checked_body(scope, receive, headers)
        return receive

    def _check_head(self, scope: Scope) -> None:
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        if len(raw_path) + len(scope.get("query_string", b"")) > self.limits.max_url:
            raise RequestRefused(414, "request URL too long", "uri_too_long")
        size = sum(len(name) + len(value) + 4 for name, value in scope["headers"])
        if size > self.limits.max_headers:
            raise RequestRefused(431, "request headers too large", "headers_too_large")

    def _cap(self, scope: Scope) -> int:
        if IMPORT_PATH.match(scope["path"]):
            return self.limits.max_import_body
        return self.limits.max_body

    async def _checked_body(
        self, scope: Scope, receive: Receive, headers: dict[bytes, bytes] | None
    ) -> Receive:
        cap = self._cap(scope)
        headers = dict(scope["headers"]) if headers is None else headers
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            raise RequestRefused(413, f"request body larger than {cap} bytes", "payload_too_large")
        if cap > self.limits.max_body:
            return self._counting(receive, cap)
        body = await self._read(receive, cap)
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type == b"application/json" or content_type.endswith(b"+json"):
            limits = self.limits
            if not json_within_limits(
                body, max_depth=limits.json_depth, max_items=limits.json_items
            ):
                raise RequestRefused(400, "JSON body nested too deep or too large", "invalid_body")
        return _replay(body, receive)

    async def _read(self, receive: Receive, cap: int) -> bytes:
        """The whole body, within both deadlines: each pause at most `body_timeout`, the
        body at most `body_total_timeout` (a steady trickle meets the first forever)."""
        chunks: list[bytes] = []
        size = 0
        loop = asyncio.get_running_loop()
        limits = self.limits
        last = loop.time() + limits.body_total_timeout
        while True:
            try:
                async with asyncio.timeout_at(min(loop.time() + limits.body_timeout, last)):
                    message = await receive()
            except TimeoutError:
                raise RequestRefused(408, "request body not received in time", "timeout") from None
            if message["type"] == "http.disconnect":
                raise RequestRefused(400, "client disconnected", "invalid_body")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap:
                raise RequestRefused(
                    413, f"request body larger than {cap} bytes", "payload_too_large"
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _counting(self, receive: Receive, cap: int) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > cap:
                # The app is mid-read: end the stream as a disconnect so it stops, and
                # never hand it more than the cap.
                return {"type": "http.disconnect"}
            return message

        return counted


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand the app the body read already, then the real channel (for the disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay

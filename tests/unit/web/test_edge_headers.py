"""The edge's response headers, added in one pass over the raw list, are exactly what the
``MutableHeaders`` operations they replaced produced (IV-05, IV-06, TL-02): same names,
values and order, a handler's own values winning, for any header list a handler sends."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import MutableHeaders

from tier0.web.csp import API_POLICY, content_security_policy
from tier0.web.middleware import BASELINE_HEADERS, add_context_headers
from tier0.web.security_headers import HSTS, add_security_headers

NAMES = [
    b"content-type",
    b"content-security-policy",
    b"strict-transport-security",
    b"cache-control",
    b"x-request-id",
    b"x-frame-options",
    b"referrer-policy",
    b"x-content-type-options",
    b"content-length",
]
VALUES = st.sampled_from([b"text/html; charset=utf-8", b"application/json", b"x", b"max-age=60"])
HEADER_LISTS = st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=8)


def _reference(raw: list[tuple[bytes, bytes]], nonce: str, hsts: bool, cacheable: bool) -> None:
    """The code this replaced: the same steps through MutableHeaders."""
    headers = MutableHeaders(raw=raw)
    if "content-security-policy" not in headers:
        html = headers.get("content-type", "").startswith("text/html")
        headers["content-security-policy"] = content_security_policy(nonce) if html else API_POLICY
    if hsts:
        headers.setdefault("strict-transport-security", HSTS)
    if not cacheable and "cache-control" not in headers:
        headers["cache-control"] = "no-store"
    headers["x-request-id"] = "req-0123456789"
    for name, value in BASELINE_HEADERS.items():
        headers.setdefault(name, value)


@given(HEADER_LISTS, st.booleans(), st.booleans())
def test_edge_headers_match_the_mutable_headers_steps(
    sent: list[tuple[bytes, bytes]], hsts: bool, cacheable: bool
) -> None:
    expected = list(sent)
    _reference(expected, "nonce-abc", hsts, cacheable)
    message = {"type": "http.response.start", "status": 200, "headers": list(sent)}
    out = MutableHeaders(scope=message)
    add_security_headers(out, nonce="nonce-abc", hsts=hsts, cacheable=cacheable)
    add_context_headers(out, "req-0123456789")
    assert message["headers"] == expected


def test_a_handlers_request_id_is_replaced_once_and_its_csp_kept() -> None:
    message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [
            (b"x-request-id", b"spoofed"),
            (b"content-security-policy", b"default-src 'self'"),
            (b"x-request-id", b"again"),
        ],
    }
    out = MutableHeaders(scope=message)
    add_security_headers(out, nonce="n", hsts=True, cacheable=False)
    add_context_headers(out, "req-0123456789")
    assert out.getlist("x-request-id") == ["req-0123456789"]
    assert out["content-security-policy"] == "default-src 'self'"
    assert out["strict-transport-security"] == HSTS
    assert out["cache-control"] == "no-store"
    assert out["x-frame-options"] == "DENY"

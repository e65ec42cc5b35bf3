"""The Content Security Policy of tier0's responses, with a fresh nonce per request (IV-06).

:class:`~tier0.web.security_headers.SecurityHeadersMiddleware` puts a nonce into
``request.state.csp_nonce`` before any handler runs and sends :func:`content_security_policy`
on every response that has not set its own. A page that needs an inline ``<script>`` or
``<style>`` renders ``nonce="{{ csp_nonce }}"`` with :func:`csp_nonce`; a page whose forms
post to another origin (the universal login's form_post to a client) builds its own header
with :func:`content_security_policy` and a wider ``form_action``. Every variant keeps
``object-src 'none'; base-uri 'none'; frame-ancestors 'none'`` (IV-05: no framing).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import Request

__all__ = ["API_POLICY", "content_security_policy", "csp_nonce"]

#: For responses that are not documents (JSON, redirects): nothing may load or frame them.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def content_security_policy(nonce: str, *, form_action: Iterable[str] = ("'self'",)) -> str:
    """The policy of an HTML page: same-origin resources plus nonce-bearing inline code."""
    actions = " ".join(dict.fromkeys(form_action)) or "'none'"
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            f"form-action {actions}",
        )
    )


def csp_nonce(request: Request) -> str:
    """This request's CSP nonce (set by the security-headers middleware)."""
    nonce: str = request.state.csp_nonce
    return nonce

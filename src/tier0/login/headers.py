"""Security headers for every page and redirect the universal login sends (IV-05, IV-06).

No inline script or style is ever rendered, so the policy needs no nonce: scripts and
styles come from ``/static`` only (``script-src 'self'``). ``form-action`` lists the
places a form on the page may lead to, including the redirect after a POST (CSP3
§6.4.1: the directive is enforced on redirects too), so the client's redirect URI is
added where a form ends there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["csp_source", "page_headers", "redirect_headers"]

_HTTP_ORIGIN = re.compile(
    r"(https?://[A-Za-z0-9\-.]+(?::[0-9]{1,5})?|https?://\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?)(?:[/?].*)?",
    re.DOTALL,
)
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):.*", re.DOTALL)

_BASE = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "pragma": "no-cache",
}


def csp_source(uri: str) -> str | None:
    """A CSP source expression covering ``uri``: its origin, or its private scheme."""
    found = _HTTP_ORIGIN.fullmatch(uri)
    if found is not None:
        return found.group(1)
    scheme = _SCHEME.fullmatch(uri)
    if scheme is not None and "." in scheme.group(1):
        return f"{scheme.group(1)}:"
    return None


def page_headers(form_targets: Iterable[str] = ()) -> dict[str, str]:
    """Headers for a rendered HTML page; ``form_targets`` are URIs its forms may reach."""
    sources = ["'self'"]
    for uri in form_targets:
        source = csp_source(uri)
        if source is not None and source not in sources:
            sources.append(source)
    csp = "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            f"form-action {' '.join(sources)}",
        )
    )
    return {**_BASE, "content-security-policy": csp}


def redirect_headers() -> dict[str, str]:
    """Headers for a 303 carrying a code or an error: never cached, no referrer."""
    return dict(_BASE)

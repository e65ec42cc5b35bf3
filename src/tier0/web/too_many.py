"""The login UI's 429: what a browser form gets when a rate limit refuses it (AV-01, BF-02).

The sign-in, sign-up, reset and MFA forms (and ``/authorize``) are pages in a browser, so a
refusal there is a page too, not the Authentication API's JSON: the login UI's layout, its
security headers and CSP (no inline script or style), ``Cache-Control: no-store``,
``Retry-After`` and the ``X-RateLimit-*`` headers of the limit that refused. The page names
no tenant and reflects nothing from the request: the edge answers before the tenant in the
path is looked up, and an unchecked name on a page is an invitation to spoof one.

The sign-up, reset and verification routes can answer their own 429s with
:func:`too_many_page` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from math import ceil

from starlette.responses import HTMLResponse

from tier0.login.headers import page_headers
from tier0.login.pages import Pages

__all__ = ["too_many_page", "wait_text"]


def wait_text(seconds: int) -> str:
    """``Retry-After`` in words, rounded up: "1 second", "5 minutes", "2 hours"."""
    seconds = max(1, seconds)
    if seconds < 60:
        amount, unit = seconds, "second"
    elif seconds < 3600:
        amount, unit = ceil(seconds / 60), "minute"
    else:
        amount, unit = ceil(seconds / 3600), "hour"
    return f"{amount} {unit}" if amount == 1 else f"{amount} {unit}s"


def too_many_page(pages: Pages, retry_after: int, headers: Mapping[str, str]) -> HTMLResponse:
    """The 429 page; ``headers`` are the refusing limit's (``Retry-After``, ``X-RateLimit-*``)."""
    html = pages.render("too_many.html", wait=wait_text(retry_after))
    return HTMLResponse(html, status_code=429, headers={**page_headers(), **headers})

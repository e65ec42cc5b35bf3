"""Cross-site request forgery defences for every form POST (IV-04).

Two independent checks, both required:

1. **Fetch metadata and Origin.** A browser sends ``Sec-Fetch-Site`` and ``Origin``
   with a form POST. ``cross-site`` or ``same-site`` (another host of the same site),
   or an ``Origin`` other than tier0's own, is refused before the body is read further.
   ``Origin: null`` passes only with ``Sec-Fetch-Site: same-origin`` (what Chromium sends
   for a form on a ``no-referrer`` page).
2. **A per-form token** bound to the browser: ``HMAC(tenant CSRF key, form || binding)``
   where ``binding`` is a random value in the tenant's binding cookie
   (``SameSite=Strict``). A forged form lacks the token, and a token lifted from another
   browser does not match this browser's binding. Comparison is constant time.

GET requests never change state (RFC 6749 §10.12 asks CSRF protection for the
redirect URI; ASVS 3.5.3 for state-changing requests).
"""

from __future__ import annotations

import hmac

from tier0.crypto.keyed_hash import HashKey

__all__ = ["CsrfError", "check_fetch_metadata", "csrf_token", "verify_csrf_token"]

_PURPOSE = "login-csrf"
_ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


class CsrfError(Exception):
    """The POST is not from one of tier0's own pages (always answered with 403)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def csrf_token(key: HashKey, *, binding: str, form: str) -> str:
    """The token a form named ``form`` carries for the browser bound by ``binding``."""
    return key.digest(f"{form}\x1f{binding}", purpose=_PURPOSE)


def verify_csrf_token(key: HashKey, *, binding: str | None, form: str, token: str | None) -> None:
    """Raise :class:`CsrfError` unless ``token`` is this browser's token for ``form``."""
    if not binding or not token:
        raise CsrfError("missing CSRF token or binding cookie")
    expected = csrf_token(key, binding=binding, form=form)
    if not hmac.compare_digest(expected.encode("ascii"), token.encode("utf-8", "replace")):
        raise CsrfError("CSRF token mismatch")


def check_fetch_metadata(*, origin: str | None, fetch_site: str | None, own_origin: str) -> None:
    """Refuse a POST a browser marks as coming from another site or origin.

    Requests without either header (non-browser clients, very old browsers) still
    need the token.
    """
    if fetch_site is not None and fetch_site.lower() not in _ALLOWED_FETCH_SITES:
        raise CsrfError(f"Sec-Fetch-Site {fetch_site[:20]}")
    if origin == "null" and fetch_site is not None and fetch_site.lower() == "same-origin":
        # Fetch §3.1 "append a request Origin header": a POST from a page whose referrer
        # policy is no-referrer (every tier0 page) carries ``Origin: null``, even to its own
        # origin. The browser's ``Sec-Fetch-Site: same-origin`` is then what vouches for it.
        return
    if origin is not None and origin != own_origin:
        raise CsrfError("foreign Origin")

"""Input checks shared by the services: URLs, scopes, emails, names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from tier0.errors import InvalidInput

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,280}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MAX_URLS = 100


def validate_redirect_url(url: str, *, allow_custom_scheme: bool) -> str:
    """A URL an application may register as callback or logout URL.

    Redirect URIs are compared as exact strings (OA-01), so there is no wildcard, no
    fragment (RFC 6749 §3.1.2: "MUST NOT include a fragment component"), and plain http
    only on loopback. Native apps may use a private-use scheme (RFC 8252 §7.1) with a dot
    in it, as reverse-DNS names have.
    """
    if len(url) > 2048 or any(ch.isspace() for ch in url) or "*" in url:
        raise InvalidInput(f"invalid URL {url[:80]!r}: no spaces or wildcards, at most 2048")
    parts = urlsplit(url)
    if parts.fragment or "#" in url:
        raise InvalidInput(f"invalid URL {url[:80]!r}: a fragment is not allowed")
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return url
    if allow_custom_scheme and "." in parts.scheme and parts.scheme not in {"http", "https"}:
        return url
    raise InvalidInput(
        f"invalid URL {url[:80]!r}: use https (plain http only for loopback addresses)"
    )


def validate_origin(origin: str) -> str:
    """A web origin (scheme://host[:port]) for CORS; no path."""
    parts = urlsplit(origin)
    if parts.path or parts.query or parts.fragment or not parts.hostname:
        raise InvalidInput(f"invalid origin {origin[:80]!r}: scheme://host[:port] only")
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        return origin
    raise InvalidInput(f"invalid origin {origin[:80]!r}: use https")


def validate_urls(urls: Iterable[str], *, allow_custom_scheme: bool) -> tuple[str, ...]:
    checked = tuple(
        dict.fromkeys(
            validate_redirect_url(u, allow_custom_scheme=allow_custom_scheme) for u in urls
        )
    )
    if len(checked) > MAX_URLS:
        raise InvalidInput(f"at most {MAX_URLS} URLs")
    return checked


def validate_scopes(scopes: Iterable[str]) -> tuple[str, ...]:
    checked = tuple(dict.fromkeys(scopes))
    for scope in checked:
        if not SCOPE_TOKEN.fullmatch(scope):
            raise InvalidInput(f"invalid scope {scope[:80]!r}")
    return checked


def validate_email(email: str) -> str:
    email = email.strip()
    if len(email) > 320 or not EMAIL.fullmatch(email):
        raise InvalidInput("invalid email address")
    return email


def validate_name(name: str, *, what: str, limit: int = 255) -> str:
    name = name.strip()
    if not name or len(name) > limit or any(ord(ch) < 32 for ch in name):
        raise InvalidInput(f"{what} must be 1-{limit} printable characters")
    return name

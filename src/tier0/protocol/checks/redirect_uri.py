"""Redirect URI registration and matching (OA-01, OA-02).

RFC 9700 §2.1: "authorization servers MUST utilize exact string matching" of redirect
URIs, "except for port numbers in localhost redirection URIs of native apps". RFC 6749
§3.1.2.3: "If the client registration included the full redirection URI, the
authorization server MUST compare the two URIs using simple string comparison as
defined in [RFC3986] Section 6.2.1." So there is no normalisation here at all: no case
folding, no percent-decoding, no trailing-slash or default-port games.

The one exception is RFC 8252 §7.3: "The authorization server MUST allow any port to
be specified at the time of the request for loopback IP redirect URIs". It applies to
the IP literals ``127.0.0.1`` and ``[::1]`` over ``http`` only; ``localhost`` is not a
loopback literal (RFC 8252 §8.3: use of localhost "is NOT RECOMMENDED") and gets no
exception.

A failure here is :class:`InvalidRedirectUri`, which renders an error page and never a
redirect (RFC 6749 §4.1.2.1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tier0.protocol.errors import InvalidRedirectUri, InvalidRedirectUriMetadata

__all__ = ["match_redirect_uri", "validate_registered_redirect_uri"]

_MAX_LENGTH = 2048
# RFC 3986 characters only: no whitespace, backslashes, controls or non-ASCII, which
# different parsers treat differently.
_URI_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):(.*)", re.DOTALL)
# "http://" host [":" port] rest, for the two loopback IP literals only.
_LOOPBACK = re.compile(r"http://(127\.0\.0\.1|\[::1\])(?::([0-9]{1,5}))?([/?].*)?", re.DOTALL)
_AUTHORITY = re.compile(
    r"//(?P<host>[A-Za-z0-9\-.]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{1,5}))?([/?].*)?",
    re.DOTALL,
)


def _loopback_key(uri: str) -> tuple[str, str] | None:
    """(host, path-and-query) of a loopback IP redirect URI, ignoring the port."""
    found = _LOOPBACK.fullmatch(uri)
    if found is None:
        return None
    host, port, rest = found.groups()
    if port is not None and not 0 < int(port) <= 65535:
        return None
    return host, rest or ""


def _refuse(reason: str) -> InvalidRedirectUriMetadata:
    return InvalidRedirectUriMetadata(reason)


def _check_authority(rest: str) -> None:
    """An https URI needs a plain host: no user information, a port in range."""
    authority = _AUTHORITY.fullmatch(rest)
    if authority is None:
        raise _refuse("An https redirect URI needs a plain host (no user information).")
    port = authority.group("port")
    if port is not None and not 0 < int(port) <= 65535:
        raise _refuse("The redirect URI port is not valid.")


def validate_registered_redirect_uri(uri: str) -> None:
    """Refuse a redirect URI at client registration (RFC 7591 ``invalid_redirect_uri``).

    Allowed: ``https`` URIs with a host; ``http`` only for the loopback IP literals;
    private-use schemes of native apps that look like a reversed domain name (RFC 8252
    §7.1: "apps MUST use a URI scheme based on a domain name under their control,
    expressed in reverse order"), which rules out ``javascript:``, ``data:`` and the
    like. Never a fragment (RFC 6749 §3.1.2: "The endpoint URI MUST NOT include a
    fragment component"), user information or a wildcard.
    """
    if len(uri) > _MAX_LENGTH or _URI_CHARS.fullmatch(uri) is None:
        raise _refuse("The redirect URI is too long or contains invalid characters.")
    if "#" in uri:
        raise _refuse("A redirect URI must not contain a fragment.")
    if "*" in uri:
        raise _refuse("A redirect URI must not contain a wildcard.")
    parsed = _SCHEME.fullmatch(uri)
    if parsed is None:
        raise _refuse("A redirect URI must be absolute, with a lowercase scheme.")
    scheme, rest = parsed.groups()
    if scheme == "https":
        _check_authority(rest)
    elif scheme == "http":
        if _loopback_key(uri) is None:
            raise _refuse("http is only allowed for http://127.0.0.1 and http://[::1].")
    elif "." not in scheme:
        raise _refuse("A custom scheme must be a reversed domain name (RFC 8252 §7.1).")
    elif not rest:
        raise _refuse("A redirect URI with a custom scheme needs a path.")


def match_redirect_uri(
    requested: str | None, registered: Sequence[str], *, required: bool = False
) -> str:
    """The redirect URI to use for this request, or :class:`InvalidRedirectUri`.

    ``requested`` may be omitted only when exactly one URI is registered and the
    caller does not require it (OIDC Core §3.1.2.1 makes it REQUIRED for OpenID
    requests; RFC 6749 §3.1.2.3: "If multiple redirection URIs have been registered
    ... the client MUST include a redirection URI with the authorization request").
    """
    if requested is None:
        if required or len(registered) != 1:
            raise InvalidRedirectUri("The redirect_uri parameter is required.")
        return registered[0]
    if requested in registered:
        return requested
    wanted = _loopback_key(requested)
    if wanted is not None and any(_loopback_key(uri) == wanted for uri in registered):
        return requested
    raise InvalidRedirectUri(
        "The redirect_uri is not registered for this client.",
        debug=f"unregistered redirect_uri of {len(requested)} characters",
    )

"""Scope parsing and policy (RFC 6749 §3.3, OIDC Core §3.1.2.1, §11).

RFC 6749 §3.3: "The value of the scope parameter is expressed as a list of
space-delimited, case-sensitive strings", with ``scope-token = 1*( %x21 / %x23-5B /
%x5D-7E )``. Tokens are never case-folded. Repeated tokens mean nothing more than one,
so they are collapsed, order kept.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from tier0.protocol.errors import InvalidScope

__all__ = [
    "OFFLINE_ACCESS",
    "OIDC_SCOPES",
    "OPENID",
    "format_scope",
    "grant_scopes",
    "has_openid",
    "parse_scope",
    "require_scopes_allowed",
    "wants_offline_access",
]

OPENID = "openid"
OFFLINE_ACCESS = "offline_access"
# OIDC Core §5.4 and §11: the scopes an OpenID provider defines itself.
OIDC_SCOPES = frozenset({OPENID, "profile", "email", "address", "phone", OFFLINE_ACCESS})

_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
_MAX_TOKENS = 100


def parse_scope(value: str | None) -> tuple[str, ...]:
    """Split a ``scope`` value into its tokens; ``invalid_scope`` if malformed.

    Runs of spaces are tolerated (clients join lists sloppily); any other
    separator or character outside the scope-token set is refused.
    """
    if value is None:
        return ()
    tokens = [token for token in value.split(" ") if token]
    if len(tokens) > _MAX_TOKENS:
        raise InvalidScope(f"Too many scope values (at most {_MAX_TOKENS}).")
    for token in tokens:
        if _SCOPE_TOKEN.fullmatch(token) is None:
            raise InvalidScope("The scope contains characters that are not allowed.")
    return tuple(dict.fromkeys(tokens))


def format_scope(scopes: Iterable[str]) -> str:
    """The space-delimited wire form of a scope list."""
    return " ".join(scopes)


def grant_scopes(requested: Iterable[str], allowed: Collection[str]) -> tuple[str, ...]:
    """The requested scopes the client may have, request order kept.

    RFC 6749 §3.3: "The authorization server MAY fully or partially ignore the scope
    requested by the client, based on the authorization server policy". Used at
    /authorize, where unknown or unallowed scopes are dropped (as Auth0 does) and the
    token response then reports the granted scope.
    """
    return tuple(scope for scope in requested if scope in allowed)


def require_scopes_allowed(requested: Iterable[str], allowed: Collection[str]) -> None:
    """Refuse any scope beyond ``allowed`` with ``invalid_scope``.

    Used where a request may only narrow what was already granted: a refresh token
    request (RFC 6749 §6: "The requested scope MUST NOT include any scope not
    originally granted by the resource owner") and client credentials (OA-08, OA-11).
    """
    extra = [scope for scope in requested if scope not in allowed]
    if extra:
        raise InvalidScope(
            "The requested scope exceeds what this client was granted.",
            debug=f"not allowed: {format_scope(extra)[:200]}",
        )


def has_openid(scopes: Collection[str]) -> bool:
    """An OpenID Connect request (OIDC Core §3.1.2.1: scope MUST contain ``openid``)."""
    return OPENID in scopes


def wants_offline_access(scopes: Collection[str]) -> bool:
    """The client asks for a refresh token (OIDC Core §11 ``offline_access``)."""
    return OFFLINE_ACCESS in scopes

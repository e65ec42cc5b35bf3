"""Authorization response parameters, success and error, always with ``iss`` (OA-10).

RFC 9207 §2: "In authorization responses to the client, including error responses, an
authorization server supporting this specification MUST indicate its identity by
including the iss parameter in the response." RFC 6749 §4.1.2: ``state`` is "REQUIRED
if the "state" parameter was present in the client authorization request. The exact
value received from the client."

This module builds parameters and, for ``query`` mode, the redirect location. The
``form_post`` HTML page is rendered by the web layer from :attr:`params`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from tier0.protocol.checks.response import ResponseMode
from tier0.protocol.errors import OAuthError

__all__ = ["AuthorizationResponse", "authorization_error", "authorization_success"]


@dataclass(frozen=True, slots=True)
class AuthorizationResponse:
    """Where and how to deliver an authorization response, and its parameters."""

    redirect_uri: str
    mode: ResponseMode
    # May hold an authorization code: never in a repr or a log line.
    params: tuple[tuple[str, str], ...] = field(repr=False)

    def as_dict(self) -> dict[str, str]:
        return dict(self.params)

    def redirect_location(self) -> str:
        """The ``Location`` for ``query`` mode, keeping the URI's own query.

        RFC 6749 §3.1.2: the redirection endpoint URI's query component "MUST be
        retained when adding additional query parameters".
        """
        if self.mode is not ResponseMode.QUERY:
            raise ValueError("redirect_location() is only for response_mode=query")
        if "#" in self.redirect_uri:
            raise ValueError("a redirect URI never has a fragment (RFC 6749 §3.1.2)")
        query = urlencode(self.params)
        if "?" not in self.redirect_uri:
            return f"{self.redirect_uri}?{query}"
        if self.redirect_uri.endswith(("?", "&")):
            return f"{self.redirect_uri}{query}"
        return f"{self.redirect_uri}&{query}"


def _tail(state: str | None, issuer: str) -> list[tuple[str, str]]:
    pairs = [("state", state)] if state is not None else []
    return [*pairs, ("iss", issuer)]


def authorization_success(
    *, redirect_uri: str, mode: ResponseMode, issuer: str, code: str, state: str | None
) -> AuthorizationResponse:
    """``code``, ``state`` (when sent) and ``iss`` (RFC 6749 §4.1.2, RFC 9207 §2)."""
    pairs = [("code", code), *_tail(state, issuer)]
    return AuthorizationResponse(redirect_uri, mode, tuple(pairs))


def authorization_error(
    error: OAuthError,
    *,
    redirect_uri: str,
    mode: ResponseMode,
    issuer: str,
    state: str | None,
) -> AuthorizationResponse:
    """``error``, ``error_description``, ``state`` and ``iss`` (RFC 6749 §4.1.2.1).

    Only for errors that may travel to the client: a non-redirectable error (bad
    client or redirect URI) must be shown as a page, so asking for it here is a bug.
    """
    if not error.redirectable:
        raise ValueError(f"{type(error).__name__} must not be sent to a redirect URI")
    pairs = [*error.to_json().items(), *_tail(state, issuer)]
    return AuthorizationResponse(redirect_uri, mode, tuple(pairs))

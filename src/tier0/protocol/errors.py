"""OAuth 2.1 / OpenID Connect errors: one class per registered error code.

Every protocol failure in tier0 is an :class:`OAuthError` subclass whose ``error``
is a code registered by an RFC or by OpenID Connect, never an invented one. Each
error carries two texts:

* ``description``: public, safe to show to the client and the end-user; sanitised to
  the ``error_description`` character set of RFC 6749 §5.2.
* ``debug``: for the log only. It never appears in ``str()``, ``repr()``,
  :meth:`OAuthError.to_json` or the exception's ``args`` (so a traceback printed by a
  framework does not leak it either). It still must not contain a secret.

The web layer maps these to HTTP in exactly one place per surface (STYLE.md rule 9).

Some failures at the authorization endpoint must be shown as an error page and never
sent to the client's redirect URI. RFC 6749 §4.1.2.1: "If the request fails due to a
missing, invalid, or mismatching redirection URI, or if the client identifier is
missing or invalid, the authorization server SHOULD inform the resource owner of the
error and MUST NOT automatically redirect the user-agent to the invalid redirection
URI." Those carry ``redirectable = False`` (:class:`InvalidRedirectUri`,
:class:`UnknownClient`, :class:`InvalidClientId`).
"""

from __future__ import annotations

import re
from typing import ClassVar

__all__ = [
    "AccessDenied",
    "AccountSelectionRequired",
    "AuthorizationPending",
    "ConsentRequired",
    "ExpiredToken",
    "InsufficientScope",
    "InteractionRequired",
    "InvalidClient",
    "InvalidClientId",
    "InvalidClientMetadata",
    "InvalidDpopProof",
    "InvalidGrant",
    "InvalidRedirectUri",
    "InvalidRedirectUriMetadata",
    "InvalidRequest",
    "InvalidRequestObject",
    "InvalidRequestUri",
    "InvalidScope",
    "InvalidTarget",
    "InvalidToken",
    "LoginRequired",
    "OAuthError",
    "RequestNotSupported",
    "ServerError",
    "SlowDown",
    "TemporarilyUnavailable",
    "UnauthorizedClient",
    "UnknownClient",
    "UnsupportedGrantType",
    "UnsupportedResponseType",
    "UseDpopNonce",
]

# RFC 6749 §5.2: "Values for the "error_description" parameter MUST NOT include
# characters outside the set %x20-21 / %x23-5B / %x5D-7E." Anything else (quotes,
# backslashes, control characters, non-ASCII) is replaced, so a reflected value can
# never break out of a header, a JSON string or a query component.
_NOT_NQSCHAR = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")
_MAX_DESCRIPTION = 300


def _sanitise(text: str) -> str:
    cleaned = _NOT_NQSCHAR.sub("?", text)
    if len(cleaned) > _MAX_DESCRIPTION:
        cleaned = cleaned[: _MAX_DESCRIPTION - 3] + "..."
    return cleaned


class OAuthError(Exception):
    """Base of every protocol error (fosite-style: public description, log-only debug)."""

    error: ClassVar[str] = "server_error"
    status_code: ClassVar[int] = 400
    redirectable: ClassVar[bool] = True
    default_description: ClassVar[str] = "The request could not be processed."

    def __init__(self, description: str | None = None, *, debug: str | None = None) -> None:
        self.description = _sanitise(description or self.default_description)
        self.debug = debug
        # Only the public text goes into args: tracebacks and str() show args.
        super().__init__(self.description)

    def __str__(self) -> str:
        return f"{self.error}: {self.description}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(error={self.error!r}, description={self.description!r})"

    def to_json(self) -> dict[str, str]:
        """The RFC 6749 §5.2 error body: ``error`` and ``error_description``."""
        return {"error": self.error, "error_description": self.description}


# --- RFC 6749 §4.1.2.1 and §5.2 ---------------------------------------------------


class InvalidRequest(OAuthError):
    """Missing, repeated or malformed parameter (RFC 6749 §4.1.2.1, §5.2)."""

    error = "invalid_request"
    default_description = "The request is missing a parameter or is malformed."


class InvalidClient(OAuthError):
    """Client authentication failed (RFC 6749 §5.2): HTTP 401 at the token endpoint."""

    error = "invalid_client"
    status_code = 401
    default_description = "Client authentication failed."


class InvalidGrant(OAuthError):
    """Code, refresh token or PKCE verifier invalid, expired or revoked (RFC 6749 §5.2)."""

    error = "invalid_grant"
    default_description = "The grant is invalid, expired or revoked."


class UnauthorizedClient(OAuthError):
    """The client may not use this grant or response type (RFC 6749 §4.1.2.1, §5.2)."""

    error = "unauthorized_client"
    default_description = "The client is not allowed to use this grant type."


class UnsupportedGrantType(OAuthError):
    """The server does not support this grant type (RFC 6749 §5.2)."""

    error = "unsupported_grant_type"
    default_description = "The grant type is not supported."


class InvalidScope(OAuthError):
    """Scope invalid, unknown, malformed or beyond what was granted (RFC 6749 §5.2)."""

    error = "invalid_scope"
    default_description = "The requested scope is invalid."


class AccessDenied(OAuthError):
    """The resource owner or the server denied the request (RFC 6749 §4.1.2.1)."""

    error = "access_denied"
    default_description = "The request was denied."


class UnsupportedResponseType(OAuthError):
    """Only ``response_type=code`` is supported (RFC 6749 §4.1.2.1)."""

    error = "unsupported_response_type"
    default_description = "The response type is not supported."


class ServerError(OAuthError):
    """Unexpected condition (RFC 6749 §4.1.2.1); the cause goes to ``debug`` only."""

    error = "server_error"
    status_code = 500
    default_description = "The server encountered an unexpected condition."


class TemporarilyUnavailable(OAuthError):
    """Overload or maintenance (RFC 6749 §4.1.2.1)."""

    error = "temporarily_unavailable"
    status_code = 503
    default_description = "The server is temporarily unavailable."


# --- RFC 8707 (resource indicators) -----------------------------------------------


class InvalidTarget(OAuthError):
    """The ``resource``/``audience`` is invalid, unknown or malformed (RFC 8707 §2)."""

    error = "invalid_target"
    default_description = "The requested resource is invalid or unknown."


# --- OpenID Connect Core §3.1.2.6 -------------------------------------------------


class InteractionRequired(OAuthError):
    """``prompt=none`` but some interaction is needed (OIDC Core §3.1.2.6)."""

    error = "interaction_required"
    default_description = "User interaction is required."


class LoginRequired(OAuthError):
    """``prompt=none`` but the end-user must authenticate (OIDC Core §3.1.2.6)."""

    error = "login_required"
    default_description = "The user must sign in."


class ConsentRequired(OAuthError):
    """``prompt=none`` but consent is needed (OIDC Core §3.1.2.6)."""

    error = "consent_required"
    default_description = "The user must give consent."


class AccountSelectionRequired(OAuthError):
    """``prompt=none`` but an account must be chosen (OIDC Core §3.1.2.6)."""

    error = "account_selection_required"
    default_description = "The user must select an account."


class InvalidRequestUri(OAuthError):
    """``request_uri`` invalid, expired or already used (OIDC Core §3.1.2.6, RFC 9126)."""

    error = "invalid_request_uri"
    default_description = "The request_uri is invalid or expired."


class InvalidRequestObject(OAuthError):
    """The request object is invalid (OIDC Core §3.1.2.6)."""

    error = "invalid_request_object"
    default_description = "The request object is invalid."


class RequestNotSupported(OAuthError):
    """The ``request`` parameter (request objects) is not supported (OIDC Core §6)."""

    error = "request_not_supported"
    default_description = "Request objects are not supported."


# --- RFC 6750 (bearer tokens) -----------------------------------------------------


class InvalidToken(OAuthError):
    """Access token expired, revoked, malformed or for another audience (RFC 6750 §3.1)."""

    error = "invalid_token"
    status_code = 401
    default_description = "The access token is invalid."


class InsufficientScope(OAuthError):
    """The access token lacks the scope the resource needs (RFC 6750 §3.1)."""

    error = "insufficient_scope"
    status_code = 403
    default_description = "The access token has insufficient scope."


# --- RFC 9449 (DPoP) --------------------------------------------------------------


class InvalidDpopProof(OAuthError):
    """The DPoP proof is invalid (RFC 9449 §5, §7.1)."""

    error = "invalid_dpop_proof"
    default_description = "The DPoP proof is invalid."


class UseDpopNonce(OAuthError):
    """The client must retry with the server-provided DPoP nonce (RFC 9449 §8, §9)."""

    error = "use_dpop_nonce"
    default_description = "A DPoP nonce is required."


# --- RFC 8628 (device authorization grant) ----------------------------------------


class AuthorizationPending(OAuthError):
    """The device authorization is still pending (RFC 8628 §3.5)."""

    error = "authorization_pending"
    default_description = "The authorization request is still pending."


class SlowDown(OAuthError):
    """The client polls too fast (RFC 8628 §3.5)."""

    error = "slow_down"
    default_description = "Polling too frequently; slow down."


class ExpiredToken(OAuthError):
    """The device code expired (RFC 8628 §3.5)."""

    error = "expired_token"
    default_description = "The device code has expired."


# --- RFC 7591 (client metadata validation at registration) ------------------------


class InvalidRedirectUriMetadata(OAuthError):
    """A redirect URI offered at client registration is refused (RFC 7591 §3.2.2)."""

    error = "invalid_redirect_uri"
    default_description = "The redirect URI is not allowed."


class InvalidClientMetadata(OAuthError):
    """Client metadata offered at registration is refused (RFC 7591 §3.2.2)."""

    error = "invalid_client_metadata"
    default_description = "The client metadata is invalid."


# --- Errors that render a page and never redirect (RFC 6749 §4.1.2.1) -------------


class InvalidRedirectUri(InvalidRequest):
    """Missing, malformed or unregistered ``redirect_uri``: error page, never a redirect."""

    redirectable = False
    default_description = "The redirect_uri is missing or not registered for this client."


class InvalidClientId(InvalidRequest):
    """Missing, repeated or malformed ``client_id`` at /authorize: error page only."""

    redirectable = False
    default_description = "The client_id is missing or malformed."


class UnknownClient(InvalidClient):
    """No such client at /authorize: error page (HTTP 400), never a redirect."""

    status_code = 400
    redirectable = False
    default_description = "Unknown client."

"""Response type and response mode (OA-11).

Only the authorization code flow exists in tier0. RFC 9700 §2.1.2: "the implicit grant
(response type "token") and other response types causing the authorization server to
issue access tokens in the authorization response are vulnerable to access token
leakage and access token replay"; OAuth 2.1 removes them. Hybrid OIDC response types
(``code id_token`` ...) are not offered either. Anything but ``code`` is therefore
``unsupported_response_type`` (RFC 6749 §4.1.2.1: "The authorization server does not
support obtaining an authorization code using this method").

Response modes (OAuth 2.0 Multiple Response Type Encoding Practices §2.1, OAuth 2.0
Form Post Response Mode): ``query`` (the default for ``code``) and ``form_post``.
``fragment`` is refused: OAuth 2.1 delivers the code in the query, and a fragment
leaves the code in browser history and in script-readable URLs.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from tier0.protocol.errors import InvalidRequest, UnsupportedResponseType

__all__ = [
    "CODE",
    "SUPPORTED_RESPONSE_MODES",
    "ResponseMode",
    "check_response_type",
    "resolve_response_mode",
]

CODE = "code"


class ResponseMode(StrEnum):
    """How the authorization response travels back to the client."""

    QUERY = "query"
    FORM_POST = "form_post"


SUPPORTED_RESPONSE_MODES = frozenset(ResponseMode)


def check_response_type(response_type: str | None) -> None:
    """``response_type`` is required and must be exactly ``code``."""
    if response_type is None:
        raise InvalidRequest("The response_type parameter is required.")
    if response_type != CODE:
        raise UnsupportedResponseType(
            "Only response_type=code is supported.",
            debug=f"response_type={response_type[:64]!r}",
        )


def resolve_response_mode(
    value: str | None, allowed: Collection[ResponseMode] = SUPPORTED_RESPONSE_MODES
) -> ResponseMode:
    """The response mode to use: ``query`` by default; ``allowed`` is per client."""
    if value is None:
        return ResponseMode.QUERY
    try:
        mode = ResponseMode(value)
    except ValueError:
        raise InvalidRequest(
            "Unsupported response_mode (use query or form_post).",
            debug=f"response_mode={value[:32]!r}",
        ) from None
    if mode not in allowed:
        raise InvalidRequest(f"The response_mode {mode.value} is not allowed for this client.")
    return mode

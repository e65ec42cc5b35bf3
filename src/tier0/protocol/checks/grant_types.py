"""Grant types: what tier0 supports at all, and what each client may use (OA-11).

RFC 9700 §2.4: "The resource owner password credentials grant MUST NOT be used."
OAuth 2.1 removes it and the implicit grant. Those, and any grant tier0 does not
implement, are ``unsupported_grant_type`` (RFC 6749 §5.2: "The authorization grant
type is not supported by the authorization server"). A supported grant the client is
not registered for is ``unauthorized_client`` ("The authenticated client is not
authorized to use this authorization grant type").
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from tier0.protocol.errors import InvalidClientMetadata, UnauthorizedClient, UnsupportedGrantType

__all__ = [
    "FORBIDDEN_GRANT_TYPES",
    "GrantType",
    "check_grant_allowed",
    "parse_grant_type",
    "validate_client_grant_types",
]


class GrantType(StrEnum):
    """The grant types tier0 implements (one module each in ``protocol/grants/``)."""

    AUTHORIZATION_CODE = "authorization_code"
    REFRESH_TOKEN = "refresh_token"  # noqa: S105 - a grant type name, not a secret
    CLIENT_CREDENTIALS = "client_credentials"


# Never offered, whatever a client's registration says.
FORBIDDEN_GRANT_TYPES = frozenset(
    {
        "password",
        "implicit",
        "http://auth0.com/oauth/grant-type/password-realm",
    }
)


def parse_grant_type(value: str) -> GrantType:
    """The grant type of a token request, or ``unsupported_grant_type``."""
    if value in FORBIDDEN_GRANT_TYPES:
        raise UnsupportedGrantType(f"The {value} grant is not supported (OAuth 2.1).")
    try:
        return GrantType(value)
    except ValueError:
        raise UnsupportedGrantType(debug=f"grant_type of {len(value)} characters") from None


def check_grant_allowed(grant_type: GrantType, client_grant_types: Collection[str]) -> None:
    """``unauthorized_client`` unless the client is registered for ``grant_type``."""
    if grant_type.value not in client_grant_types:
        raise UnauthorizedClient(f"This client may not use the {grant_type.value} grant.")


def validate_client_grant_types(grant_types: Collection[str]) -> frozenset[GrantType]:
    """At registration: only implemented grants (RFC 7591 ``invalid_client_metadata``)."""
    result: set[GrantType] = set()
    for value in grant_types:
        try:
            result.add(GrantType(value))
        except ValueError:
            raise InvalidClientMetadata(f"The grant type {value[:64]} is not supported.") from None
    return frozenset(result)

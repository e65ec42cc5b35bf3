"""Which client a token-endpoint request claims to be, and how it proves it.

This module only *reads* the credentials the client presented (HTTP Basic header or
form fields); verifying them is the job of ``protocol/client_auth/``. RFC 6749
§2.3: "The client MUST NOT use more than one authentication method in each request."
RFC 6749 §2.3.1: with HTTP Basic, "The client identifier is encoded using the
"application/x-www-form-urlencoded" encoding algorithm per Appendix B, and the encoded
value is used as the username; the client password is encoded using the same
algorithm and used as the password."
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import unquote_plus

from tier0.protocol import params
from tier0.protocol.errors import InvalidClient, InvalidRequest
from tier0.protocol.params import RawParams

__all__ = [
    "JWT_BEARER_ASSERTION",
    "BasicCredentials",
    "ClientAuthMethod",
    "PresentedClient",
    "decode_basic",
    "parse_client_authentication",
]

# RFC 7523 §2.2: client_assertion_type for private_key_jwt.
JWT_BEARER_ASSERTION = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_MAX_BASIC_HEADER = 2048
_MAX_CLIENT_ID = params.PARAM_SPECS["client_id"].max_length
_MAX_SECRET = params.PARAM_SPECS["client_secret"].max_length


class ClientAuthMethod(StrEnum):
    """Token endpoint authentication methods (RFC 7591 §2, OIDC Core §9)."""

    CLIENT_SECRET_BASIC = "client_secret_basic"  # noqa: S105 - a method name
    CLIENT_SECRET_POST = "client_secret_post"  # noqa: S105 - a method name
    PRIVATE_KEY_JWT = "private_key_jwt"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class PresentedClient:
    """The client identity and credential a request presented (not yet verified)."""

    method: ClientAuthMethod
    client_id: str | None
    client_secret: str | None = field(default=None, repr=False)
    client_assertion: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class BasicCredentials:
    """``Authorization: Basic`` credentials, decoded (not yet verified).

    Decoded once per request: the rate-limit edge decodes them to key the client's limits
    and leaves them in the request's state, and the endpoint takes them from there.
    ``header`` is the field value they came from, so the endpoint can tell they describe
    the header it reads."""

    header: str = field(repr=False)
    client_id: str
    secret: str = field(repr=False)


def decode_basic(authorization: str) -> BasicCredentials | None:
    """The credentials of an ``Authorization: Basic`` field value (RFC 7617, each half
    form-encoded per RFC 6749 §2.3.1); None for other schemes, ``invalid_client`` when
    they are malformed, incomplete or too long."""
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    if len(authorization) > _MAX_BASIC_HEADER:
        raise InvalidClient("The Authorization header is too long.")
    try:  # binascii directly: base64.b64decode adds three Python calls per request
        decoded = binascii.a2b_base64(value.strip(), strict_mode=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):  # ValueError: not ASCII
        raise InvalidClient("The Basic credentials are malformed.") from None
    username, colon, password = decoded.partition(":")
    if not colon:
        raise InvalidClient("The Basic credentials are malformed.")
    client_id, secret = _form_decoded(username), _form_decoded(password)
    if not client_id or not secret:
        raise InvalidClient("The Basic credentials are incomplete.")
    if len(client_id) > _MAX_CLIENT_ID or len(secret) > _MAX_SECRET:
        raise InvalidClient("The Basic credentials are too long.")
    return BasicCredentials(authorization, client_id, secret)


def _form_decoded(value: str) -> str:
    # Most ids and secrets have nothing to unquote; skip the call for them (hot path).
    return unquote_plus(value) if "%" in value or "+" in value else value


def parse_client_authentication(
    raw: RawParams, authorization: str | BasicCredentials | None
) -> PresentedClient:
    """Read client credentials from the ``Authorization`` header (its value, or the Basic
    credentials already decoded from it) and the form body."""
    client_id = params.single(raw, "client_id")
    secret = params.single(raw, "client_secret")
    assertion = params.single(raw, "client_assertion")
    assertion_type = params.single(raw, "client_assertion_type")
    if isinstance(authorization, BasicCredentials):
        basic: BasicCredentials | None = authorization
    else:
        basic = decode_basic(authorization) if authorization else None
    if sum(x is not None for x in (basic, secret, assertion)) > 1:
        raise InvalidRequest("Use exactly one client authentication method.")
    if basic is not None:
        if client_id is not None and client_id != basic.client_id:
            raise InvalidRequest("client_id does not match the Basic credentials.")
        return PresentedClient(ClientAuthMethod.CLIENT_SECRET_BASIC, basic.client_id, basic.secret)
    if assertion is not None:
        if assertion_type != JWT_BEARER_ASSERTION:
            raise InvalidClient("Unsupported client_assertion_type.")
        return PresentedClient(
            ClientAuthMethod.PRIVATE_KEY_JWT, client_id, client_assertion=assertion
        )
    if assertion_type is not None:
        raise InvalidRequest("client_assertion_type was sent without client_assertion.")
    if client_id is None:
        raise InvalidClient("Client authentication is required.")
    if secret is not None:
        return PresentedClient(ClientAuthMethod.CLIENT_SECRET_POST, client_id, secret)
    return PresentedClient(ClientAuthMethod.NONE, client_id)

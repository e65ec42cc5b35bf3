"""Reading the access token a resource request presents (OA-12, RFC 6750, RFC 9449).

Accepted: the ``Authorization`` header (``Bearer``, or ``DPoP`` for sender-constrained
tokens, RFC 9449 §7.1) and the form body (RFC 6750 §2.2). Never the URL query: RFC
6750 §5.3, "Bearer tokens SHOULD NOT be passed in page URLs (for example, as query
string parameters)"; OAuth 2.1 drops the query method. A query ``access_token`` is
refused with ``invalid_token`` (HTTP 401) so the client sees why, rather than being
silently ignored. RFC 6750 §2: "Clients MUST NOT use more than one method to transmit
the token in each request."
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from tier0.protocol import params
from tier0.protocol.errors import InvalidRequest, InvalidToken
from tier0.protocol.params import RawParams

__all__ = ["PresentedToken", "TokenScheme", "parse_access_token"]

# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_MAX_TOKEN = params.PARAM_SPECS["token"].max_length


class TokenScheme(StrEnum):
    """HTTP authentication schemes for access tokens."""

    BEARER = "Bearer"
    DPOP = "DPoP"


@dataclass(frozen=True, slots=True)
class PresentedToken:
    """An access token as presented, not yet validated."""

    scheme: TokenScheme
    token: str = field(repr=False)


def _from_header(authorization: str) -> PresentedToken | None:
    scheme_name, _, value = authorization.strip().partition(" ")
    schemes = {scheme.value.lower(): scheme for scheme in TokenScheme}
    scheme = schemes.get(scheme_name.lower())
    if scheme is None:
        return None  # another scheme (e.g. Basic): no access token presented
    token = value.strip(" ")
    if len(token) > _MAX_TOKEN or _B64TOKEN.fullmatch(token) is None:
        raise InvalidRequest("The Authorization header is malformed.")
    return PresentedToken(scheme, token)


def parse_access_token(
    authorization: str | None, query: RawParams, body: RawParams | None = None
) -> PresentedToken | None:
    """The presented access token, or ``None`` when the request carries none.

    ``None`` lets the web layer answer with a bare ``WWW-Authenticate`` challenge
    (RFC 6750 §3.1: with no authentication information "the resource server SHOULD
    NOT include an error code or other error information").
    """
    if "access_token" in query:
        raise InvalidToken("Access tokens are not accepted in the URL query.")
    from_header = _from_header(authorization) if authorization else None
    in_body = params.single(body, "access_token") if body is not None else None
    if in_body is None:
        return from_header
    if from_header is not None:
        raise InvalidRequest("Send the access token in one place only.")
    if _B64TOKEN.fullmatch(in_body) is None:
        raise InvalidRequest("The access_token parameter is malformed.")
    return PresentedToken(TokenScheme.BEARER, in_body)

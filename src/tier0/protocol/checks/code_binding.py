"""What an authorization code is bound to, and the checks at redemption (OA-05).

RFC 6749 §4.1.2: "The authorization code MUST expire shortly after it is issued to
mitigate the risk of leaks. A maximum authorization code lifetime of 10 minutes is
RECOMMENDED." tier0 uses 60 seconds by default and never allows more than 10 minutes.

RFC 6749 §4.1.3, the authorization server MUST: "ensure that the authorization code
was issued to the authenticated confidential client, or if the client is public,
ensure that the code was issued to "client_id" in the request", "verify that the
authorization code is valid", and "ensure that the "redirect_uri" parameter is present
if the "redirect_uri" parameter was included in the initial authorization request ...
and if included ensure that their values are identical." PKCE is checked with
:func:`~tier0.protocol.checks.pkce.verify_pkce`. RFC 9449 §10: with ``dpop_jkt`` the
server "verifies that it matches the dpop_jkt parameter value in the authorization
request. If they do not match, it MUST reject the request."

Every failure is ``invalid_grant`` with the same public text, so a probe learns
nothing about which binding failed; the reason goes to ``debug``. Single use is the
store's job (``CodeStore.consume``, OA-06).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from tier0.protocol.checks.pkce import verify_pkce
from tier0.protocol.errors import InvalidGrant

__all__ = [
    "CODE_LIFETIME",
    "MAX_CODE_LIFETIME",
    "CodeBinding",
    "check_code_redemption",
    "code_expiry",
]

CODE_LIFETIME = timedelta(seconds=60)
MAX_CODE_LIFETIME = timedelta(minutes=10)
_PUBLIC = "The authorization code is invalid, expired or was issued to another client."


@dataclass(frozen=True, slots=True)
class CodeBinding:
    """Everything an authorization code was issued for (stored beside its keyed hash)."""

    client_id: str
    redirect_uri: str  # the redirect URI the code was delivered to
    redirect_uri_sent: bool  # whether /authorize carried redirect_uri explicitly
    code_challenge: str
    expires_at: datetime
    dpop_jkt: str | None = None


def code_expiry(issued_at: datetime, lifetime: timedelta = CODE_LIFETIME) -> datetime:
    """When a code issued at ``issued_at`` expires; refuses lifetimes over 10 minutes."""
    if not timedelta(0) < lifetime <= MAX_CODE_LIFETIME:
        raise ValueError("authorization code lifetime must be within (0, 10 min]")
    return issued_at + lifetime


def check_code_redemption(
    binding: CodeBinding,
    *,
    client_id: str,
    redirect_uri: str | None,
    code_verifier: str | None,
    dpop_jkt: str | None,
    now: datetime,
) -> None:
    """Refuse (``invalid_grant``) a redemption that does not match the code's binding."""
    if now > binding.expires_at:
        raise InvalidGrant(_PUBLIC, debug="authorization code expired")
    if client_id != binding.client_id:
        raise InvalidGrant(_PUBLIC, debug="code issued to another client")
    if redirect_uri is None and binding.redirect_uri_sent:
        raise InvalidGrant(_PUBLIC, debug="redirect_uri missing at the token endpoint")
    if redirect_uri is not None and redirect_uri != binding.redirect_uri:
        raise InvalidGrant(_PUBLIC, debug="redirect_uri differs from the authorization")
    verify_pkce(code_verifier, binding.code_challenge)
    if binding.dpop_jkt is not None and (
        dpop_jkt is None or not hmac.compare_digest(dpop_jkt, binding.dpop_jkt)
    ):
        raise InvalidGrant(_PUBLIC, debug="DPoP key does not match dpop_jkt")

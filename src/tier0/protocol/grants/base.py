"""What every grant shares: its context, its policy, its response.

RFC 6749 §5.1: the successful token response carries ``access_token``, ``token_type``,
``expires_in``, optionally ``refresh_token`` and ``scope`` (tier0 always reports the granted
scope), and OIDC Core §3.1.3.3 adds ``id_token``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, ClassVar, Protocol

from tier0.domain import Application, Tenant
from tier0.protocol.checks.grant_types import GrantType
from tier0.protocol.checks.scope import format_scope
from tier0.protocol.requests import TokenRequest

__all__ = ["Grant", "GrantContext", "TokenPolicy", "TokenResponse"]


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """Lifetimes and defaults, from :class:`tier0.settings.Settings`."""

    code_lifetime: timedelta = timedelta(seconds=60)
    refresh_idle: timedelta = timedelta(days=15)
    refresh_absolute: timedelta = timedelta(days=30)
    id_token_lifetime: timedelta = timedelta(hours=10)
    userinfo_token_lifetime: timedelta = timedelta(minutes=10)
    #: No JWT outlives this (a retired signing key is published this long: JW-04).
    max_token_lifetime: timedelta = timedelta(days=1)
    default_signing_alg: str = "RS256"

    def access_token_lifetime(self, api_lifetime: int | None) -> timedelta:
        """An API's token lifetime, never beyond ``max_token_lifetime``."""
        if api_lifetime is None:
            return self.userinfo_token_lifetime
        return min(timedelta(seconds=api_lifetime), self.max_token_lifetime)


@dataclass(frozen=True, slots=True)
class GrantContext:
    """The request's tenant, its issuer and the authenticated client."""

    tenant: Tenant
    issuer: str
    client: Application


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """A successful token response (RFC 6749 §5.1, OIDC Core §3.1.3.3)."""

    access_token: str = field(repr=False)
    expires_in: int
    scope: tuple[str, ...]
    id_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    token_type: str = "Bearer"  # noqa: S105 - RFC 6750 token type name

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
        }
        if self.scope:
            body["scope"] = format_scope(self.scope)
        if self.id_token is not None:
            body["id_token"] = self.id_token
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        return body


class Grant(Protocol):
    """One grant type (``protocol/grants/<name>.py``)."""

    grant_type: ClassVar[GrantType]

    async def handle(self, request: TokenRequest, context: GrantContext) -> TokenResponse: ...

"""The URLs of a tenant's endpoints, all under its issuer (DESIGN.md §4: Auth0's paths)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TenantUrls"]


@dataclass(frozen=True, slots=True)
class TenantUrls:
    """Endpoint URLs derived from the issuer (``settings.tenant_base_url(name)``)."""

    issuer: str

    @property
    def authorization(self) -> str:
        return f"{self.issuer}/authorize"

    @property
    def token(self) -> str:
        return f"{self.issuer}/oauth/token"

    @property
    def revocation(self) -> str:
        return f"{self.issuer}/oauth/revoke"

    @property
    def introspection(self) -> str:
        return f"{self.issuer}/oauth/introspect"

    @property
    def userinfo(self) -> str:
        return f"{self.issuer}/userinfo"

    @property
    def jwks(self) -> str:
        return f"{self.issuer}/.well-known/jwks.json"

    @property
    def end_session(self) -> str:
        return f"{self.issuer}/oidc/logout"

    def assertion_audiences(self, endpoint: str) -> frozenset[str]:
        """What a client assertion's ``aud`` may name here: the issuer, the token endpoint
        (RFC 7523 §3) or the endpoint actually called."""
        return frozenset({self.issuer, self.token, endpoint})

"""A user's authentication methods in Auth0's shape: public facts only, never a seed,
secret, public key or recovery code (AC-04)."""

from __future__ import annotations

from tier0.management.schemas.common import Out


class AuthenticationMethodOut(Out):
    id: str
    type: str
    confirmed: bool
    created_at: str | None
    name: str | None = None
    last_auth_at: str | None = None
    aaguid: str | None = None
    recovery_codes_left: int | None = None

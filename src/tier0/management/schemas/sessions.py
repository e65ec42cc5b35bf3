"""Sessions and refresh tokens in Auth0's shapes (public facts only: never a cookie value,
token or hash)."""

from __future__ import annotations

from tier0.management.schemas.common import Out


class AuthMethod(Out):
    name: str
    timestamp: str | None


class Authentication(Out):
    methods: list[AuthMethod]


class SessionOut(Out):
    id: str
    user_id: str
    created_at: str | None
    updated_at: str | None
    authenticated_at: str | None
    last_interacted_at: str | None
    idle_expires_at: str | None
    expires_at: str | None
    authentication: Authentication


class SessionsOut(Out):
    sessions: list[SessionOut]
    next: str | None


class ResourceServerAccess(Out):
    audience: str | None
    scopes: list[str]


class RefreshTokenOut(Out):
    """One refresh-token family; `id` names it across rotations."""

    id: str
    user_id: str
    client_id: str
    session_id: str | None
    rotating: bool
    created_at: str | None
    idle_expires_at: str | None
    expires_at: str | None
    last_exchanged_at: str | None
    resource_servers: list[ResourceServerAccess]


class RefreshTokensOut(Out):
    tokens: list[RefreshTokenOut]
    next: str | None

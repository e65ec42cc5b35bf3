"""OAuth artefacts: grants, authorization codes, refresh tokens and browser sessions.

Codes, refresh tokens and session ids are stored as keyed hashes only (STYLE.md rule 6);
these objects carry the hash, never the value handed to the client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar


@dataclass(frozen=True, slots=True)
class Grant:
    """One user's authorization of one client: the family every code, refresh token and
    access token of that sign-in descends from. Revoking it revokes them all."""

    tenant_id: str
    id: str
    client_id: str
    user_id: str
    scope: tuple[str, ...]
    audience: str | None
    session_id: str | None
    created_at: datetime
    revoked_at: datetime | None = None
    # The sign-in behind the grant, for ID tokens re-issued at refresh (OIDC Core §12.2:
    # "auth_time ... MUST represent the time of the original authentication"). None on
    # grants made before these were kept: those refreshes carry no ID token.
    auth_time: datetime | None = None
    acr: str | None = None
    amr: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    """A code issued at /authorize, bound to client, redirect URI, PKCE and DPoP key."""

    tenant_id: str
    code_hash: str = field(repr=False)
    grant_id: str = ""
    client_id: str = ""
    user_id: str = ""
    redirect_uri: str = ""
    scope: tuple[str, ...] = ()
    audience: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    auth_time: datetime | None = None
    amr: tuple[str, ...] = ()
    acr: str | None = None
    session_id: str | None = None
    dpop_jkt: str | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    consumed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """One refresh token of a rotating family (the grant)."""

    tenant_id: str
    token_hash: str = field(repr=False)
    grant_id: str = ""
    client_id: str = ""
    user_id: str = ""
    scope: tuple[str, ...] = ()
    audience: str | None = None
    parent_hash: str | None = field(default=None, repr=False)
    created_at: datetime | None = None
    expires_at: datetime | None = None
    idle_expires_at: datetime | None = None
    consumed_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Session:
    """A browser's signed-in session at the universal login."""

    tenant_id: str
    id_hash: str = field(repr=False)
    sid: str = ""
    user_id: str = ""
    auth_time: datetime | None = None
    amr: tuple[str, ...] = ()
    acr: str | None = None
    created_at: datetime | None = None
    last_seen_at: datetime | None = None
    idle_expires_at: datetime | None = None
    expires_at: datetime | None = None
    ended_at: datetime | None = None


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ConsumeResult(Generic[T]):
    """What a single-use consumption found. Exactly one concurrent caller sees
    ``first_use=True``; everyone after sees the same artefact with ``first_use=False``."""

    item: T
    first_use: bool

    @property
    def code(self) -> T:
        """The consumed artefact (alias of :attr:`item`)."""
        return self.item


@dataclass(frozen=True, slots=True)
class ConsumedRefresh:
    """A consumed refresh token and what its rotation checks need, read in the same
    transaction: its grant (None if gone) and whether its user is missing or blocked."""

    token: RefreshToken
    first_use: bool
    grant: Grant | None
    user_active: bool


@dataclass(frozen=True, slots=True)
class ConsumedCode:
    """A consumed authorization code and its grant (None if gone), read in the same
    transaction."""

    code: AuthorizationCode
    first_use: bool
    grant: Grant | None

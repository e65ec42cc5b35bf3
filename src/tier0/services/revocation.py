"""What a password change undoes (PW-06: "By default a change revokes other sessions and RTs"),
and what a logout undoes (OA-08: refresh tokens are "revoked on password change/logout").

Shared by the reset link, the self-service change and the administrators' changes, each
inside its own transaction, so a new password and the end of the old credentials commit
together or not at all; likewise a logout and the end of its session's grants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tier0.domain.grants import Grant
from tier0.storage.ports import UnitOfWork

__all__ = [
    "Revoked",
    "RevokedFamily",
    "revoke_refresh_tokens",
    "revoke_session_grants",
    "revoke_user_credentials",
]


@dataclass(frozen=True, slots=True)
class Revoked:
    sessions_ended: int
    refresh_tokens_revoked: int


@dataclass(frozen=True, slots=True)
class RevokedFamily:
    """A grant revoked with its family, and how many of its refresh tokens that killed."""

    grant: Grant
    refresh_tokens: int


async def revoke_session_grants(
    uow: UnitOfWork, tenant_id: str, user_id: str, sid: str, now: datetime
) -> list[RevokedFamily]:
    """Revoke the grants issued in the session ``sid`` (each code records the session it
    came from, and its grant keeps it) with every refresh token of them; the access tokens
    carrying their ``gid`` then fail introspection and /userinfo. Grants of the user's other
    sessions stay live. Only live grants are listed, so each is revoked once."""
    if not sid:  # a session always has one; never match grants that recorded none
        return []
    revoked: list[RevokedFamily] = []
    for grant in await uow.grants.list_for_user(tenant_id, user_id):
        if grant.session_id != sid:
            continue
        await uow.grants.revoke(tenant_id, grant.id, now)
        tokens = await uow.refresh_tokens.revoke_family(tenant_id, grant.id, now)
        revoked.append(RevokedFamily(grant, tokens))
    return revoked


async def revoke_refresh_tokens(
    uow: UnitOfWork, tenant_id: str, user_id: str, now: datetime
) -> int:
    """Revoke every refresh-token family of the user; returns how many tokens died."""
    revoked = 0
    for grant in await uow.grants.list_for_user(tenant_id, user_id):
        revoked += await uow.refresh_tokens.revoke_family(tenant_id, grant.id, now)
    return revoked


async def revoke_user_credentials(
    uow: UnitOfWork, tenant_id: str, user_id: str, now: datetime, *, keep_sid: str | None = None
) -> Revoked:
    """End the user's sessions except ``keep_sid`` (the browser that made the change) and
    revoke all of their refresh tokens."""
    if keep_sid is None:
        ended = await uow.sessions.end_all_for_user(tenant_id, user_id, now)
    else:
        ended = 0
        for session in await uow.sessions.list_for_user(tenant_id, user_id):
            if session.sid != keep_sid and await uow.sessions.end(tenant_id, session.id_hash, now):
                ended += 1
    return Revoked(ended, await revoke_refresh_tokens(uow, tenant_id, user_id, now))

"""A user's sessions and refresh tokens: ``/users/{id}/sessions``,
``/users/{id}/refresh-tokens``, ``/sessions/{id}`` and ``/refresh-tokens/{id}`` (Auth0's
paths and ``read|delete:sessions``, ``read|delete:refresh_tokens`` scopes).

Lists answer Auth0's checkpoint shape (``{sessions|tokens, next}``); a user has few live
sessions, so ``next`` is always null. Deleting a session also revokes the refresh tokens
issued from it; deleting a refresh token revokes its whole family (see
:mod:`tier0.services.user_sessions`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request, Response

from tier0.audit import Actor
from tier0.domain.grants import Session
from tier0.management.auth import Principal, require
from tier0.management.responses import no_content
from tier0.management.routing import delete, id_path, read
from tier0.management.schemas.sessions import RefreshTokensOut, SessionsOut
from tier0.services.user_sessions import RefreshFamily
from tier0.views import iso
from tier0.web.deps import container_of

router = APIRouter(tags=["sessions"])
UserId = Annotated[str, id_path("user's `user_id`")]
SessionId = Annotated[str, id_path("session's `id`")]
TokenId = Annotated[str, id_path("refresh token's `id` (its family)")]


def session_view(session: Session) -> dict[str, Any]:
    signed_in = iso(session.auth_time)
    return {
        "id": session.sid,
        "user_id": session.user_id,
        "created_at": iso(session.created_at),
        "updated_at": iso(session.last_seen_at),
        "authenticated_at": signed_in,
        "last_interacted_at": iso(session.last_seen_at),
        "idle_expires_at": iso(session.idle_expires_at),
        "expires_at": iso(session.expires_at),
        "authentication": {"methods": [{"name": m, "timestamp": signed_in} for m in session.amr]},
    }


def refresh_view(family: RefreshFamily) -> dict[str, Any]:
    grant, token = family.grant, family.token
    return {
        "id": grant.id,
        "user_id": grant.user_id,
        "client_id": grant.client_id,
        "session_id": grant.session_id,
        "rotating": True,
        "created_at": iso(grant.created_at),
        "idle_expires_at": iso(token.idle_expires_at),
        "expires_at": iso(token.expires_at),
        "last_exchanged_at": iso(token.created_at) if token.parent_hash else None,
        "resource_servers": [{"audience": token.audience, "scopes": list(token.scope)}],
    }


@read(router, "/users/{user_id}/sessions", SessionsOut)
async def user_sessions(
    request: Request, user_id: UserId, caller: Annotated[Principal, require("read:sessions")]
) -> Any:
    """The user's live sign-in sessions."""
    found = await container_of(request).user_sessions.sessions(caller.tenant, user_id)
    return {"sessions": [session_view(s) for s in found], "next": None}


@delete(router, "/users/{user_id}/sessions")
async def delete_user_sessions(
    request: Request, user_id: UserId, caller: Annotated[Principal, require("delete:sessions")]
) -> Response:
    """Sign the user out everywhere (and revoke the refresh tokens of those sessions)."""
    actor = Actor.client(caller.client_id)
    await container_of(request).user_sessions.end_user_sessions(caller.tenant, user_id, actor=actor)
    return no_content()


@read(router, "/users/{user_id}/refresh-tokens", RefreshTokensOut)
async def user_refresh_tokens(
    request: Request,
    user_id: UserId,
    caller: Annotated[Principal, require("read:refresh_tokens")],
) -> Any:
    """The user's live refresh tokens, one per family."""
    found = await container_of(request).user_sessions.refresh_tokens(caller.tenant, user_id)
    return {"tokens": [refresh_view(f) for f in found], "next": None}


@delete(router, "/sessions/{session_id}")
async def delete_session(
    request: Request,
    session_id: SessionId,
    caller: Annotated[Principal, require("delete:sessions")],
) -> Response:
    """End one session (and revoke the refresh tokens issued from it)."""
    actor = Actor.client(caller.client_id)
    await container_of(request).user_sessions.end_session(caller.tenant, session_id, actor=actor)
    return no_content()


@delete(router, "/refresh-tokens/{token_id}")
async def delete_refresh_token(
    request: Request,
    token_id: TokenId,
    caller: Annotated[Principal, require("delete:refresh_tokens")],
) -> Response:
    """Revoke a refresh token's family: the token, its rotations and its grant."""
    actor = Actor.client(caller.client_id)
    await container_of(request).user_sessions.revoke_refresh_token(
        caller.tenant, token_id, actor=actor
    )
    return no_content()

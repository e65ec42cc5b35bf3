"""Tables of OAuth artefacts: grants, codes, refresh tokens, sessions and the replay cache.

Codes, refresh tokens and session ids appear only as keyed hashes (primary keys), so a
database dump lets nobody redeem, refresh or hijack anything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tier0.storage.sql.models.base import Base
from tier0.storage.sql.types import JsonType, UTCDateTime


def _tenant_fk() -> ForeignKey:
    return ForeignKey("tenants.id", ondelete="CASCADE")


def _user_fk() -> ForeignKey:
    return ForeignKey("users.user_id", ondelete="CASCADE")


def _client_fk() -> ForeignKey:
    return ForeignKey("applications.client_id", ondelete="CASCADE")


def _grant_fk() -> ForeignKey:
    return ForeignKey("grants.id", ondelete="CASCADE")


class GrantRow(Base):
    __tablename__ = "grants"
    __table_args__ = (Index("ix_grants_tenant_user", "tenant_id", "user_id"),)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(_tenant_fk())
    client_id: Mapped[str] = mapped_column(_client_fk(), index=True)
    user_id: Mapped[str] = mapped_column(_user_fk())
    scope: Mapped[list[str]] = mapped_column(JsonType)
    audience: Mapped[str | None] = mapped_column(String(600))
    session_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    auth_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acr: Mapped[str | None] = mapped_column(String(255))
    amr: Mapped[list[str] | None] = mapped_column(JsonType)


class AuthorizationCodeRow(Base):
    __tablename__ = "authorization_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(_tenant_fk(), index=True)
    grant_id: Mapped[str] = mapped_column(_grant_fk(), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    scope: Mapped[list[str]] = mapped_column(JsonType)
    audience: Mapped[str | None] = mapped_column(String(600))
    nonce: Mapped[str | None] = mapped_column(String(512))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    auth_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    amr: Mapped[list[str]] = mapped_column(JsonType)
    acr: Mapped[str | None] = mapped_column(String(255))
    session_id: Mapped[str | None] = mapped_column(String(64))
    dpop_jkt: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RefreshTokenRow(Base):
    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_tenant_user", "tenant_id", "user_id"),)
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(_tenant_fk())
    grant_id: Mapped[str] = mapped_column(_grant_fk(), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[list[str]] = mapped_column(JsonType)
    audience: Mapped[str | None] = mapped_column(String(600))
    parent_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    idle_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SessionRow(Base):
    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_tenant_user", "tenant_id", "user_id"),)
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(_tenant_fk())
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(_user_fk())
    auth_time: Mapped[datetime] = mapped_column(UTCDateTime())
    amr: Mapped[list[str]] = mapped_column(JsonType)
    acr: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    idle_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReplayRow(Base):
    """Seen one-time values (client-assertion `jti`, DPoP proof `jti`) until they expire."""

    __tablename__ = "replay_cache"
    tenant_id: Mapped[str] = mapped_column(_tenant_fk(), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

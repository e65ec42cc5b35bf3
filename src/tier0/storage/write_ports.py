"""Ports of the hot write paths: refresh rotation, code redemption and the password
sign-in, each one write transaction in as few round trips to the storage as it can be
(docs/benchmarks.md). Split from ``tier0.storage.ports``, which re-exports every name."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from tier0.audit.event import SecurityEvent
from tier0.domain import User
from tier0.domain.grants import (
    AuthorizationCode,
    ConsumedCode,
    ConsumedRefresh,
    Grant,
    RefreshToken,
    Session,
)

if TYPE_CHECKING:  # ports.py imports this module; the unit of work is only a type here
    from tier0.storage.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class RotateTo:
    """A rotation's verdict: store ``successor``; the presented token stays consumed."""

    successor: RefreshToken
    event: SecurityEvent


@dataclass(frozen=True, slots=True)
class RevokeFamily:
    """A rotation's verdict: a rotated-out token came back, revoke its grant and every
    refresh token of it (OA-07)."""

    grant_id: str
    event: SecurityEvent


RotationVerdict = RotateTo | RevokeFamily
RotationJudge = Callable[[ConsumedRefresh | None], RotationVerdict]
"""Judges what a rotation read (None: no such token) and returns what to write, or raises
to reject, which rolls everything back, the consumption too. Called synchronously inside
the write transaction, possibly on a storage thread: it must be pure (no I/O, no awaits)."""


class RefreshRotations(Protocol):
    """Refresh-token rotation (OA-07, OA-08): one write transaction, one round trip to the
    storage. It consumes the token (a conditional update: exactly one concurrent caller
    sees ``first_use``), reads its grant and whether its user may still use it, hands that
    to ``judge``, then writes the verdict with its audit event (LG-01) and commits."""

    async def rotate(
        self,
        tenant_id: str,
        token_hash: str,
        at: datetime,
        chain_key: bytes,
        judge: RotationJudge,
    ) -> RotationVerdict: ...


class CodeRedemption(Protocol):
    """One authorization-code redemption: consume, then either redeem (storing the first
    refresh token, if any) or revoke the family, in one write transaction (OA-06), each
    with its audit event (LG-01)."""

    def reads(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """Repositories for what the checks read beside the redemption (user, permissions)."""
        ...

    async def consume(
        self, tenant_id: str, code_hash: str, at: datetime
    ) -> ConsumedCode | None: ...
    async def user(self, tenant_id: str, user_id: str) -> User | None:
        """The code's user (for the ID token's claims), read in the redemption's transaction."""
        ...

    async def redeem(
        self, refresh: RefreshToken | None, event: SecurityEvent, chain_key: bytes
    ) -> None: ...
    async def revoke_family(
        self, tenant_id: str, grant_id: str, at: datetime, event: SecurityEvent, chain_key: bytes
    ) -> None: ...


class CodeRedemptions(Protocol):
    """Opens code redemptions; leaving the block without redeem or revoke rolls back."""

    def transaction(self) -> AbstractAsyncContextManager[CodeRedemption]: ...


@dataclass(frozen=True, slots=True)
class LoginCount:
    """What a checked password sign-in changes on the user's row (see
    :meth:`UserRepo.record_login`): the last IP is re-sealed only when it differs from
    ``previous_ip``, the hash replaced only when an upgraded one is given."""

    tenant_id: str
    user_id: str
    at: datetime
    ip: str | None
    previous_ip: str | None = None
    password_hash: str | None = None


@dataclass(frozen=True, slots=True)
class CountedLogin:
    """The user's new ``logins_count`` and, when asked, whether they have a second factor
    (a confirmed app or a passkey), read in the same transaction."""

    logins_count: int
    enrolled: bool = False


class SignInWrite(Protocol):
    """One password sign-in's write transaction (issue 3), in two round trips: count the
    login with its event (and read the second-factor enrollment it decides on), then end
    the browser's previous session (SE-02), store the new one and what was staged with it
    (the grant and code with their event), and commit. Leaving without :meth:`commit`
    rolls everything back."""

    async def count_login(
        self, login: LoginCount, event: SecurityEvent, chain_key: bytes, *, factors: bool
    ) -> CountedLogin | None:
        """None when the user is gone (deleted since the password check)."""
        ...

    def start_session(self, session: Session, *, ending: str | None) -> None:
        """Stage the new session, and the end of the one whose id hash is ``ending``."""
        ...

    def add_code(
        self, grant: Grant, code: AuthorizationCode, event: SecurityEvent, chain_key: bytes
    ) -> None:
        """Stage a grant and its authorization code with their event."""
        ...

    async def commit(self) -> None:
        """Write what was staged and commit (one round trip)."""
        ...


class SignInWrites(Protocol):
    """Opens sign-in write transactions."""

    def transaction(self) -> AbstractAsyncContextManager[SignInWrite]: ...

"""Signing keys of tenants: ensure, rotate, list, publish, sign (JW-04).

The rules live in :mod:`tier0.keys.lifecycle` (pure); this service loads a tenant's keys in
one locked transaction, applies the plan, and stores the difference. Private JWKs are sealed
with a tenant subkey before they reach the store and opened only to sign.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final, Protocol

from tier0.audit.changes import ChangedBy, ChangeLog, diff
from tier0.audit.event import SecurityEvent
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.errors import InvalidInput, NotFound
from tier0.jose.algorithms import DEFAULT_RSA_BITS, DEFAULT_SIGNING_ALG, SIGNING_ALGS
from tier0.keys.lifecycle import (
    RotationPlan,
    apply_plan,
    current_signer,
    plan_ensure,
    plan_revoke,
    plan_rotation,
    published,
)
from tier0.keys.model import KeyState, NoSigningKey, SigningKey, is_published, new_signing_key
from tier0.keys.sealing import SUBKEY_PURPOSE, open_private_jwk, seal_private_jwk
from tier0.keys.store import KeyStore, StoredSigningKey
from tier0.storage.ports import Database, UnitOfWork


class SubkeySource(Protocol):
    """Where tenant subkeys come from (the tenant keyring)."""

    async def subkey(self, tenant_id: str, purpose: str) -> bytes: ...


@dataclass(frozen=True)
class KeyPolicy:
    """How keys are made and rotated."""

    default_alg: str = DEFAULT_SIGNING_ALG
    #: How long relying parties may cache the JWKS: a next key is published this long first.
    jwks_cache_ttl: timedelta = timedelta(minutes=15)
    #: The longest lifetime of a JWT tier0 signs: a retired key stays published this long.
    max_token_lifetime: timedelta = timedelta(hours=24)
    rsa_bits: int = DEFAULT_RSA_BITS


@dataclass(frozen=True)
class KeyInfo:
    """What an operator sees of a key (never the private half)."""

    kid: str
    alg: str
    state: KeyState
    created_at: datetime
    activated_at: datetime | None
    retired_at: datetime | None
    not_after: datetime | None
    published: bool
    age_seconds: int


@dataclass(frozen=True)
class RotationResult:
    plan: RotationPlan
    keys: list[KeyInfo]


StoreFactory = Callable[[UnitOfWork], KeyStore]
KeyInfos = list[KeyInfo]
#: A JWK Set document (RFC 7517 §5).
Jwks = dict[str, list[dict[str, Any]]]
Planner = Callable[[Sequence[SigningKey], datetime], RotationPlan]

LAZY: Final = ChangedBy.system("signing-keys")
"""Who creates a tenant's first keys when a JWKS or a signature needs them."""


class KeyService:
    def __init__(
        self,
        db: Database,
        stores: StoreFactory,
        keyring: SubkeySource,
        clock: Clock,
        changes: ChangeLog,
        policy: KeyPolicy | None = None,
    ) -> None:
        self._changes = changes
        self._db = db
        self._stores = stores
        self._keyring = keyring
        self._clock = clock
        self._policy = policy or KeyPolicy()

    async def ensure(
        self, tenant_id: str, algs: Iterable[str] | None = None, *, by: ChangedBy
    ) -> KeyInfos:
        """Make sure each alg has an active key and a published next key."""
        result: KeyInfos = []
        for alg in self._algs(algs):
            planner = partial(_ensure_planner, alg)
            created = EventType.MANAGEMENT_SIGNING_KEYS_CREATED
            _, result = await self._change(tenant_id, planner, by, created)
        return result

    async def publish(self, tenant_id: str, alg: str, *, by: ChangedBy) -> datetime:
        """Make sure ``alg`` has an active and a next key, and say from when the active one
        may sign tokens verifiers have not been told of before: once it has been in the
        JWKS for ``jwks_cache_ttl`` (JW-04), so a cached JWKS already holds it. A key that
        has been published that long is ready now."""
        keys = await self.ensure(tenant_id, [alg], by=by)
        active = [k for k in keys if k.alg == alg and k.state is KeyState.ACTIVE]
        signer = max(active, key=lambda k: (k.activated_at or k.created_at, k.created_at))
        return signer.created_at + self._policy.jwks_cache_ttl

    async def rotate(
        self,
        tenant_id: str,
        *,
        alg: str | None = None,
        emergency: bool = False,
        by: ChangedBy,
        also: Sequence[SecurityEvent] = (),
    ) -> RotationResult:
        """Rotate one alg's key (see :func:`tier0.keys.lifecycle.plan_rotation`); ``also``
        are further events of this rotation (an incident's), written in its transaction."""
        (chosen,) = self._algs([alg] if alg else None)
        planner = partial(_rotation_planner, chosen, self._policy, emergency)
        event = EventType.KEY_WITHDRAWN if emergency else EventType.KEY_ROTATED
        plan, keys = await self._change(tenant_id, planner, by, event, also=also)
        return RotationResult(plan=plan, keys=keys)

    async def revoke(self, tenant_id: str, kid: str, *, by: ChangedBy) -> RotationResult:
        """Withdraw the published key ``kid`` now (see :func:`plan_revoke`); NotFound if the
        tenant publishes no such key (another tenant's kid included)."""

        def planner(keys: Sequence[SigningKey], now: datetime) -> RotationPlan:
            plan = plan_revoke(keys, kid, now)
            if plan is None:
                raise NotFound("no such signing key")
            return plan

        revoked = EventType.MANAGEMENT_SIGNING_KEYS_REVOKED
        plan, keys = await self._change(tenant_id, planner, by, revoked, {"kid": kid})
        return RotationResult(plan=plan, keys=keys)

    async def list(self, tenant_id: str) -> KeyInfos:
        async with self._db.read() as uow:
            stored = await self._stores(uow).list(tenant_id)
        now = self._clock.now()
        return [_info(s, now) for s in stored]

    async def jwks(self, tenant_id: str) -> Jwks:
        """The tenant's JWK Set document; built from public halves only.

        A tenant without keys gets them here, so the very first JWKS a relying party caches
        already holds the key that will sign and its successor.
        """
        async with self._db.read() as uow:
            stored = await self._stores(uow).list(tenant_id)
        if not stored:
            await self.ensure(tenant_id, by=LAZY)
            async with self._db.read() as uow:
                stored = await self._stores(uow).list(tenant_id)
        return {"keys": published(stored, self._clock.now())}

    async def signer(self, tenant_id: str, alg: str | None = None) -> SigningKey:
        """The active key for ``alg`` with its private JWK opened, creating keys if needed."""
        (chosen,) = self._algs([alg] if alg else None)
        subkey = await self._keyring.subkey(tenant_id, SUBKEY_PURPOSE)
        for _ in range(2):
            async with self._db.read() as uow:
                stored = await self._stores(uow).list(tenant_id)
            now = self._clock.now()
            active = [s for s in stored if s.alg == chosen and s.state is KeyState.ACTIVE]
            if active:
                return current_signer([_open(subkey, s) for s in active], chosen, now)
            await self.ensure(tenant_id, [chosen], by=LAZY)
        raise NoSigningKey(f"no active {chosen} signing key")

    async def _change(
        self,
        tenant_id: str,
        planner: Planner,
        by: ChangedBy,
        event: EventType,
        details: Mapping[str, object] | None = None,
        *,
        also: Sequence[SecurityEvent] = (),
    ) -> tuple[RotationPlan, KeyInfos]:
        """Apply a plan under the tenant's key lock; a plan that does something is audited
        in the same transaction, with each key's state before and after (never a key)."""
        subkey = await self._keyring.subkey(tenant_id, SUBKEY_PURPOSE)
        make_key = partial(new_signing_key, rsa_bits=self._policy.rsa_bits)
        async with self._db.transaction() as uow:
            store = self._stores(uow)
            await store.lock(tenant_id)
            now = self._clock.now()
            rows = {s.kid: s for s in await store.list(tenant_id)}
            before = [_open(subkey, s) for s in rows.values()]
            plan = planner(before, now)
            after = apply_plan(before, plan, now, make_key=make_key)
            await _store_difference(store, subkey, tenant_id, rows, after)
            stored = await store.list(tenant_id)
            if not plan.is_noop:
                await self._changes.record(
                    uow,
                    by,
                    event,
                    tenant_id=tenant_id,
                    subject=("tenant", tenant_id),
                    changes=diff(
                        {k.kid: str(k.state) for k in before},
                        {k.kid: str(k.state) for k in stored},
                    ),
                    details={"alg": plan.alg, "emergency": plan.emergency, **(details or {})},
                )
            await self._changes.write(uow, *also)
        return plan, [_info(s, now) for s in stored]

    def _algs(self, algs: Iterable[str] | None) -> tuple[str, ...]:
        chosen = tuple(algs) if algs is not None else (self._policy.default_alg,)
        for alg in chosen:
            if alg not in SIGNING_ALGS:
                raise InvalidInput(f"signing alg must be one of {sorted(SIGNING_ALGS)}")
        return chosen


async def _store_difference(
    store: KeyStore,
    subkey: bytes,
    tenant_id: str,
    rows: Mapping[str, StoredSigningKey],
    after: Sequence[SigningKey],
) -> None:
    new = {k.kid: k for k in after}
    gone = [kid for kid in rows if kid not in new]
    if gone:
        await store.delete(tenant_id, gone)
    for kid, key in new.items():
        row = rows.get(kid)
        if row is None:
            await store.add(_seal(subkey, tenant_id, key))
        elif _lifecycle(row) != _lifecycle(key):
            await store.update(
                replace(
                    row,
                    state=key.state,
                    activated_at=key.activated_at,
                    retired_at=key.retired_at,
                    not_after=key.not_after,
                )
            )


def _lifecycle(key: StoredSigningKey | SigningKey) -> tuple[object, ...]:
    return (key.state, key.activated_at, key.retired_at, key.not_after)


def _rotation_planner(
    alg: str, policy: KeyPolicy, emergency: bool, keys: Sequence[SigningKey], now: datetime
) -> RotationPlan:
    return plan_rotation(
        keys,
        alg,
        now,
        jwks_cache_ttl=policy.jwks_cache_ttl,
        max_token_lifetime=policy.max_token_lifetime,
        emergency=emergency,
    )


def _ensure_planner(alg: str, keys: Sequence[SigningKey], now: datetime) -> RotationPlan:
    return plan_ensure(keys, alg, now)


def _seal(subkey: bytes, tenant_id: str, key: SigningKey) -> StoredSigningKey:
    return StoredSigningKey(
        tenant_id=tenant_id,
        kid=key.kid,
        alg=key.alg,
        state=key.state,
        created_at=key.created_at,
        activated_at=key.activated_at,
        retired_at=key.retired_at,
        not_after=key.not_after,
        public_jwk=dict(key.public_jwk),
        sealed_private_jwk=seal_private_jwk(
            subkey, tenant_id=tenant_id, kid=key.kid, private_jwk=key.private_jwk
        ),
    )


def _open(subkey: bytes, stored: StoredSigningKey) -> SigningKey:
    private = open_private_jwk(
        subkey, tenant_id=stored.tenant_id, kid=stored.kid, sealed=stored.sealed_private_jwk
    )
    return SigningKey(
        kid=stored.kid,
        alg=stored.alg,
        state=stored.state,
        created_at=stored.created_at,
        activated_at=stored.activated_at,
        retired_at=stored.retired_at,
        not_after=stored.not_after,
        private_jwk=private,
        public_jwk=dict(stored.public_jwk),
    )


def _info(stored: StoredSigningKey, now: datetime) -> KeyInfo:
    return KeyInfo(
        kid=stored.kid,
        alg=stored.alg,
        state=stored.state,
        created_at=stored.created_at,
        activated_at=stored.activated_at,
        retired_at=stored.retired_at,
        not_after=stored.not_after,
        published=is_published(stored, now),
        age_seconds=int((now - stored.created_at).total_seconds()),
    )

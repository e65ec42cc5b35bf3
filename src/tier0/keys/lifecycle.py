"""Pure key-rotation rules (JW-04; OIDC Core §10.1.1; FAPI 2.0 §5.4).

OIDC Core §10.1.1: "the signer can begin using a new key at its discretion and signals the
change to the verifier using the kid value" and verifiers re-fetch the JWKS on an unknown kid.
Caches make that racy, so a new key is published as ``next`` at least ``jwks_cache_ttl``
before it signs, and a retired key stays published until every token it signed has expired.
An emergency rotation gives that up on purpose: a compromised key is withdrawn at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from tier0.keys.model import (
    KeyRecord,
    KeyState,
    NoSigningKey,
    SigningKey,
    is_published,
    new_signing_key,
)

#: Matches verify_jwt's default leeway: a token is still accepted this long after ``exp``.
VERIFY_LEEWAY = timedelta(seconds=60)

KeyFactory = Callable[[str, KeyState, datetime], SigningKey]


@dataclass(frozen=True)
class Retirement:
    """Stop signing with ``kid``; publish it until ``not_after``."""

    kid: str
    not_after: datetime


@dataclass(frozen=True)
class RotationPlan:
    """What to do to one algorithm's keys. Empty tuples mean nothing to do."""

    alg: str
    create: tuple[KeyState, ...] = ()
    activate: tuple[str, ...] = ()
    retire: tuple[Retirement, ...] = ()
    purge: tuple[str, ...] = ()
    #: When the pending ``next`` key may start signing, if the rotation has to wait for it.
    ready_at: datetime | None = None
    emergency: bool = False

    @property
    def is_noop(self) -> bool:
        return not (self.create or self.activate or self.retire or self.purge)


def current_signer(keys: Iterable[SigningKey], alg: str, now: datetime) -> SigningKey:
    """The active key for ``alg`` (the most recently activated one)."""
    active = [
        k
        for k in keys
        if k.alg == alg
        and k.state is KeyState.ACTIVE
        and k.activated_at is not None
        and k.activated_at <= now
    ]
    if not active:
        raise NoSigningKey(f"no active {alg} signing key")
    return max(active, key=lambda k: (k.activated_at, k.created_at))


def published(keys: Iterable[KeyRecord], now: datetime) -> list[dict[str, Any]]:
    """The public JWKS members: active first, then next, then still-valid retired keys.

    Works on anything shaped like a key record, so the JWKS can be served from stored rows
    without opening a single private key.
    """
    order = {KeyState.ACTIVE: 0, KeyState.NEXT: 1, KeyState.RETIRED: 2}
    visible = sorted(
        (k for k in keys if is_published(k, now)),
        key=lambda k: (order[k.state], -k.created_at.timestamp(), k.kid),
    )
    return [dict(k.public_jwk) for k in visible]


def plan_ensure(keys: Sequence[SigningKey], alg: str, now: datetime) -> RotationPlan:
    """Keep ``alg`` usable: bootstrap a signer if none, keep a ``next`` key published, and
    purge retired keys whose tokens have all expired. Never retires a working key."""
    mine = [k for k in keys if k.alg == alg]
    purge = _expired(mine, now)
    active = [k for k in mine if k.state is KeyState.ACTIVE]
    nexts = _oldest_first(k for k in mine if k.state is KeyState.NEXT)
    if not active:
        return _bootstrap(alg, nexts, purge)
    create = () if nexts else (KeyState.NEXT,)
    return RotationPlan(alg=alg, create=create, purge=purge)


def plan_rotation(
    keys: Sequence[SigningKey],
    alg: str,
    now: datetime,
    *,
    jwks_cache_ttl: timedelta,
    max_token_lifetime: timedelta,
    emergency: bool = False,
) -> RotationPlan:
    """Plan a rotation of ``alg``'s signing key.

    Normal: the oldest ``next`` key that has been published for ``jwks_cache_ttl`` becomes
    active; the old active key retires and stays published for ``max_token_lifetime`` (plus
    verification leeway); a new ``next`` key is created. If no ``next`` key is ready yet the
    plan only makes sure one exists and says when it will be (``ready_at``).

    Emergency: every key of ``alg`` is withdrawn now (not published any more, so tokens it
    signed stop verifying) and a new active key and a new next key are created.
    """
    mine = [k for k in keys if k.alg == alg]
    if emergency:
        return _emergency(alg, mine, now)
    purge = _expired(mine, now)
    active = [k for k in mine if k.state is KeyState.ACTIVE]
    nexts = _oldest_first(k for k in mine if k.state is KeyState.NEXT)
    if not active:
        return _bootstrap(alg, nexts, purge)
    ready = [k for k in nexts if k.created_at + jwks_cache_ttl <= now]
    if not ready:
        if nexts:
            return RotationPlan(alg=alg, purge=purge, ready_at=nexts[0].created_at + jwks_cache_ttl)
        return RotationPlan(
            alg=alg, create=(KeyState.NEXT,), purge=purge, ready_at=now + jwks_cache_ttl
        )
    not_after = now + max_token_lifetime + VERIFY_LEEWAY
    promoted = ready[0]
    return RotationPlan(
        alg=alg,
        create=() if len(nexts) > 1 else (KeyState.NEXT,),
        activate=(promoted.kid,),
        retire=tuple(Retirement(k.kid, not_after) for k in active),
        purge=purge,
    )


def plan_revoke(keys: Sequence[SigningKey], kid: str, now: datetime) -> RotationPlan | None:
    """Withdraw one key at once (Auth0's ``PUT /keys/signing/{kid}/revoke``): it leaves the
    JWKS now, so every token it signed stops verifying. The alg keeps working: revoking the
    active key promotes a published ``next`` key at once (or makes a new active one), and a
    new ``next`` key replaces any withdrawn one. None when ``kid`` is not a published key."""
    target = next((k for k in keys if k.kid == kid and k.is_published(now)), None)
    if target is None:
        return None
    mine = [k for k in keys if k.alg == target.alg and k.kid != kid]
    nexts = _oldest_first(k for k in mine if k.state is KeyState.NEXT)
    create: tuple[KeyState, ...] = ()
    activate: tuple[str, ...] = ()
    if target.state is KeyState.ACTIVE and not any(k.state is KeyState.ACTIVE for k in mine):
        # A revoked signer is no reason to wait for caches: the next key is already public.
        if nexts:
            activate, nexts = (nexts[0].kid,), nexts[1:]
        else:
            create = (KeyState.ACTIVE,)
    if not nexts:
        create = (*create, KeyState.NEXT)
    return RotationPlan(
        alg=target.alg,
        create=create,
        activate=activate,
        retire=(Retirement(kid, now),),
        purge=_expired(mine, now),
        emergency=True,
    )


def apply_plan(
    keys: Sequence[SigningKey],
    plan: RotationPlan,
    now: datetime,
    *,
    make_key: KeyFactory = new_signing_key,
) -> list[SigningKey]:
    """The key set after ``plan``; new keys come from ``make_key(alg, state, now)``."""
    retire = {r.kid: r.not_after for r in plan.retire}
    out: list[SigningKey] = []
    for key in keys:
        if key.kid in plan.purge:
            continue
        if key.kid in retire:
            key = _retired(key, now, retire[key.kid])
        elif key.kid in plan.activate:
            key = replace(key, state=KeyState.ACTIVE, activated_at=now)
        out.append(key)
    out.extend(make_key(plan.alg, state, now) for state in plan.create)
    kids = [k.kid for k in out]
    if len(kids) != len(set(kids)):
        raise ValueError("duplicate kid in the key set")
    return out


def _retired(key: SigningKey, now: datetime, not_after: datetime) -> SigningKey:
    if key.not_after is not None:
        not_after = min(key.not_after, not_after)  # a retirement never extends publication
    return replace(
        key, state=KeyState.RETIRED, retired_at=key.retired_at or now, not_after=not_after
    )


def _bootstrap(alg: str, nexts: list[SigningKey], purge: tuple[str, ...]) -> RotationPlan:
    """No signer at all: nothing can have been signed, so availability wins over caches."""
    if nexts:
        create = () if len(nexts) > 1 else (KeyState.NEXT,)
        return RotationPlan(alg=alg, create=create, activate=(nexts[0].kid,), purge=purge)
    return RotationPlan(alg=alg, create=(KeyState.ACTIVE, KeyState.NEXT), purge=purge)


def _emergency(alg: str, mine: list[SigningKey], now: datetime) -> RotationPlan:
    withdraw = tuple(
        Retirement(k.kid, now)
        for k in mine
        if k.state is not KeyState.RETIRED or (k.not_after is not None and k.not_after > now)
    )
    return RotationPlan(
        alg=alg,
        create=(KeyState.ACTIVE, KeyState.NEXT),
        retire=withdraw,
        purge=_expired(mine, now),
        emergency=True,
    )


def _expired(keys: Iterable[SigningKey], now: datetime) -> tuple[str, ...]:
    return tuple(
        k.kid
        for k in keys
        if k.state is KeyState.RETIRED and k.not_after is not None and k.not_after <= now
    )


def _oldest_first(keys: Iterable[SigningKey]) -> list[SigningKey]:
    return sorted(keys, key=lambda k: (k.created_at, k.kid))

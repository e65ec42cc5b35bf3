"""Signing keys rotated by age (JW-04 schedule).

A key that has been active longer than ``signing_key_max_age_days`` is rotated through the
normal lifecycle: the next key, published in the JWKS for at least the cache TTL, becomes
active and the old one stays published until its tokens expire (OIDC Core §10.1.1: signers
"publish the new key" before using it). `tier0 serve` checks at start-up and
`tier0 key rotate-aged` on demand (for example from cron).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from tier0.audit.changes import ChangedBy
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.keys.model import KeyState
from tier0.services.keys import KeyService


@dataclass(frozen=True, slots=True)
class AgedRotation:
    tenant: str
    alg: str
    retired: tuple[str, ...]
    activated: tuple[str, ...]
    ready_at: str | None


async def rotate_aged_keys(
    keys: KeyService,
    tenants: Sequence[Tenant],
    max_age: timedelta,
    clock: Clock,
    *,
    by: ChangedBy,
) -> list[AgedRotation]:
    """Rotate every active key older than ``max_age``; return what was rotated."""
    done: list[AgedRotation] = []
    now = clock.now()
    for tenant in tenants:
        for info in await keys.list(tenant.id):
            since = info.activated_at or info.created_at
            if info.state is not KeyState.ACTIVE or now - since < max_age:
                continue
            plan = (await keys.rotate(tenant.id, alg=info.alg, by=by)).plan
            done.append(
                AgedRotation(
                    tenant=tenant.name,
                    alg=info.alg,
                    retired=tuple(r.kid for r in plan.retire),
                    activated=tuple(plan.activate),
                    ready_at=plan.ready_at.isoformat() if plan.ready_at else None,
                )
            )
    return done

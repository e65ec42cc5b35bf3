"""Forgetting an erased user's attack-protection state (DP-05).

Counter keys name a user only through a keyed hash of an identifier (see
:mod:`tier0.protection.keys`): brute-force counts and blocks, the account throttle, MFA and
reset-code guessing throttles, credential-stuffing "seen" markers and per-user rate limits.
Callers pass the tenant's name to some policies and its id to others, so both are hashed;
the hashes are 128-bit HMACs, so a token matches no other user's key.
"""

from __future__ import annotations

from collections.abc import Iterable

from tier0.cache.counters import CounterStore
from tier0.domain import Tenant
from tier0.protection.keys import KeyHasher


def counter_tokens(
    hasher: KeyHasher, tenant: Tenant, identifiers: Iterable[str | None]
) -> set[str]:
    """The keyed hashes under which counters about these identifiers are stored."""
    return {
        hasher.identifier(scope, identifier)
        for scope in (tenant.id, tenant.name)
        for identifier in identifiers
        if identifier
    }


async def forget_user_counters(
    counters: CounterStore, hasher: KeyHasher, tenant: Tenant, identifiers: Iterable[str | None]
) -> int:
    """Delete every counter keyed on one of the user's identifiers; return how many."""
    return await counters.forget_containing(counter_tokens(hasher, tenant, identifiers))

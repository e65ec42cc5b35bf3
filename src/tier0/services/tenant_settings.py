"""A tenant's own settings, as the management API, the CLI and ``tier0 apply`` change them.

One place validates every change and writes it in one audited transaction
(``management.tenants.updated``): the account switches (sign-up, required email
verification), the session timeouts (SE-03) and the default signing algorithm (JW-01).
Names and units are Auth0's: ``idle_session_lifetime`` and ``session_lifetime`` in hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tier0.audit.changes import ChangedBy
from tier0.clock import Clock
from tier0.domain import Tenant
from tier0.domain.tenant_settings import (
    SessionPolicy,
    chosen_signing_alg,
    hours,
    seconds_of_hours,
    signing_alg_from,
    tenant_signing_alg,
    with_default_signing_alg,
)
from tier0.login.account_policy import account_switches, with_account_switches
from tier0.services.keys import KeyService
from tier0.services.tenants import TenantService
from tier0.views import iso

__all__ = ["TenantSettingsChange", "TenantSettingsService"]


@dataclass(frozen=True, slots=True)
class TenantSettingsChange:
    """What to change; ``None`` leaves a setting as it is."""

    signup: bool | None = None
    require_verified_email: bool | None = None
    idle_session_lifetime: float | None = None
    """Hours a sign-in session may go unused (Auth0's name and unit; 0.5 is 30 minutes)."""
    session_lifetime: float | None = None
    """Hours after sign-in at which a session ends however active it is."""
    default_signing_alg: str | None = None
    """RS256, ES256, PS256 or EdDSA: signs the tokens that no API or application chose an
    algorithm for."""


class TenantSettingsService:
    def __init__(
        self,
        tenants: TenantService,
        keys: KeyService,
        sessions: SessionPolicy,
        clock: Clock,
        *,
        default_signing_alg: str,
    ) -> None:
        self._tenants = tenants
        self._keys = keys
        self._sessions = sessions
        self._clock = clock
        self._default_alg = default_signing_alg

    def view(self, tenant: Tenant) -> dict[str, Any]:
        """The settings as they take effect (deployment defaults filled in)."""
        timeouts = self._sessions.for_tenant(tenant)
        return {
            **account_switches(tenant),
            "idle_session_lifetime": hours(timeouts.idle),
            "session_lifetime": hours(timeouts.absolute),
            "default_signing_alg": chosen_signing_alg(tenant) or self._default_alg,
            "default_signing_alg_from": iso(signing_alg_from(tenant)),
        }

    def signing_alg(self, tenant: Tenant) -> str:
        """The algorithm signing the tenant's unclaimed tokens now (JW-04 timing applied)."""
        return tenant_signing_alg(tenant, self._default_alg, self._clock.now())

    def settings_after(self, tenant: Tenant, change: TenantSettingsChange) -> dict[str, Any]:
        """The tenant's settings with ``change`` made; InvalidInput names a bad field."""
        updated = with_account_switches(
            tenant.settings,
            signup=change.signup,
            require_verified_email=change.require_verified_email,
        )
        updated = self._sessions.with_timeouts(
            updated,
            idle=_maybe_seconds(change.idle_session_lifetime),
            absolute=_maybe_seconds(change.session_lifetime),
        )
        return with_default_signing_alg(updated, change.default_signing_alg)

    async def update(
        self, tenant: Tenant, change: TenantSettingsChange, *, by: ChangedBy
    ) -> Tenant:
        """Make ``change``; nothing is written (and no event) when nothing differs."""
        wanted = self.settings_after(tenant, change)
        if wanted == dict(tenant.settings):
            return tenant
        alg = change.default_signing_alg
        if alg is not None and alg != (chosen_signing_alg(tenant) or self._default_alg):
            # JW-04: the keyring holds an active key of the algorithm (and its successor),
            # and it signs only once every cached JWKS can have seen it; until then the
            # algorithm in use now goes on signing.
            signs_from = await self._keys.publish(tenant.id, alg, by=by)
            if signs_from > self._clock.now():
                wanted = with_default_signing_alg(
                    wanted, alg, replaces=self.signing_alg(tenant), signs_from=signs_from
                )
        return await self._tenants.update_settings(tenant, wanted, by=by)


def _maybe_seconds(value: float | None) -> Any:
    return None if value is None else seconds_of_hours(value)

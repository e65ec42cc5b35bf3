"""Per-tenant settings over the deployment's defaults: sign-in session timeouts (SE-03) and
the default signing algorithm (JW-01).

Both live in ``tenant.settings`` beside the other per-feature sections::

    {"sessions": {"idle_timeout": 1800, "absolute_timeout": 28800},
     "signing": {"default_alg": "ES256", "replaces": "RS256",
                 "signs_from": "2026-11-29T15:15:00+00:00"}}

Timeouts are stored in seconds; the management API and ``tier0 apply`` speak Auth0's
``idle_session_lifetime`` and ``session_lifetime`` in hours. A missing key means "the
deployment's default". Values are read defensively: a stored timeout that is not a whole
number of seconds falls back to the default, and one outside the deployment's limits is
clamped into them, so an older row (or a deployment moved to production mode) can never
make a session live longer than the limits allow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tier0.domain.tenants import Tenant
from tier0.errors import InvalidInput
from tier0.jose.algorithms import SIGNING_ALGS

__all__ = [
    "AAL2_ABSOLUTE",
    "AAL2_IDLE",
    "SessionLimits",
    "SessionPolicy",
    "SessionTimeouts",
    "chosen_signing_alg",
    "hours",
    "seconds_of_hours",
    "signing_alg_from",
    "tenant_signing_alg",
    "with_default_signing_alg",
]

#: NIST SP 800-63B-4 §2.2.3 (AAL2), SE-03: reauthenticate after at most 1 hour of inactivity
#: and 24 hours after sign-in. Production mode holds the deployment and every tenant to these.
AAL2_IDLE = timedelta(hours=1)
AAL2_ABSOLUTE = timedelta(hours=24)

_SESSIONS = "sessions"
_IDLE = "idle_timeout"
_ABSOLUTE = "absolute_timeout"
_SIGNING = "signing"
_DEFAULT_ALG = "default_alg"
_SIGNS_FROM = "signs_from"
_REPLACES = "replaces"


@dataclass(frozen=True, slots=True)
class SessionTimeouts:
    """How long a sign-in session may go unused (``idle``) and live at all (``absolute``)."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """The range a tenant's timeouts must stay in (the deployment's; see wiring)."""

    min_idle: timedelta
    max_idle: timedelta
    min_absolute: timedelta
    max_absolute: timedelta
    why: str = ""
    """Where the limits come from, for the error message (e.g. production mode)."""


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """The deployment's default timeouts and the limits tenants may choose within."""

    defaults: SessionTimeouts
    limits: SessionLimits

    def for_tenant(self, tenant: Tenant) -> SessionTimeouts:
        """The timeouts in force for ``tenant`` (cheap: no I/O, a dict lookup or two)."""
        return self._for_settings(tenant.settings)

    def _for_settings(self, settings: Mapping[str, Any]) -> SessionTimeouts:
        section = settings.get(_SESSIONS)
        if not isinstance(section, dict):
            return self.defaults
        lim = self.limits
        idle = _clamp(_stored(section, _IDLE), self.defaults.idle, lim.min_idle, lim.max_idle)
        absolute = _clamp(
            _stored(section, _ABSOLUTE), self.defaults.absolute, lim.min_absolute, lim.max_absolute
        )
        return SessionTimeouts(idle=min(idle, absolute), absolute=absolute)

    def with_timeouts(
        self,
        settings: Mapping[str, Any],
        *,
        idle: timedelta | None = None,
        absolute: timedelta | None = None,
    ) -> dict[str, Any]:
        """A copy of ``settings`` with the given timeouts (``None`` leaves one as it is).

        Raises :class:`InvalidInput` naming the Auth0 field when a value is outside the
        limits or the idle timeout would exceed the absolute one.
        """
        if idle is None and absolute is None:
            return dict(settings)
        lim = self.limits
        _check("idle_session_lifetime", idle, lim.min_idle, lim.max_idle, lim.why)
        _check("session_lifetime", absolute, lim.min_absolute, lim.max_absolute, lim.why)
        section = settings.get(_SESSIONS)
        current = dict(section) if isinstance(section, dict) else {}
        if idle is not None:
            current[_IDLE] = int(idle.total_seconds())
        if absolute is not None:
            current[_ABSOLUTE] = int(absolute.total_seconds())
        updated = {**settings, _SESSIONS: current}
        effective = self._for_settings(updated)
        wanted_idle = idle if idle is not None else effective.idle
        if wanted_idle > effective.absolute:
            raise InvalidInput(
                f"idle_session_lifetime ({_span(wanted_idle)}) exceeds session_lifetime "
                f"({_span(effective.absolute)})"
            )
        return updated


def hours(value: timedelta) -> float | int:
    """``value`` in hours, as Auth0 reports them (a whole number when it is one)."""
    result = value.total_seconds() / 3600
    return int(result) if result.is_integer() else result


def seconds_of_hours(value: float) -> timedelta:
    """Auth0 hours (fractions allowed: 0.5 is 30 minutes) as whole seconds."""
    if not math.isfinite(value) or value <= 0:
        raise InvalidInput("a session lifetime must be a positive number of hours")
    return timedelta(seconds=round(value * 3600))


def chosen_signing_alg(tenant: Tenant) -> str | None:
    """The default signing algorithm the tenant chose, if it chose one (allow-listed)."""
    section = tenant.settings.get(_SIGNING)
    return _allowed(section.get(_DEFAULT_ALG)) if isinstance(section, dict) else None


def tenant_signing_alg(tenant: Tenant, fallback: str, now: datetime) -> str:
    """The algorithm that signs ``tenant``'s tokens that name none (no API, no application
    choice) at ``now``.

    A newly chosen algorithm signs only from ``signs_from``, once its key has been in the
    JWKS for the relying parties' cache lifetime (JW-04); until then the algorithm it
    replaces keeps signing. A stored value outside the allow-list (it cannot be written,
    see :func:`with_default_signing_alg`) is ignored rather than signed with (JW-01), and an
    unreadable ``signs_from`` counts as "not yet".
    """
    section = tenant.settings.get(_SIGNING)
    if not isinstance(section, dict):
        return fallback
    alg = _allowed(section.get(_DEFAULT_ALG))
    if alg is None:
        return fallback
    if _SIGNS_FROM in section:
        starts = _time(section.get(_SIGNS_FROM))
        if starts is None or now < starts:
            return _allowed(section.get(_REPLACES)) or fallback
    return alg


def signing_alg_from(tenant: Tenant) -> datetime | None:
    """When the chosen default algorithm starts signing, if that is still to come or was
    recorded (None: it signed from the moment it was chosen)."""
    section = tenant.settings.get(_SIGNING)
    return _time(section.get(_SIGNS_FROM)) if isinstance(section, dict) else None


def with_default_signing_alg(
    settings: Mapping[str, Any],
    alg: str | None,
    *,
    replaces: str | None = None,
    signs_from: datetime | None = None,
) -> dict[str, Any]:
    """A copy of ``settings`` with the tenant's default signing algorithm (``None``: as it
    is). Only RS256, ES256, PS256 and EdDSA are accepted (JW-01: never ``none``, never HS*).

    ``signs_from`` (with the algorithm it ``replaces`` until then) delays the switch until
    relying parties have seen the new key; without it a new choice signs at once, and the
    same choice again leaves a pending switch as it is.
    """
    if alg is None:
        return dict(settings)
    if alg not in SIGNING_ALGS:
        raise InvalidInput(f"default_signing_alg must be one of {', '.join(sorted(SIGNING_ALGS))}")
    section = settings.get(_SIGNING)
    current = dict(section) if isinstance(section, dict) else {}
    if current.get(_DEFAULT_ALG) == alg and signs_from is None:
        return dict(settings)  # the same choice again: a pending switch stays pending
    current[_DEFAULT_ALG] = alg
    current.pop(_SIGNS_FROM, None)
    current.pop(_REPLACES, None)
    if signs_from is not None:
        current[_SIGNS_FROM] = signs_from.isoformat()
        current[_REPLACES] = replaces
    return {**settings, _SIGNING: current}


def _allowed(value: object) -> str | None:
    return value if isinstance(value, str) and value in SIGNING_ALGS else None


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _stored(section: Mapping[str, Any], key: str) -> timedelta | None:
    value = section.get(key)
    # bool is an int subclass; True is no timeout.
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return timedelta(seconds=value)


def _clamp(
    value: timedelta | None, default: timedelta, low: timedelta, high: timedelta
) -> timedelta:
    if value is None:
        return default
    return max(low, min(value, high))


def _check(field: str, value: timedelta | None, low: timedelta, high: timedelta, why: str) -> None:
    if value is not None and not low <= value <= high:
        where = f" {why}" if why else ""
        raise InvalidInput(
            f"{field} must be from {_span(low)} to {_span(high)}{where}; got {_span(value)}"
        )


def _span(value: timedelta) -> str:
    """A duration as people read it: hours when whole, else minutes (or seconds)."""
    seconds = int(value.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"

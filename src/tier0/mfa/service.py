"""Enrolling and checking second factors: TOTP and recovery codes (passkeys and email
codes have modules of their own; :meth:`MfaService.enrolled` and :meth:`reset` cover all).

Seeds are sealed with AES-256-GCM under a tenant subkey, bound to the factor's row (a seed
copied to another row or tenant does not open), and never leave this module except once, at
enrollment, for the user to scan. Guessing is throttled per user and per IP with the attack
protection's guessable-secret throttle before any code is checked (BF-04). Enrollment,
removal, every challenge and every recovery code are security events (:mod:`.events`).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field

import segno

from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.crypto.aead import aad_for, open_, seal
from tier0.crypto.random import random_id
from tier0.domain import Tenant
from tier0.domain.mfa import FactorKind, MfaFactor
from tier0.errors import InvalidInput, NotFound, Unavailable
from tier0.mfa import recovery, totp
from tier0.mfa.errors import InvalidCode
from tier0.mfa.events import MfaEvents
from tier0.protection.guessing import GuessThrottle, SecretKind
from tier0.services.keyring import TenantKeyring
from tier0.storage.ports import Database, UnitOfWork

SEED_PURPOSE = "mfa-seed"


__all__ = ["InvalidCode", "MfaService", "TotpEnrollment"]


@dataclass(frozen=True, slots=True)
class TotpEnrollment:
    """What the enrollment page shows once: the seed, its URI and a QR code of it."""

    factor_id: str
    seed: str = field(repr=False)
    uri: str = field(repr=False)
    qr_svg: str = field(repr=False)


def _qr_svg(uri: str) -> str:
    # Rendered here, never by a third-party service: the URI carries the seed.
    return str(segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff"))


class MfaService:
    def __init__(
        self,
        db: Database,
        keyring: TenantKeyring,
        clock: Clock,
        throttle: GuessThrottle,
        events: MfaEvents | None = None,
    ) -> None:
        self._db = db
        self._keyring = keyring
        self._clock = clock
        self._throttle = throttle
        self._events = events or MfaEvents(db, None, clock)

    async def _seal(self, tenant_id: str, factor_id: str, seed: str) -> str:
        key = await self._keyring.subkey(tenant_id, SEED_PURPOSE)
        aad = aad_for(tenant_id, "mfa_factors", "sealed_secret", factor_id)
        return base64.b64encode(seal(key, seed.encode("ascii"), aad=aad)).decode("ascii")

    async def _open(self, factor: MfaFactor) -> str:
        key = await self._keyring.subkey(factor.tenant_id, SEED_PURPOSE)
        aad = aad_for(factor.tenant_id, "mfa_factors", "sealed_secret", factor.id)
        return open_(key, base64.b64decode(factor.sealed_secret or ""), aad=aad).decode("ascii")

    async def factors(self, tenant: Tenant, user_id: str) -> Sequence[MfaFactor]:
        async with self._db.read() as uow:
            return await uow.mfa.list_for_user(tenant.id, user_id)

    async def enrolled(self, tenant: Tenant, user_id: str, uow: UnitOfWork | None = None) -> bool:
        """Whether the user has a second factor: a confirmed app or a passkey. Read in
        ``uow`` when given (the sign-in's transaction), else in one read of its own."""
        if uow is not None:
            return await _enrolled(uow, tenant.id, user_id)
        async with self._db.read() as own:
            return await _enrolled(own, tenant.id, user_id)

    async def has_totp(self, tenant: Tenant, user_id: str) -> bool:
        return any(f.confirmed for f in await self.factors(tenant, user_id))

    async def recovery_codes_left(self, tenant: Tenant, user_id: str) -> int:
        async with self._db.read() as uow:
            return await uow.mfa.recovery_codes_left(tenant.id, user_id)

    async def enroll_totp(self, tenant: Tenant, user_id: str, *, account: str) -> TotpEnrollment:
        """Start a TOTP enrollment; it counts only once confirmed with a code."""
        now = self._clock.now()
        factor_id = random_id("mfa_")
        seed = totp.new_seed()
        factor = MfaFactor(
            tenant_id=tenant.id,
            id=factor_id,
            user_id=user_id,
            kind=FactorKind.TOTP,
            sealed_secret=await self._seal(tenant.id, factor_id, seed),
            created_at=now,
        )
        async with self._db.transaction() as uow:
            for old in await uow.mfa.list_for_user(tenant.id, user_id):
                if not old.confirmed:  # an abandoned enrollment
                    await uow.mfa.delete(tenant.id, old.id)
            await uow.mfa.add(factor)
        uri = totp.otpauth_uri(seed, account=account, issuer=tenant.display_name)
        return TotpEnrollment(factor_id, seed, uri, _qr_svg(uri))

    async def confirm_totp(
        self, tenant: Tenant, user_id: str, factor_id: str, code: str, *, ip: str
    ) -> list[str]:
        """Confirm an enrollment with a first code; returns fresh recovery codes (shown once)."""
        async with self._db.read() as uow:
            factor = await uow.mfa.get(tenant.id, factor_id)
        if factor is None or factor.user_id != user_id or factor.confirmed:
            raise NotFound("no such enrollment")
        await self._check_totp(tenant, factor, code, ip=ip)
        codes = recovery.new_codes()
        hashes = await self._recovery_hashes(tenant, codes)
        async with self._db.transaction() as uow:
            await uow.mfa.confirm(tenant.id, factor_id, self._clock.now())
            await uow.mfa.replace_recovery_codes(tenant.id, user_id, hashes, self._clock.now())
            await self._events.record(
                uow, EventType.MFA_ENROLLMENT_COMPLETED, tenant.id, user_id, ip=ip, factor="totp"
            )
        return codes

    async def _recovery_hashes(self, tenant: Tenant, codes: Sequence[str]) -> list[str]:
        key = await self._keyring.hash_key(tenant.id)
        return [key.digest(recovery.normalize(c), purpose=recovery.PURPOSE) for c in codes]

    async def regenerate_recovery_codes(self, tenant: Tenant, user_id: str) -> list[str]:
        """A new set; the old one dies in the same transaction (MF-02)."""
        if not await self.enrolled(tenant, user_id):
            raise InvalidInput("recovery codes need an enrolled factor")
        codes = recovery.new_codes()
        hashes = await self._recovery_hashes(tenant, codes)
        async with self._db.transaction() as uow:
            await uow.mfa.replace_recovery_codes(tenant.id, user_id, hashes, self._clock.now())
        return codes

    async def _guarded(self, kind: SecretKind, tenant: Tenant, user_id: str, ip: str) -> None:
        verdict = await self._throttle.check(kind, tenant.id, ip=ip, subject=user_id)
        if verdict.throttled:
            await self._events.emit(
                EventType.MFA_RATE_LIMIT_EXCEEDED, tenant.id, user_id, ip=ip, factor=kind.value
            )
            raise Unavailable("too many attempts; try again later", retry_after=verdict.retry_after)

    async def _check_totp(self, tenant: Tenant, factor: MfaFactor, code: str, *, ip: str) -> None:
        await self._guarded(SecretKind.TOTP, tenant, factor.user_id, ip)
        step = totp.matching_step(
            await self._open(factor), code, self._clock.now(), last_step=factor.last_step
        )
        accepted = False
        if step is not None:
            async with self._db.transaction() as uow:
                accepted = await uow.mfa.advance_step(tenant.id, factor.id, step)
                if accepted and factor.confirmed:
                    await self._events.record(
                        uow, EventType.MFA_CHALLENGE_SUCCEEDED, tenant.id, factor.user_id,
                        ip=ip, factor="totp",
                    )  # fmt: skip
        if not accepted:
            await self._throttle.record_failure(
                SecretKind.TOTP, tenant.id, ip=ip, subject=factor.user_id
            )
            await self._events.emit(
                EventType.MFA_CHALLENGE_FAILED, tenant.id, factor.user_id, ip=ip, factor="totp"
            )
            raise InvalidCode()
        await self._throttle.record_success(SecretKind.TOTP, tenant.id, subject=factor.user_id)

    async def verify(self, tenant: Tenant, user_id: str, code: str, *, ip: str) -> str:
        """Check a second-factor code; returns the RFC 8176 `amr` value it proves
        (`otp` for an authenticator app, `mfa` alone for a recovery code)."""
        cleaned = code.strip()
        factors = [f for f in await self.factors(tenant, user_id) if f.confirmed]
        if cleaned.replace(" ", "").isdigit():
            for factor in factors:
                if factor.kind is FactorKind.TOTP:
                    await self._check_totp(tenant, factor, cleaned, ip=ip)
                    return "otp"
            raise InvalidCode()
        await self._guarded(SecretKind.RECOVERY_CODE, tenant, user_id, ip)
        (digest,) = await self._recovery_hashes(tenant, [cleaned])
        async with self._db.transaction() as uow:
            used = await uow.mfa.use_recovery_code(tenant.id, user_id, digest, self._clock.now())
            if used:
                left = await uow.mfa.recovery_codes_left(tenant.id, user_id)
                await self._events.record(
                    uow, EventType.MFA_RECOVERY_SUCCEEDED, tenant.id, user_id, ip=ip, left=left
                )
        if not used:
            await self._throttle.record_failure(
                SecretKind.RECOVERY_CODE, tenant.id, ip=ip, subject=user_id
            )
            await self._events.emit(EventType.MFA_RECOVERY_FAILED, tenant.id, user_id, ip=ip)
            raise InvalidCode()
        await self._throttle.record_success(SecretKind.RECOVERY_CODE, tenant.id, subject=user_id)
        return "mfa"

    async def reset(self, tenant: Tenant, user_id: str) -> int:
        """Remove every factor (apps, passkeys) and recovery code of a user."""
        async with self._db.transaction() as uow:
            removed = await uow.mfa.delete_for_user(tenant.id, user_id)
            removed += await uow.passkeys.delete_for_user(tenant.id, user_id)
            await uow.email_codes.delete(tenant.id, user_id)
            if removed:
                await self._events.record(
                    uow, EventType.MFA_FACTOR_REMOVED, tenant.id, user_id, factor="all",
                    count=removed,
                )  # fmt: skip
        return removed

    async def required(self, tenant: Tenant, user_id: str, *, ip: str | None) -> None:
        """Note that a sign-in (or step-up) now waits for this user's second factor."""
        await self._events.emit(EventType.MFA_REQUIRED, tenant.id, user_id, ip=ip)


async def _enrolled(uow: UnitOfWork, tenant_id: str, user_id: str) -> bool:
    return await uow.mfa.has_second_factor(tenant_id, user_id)

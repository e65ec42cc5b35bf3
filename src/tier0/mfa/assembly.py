"""Building the MFA services from the container's parts."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from tier0.audit.log import AuditLog
from tier0.clock import Clock
from tier0.mail.account import AccountMailer
from tier0.mfa.admin import FactorAdmin
from tier0.mfa.email_code import EmailCodes
from tier0.mfa.events import MfaEvents
from tier0.mfa.passkeys import PasskeyService, RelyingParty
from tier0.mfa.service import MfaService
from tier0.protection.guessing import GuessThrottle
from tier0.services.keyring import TenantKeyring
from tier0.storage.ports import Database

__all__ = ["MfaParts", "build_mfa", "relying_party"]


@dataclass(frozen=True, slots=True)
class MfaParts:
    service: MfaService
    passkeys: PasskeyService
    email: EmailCodes
    admin: FactorAdmin


def relying_party(public_url: str) -> RelyingParty:
    """WebAuthn's RP ID is the host of ``TIER0_PUBLIC_URL`` and the only accepted origin is
    that URL's origin (WebAuthn L2 §7.1 steps 9 and 13)."""
    parts = urlsplit(public_url)
    return RelyingParty(rp_id=parts.hostname or "", origin=f"{parts.scheme}://{parts.netloc}")


def build_mfa(
    db: Database,
    keyring: TenantKeyring,
    clock: Clock,
    *,
    throttle: GuessThrottle,
    mailer: AccountMailer,
    audit: AuditLog,
    public_url: str,
) -> MfaParts:
    events = MfaEvents(db, audit, clock)
    return MfaParts(
        service=MfaService(db, keyring, clock, throttle, events),
        passkeys=PasskeyService(db, keyring, clock, events, relying_party(public_url)),
        email=EmailCodes(db, keyring, clock, throttle, mailer, events),
        admin=FactorAdmin(db, audit, clock),
    )

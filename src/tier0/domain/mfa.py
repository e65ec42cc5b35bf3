"""Enrolled authentication factors of a user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class FactorKind(StrEnum):
    TOTP = "totp"


@dataclass(frozen=True, slots=True)
class MfaFactor:
    """One enrolled factor. A TOTP seed is kept only sealed (AES-256-GCM, tenant subkey)."""

    tenant_id: str
    id: str
    user_id: str
    kind: FactorKind
    sealed_secret: str | None = field(default=None, repr=False)
    last_step: int | None = None
    confirmed_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


@dataclass(frozen=True, slots=True)
class Passkey:
    """A WebAuthn credential (passkey or security key) registered by a user.

    Only public data: the credential id, its COSE public key, the authenticator's
    signature counter, the transports the browser reported and the authenticator model
    (AAGUID). ``backed_up`` says the credential is synced across devices (a multi-device
    passkey), which decides its RFC 8176 ``amr`` value (``swk`` rather than ``hwk``).
    """

    tenant_id: str
    id: str
    user_id: str
    credential_id: str
    public_key: bytes = field(repr=False)
    sign_count: int = 0
    transports: tuple[str, ...] = ()
    aaguid: str = ""
    backed_up: bool = False
    name: str = "Passkey"
    created_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def amr(self) -> str:
        """RFC 8176: ``hwk`` for a key bound to one device, ``swk`` for a synced one."""
        return "swk" if self.backed_up else "hwk"


@dataclass(frozen=True, slots=True)
class EmailCode:
    """The live email one-time code of a user: its keyed hash only, and when it dies."""

    tenant_id: str
    user_id: str
    code_hash: str = field(repr=False)
    created_at: datetime
    expires_at: datetime

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

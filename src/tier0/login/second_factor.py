"""The step between a right password and a session, for users with a second factor.

A correct password alone never yields a session or a code (MF-04). The flow seals "this
browser proved the password of user U at time T" under a tenant subkey, bound to the tenant
and the browser's binding cookie, valid for five minutes, and carries it in the one-time
code form; only a valid code turns it into a session whose `amr` says what was proved.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tier0.clock import Clock
from tier0.crypto.aead import DecryptionError, open_, seal
from tier0.login.interactions import InteractionError, SubkeySource
from tier0.protocol.endpoints.authorize import ValidatedAuthorization
from tier0.protocol.endpoints.discovery import MFA_ACR

__all__ = ["MFA_ACR", "PasswordVerified", "PendingSealer", "amr_after", "wants_mfa"]

PURPOSE = "login-second-factor"
LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class PasswordVerified:
    """The password was right; a second factor is due before any session exists."""

    user_id: str
    auth_time: datetime
    #: The tenant requires MFA and the user has no factor: enroll one first.
    enroll: bool = False
    #: The label for the authenticator app (the email); not sealed into the form.
    account: str = field(default="", repr=False)
    #: What the first step proved: the password, or a live session's methods (step-up).
    first: tuple[str, ...] = ("pwd",)


def amr_after(method: str, first: tuple[str, ...] = ("pwd",)) -> tuple[str, ...]:
    """RFC 8176 values for the first step plus the second factor ``method`` proved."""
    proved = [m for m in first if m != "mfa"]
    if method != "mfa" and method not in proved:
        proved.append(method)
    return (*proved, "mfa")


def wants_mfa(authorization: ValidatedAuthorization) -> bool:
    """Whether the client asked for multi-factor assurance with ``acr_values`` (OIDC Core
    §3.1.2.1). tier0 treats it as required, as Auth0 does: a session without a second
    factor is stepped up, never answered with a lower ``acr``."""
    return MFA_ACR in authorization.acr_values


def _aad(tenant_id: str, binding: str) -> bytes:
    return f"tier0-second-factor\x1f{tenant_id}\x1f{binding}".encode()


class PendingSealer:
    def __init__(self, keys: SubkeySource, clock: Clock) -> None:
        self._keys = keys
        self._clock = clock

    async def seal(self, tenant_id: str, binding: str, verified: PasswordVerified) -> str:
        body = {
            "sub": verified.user_id,
            "auth_time": int(verified.auth_time.timestamp()),
            "enroll": verified.enroll,
            "first": list(verified.first),
            "exp": int((self._clock.now() + LIFETIME).timestamp()),
        }
        key = await self._keys.subkey(tenant_id, PURPOSE)
        blob = seal(key, json.dumps(body).encode(), aad=_aad(tenant_id, binding))
        return base64.urlsafe_b64encode(blob).decode("ascii")

    async def open(
        self, tenant_id: str, binding: str | None, token: str | None
    ) -> PasswordVerified:
        if not binding or not token or len(token) > 1024:
            raise InteractionError("no pending sign-in")
        key = await self._keys.subkey(tenant_id, PURPOSE)
        try:
            body = json.loads(
                open_(key, base64.urlsafe_b64decode(token.encode()), aad=_aad(tenant_id, binding))
            )
        except (DecryptionError, binascii.Error, UnicodeError, ValueError) as exc:
            raise InteractionError("unreadable pending sign-in") from exc
        if int(body["exp"]) <= int(self._clock.now().timestamp()):
            raise InteractionError("pending sign-in expired")
        return PasswordVerified(
            str(body["sub"]),
            datetime.fromtimestamp(body["auth_time"], UTC),
            enroll=bool(body.get("enroll", False)),
            first=tuple(str(m) for m in body.get("first", ["pwd"])),
        )

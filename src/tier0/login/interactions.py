"""The pending authorization request while the end-user signs in.

The validated request (:class:`ValidatedAuthorization`) is sealed with AES-256-GCM
under a tenant subkey and carried in the sign-in form; the associated data binds it to
the tenant and to this browser's binding cookie, and it carries its own expiry. So the
login POST resumes exactly the request that was validated: a changed ``redirect_uri``,
scope or PKCE challenge does not open, nor does a record from another browser. Nothing
needs to be stored or shared between nodes for it (DESIGN.md §6, scale-out).

Opening it again is harmless: each resume needs a successful sign-in (or live session)
and issues a fresh single-use code.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any, Protocol

from tier0.clock import Clock
from tier0.crypto.aead import DecryptionError, open_, seal
from tier0.protocol.checks.prompt import Prompt
from tier0.protocol.checks.response import ResponseMode
from tier0.protocol.endpoints.authorize import ValidatedAuthorization

__all__ = ["InteractionError", "InteractionSealer", "open_interaction", "seal_interaction"]

SUBKEY_PURPOSE = "login-interaction"
LIFETIME = timedelta(minutes=10)
MAX_RECORD_CHARS = 16_384


_FIELDS = fields(ValidatedAuthorization)


class InteractionError(Exception):
    """The sign-in form's request record is missing, tampered, foreign or expired."""


def _aad(tenant_id: str, binding: str) -> bytes:
    return f"tier0-interaction\x1f{tenant_id}\x1f{binding}".encode()


def seal_interaction(
    key: bytes,
    *,
    tenant_id: str,
    binding: str,
    authorization: ValidatedAuthorization,
    expires_at: datetime,
) -> str:
    """The sealed record, as URL-safe base64 for a hidden form field."""
    # A shallow copy: every field is a plain value (``asdict`` deep-copies each one, and
    # was the dearest step of rendering the sign-in page).
    body: dict[str, Any] = {f.name: getattr(authorization, f.name) for f in _FIELDS}
    body["prompt"] = sorted(p.value for p in authorization.prompt)
    body["response_mode"] = authorization.response_mode.value
    body["exp"] = int(expires_at.timestamp())
    plaintext = json.dumps(body, separators=(",", ":")).encode()
    blob = seal(key, plaintext, aad=_aad(tenant_id, binding))
    return base64.urlsafe_b64encode(blob).decode("ascii")


def open_interaction(
    key: bytes, *, tenant_id: str, binding: str | None, record: str | None, now: datetime
) -> ValidatedAuthorization:
    """The request sealed in ``record``; :class:`InteractionError` on any problem."""
    if not binding or not record or len(record) > MAX_RECORD_CHARS:
        raise InteractionError("no interaction record")
    try:
        blob = base64.urlsafe_b64decode(record.encode("ascii"))
        body = json.loads(open_(key, blob, aad=_aad(tenant_id, binding)))
    except (DecryptionError, binascii.Error, UnicodeError, ValueError) as exc:
        raise InteractionError("unreadable interaction record") from exc
    if int(body.pop("exp")) <= int(now.timestamp()):
        raise InteractionError("interaction expired")
    body["prompt"] = frozenset(Prompt(p) for p in body["prompt"])
    body["response_mode"] = ResponseMode(body["response_mode"])
    body["scope"] = tuple(body["scope"])
    body["acr_values"] = tuple(body.get("acr_values", ()))
    return ValidatedAuthorization(**body)


class SubkeySource(Protocol):
    async def subkey(self, tenant_id: str, purpose: str) -> bytes: ...


class InteractionSealer:
    """Seals and opens interaction records under each tenant's subkey, with the clock."""

    def __init__(self, keys: SubkeySource, clock: Clock, lifetime: timedelta = LIFETIME) -> None:
        self._keys = keys
        self._clock = clock
        self._lifetime = lifetime

    async def seal(
        self, tenant_id: str, binding: str, authorization: ValidatedAuthorization
    ) -> str:
        return seal_interaction(
            await self._keys.subkey(tenant_id, SUBKEY_PURPOSE),
            tenant_id=tenant_id,
            binding=binding,
            authorization=authorization,
            expires_at=self._clock.now() + self._lifetime,
        )

    async def open(
        self, tenant_id: str, binding: str | None, record: str | None
    ) -> ValidatedAuthorization:
        """The sealed request; :class:`InteractionError` if it does not open."""
        return open_interaction(
            await self._keys.subkey(tenant_id, SUBKEY_PURPOSE),
            tenant_id=tenant_id,
            binding=binding,
            record=record,
            now=self._clock.now(),
        )

"""Signing keys: what an operator sees of them (never a private member)."""

from __future__ import annotations

from typing import Literal

from tier0.management.schemas.common import Out, Strict

SigningAlg = Literal["RS256", "ES256", "PS256", "EdDSA"]


class RotateBody(Strict):
    """Which algorithm's key to rotate; the tenant's default when left out."""

    alg: SigningAlg | None = None


class SigningKeyOut(Out):
    kid: str
    alg: str
    state: str
    current: bool
    next: bool
    previous: bool
    published: bool
    created_at: str | None
    current_since: str | None
    retired_at: str | None
    current_until: str | None


class RotationOut(Out):
    """`activated` is empty when the next key has not been published long enough yet;
    `ready_at` says when it will be (JWKS caches must see a key before it signs)."""

    alg: str
    emergency: bool
    activated: list[str]
    retired: list[str]
    ready_at: str | None
    keys: list[SigningKeyOut]


class RevocationOut(Out):
    """The revoked key (Auth0 answers its `kid`) and the tenant's keys after the change:
    the revoked one is gone from the JWKS; `activated` names a key promoted to sign."""

    kid: str
    alg: str
    revoked_at: str | None
    activated: list[str]
    keys: list[SigningKeyOut]

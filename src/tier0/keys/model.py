"""The signing key as the lifecycle sees it (JW-04)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from tier0.jose.algorithms import DEFAULT_RSA_BITS
from tier0.jose.keys import generate_private_jwk, public_jwk

#: Members that must never appear in a published JWK (RFC 7517 §9.2; JW-04).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class KeyState(StrEnum):
    """Where a key is in its life.

    ``next``: published, not yet signing (relying parties pick it up from the JWKS).
    ``active``: signing new tokens. ``retired``: no longer signs; published until
    ``not_after``, when the last token it signed has expired.
    """

    NEXT = "next"
    ACTIVE = "active"
    RETIRED = "retired"


class KeyRecord(Protocol):
    """What publication needs to know of a key (a SigningKey or a stored row)."""

    @property
    def kid(self) -> str: ...
    @property
    def state(self) -> KeyState: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def not_after(self) -> datetime | None: ...
    @property
    def public_jwk(self) -> Mapping[str, Any]: ...


def is_published(key: KeyRecord, now: datetime) -> bool:
    """Next and active keys are published; a retired one until ``not_after`` (JW-04: kept
    until the tokens it signed have expired)."""
    if key.state is not KeyState.RETIRED:
        return True
    return key.not_after is not None and now < key.not_after


class NoSigningKey(LookupError):
    """No active key exists for the requested algorithm."""


@dataclass(frozen=True)
class SigningKey:
    """One signing key of one tenant. The private JWK never shows in a repr."""

    kid: str
    alg: str
    state: KeyState
    created_at: datetime
    activated_at: datetime | None
    retired_at: datetime | None
    #: When the last token this key signed expires; after it the key is no longer published.
    not_after: datetime | None
    private_jwk: Mapping[str, Any] = field(repr=False, compare=False)
    public_jwk: Mapping[str, Any]

    def __post_init__(self) -> None:
        stamps = (self.created_at, self.activated_at, self.retired_at, self.not_after)
        if any(t is not None and t.tzinfo is None for t in stamps):
            raise ValueError("signing-key timestamps must be timezone-aware")
        if PRIVATE_MEMBERS & self.public_jwk.keys():
            raise ValueError("public_jwk holds private members")
        if self.public_jwk.get("kid") != self.kid or self.private_jwk.get("kid") != self.kid:
            raise ValueError("kid differs between the key and its JWKs")
        if self.state is KeyState.ACTIVE and self.activated_at is None:
            raise ValueError("an active key needs activated_at")
        if self.state is KeyState.RETIRED and (self.retired_at is None or self.not_after is None):
            raise ValueError("a retired key needs retired_at and not_after")

    def is_published(self, now: datetime) -> bool:
        """Next and active keys are published; retired ones until ``not_after``."""
        return is_published(self, now)

    def age(self, now: datetime) -> timedelta:
        """How long ago the key was created (and first published)."""
        return now - self.created_at


def new_kid() -> str:
    """A random, unguessable key id (128 bits from ``secrets``); never derived from the key.

    The ``k`` prefix keeps ids from starting with ``-``, which a shell command line
    (``tier0 key revoke KID``) would read as an option."""
    return "k" + secrets.token_urlsafe(16)


def new_signing_key(
    alg: str, state: KeyState, now: datetime, *, rsa_bits: int = DEFAULT_RSA_BITS
) -> SigningKey:
    """Generate a fresh key for ``alg`` in state ``next`` or ``active``."""
    if state is KeyState.RETIRED:
        raise ValueError("a new key is next or active, never retired")
    kid = new_kid()
    private = generate_private_jwk(alg, kid, rsa_bits=rsa_bits)
    return SigningKey(
        kid=kid,
        alg=alg,
        state=state,
        created_at=now,
        activated_at=now if state is KeyState.ACTIVE else None,
        retired_at=None,
        not_after=None,
        private_jwk=private,
        public_jwk=public_jwk(private),
    )

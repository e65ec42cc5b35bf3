"""OpenID Connect ID tokens (OIDC Core §2, §3.1.3.6, §5.4).

OIDC Core §2 requires ``iss``, ``sub``, ``aud`` (containing the client_id), ``exp`` and
``iat``; ``auth_time`` "when a max_age request is made or when auth_time is requested as an
Essential Claim" (tier0 always sends it, so relying parties can enforce ``max_age``);
``nonce``: "If present in the Authentication Request, Authorization Servers MUST include a
nonce Claim in the ID Token with the Claim Value being the nonce value sent in the
Authentication Request" (OA-04). ``acr``/``amr`` only when known: they must be truthful
(MF-04). ``at_hash`` (§3.1.3.6): the base64url of the left half of the hash of the access
token, the hash being the one of the ID token's ``alg``.

Profile and email claims are added when the granted scopes ask for them (OIDC Core §5.4):
the code flow returns them in the ID token too, as Auth0 does.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tier0.clock import epoch
from tier0.domain import User
from tier0.jose import JwtSigner
from tier0.jose.algorithms import RS256
from tier0.jose.typ import TYP_ID_TOKEN

__all__ = ["IdTokenSpec", "at_hash", "mint_id_token", "user_claims"]

#: OIDC Core §5.4: the claims each scope asks for (those tier0 holds).
_PROFILE = ("name", "given_name", "family_name", "nickname", "picture")


def at_hash(access_token: str, alg: str = RS256) -> str:
    """OIDC Core §3.1.3.6 ``at_hash``: left half of the ``alg`` hash, base64url.

    Every algorithm tier0 signs ID tokens with (RS256, ES256, PS256) uses SHA-256; for EdDSA
    over Ed25519 the OpenID Foundation's resolution is SHA-512.
    """
    digest_fn = hashlib.sha512 if alg in ("EdDSA", "Ed25519") else hashlib.sha256
    digest = digest_fn(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")


def user_claims(user: User, scope: tuple[str, ...]) -> dict[str, Any]:
    """The standard claims about ``user`` that ``scope`` asks for (OIDC Core §5.4)."""
    claims: dict[str, Any] = {}
    if "profile" in scope:
        for name in _PROFILE:
            value = getattr(user, name)
            if value is not None:
                claims[name] = value
        if user.updated_at is not None:
            claims["updated_at"] = epoch(user.updated_at)
    if "email" in scope:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified
    return claims


@dataclass(frozen=True, slots=True)
class IdTokenSpec:
    """What one ID token says."""

    tenant_id: str
    issuer: str
    client_id: str
    user: User
    scope: tuple[str, ...]
    lifetime: timedelta
    auth_time: datetime | None
    nonce: str | None = None
    access_token: str | None = field(default=None, repr=False)
    acr: str | None = None
    amr: tuple[str, ...] = ()
    sid: str | None = None
    signing_alg: str = RS256


def _claims(spec: IdTokenSpec, now: datetime) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": spec.issuer,
        "sub": spec.user.user_id,
        "aud": spec.client_id,
        "iat": epoch(now),
        "exp": epoch(now + spec.lifetime),
    }
    optional: dict[str, Any] = {
        "auth_time": epoch(spec.auth_time) if spec.auth_time else None,
        "nonce": spec.nonce,
        "acr": spec.acr,
        "amr": list(spec.amr) if spec.amr else None,
        "sid": spec.sid,
        "at_hash": at_hash(spec.access_token, spec.signing_alg) if spec.access_token else None,
    }
    claims.update({name: value for name, value in optional.items() if value is not None})
    claims.update(user_claims(spec.user, spec.scope))
    return claims


def mint_id_token(spec: IdTokenSpec, *, signer: JwtSigner, now: datetime) -> str:
    """Sign an ID token (``typ: JWT``) with ``signer``; its alg must be ``spec.signing_alg``."""
    if signer.alg != spec.signing_alg:
        raise ValueError("the ID token key does not match its signing_alg")
    return signer.sign(_claims(spec, now), typ=TYP_ID_TOKEN)

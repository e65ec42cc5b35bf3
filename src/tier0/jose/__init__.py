"""JOSE for tier0: JWS/JWK/JWT on top of joserfc, behind per-token-kind allow-lists.

Nothing outside this package (and ``tier0.crypto``) touches ``cryptography.hazmat`` or joserfc
directly; callers sign and verify through :func:`sign_jwt` and :func:`verify_jwt`.
"""

from __future__ import annotations

from tier0.jose.errors import InvalidJwt, JoseError
from tier0.jose.jwt import peek_header, sign_jwt, verify_jwt
from tier0.jose.keys import generate_private_jwk, public_jwk, thumbprint
from tier0.jose.signer import JwtSigner

__all__ = [
    "InvalidJwt",
    "JoseError",
    "JwtSigner",
    "generate_private_jwk",
    "peek_header",
    "public_jwk",
    "sign_jwt",
    "thumbprint",
    "verify_jwt",
]

"""A signing key imported once and reused for many JWTs.

:func:`tier0.jose.sign_jwt` imports the private JWK on every call. For an RSA key that import
validates the key (cryptography checks the private numbers), which costs far more than the
signature itself; a token endpoint signing thousands of tokens a second keeps one
:class:`JwtSigner` per key instead. The rules are the same as ``sign_jwt``'s: the key's own
``alg`` (asymmetric only) and ``kid``, an explicit ``typ``, no ``crit``/``b64``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from joserfc import jwt as rfc_jwt

from tier0.jose.algorithms import require_asymmetric
from tier0.jose.keys import import_key

from ._registry import AllowListRegistry

__all__ = ["JwtSigner"]

_OWN_HEADER = frozenset({"alg", "kid", "typ"})
_REFUSED_HEADER = frozenset({"crit", "b64"})


class JwtSigner:
    """Signs compact JWTs with one private key. Its repr never shows the key."""

    __slots__ = ("_alg", "_key", "_kid", "_registry")

    def __init__(self, private_jwk: Mapping[str, Any]) -> None:
        alg, kid = private_jwk.get("alg"), private_jwk.get("kid")
        if not isinstance(alg, str) or not isinstance(kid, str) or not kid:
            raise ValueError("the signing JWK needs alg and kid")
        self._registry = AllowListRegistry(require_asymmetric(frozenset({alg})))
        self._key = import_key(private_jwk)
        if not self._key.is_private:
            raise ValueError("signing needs a private JWK")
        self._alg, self._kid = alg, kid

    def __repr__(self) -> str:
        return f"JwtSigner(alg={self._alg!r}, kid={self._kid!r})"

    @property
    def alg(self) -> str:
        return self._alg

    @property
    def kid(self) -> str:
        return self._kid

    def sign(
        self,
        claims: Mapping[str, Any],
        *,
        typ: str,
        extra_header: Mapping[str, Any] | None = None,
    ) -> str:
        """A compact JWS of ``claims`` with header ``alg``, ``kid`` and ``typ``."""
        header: dict[str, Any] = dict(extra_header or {})
        clash = (_OWN_HEADER | _REFUSED_HEADER) & header.keys()
        if clash:
            raise ValueError(f"extra_header may not set {sorted(clash)}")
        header.update(alg=self._alg, kid=self._kid, typ=typ)
        # RFC 7519 §2 NumericDate is a JSON number: NaN and Infinity are not JSON.
        json.dumps(dict(claims), allow_nan=False)
        return rfc_jwt.encode(
            header, dict(claims), self._key, registry=self._registry, default_type=None
        )

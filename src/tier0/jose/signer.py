"""A signing key imported once and reused for many JWTs.

:func:`tier0.jose.sign_jwt` imports the private JWK on every call. For an RSA key that import
validates the key (cryptography checks the private numbers), which costs far more than the
signature itself; a token endpoint signing thousands of tokens a second keeps one
:class:`JwtSigner` per key instead. The rules are the same as ``sign_jwt``'s: the key's own
``alg`` (asymmetric only) and ``kid``, an explicit ``typ``, no ``crit``/``b64``.

Everything about the key and the header is checked once, when the signer is built (the
algorithm against the allow-list and the key, the header against joserfc's registry); a
signature then only serialises the claims and calls the algorithm. joserfc's generic path
re-validated the same header and key on every token, a measurable share of a
client-credentials request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc.jwa import JWSAlgModel
from joserfc.jwk import ECKey, Key
from joserfc.util import json_b64encode, urlsafe_b64encode

from tier0.jose.algorithms import require_asymmetric
from tier0.jose.keys import import_key

from ._registry import AllowListRegistry

__all__ = ["JwtSigner"]

_OWN_HEADER = frozenset({"alg", "kid", "typ"})
_REFUSED_HEADER = frozenset({"crit", "b64"})
#: Encoded headers kept per signer (tier0 signs a handful of ``typ`` values).
_MAX_TYPES = 16
#: One encoder for every payload (stateless; ``json.dumps`` with options built one per call).
#: RFC 7519 §2 NumericDate is a JSON number: NaN and Infinity are not JSON.
_CLAIMS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
#: RFC 7518 §3.4: the hash of each ECDSA algorithm (check_key has matched key and curve).
_ECDSA_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "ES256": hashes.SHA256,
    "ES384": hashes.SHA384,
    "ES512": hashes.SHA512,
}


class JwtSigner:
    """Signs compact JWTs with one private key. Its repr never shows the key."""

    __slots__ = ("_alg", "_algorithm", "_headers", "_key", "_kid", "_registry", "_sign")

    def __init__(self, private_jwk: Mapping[str, Any]) -> None:
        alg, kid = private_jwk.get("alg"), private_jwk.get("kid")
        if not isinstance(alg, str) or not isinstance(kid, str) or not kid:
            raise ValueError("the signing JWK needs alg and kid")
        self._registry = AllowListRegistry(require_asymmetric(frozenset({alg})))
        self._key = import_key(private_jwk)
        if not self._key.is_private:
            raise ValueError("signing needs a private JWK")
        self._alg, self._kid = alg, kid
        self._algorithm: JWSAlgModel = self._registry.get_alg(alg)
        self._algorithm.check_key(self._key)
        self._sign = _signature_function(self._algorithm, self._key)
        #: The encoded protected header per ``typ`` (without extra members): constant.
        self._headers: dict[str, bytes] = {}

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
        encoded = None if extra_header else self._headers.get(typ)
        if encoded is None:
            encoded = self._header(typ, extra_header)
        payload = _CLAIMS.encode(dict(claims))
        signing_input = encoded + b"." + urlsafe_b64encode(payload.encode())
        signature = self._sign(signing_input)
        return (signing_input + b"." + urlsafe_b64encode(signature)).decode("ascii")

    def _header(self, typ: str, extra_header: Mapping[str, Any] | None) -> bytes:
        """The protected header, checked against the registry and encoded."""
        header: dict[str, Any] = dict(extra_header or {})
        clash = (_OWN_HEADER | _REFUSED_HEADER) & header.keys()
        if clash:
            raise ValueError(f"extra_header may not set {sorted(clash)}")
        header.update(alg=self._alg, kid=self._kid, typ=typ)
        self._registry.check_header(header)
        encoded = json_b64encode(header)
        if not extra_header and len(self._headers) < _MAX_TYPES:
            self._headers[typ] = encoded
        return encoded


def _signature_function(algorithm: JWSAlgModel, key: Key) -> Callable[[bytes], bytes]:
    """The signature of a signing input with this key.

    For ECDSA (ES256, the default for APIs) the private key object, the ``ECDSA(SHA-256)``
    parameters and the coordinate length are fixed per key; joserfc looked them up and
    built them again on every token. RFC 7518 §3.4: the JWS signature is R and S, each a
    big-endian octet string as long as the curve's order (32 octets for P-256), not the
    DER that OpenSSL returns. Other algorithms go through joserfc unchanged.
    """
    if isinstance(key, ECKey):
        private = key.get_op_key("sign")
        if not isinstance(private, ec.EllipticCurvePrivateKey):
            raise ValueError("signing needs a private EC key")
        params = ec.ECDSA(_ECDSA_HASHES[algorithm.name]())
        size = (key.curve_key_size + 7) // 8

        def sign_ecdsa(message: bytes) -> bytes:
            r, s = decode_dss_signature(private.sign(message, params))
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")

        return sign_ecdsa
    return lambda message: algorithm.sign(message, key)

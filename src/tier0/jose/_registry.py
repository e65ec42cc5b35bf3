"""A joserfc JWS registry bound to one allow-list.

joserfc's default registry falls back to its own "recommended" list and emits a
``SecurityWarning`` for ``EdDSA`` (deprecated in favour of ``Ed25519`` by RFC 9864). tier0
always passes an explicit, asymmetric-only allow-list, and publishing ``EdDSA`` is a deliberate
choice (OIDC client libraries know it; the signature is identical to RFC 9864 ``Ed25519``).
"""

from __future__ import annotations

from joserfc.errors import UnsupportedAlgorithmError
from joserfc.jwa import JWSAlgModel
from joserfc.jws import JWSRegistry

from tier0.jose.algorithms import require_asymmetric

#: RFC 8725 §3 recommends bounding input; the whole token is capped before parsing too.
MAX_TOKEN_CHARS = 16 * 1024


class AllowListRegistry(JWSRegistry):
    """Resolves only the algorithms in ``allowed``; never ``none``, never a MAC."""

    # A DPoP header carries a whole public JWK (RFC 9449 §4.2): allow for an RSA-4096 one.
    max_header_length = 4096
    max_payload_length = MAX_TOKEN_CHARS
    max_signature_length = 1024

    def __init__(self, allowed: frozenset[str], *, max_chars: int = MAX_TOKEN_CHARS) -> None:
        # Unknown header parameters are ignored, as RFC 7515 §4 asks; "crit" is refused by
        # the JWT layer before the registry sees the header.
        super().__init__(algorithms=require_asymmetric(allowed), strict_check_header=False)
        self._allowed = allowed
        self.max_payload_length = max_chars

    def get_alg(self, name: str) -> JWSAlgModel:
        """The algorithm object for ``name`` if it is on the allow-list."""
        if name not in self._allowed or name not in self.algorithms:
            raise UnsupportedAlgorithmError("algorithm not allowed")
        return self.algorithms[name]

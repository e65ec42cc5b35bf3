"""Counter keys that carry no personal data.

Identifiers (emails, usernames, client ids) end up in Redis keys and memory dumps. They are
replaced by a keyed hash (HMAC-SHA-256, 128 bits shown) so a key dump reveals neither who was
targeted nor a dictionary-reversible plain hash (LG-02, DP-05). Tenants and IP addresses stay
readable: operators need them and they are already in the access log.
"""

from __future__ import annotations

import hashlib
import hmac

from tier0.protection.networks import normalise_ip


class KeyHasher:
    """Builds counter keys from a deployment secret (injected; never a default)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the key-hashing secret needs at least 128 bits")
        self._secret = secret

    def __repr__(self) -> str:
        return "KeyHasher(<secret>)"

    def identifier(self, tenant: str, identifier: str) -> str:
        """Pseudonym for an identifier within a tenant. Case-folded and trimmed so that
        `Alice@Example.com ` and `alice@example.com` share one counter."""
        normal = identifier.strip().casefold()
        message = f"{tenant}\x00{normal}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    @staticmethod
    def ip(address: str) -> str:
        return normalise_ip(address)

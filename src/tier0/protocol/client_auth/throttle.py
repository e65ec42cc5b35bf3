"""Throttling client-secret guessing at the token, revocation and introspection endpoints.

BF-04 (ASVS 6.3.3, NIST SP 800-63B §3.2.2): online guessing must be rate limited wherever a
secret is checked. The authenticator asks the guess throttle before comparing a client
secret and reports the outcome after; once a client (or a source IP) has failed too often,
even the right secret waits: the caller answers 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Protocol

from tier0.protection.guessing import SecretKind
from tier0.protection.suspicious_ip import Throttle

__all__ = ["ClientThrottled", "SecretGuessGuard"]


class SecretGuessGuard(Protocol):
    """The guess throttle port (``tier0.protection.guessing.GuessThrottle``)."""

    async def check(
        self, kind: SecretKind, tenant: str, *, ip: str, subject: str | None = None
    ) -> Throttle: ...

    async def record_failure(
        self, kind: SecretKind, tenant: str, *, ip: str, subject: str | None = None
    ) -> Throttle: ...

    async def record_success(self, kind: SecretKind, tenant: str, *, subject: str) -> None: ...


class ClientThrottled(Exception):
    """Too many wrong client secrets from this client or address: 429, ``Retry-After``.

    It names who was refused, for the security event the caller writes: the tenant, the
    client id presented (perhaps made up), the caller's IP, and whether the IP's bucket of
    failures refused (``by_ip``: guessing across clients) rather than only the client's own
    wait. Never the secret."""

    def __init__(
        self, retry_after: int, *, tenant_id: str, client_id: str, ip: str, by_ip: bool
    ) -> None:
        super().__init__("client authentication throttled")
        self.retry_after = max(1, retry_after)
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.ip = ip
        self.by_ip = by_ip

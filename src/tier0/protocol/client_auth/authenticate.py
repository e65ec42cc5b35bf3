"""Authenticating the client at the token, revocation and introspection endpoints (OA-09).

RFC 6749 §2.3.1: the server MUST "require client authentication for confidential clients";
a public client (``token_endpoint_auth_method: none``) only identifies itself. A client must
use the kind of credential it registered: a confidential client that leaves its secret out
(``none``) or a secret client that sends an assertion is refused. The two ways of sending a
secret (``client_secret_basic`` and ``client_secret_post``) carry the same credential, so
either is accepted for a secret client: RFC 6749 §2.3.1 makes Basic mandatory to support,
while Auth0's SDKs and openid-client default to the form body. Every failure is the same
``invalid_client`` (HTTP 401), so a probe cannot tell an unknown client from a wrong secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection
from typing import Protocol

from tier0.clock import Clock
from tier0.domain import Application, AuthMethod, Tenant
from tier0.protection.guessing import SecretKind
from tier0.protocol.client_auth.assertion import assertion_subject, verify_assertion
from tier0.protocol.client_auth.throttle import ClientThrottled, SecretGuessGuard
from tier0.protocol.client_authentication import ClientAuthMethod, PresentedClient
from tier0.protocol.errors import InvalidClient
from tier0.storage.ports import Database, DirectoryReads

__all__ = ["ClientAuthenticator", "SecretChecker"]

_PUBLIC = "Client authentication failed."
_REPLAY_PREFIX = "client-assertion"


class SecretChecker(Protocol):
    """Constant-time client secret check (``ApplicationService.secret_matches``)."""

    async def secret_matches(self, tenant: Tenant, app: Application, presented: str) -> bool: ...


_SECRET_METHODS = frozenset({"client_secret_basic", "client_secret_post"})


def _kind(method: str) -> str:
    """The kind of credential a method carries: a shared secret, an assertion, or none."""
    return "client_secret" if method in _SECRET_METHODS else method


def _burn(presented: str) -> None:
    """Spend a comparison on an unknown client too, so timing does not reveal it."""
    hmac.compare_digest(hashlib.sha256(presented.encode()).digest(), bytes(32))


class ClientAuthenticator:
    """Checks a :class:`PresentedClient` against the tenant's registered application."""

    def __init__(
        self,
        db: Database,
        directory: DirectoryReads,
        secrets: SecretChecker,
        clock: Clock,
        guard: SecretGuessGuard,
    ) -> None:
        self._db = db
        self._directory = directory
        self._secrets = secrets
        self._clock = clock
        self._guard = guard

    async def authenticate(
        self,
        tenant: Tenant,
        presented: PresentedClient,
        *,
        audiences: Collection[str],
        ip: str,
    ) -> Application:
        """The authenticated application, or :class:`InvalidClient`.

        ``audiences`` are the values a ``private_key_jwt`` assertion's ``aud`` may name:
        the issuer and the endpoint URL (RFC 7523 §3). ``ip`` is the caller's address, for
        the secret-guessing throttle; :class:`ClientThrottled` when it refuses (BF-04).
        """
        client_id = presented.client_id
        if client_id is None and presented.client_assertion is not None:
            client_id = assertion_subject(presented.client_assertion)
        if client_id is None:
            raise InvalidClient(_PUBLIC, debug="no client_id")
        guarded = presented.client_secret is not None
        if guarded:
            throttle = await self._guard.check(
                SecretKind.CLIENT_SECRET, tenant.id, ip=ip, subject=client_id
            )
            if throttle.throttled:
                raise ClientThrottled(
                    throttle.retry_after,
                    tenant_id=tenant.id,
                    client_id=client_id,
                    ip=ip,
                    by_ip=throttle.by_ip,
                )
        app = await self._directory.application(tenant.id, client_id)
        if app is None:
            _burn(presented.client_secret or "")
            await self._failed(tenant, client_id, ip, guarded)
            raise InvalidClient(_PUBLIC, debug="unknown client")
        if _kind(presented.method.value) != _kind(app.token_endpoint_auth_method.value):
            raise InvalidClient(
                _PUBLIC,
                debug=f"method {presented.method.value}, "
                f"registered {app.token_endpoint_auth_method.value}",
            )
        try:
            await self._verify(tenant, app, presented, audiences)
        except InvalidClient:
            await self._failed(tenant, client_id, ip, guarded)
            raise
        if guarded:
            await self._guard.record_success(SecretKind.CLIENT_SECRET, tenant.id, subject=client_id)
        return app

    async def _failed(self, tenant: Tenant, client_id: str, ip: str, guarded: bool) -> None:
        """Count a wrong client secret against the client and the address (BF-04)."""
        if guarded:
            await self._guard.record_failure(
                SecretKind.CLIENT_SECRET, tenant.id, ip=ip, subject=client_id
            )

    async def _verify(
        self,
        tenant: Tenant,
        app: Application,
        presented: PresentedClient,
        audiences: Collection[str],
    ) -> None:
        method = presented.method
        if method is ClientAuthMethod.NONE:
            # RFC 9700 §2.5 / OA-09: "none" only for public clients.
            if not app.is_public or app.token_endpoint_auth_method is not AuthMethod.NONE:
                raise InvalidClient(_PUBLIC, debug="confidential client without credentials")
            return
        if method is ClientAuthMethod.PRIVATE_KEY_JWT:
            await self._verify_assertion(tenant, app, presented.client_assertion or "", audiences)
            return
        secret = presented.client_secret or ""
        if not await self._secrets.secret_matches(tenant, app, secret):
            raise InvalidClient(_PUBLIC, debug="wrong client secret")

    async def _verify_assertion(
        self, tenant: Tenant, app: Application, assertion: str, audiences: Collection[str]
    ) -> None:
        verified = verify_assertion(
            assertion,
            client_id=app.client_id,
            jwks=app.jwks,
            audiences=audiences,
            clock=self._clock,
        )
        key = f"{_REPLAY_PREFIX}:{app.client_id}:{verified.jti}"
        async with self._db.transaction() as uow:
            first = await uow.replay.remember(
                tenant.id, key, verified.expires_at, now=self._clock.now()
            )
        if not first:
            # RFC 7523 §3: jti values may be remembered to refuse replays (OA-09).
            raise InvalidClient(_PUBLIC, debug="client assertion jti replayed")

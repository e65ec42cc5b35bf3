"""Applications (OAuth clients) and their secrets.

A confidential client's secret is 256 random bits (OA-09), shown once at creation or
rotation, and stored only as a keyed hash (HMAC-SHA256 under a key derived from the tenant's
data key), so a database dump alone does not let anyone authenticate as the client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from tier0.audit.changes import ChangedBy, ChangeLog, FieldValue, diff
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.crypto.random import random_client_id, random_token
from tier0.domain import Application, AppType, AuthMethod, Tenant
from tier0.domain.applications import default_grant_types
from tier0.errors import Conflict, InvalidInput, NotFound
from tier0.jose.algorithms import RS256, SIGNING_ALGS
from tier0.services.keyring import TenantKeyring
from tier0.services.validation import validate_name, validate_origin, validate_urls
from tier0.storage.ports import Database, UnitOfWork

SECRET_PURPOSE = "client-secret"  # noqa: S105 (a hash purpose label)
GRANT_TYPES = frozenset({"authorization_code", "refresh_token", "client_credentials"})
MIN_SECRET_LENGTH = 32


@dataclass(frozen=True, slots=True)
class CreatedApplication:
    """A new application and, for confidential clients, its secret (shown this once)."""

    application: Application
    client_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ApplicationSpec:
    """What a caller may set on an application."""

    name: str
    app_type: AppType
    callbacks: tuple[str, ...] = ()
    allowed_logout_urls: tuple[str, ...] = ()
    web_origins: tuple[str, ...] = ()
    grant_types: tuple[str, ...] | None = None
    token_endpoint_auth_method: AuthMethod | None = None
    is_first_party: bool = True
    #: OIDC Dynamic Client Registration §2 ``id_token_signed_response_alg``.
    id_token_signed_response_alg: str = RS256


@dataclass(frozen=True, slots=True)
class _Checked:
    spec: ApplicationSpec
    grant_types: tuple[str, ...]
    method: AuthMethod


def _checked(spec: ApplicationSpec) -> _Checked:
    native = spec.app_type is AppType.NATIVE
    grants = spec.grant_types or default_grant_types(spec.app_type)
    unknown = set(grants) - GRANT_TYPES
    if unknown:
        raise InvalidInput(
            f"unsupported grant types: {', '.join(sorted(unknown))} (implicit and password "
            "are not offered: OAuth 2.1)"
        )
    method = spec.token_endpoint_auth_method or (
        AuthMethod.NONE if spec.app_type.is_public else AuthMethod.CLIENT_SECRET_BASIC
    )
    if spec.app_type.is_public and method is not AuthMethod.NONE:
        raise InvalidInput("spa and native applications are public: they cannot hold a secret")
    if method is AuthMethod.NONE and "client_credentials" in grants:
        raise InvalidInput("client_credentials needs a confidential application")
    if not spec.app_type.is_public and method is AuthMethod.NONE:
        raise InvalidInput("web and m2m applications authenticate to the token endpoint")
    if spec.id_token_signed_response_alg not in SIGNING_ALGS:
        # Never "none" nor HS*: ID tokens are signed with the tenant's asymmetric keys.
        raise InvalidInput(
            "id_token_signed_response_alg must be one of " + ", ".join(sorted(SIGNING_ALGS))
        )
    clean = replace(
        spec,
        name=validate_name(spec.name, what="application name"),
        callbacks=validate_urls(spec.callbacks, allow_custom_scheme=native),
        allowed_logout_urls=validate_urls(spec.allowed_logout_urls, allow_custom_scheme=native),
        web_origins=tuple(dict.fromkeys(validate_origin(o) for o in spec.web_origins)),
    )
    return _Checked(clean, tuple(dict.fromkeys(grants)), method)


def _fields(app: Application) -> dict[str, FieldValue]:
    """What an application's events show; the secret only as a changed flag."""
    return {
        "name": app.name,
        "app_type": str(app.app_type),
        "token_endpoint_auth_method": str(app.token_endpoint_auth_method),
        "grant_types": app.grant_types,
        "callbacks": app.callbacks,
        "allowed_logout_urls": app.allowed_logout_urls,
        "web_origins": app.web_origins,
        "is_first_party": app.is_first_party,
        "id_token_signed_response_alg": app.id_token_signed_response_alg,
        "client_secret": app.client_secret_hash,
    }


_HIDDEN = ("client_secret",)


class ApplicationService:
    def __init__(
        self, db: Database, keyring: TenantKeyring, clock: Clock, changes: ChangeLog
    ) -> None:
        self._db = db
        self._keyring = keyring
        self._clock = clock
        self._changes = changes

    async def _record(
        self,
        uow: UnitOfWork,
        by: ChangedBy,
        event_type: EventType,
        before: Application | None,
        after: Application | None,
    ) -> None:
        """``before`` None is a creation, ``after`` None a deletion; never both."""
        app = after if after is not None else before
        if app is None:
            raise ValueError("a change has a before or an after")
        await self._changes.record(
            uow,
            by,
            event_type,
            tenant_id=app.tenant_id,
            subject=("client", app.client_id),
            changes=diff(
                _fields(before) if before else None,
                _fields(after) if after else None,
                hidden=_HIDDEN,
            ),
        )

    async def _secret_hash(self, tenant: Tenant, secret: str) -> str:
        return (await self._keyring.hash_key(tenant.id)).digest(secret, purpose=SECRET_PURPOSE)

    async def create(
        self,
        tenant: Tenant,
        spec: ApplicationSpec,
        *,
        by: ChangedBy,
        client_secret: str | None = None,
    ) -> CreatedApplication:
        checked = _checked(spec)
        spec = checked.spec
        secret: str | None = None
        if checked.method in (
            AuthMethod.CLIENT_SECRET_BASIC,
            AuthMethod.CLIENT_SECRET_POST,
        ):
            secret = client_secret or random_token(32)
            if len(secret) < MIN_SECRET_LENGTH:
                raise InvalidInput(f"a client secret needs at least {MIN_SECRET_LENGTH} characters")
        elif client_secret is not None:
            raise InvalidInput("this application type takes no client secret")
        now = self._clock.now()
        app = Application(
            tenant_id=tenant.id,
            client_id=random_client_id(),
            name=spec.name,
            app_type=spec.app_type,
            token_endpoint_auth_method=checked.method,
            grant_types=checked.grant_types,
            callbacks=spec.callbacks,
            allowed_logout_urls=spec.allowed_logout_urls,
            web_origins=spec.web_origins,
            is_first_party=spec.is_first_party,
            id_token_signed_response_alg=spec.id_token_signed_response_alg,
            client_secret_hash=await self._secret_hash(tenant, secret) if secret else None,
            created_at=now,
            updated_at=now,
        )
        async with self._db.transaction() as uow:
            if await uow.applications.get_by_name(tenant.id, app.name) is not None:
                raise Conflict(f"an application named {app.name!r} already exists")
            await uow.applications.add(app)
            await self._record(uow, by, EventType.MANAGEMENT_APPLICATIONS_CREATED, None, app)
        return CreatedApplication(app, secret)

    async def update(
        self, tenant: Tenant, client_id: str, spec: ApplicationSpec, *, by: ChangedBy
    ) -> Application:
        current = await self.get(tenant, client_id)
        if spec.app_type is not current.app_type:
            raise InvalidInput("app_type cannot change; create a new application")
        checked = _checked(spec)
        spec = checked.spec
        if checked.method is not current.token_endpoint_auth_method:
            raise InvalidInput("token_endpoint_auth_method cannot change after creation")
        updated = replace(
            current,
            name=spec.name,
            callbacks=spec.callbacks,
            allowed_logout_urls=spec.allowed_logout_urls,
            web_origins=spec.web_origins,
            grant_types=checked.grant_types,
            is_first_party=spec.is_first_party,
            id_token_signed_response_alg=spec.id_token_signed_response_alg,
            updated_at=self._clock.now(),
        )
        async with self._db.transaction() as uow:
            before = await uow.applications.get(tenant.id, client_id)
            if before is None:
                raise NotFound("no such application")
            clash = await uow.applications.get_by_name(tenant.id, updated.name)
            if clash is not None and clash.client_id != client_id:
                raise Conflict(f"an application named {updated.name!r} already exists")
            await uow.applications.update(updated)
            await self._record(uow, by, EventType.MANAGEMENT_APPLICATIONS_UPDATED, before, updated)
        return updated

    async def rotate_secret(
        self, tenant: Tenant, client_id: str, *, by: ChangedBy
    ) -> CreatedApplication:
        app = await self.get(tenant, client_id)
        if app.client_secret_hash is None:
            raise InvalidInput("this application has no client secret")
        secret = random_token(32)
        updated = replace(
            app,
            client_secret_hash=await self._secret_hash(tenant, secret),
            updated_at=self._clock.now(),
        )
        async with self._db.transaction() as uow:
            await uow.applications.update(updated)
            await self._record(
                uow, by, EventType.MANAGEMENT_APPLICATIONS_SECRET_ROTATED, app, updated
            )
        return CreatedApplication(updated, secret)

    async def set_secret(
        self, tenant: Tenant, client_id: str, secret: str, *, by: ChangedBy
    ) -> Application:
        """Store a caller-chosen secret (config-as-code); at least 32 characters."""
        app = await self.get(tenant, client_id)
        if app.client_secret_hash is None:
            raise InvalidInput("this application has no client secret")
        if len(secret) < MIN_SECRET_LENGTH:
            raise InvalidInput(f"a client secret needs at least {MIN_SECRET_LENGTH} characters")
        updated = replace(
            app,
            client_secret_hash=await self._secret_hash(tenant, secret),
            updated_at=self._clock.now(),
        )
        async with self._db.transaction() as uow:
            await uow.applications.update(updated)
            await self._record(
                uow, by, EventType.MANAGEMENT_APPLICATIONS_SECRET_ROTATED, app, updated
            )
        return updated

    async def secret_matches(self, tenant: Tenant, app: Application, presented: str) -> bool:
        """Constant-time check of a presented client secret against the stored keyed hash."""
        if app.client_secret_hash is None or len(presented) > 512:
            return False
        key = await self._keyring.hash_key(tenant.id)
        return key.matches(presented, app.client_secret_hash, purpose=SECRET_PURPOSE)

    async def get(self, tenant: Tenant, client_id: str) -> Application:
        async with self._db.read() as uow:
            app = await uow.applications.get(tenant.id, client_id)
        if app is None:
            raise NotFound("no such application")
        return app

    async def find_by_name(self, tenant: Tenant, name: str) -> Application | None:
        async with self._db.read() as uow:
            return await uow.applications.get_by_name(tenant.id, name)

    async def list(
        self, tenant: Tenant, *, offset: int = 0, limit: int = 100
    ) -> Sequence[Application]:
        async with self._db.read() as uow:
            return await uow.applications.list(tenant.id, offset=offset, limit=limit)

    async def delete(self, tenant: Tenant, client_id: str, *, by: ChangedBy) -> None:
        async with self._db.transaction() as uow:
            app = await uow.applications.get(tenant.id, client_id)
            if app is None or not await uow.applications.delete(tenant.id, client_id):
                raise NotFound("no such application")
            await self._record(uow, by, EventType.MANAGEMENT_APPLICATIONS_DELETED, app, None)

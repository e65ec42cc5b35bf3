"""APIs (resource servers) and client grants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from tier0.audit.changes import ChangedBy, ChangeLog, FieldValue, diff
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.crypto.random import random_id
from tier0.domain import ApiScope, ClientGrant, ResourceServer, Tenant
from tier0.domain.resource_servers import MAX_TOKEN_LIFETIME, SIGNING_ALGS, TOKEN_DIALECTS
from tier0.errors import Conflict, InvalidInput, NotFound
from tier0.services.validation import validate_name, validate_scopes
from tier0.storage.ports import Database, UnitOfWork


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """What a caller may set on an API. `identifier` is fixed at creation."""

    name: str
    identifier: str
    scopes: tuple[ApiScope, ...] = ()
    signing_alg: str = "RS256"
    token_lifetime: int = 600
    allow_offline_access: bool = False
    enforce_policies: bool = False
    token_dialect: str = "rfc9068_profile"  # noqa: S105 (a profile name)


def _checked(spec: ApiSpec) -> ApiSpec:
    identifier = spec.identifier.strip()
    if not identifier or len(identifier) > 600 or any(ch.isspace() for ch in identifier):
        raise InvalidInput("an API identifier is 1-600 characters with no spaces")
    if spec.signing_alg not in SIGNING_ALGS:
        raise InvalidInput(f"signing_alg must be one of {', '.join(SIGNING_ALGS)}")
    if not 60 <= spec.token_lifetime <= MAX_TOKEN_LIFETIME:
        raise InvalidInput(f"token_lifetime must be 60-{MAX_TOKEN_LIFETIME} seconds")
    if spec.token_dialect not in TOKEN_DIALECTS:
        raise InvalidInput(f"token_dialect must be one of {', '.join(TOKEN_DIALECTS)}")
    values = validate_scopes(s.value for s in spec.scopes)
    if len(values) != len(spec.scopes):
        raise InvalidInput("scope values must be unique")
    return replace(spec, name=validate_name(spec.name, what="API name"), identifier=identifier)


def _api_fields(api: ResourceServer) -> dict[str, FieldValue]:
    return {
        "name": api.name,
        "identifier": api.identifier,
        "scopes": tuple(api.scope_values),
        "signing_alg": api.signing_alg,
        "token_lifetime": api.token_lifetime,
        "allow_offline_access": api.allow_offline_access,
        "enforce_policies": api.enforce_policies,
        "token_dialect": api.token_dialect,
    }


def _grant_fields(grant: ClientGrant) -> dict[str, FieldValue]:
    return {"client_id": grant.client_id, "audience": grant.audience, "scope": grant.scope}


class ResourceServerService:
    def __init__(self, db: Database, clock: Clock, changes: ChangeLog) -> None:
        self._db = db
        self._clock = clock
        self._changes = changes

    async def create(self, tenant: Tenant, spec: ApiSpec, *, by: ChangedBy) -> ResourceServer:
        spec = _checked(spec)
        now = self._clock.now()
        api = ResourceServer(
            tenant_id=tenant.id,
            id=random_id("api_"),
            name=spec.name,
            identifier=spec.identifier,
            scopes=spec.scopes,
            signing_alg=spec.signing_alg,
            token_lifetime=spec.token_lifetime,
            allow_offline_access=spec.allow_offline_access,
            enforce_policies=spec.enforce_policies,
            token_dialect=spec.token_dialect,
            created_at=now,
            updated_at=now,
        )
        async with self._db.transaction() as uow:
            if await uow.resource_servers.get_by_identifier(tenant.id, api.identifier):
                raise Conflict(f"an API with identifier {api.identifier!r} already exists")
            await uow.resource_servers.add(api)
            await self._changes.record(
                uow,
                by,
                EventType.MANAGEMENT_RESOURCE_SERVERS_CREATED,
                tenant_id=tenant.id,
                subject=("resource_server", api.id),
                changes=diff(None, _api_fields(api)),
            )
        return api

    async def update(
        self, tenant: Tenant, api_id: str, spec: ApiSpec, *, by: ChangedBy
    ) -> ResourceServer:
        current = await self.get(tenant, api_id)
        if spec.identifier != current.identifier:
            raise InvalidInput("an API identifier cannot change")
        if current.is_system:
            raise InvalidInput("system APIs cannot be changed")
        spec = _checked(spec)
        updated = replace(
            current,
            name=spec.name,
            scopes=spec.scopes,
            signing_alg=spec.signing_alg,
            token_lifetime=spec.token_lifetime,
            allow_offline_access=spec.allow_offline_access,
            enforce_policies=spec.enforce_policies,
            token_dialect=spec.token_dialect,
            updated_at=self._clock.now(),
        )
        async with self._db.transaction() as uow:
            before = await uow.resource_servers.get(tenant.id, api_id)
            if before is None:
                raise NotFound("no such API")
            await uow.resource_servers.update(updated)
            await self._changes.record(
                uow,
                by,
                EventType.MANAGEMENT_RESOURCE_SERVERS_UPDATED,
                tenant_id=tenant.id,
                subject=("resource_server", api_id),
                changes=diff(_api_fields(before), _api_fields(updated)),
            )
        return updated

    async def get(self, tenant: Tenant, api_id: str) -> ResourceServer:
        async with self._db.read() as uow:
            api = await uow.resource_servers.get(tenant.id, api_id)
        if api is None:
            raise NotFound("no such API")
        return api

    async def find_by_identifier(self, tenant: Tenant, identifier: str) -> ResourceServer | None:
        async with self._db.read() as uow:
            return await uow.resource_servers.get_by_identifier(tenant.id, identifier)

    async def list(self, tenant: Tenant) -> Sequence[ResourceServer]:
        async with self._db.read() as uow:
            return await uow.resource_servers.list(tenant.id, limit=1000)

    async def delete(self, tenant: Tenant, api_id: str, *, by: ChangedBy) -> None:
        async with self._db.transaction() as uow:
            api = await uow.resource_servers.get(tenant.id, api_id)
            if api is None:
                raise NotFound("no such API")
            if api.is_system:
                raise InvalidInput("system APIs cannot be deleted")
            await uow.resource_servers.delete(tenant.id, api_id)
            await self._changes.record(
                uow,
                by,
                EventType.MANAGEMENT_RESOURCE_SERVERS_DELETED,
                tenant_id=tenant.id,
                subject=("resource_server", api_id),
                changes=diff(_api_fields(api), None),
            )


class ClientGrantService:
    """Which application may use client credentials for which API, with which scopes."""

    def __init__(self, db: Database, clock: Clock, changes: ChangeLog) -> None:
        self._db = db
        self._clock = clock
        self._changes = changes

    async def _record(
        self,
        uow: UnitOfWork,
        by: ChangedBy,
        event_type: EventType,
        grant: ClientGrant,
        *,
        before: ClientGrant | None,
        after: ClientGrant | None,
    ) -> None:
        await self._changes.record(
            uow,
            by,
            event_type,
            tenant_id=grant.tenant_id,
            subject=("client_grant", grant.id),
            changes=diff(
                _grant_fields(before) if before else None,
                _grant_fields(after) if after else None,
            ),
        )

    async def create(
        self, tenant: Tenant, client_id: str, audience: str, scope: Sequence[str], *, by: ChangedBy
    ) -> ClientGrant:
        scopes = validate_scopes(scope)
        async with self._db.transaction() as uow:
            app = await uow.applications.get(tenant.id, client_id)
            if app is None:
                raise NotFound("no such application")
            if "client_credentials" not in app.grant_types:
                raise InvalidInput("the application may not use the client_credentials grant")
            api = await uow.resource_servers.get_by_identifier(tenant.id, audience)
            if api is None:
                raise NotFound("no API with that identifier")
            unknown = set(scopes) - set(api.scope_values)
            if unknown:
                raise InvalidInput(f"the API does not define: {', '.join(sorted(unknown))}")
            if await uow.client_grants.find(tenant.id, client_id, audience) is not None:
                raise Conflict("that application already has a grant for that API")
            grant = ClientGrant(
                tenant_id=tenant.id,
                id=random_id("cgr_"),
                client_id=client_id,
                audience=audience,
                scope=scopes,
                created_at=self._clock.now(),
            )
            await uow.client_grants.add(grant)
            created = EventType.MANAGEMENT_CLIENT_GRANTS_CREATED
            await self._record(uow, by, created, grant, before=None, after=grant)
        return grant

    async def update_scope(
        self, tenant: Tenant, grant_id: str, scope: Sequence[str], *, by: ChangedBy
    ) -> ClientGrant:
        scopes = validate_scopes(scope)
        async with self._db.transaction() as uow:
            grant = await uow.client_grants.get(tenant.id, grant_id)
            if grant is None:
                raise NotFound("no such client grant")
            api = await uow.resource_servers.get_by_identifier(tenant.id, grant.audience)
            defined = set(api.scope_values) if api else set()
            unknown = set(scopes) - defined
            if unknown:
                raise InvalidInput(f"the API does not define: {', '.join(sorted(unknown))}")
            updated = replace(grant, scope=scopes)
            await uow.client_grants.update(updated)
            changed = EventType.MANAGEMENT_CLIENT_GRANTS_UPDATED
            await self._record(uow, by, changed, grant, before=grant, after=updated)
        return updated

    async def get(self, tenant: Tenant, grant_id: str) -> ClientGrant:
        async with self._db.read() as uow:
            grant = await uow.client_grants.get(tenant.id, grant_id)
        if grant is None:
            raise NotFound("no such client grant")
        return grant

    async def find(self, tenant: Tenant, client_id: str, audience: str) -> ClientGrant | None:
        async with self._db.read() as uow:
            return await uow.client_grants.find(tenant.id, client_id, audience)

    async def list(
        self, tenant: Tenant, *, client_id: str | None = None, audience: str | None = None
    ) -> Sequence[ClientGrant]:
        async with self._db.read() as uow:
            return await uow.client_grants.list(tenant.id, client_id=client_id, audience=audience)

    async def delete(self, tenant: Tenant, grant_id: str, *, by: ChangedBy) -> None:
        async with self._db.transaction() as uow:
            grant = await uow.client_grants.get(tenant.id, grant_id)
            if grant is None or not await uow.client_grants.delete(tenant.id, grant_id):
                raise NotFound("no such client grant")
            deleted = EventType.MANAGEMENT_CLIENT_GRANTS_DELETED
            await self._record(uow, by, deleted, grant, before=grant, after=None)

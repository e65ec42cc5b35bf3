"""The records a tenant archive carries, and their way back into domain objects.

Every record names its object's id, so an import into an installation where those ids are
free (after ``tier0 tenant destroy``, or elsewhere) restores the tenant as it was: client ids,
API and role ids, stream ids and user ids stay, and tokens or configs that name them keep
working. No record holds a secret or a hash: client secrets are hashed under the source
tenant's key and cannot move (import issues new ones), stored secrets travel only in the
passphrase-sealed section (:mod:`tier0.privacy.archive_secrets`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tier0.audit.events import Category
from tier0.audit.streams.model import LogStream, StreamKind, StreamStatus
from tier0.domain import Application, ClientGrant, ResourceServer, Role
from tier0.domain.applications import AppType, AuthMethod
from tier0.domain.resource_servers import ApiScope
from tier0.jose.algorithms import RS256, SIGNING_ALGS
from tier0.views import iso


def when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def application_record(app: Application) -> dict[str, Any]:
    return {
        "client_id": app.client_id,
        "name": app.name,
        "app_type": app.app_type.value,
        "token_endpoint_auth_method": app.token_endpoint_auth_method.value,
        "grant_types": list(app.grant_types),
        "callbacks": list(app.callbacks),
        "allowed_logout_urls": list(app.allowed_logout_urls),
        "web_origins": list(app.web_origins),
        "is_first_party": app.is_first_party,
        "jwks": app.jwks,
        "id_token_signed_response_alg": app.id_token_signed_response_alg,
        "created_at": iso(app.created_at),
        "updated_at": iso(app.updated_at),
    }


def application_from(
    tenant_id: str, data: Mapping[str, Any], secret_hash: str | None
) -> Application:
    return Application(
        tenant_id=tenant_id,
        client_id=str(data["client_id"]),
        name=str(data["name"]),
        app_type=AppType(data["app_type"]),
        token_endpoint_auth_method=AuthMethod(data["token_endpoint_auth_method"]),
        grant_types=tuple(data["grant_types"]),
        callbacks=tuple(data["callbacks"]),
        allowed_logout_urls=tuple(data["allowed_logout_urls"]),
        web_origins=tuple(data["web_origins"]),
        is_first_party=bool(data["is_first_party"]),
        client_secret_hash=secret_hash,
        jwks=data.get("jwks"),
        id_token_signed_response_alg=_id_token_alg(data),
        created_at=when(data.get("created_at")),
        updated_at=when(data.get("updated_at")),
    )


def api_record(api: ResourceServer) -> dict[str, Any]:
    return {
        "id": api.id,
        "name": api.name,
        "identifier": api.identifier,
        "scopes": [{"value": s.value, "description": s.description} for s in api.scopes],
        "signing_alg": api.signing_alg,
        "token_lifetime": api.token_lifetime,
        "allow_offline_access": api.allow_offline_access,
        "enforce_policies": api.enforce_policies,
        "token_dialect": api.token_dialect,
        "is_system": api.is_system,
        "created_at": iso(api.created_at),
        "updated_at": iso(api.updated_at),
    }


def api_from(tenant_id: str, data: Mapping[str, Any]) -> ResourceServer:
    return ResourceServer(
        tenant_id=tenant_id,
        id=str(data["id"]),
        name=str(data["name"]),
        identifier=str(data["identifier"]),
        scopes=tuple(ApiScope(s["value"], s.get("description", "")) for s in data["scopes"]),
        signing_alg=str(data["signing_alg"]),
        token_lifetime=int(data["token_lifetime"]),
        allow_offline_access=bool(data["allow_offline_access"]),
        enforce_policies=bool(data["enforce_policies"]),
        token_dialect=str(data["token_dialect"]),
        is_system=bool(data["is_system"]),
        created_at=when(data.get("created_at")),
        updated_at=when(data.get("updated_at")),
    )


def grant_record(grant: ClientGrant) -> dict[str, Any]:
    return {
        "id": grant.id,
        "client_id": grant.client_id,
        "audience": grant.audience,
        "scope": list(grant.scope),
        "created_at": iso(grant.created_at),
    }


def grant_from(tenant_id: str, data: Mapping[str, Any]) -> ClientGrant:
    return ClientGrant(
        tenant_id=tenant_id,
        id=str(data["id"]),
        client_id=str(data["client_id"]),
        audience=str(data["audience"]),
        scope=tuple(data["scope"]),
        created_at=when(data.get("created_at")),
    )


def role_from(tenant_id: str, data: Mapping[str, Any]) -> Role:
    return Role(
        tenant_id=tenant_id,
        id=str(data["id"]),
        name=str(data["name"]),
        description=str(data.get("description") or ""),
        created_at=when(data.get("created_at")),
    )


def stream_record(stream: LogStream) -> dict[str, Any]:
    """A stream's settings; not its delivery state (cursor, failures: the target's own)."""
    return {
        "id": stream.id,
        "name": stream.name,
        "kind": str(stream.kind),
        "config": dict(stream.config),
        "categories": [str(c) for c in stream.categories],
        "status": str(stream.status),
        "created_at": iso(stream.created_at),
    }


def stream_from(tenant_id: str, data: Mapping[str, Any], cursor: int) -> LogStream:
    return LogStream(
        id=str(data["id"]),
        tenant_id=tenant_id,
        name=str(data["name"]),
        kind=StreamKind(data["kind"]),
        config=dict(data["config"]),
        categories=tuple(Category(c) for c in data["categories"]),
        status=StreamStatus(data["status"]),
        cursor=cursor,
        created_at=when(data.get("created_at")),
    )


def _id_token_alg(data: Mapping[str, Any]) -> str:
    """RS256 for archives written before applications chose (and never an unknown one)."""
    alg = str(data.get("id_token_signed_response_alg") or RS256)
    if alg not in SIGNING_ALGS:
        raise ValueError("the archive names an unknown ID-token algorithm")
    return alg

"""Outward shapes of domain objects, allowlisted field by field (AC-04).

The CLI's `--json`, config-as-code and the management API all render through these, with
Auth0's field names, so nothing sensitive (a password hash, a secret hash) can leak by
accident: a field is only shown if it is listed here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tier0.domain import Application, ClientGrant, ResourceServer, Role, Tenant, User


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, as Auth0 prints dates."""
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def tenant_view(tenant: Tenant, *, issuer: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": tenant.id,
        "name": tenant.name,
        "display_name": tenant.display_name,
        "created_at": iso(tenant.created_at),
    }
    if issuer is not None:
        view["issuer"] = issuer
    return view


def application_view(app: Application, *, client_secret: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "client_id": app.client_id,
        "name": app.name,
        "app_type": app.app_type.value,
        "is_first_party": app.is_first_party,
        "callbacks": list(app.callbacks),
        "allowed_logout_urls": list(app.allowed_logout_urls),
        "web_origins": list(app.web_origins),
        "grant_types": list(app.grant_types),
        "token_endpoint_auth_method": app.token_endpoint_auth_method.value,
        "id_token_signed_response_alg": app.id_token_signed_response_alg,
        "created_at": iso(app.created_at),
        "updated_at": iso(app.updated_at),
    }
    if client_secret is not None:
        view["client_secret"] = client_secret
    return view


def api_view(api: ResourceServer) -> dict[str, Any]:
    return {
        "id": api.id,
        "name": api.name,
        "identifier": api.identifier,
        "is_system": api.is_system,
        "scopes": [{"value": s.value, "description": s.description} for s in api.scopes],
        "signing_alg": api.signing_alg,
        "token_lifetime": api.token_lifetime,
        "allow_offline_access": api.allow_offline_access,
        "enforce_policies": api.enforce_policies,
        "token_dialect": api.token_dialect,
        "created_at": iso(api.created_at),
        "updated_at": iso(api.updated_at),
    }


def grant_view(grant: ClientGrant) -> dict[str, Any]:
    return {
        "id": grant.id,
        "client_id": grant.client_id,
        "audience": grant.audience,
        "scope": list(grant.scope),
        "created_at": iso(grant.created_at),
    }


def user_view(user: User) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "email": user.email,
        "email_verified": user.email_verified,
        "username": user.username,
        "name": user.name,
        "given_name": user.given_name,
        "family_name": user.family_name,
        "nickname": user.nickname,
        "picture": user.picture,
        "blocked": user.blocked,
        "user_metadata": dict(user.user_metadata),
        "app_metadata": dict(user.app_metadata),
        "identities": [
            {
                "connection": "Username-Password-Authentication",
                "provider": "auth0",
                "user_id": user.user_id.split("|", 1)[-1],
                "isSocial": False,
            }
        ],
        "created_at": iso(user.created_at),
        "updated_at": iso(user.updated_at),
        "last_login": iso(user.last_login),
        "logins_count": user.logins_count,
        "last_ip": user.last_ip,
    }


def role_view(role: Role) -> dict[str, Any]:
    return {"id": role.id, "name": role.name, "description": role.description}

"""The built-in management API resource server: its audience and its scopes.

Scope names follow Auth0's ``<read|create|update|delete>:<snake_plural>`` pattern, so an
Auth0 M2M application's grant carries over unchanged.
"""

from __future__ import annotations

from tier0.domain import ApiScope

MANAGEMENT_API_NAME = "tier0 Management API"
MANAGEMENT_TOKEN_LIFETIME = 600
"""Seconds a management access token lives (OA-12: short-lived access tokens)."""

_RESOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("users", ("read", "create", "update", "delete")),
    ("users_app_metadata", ("read", "create", "update", "delete")),
    ("sessions", ("read", "delete")),
    ("refresh_tokens", ("read", "delete")),
    ("authentication_methods", ("read", "delete")),
    ("clients", ("read", "create", "update", "delete")),
    ("client_keys", ("read", "update")),
    ("resource_servers", ("read", "create", "update", "delete")),
    ("client_grants", ("read", "create", "update", "delete")),
    ("roles", ("read", "create", "update", "delete")),
    ("role_members", ("read", "create", "delete")),
    ("signing_keys", ("read", "create", "update")),
    ("logs", ("read",)),
    ("logs_users", ("read",)),
    ("log_streams", ("read", "create", "update", "delete")),
    ("attack_protection", ("read", "update")),
    ("anomaly_blocks", ("read", "delete")),
    ("tenant_settings", ("read", "update")),
)


def _describe(verb: str, resource: str) -> str:
    return f"{verb.capitalize()} {resource.replace('_', ' ')}"


MANAGEMENT_SCOPES: tuple[ApiScope, ...] = tuple(
    ApiScope(f"{verb}:{resource}", _describe(verb, resource))
    for resource, verbs in _RESOURCES
    for verb in verbs
)
SCOPE_VALUES: frozenset[str] = frozenset(s.value for s in MANAGEMENT_SCOPES)


def management_audience(tenant_base_url: str) -> str:
    """The management API identifier of a tenant: ``{issuer}/api/v2/`` (Auth0's
    ``https://{domain}/api/v2/``)."""
    return f"{tenant_base_url}/api/v2/"

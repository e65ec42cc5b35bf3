"""The tenant a unit of work is scoped to, for PostgreSQL row-level security (AC-02).

Every repository query already filters on ``tenant_id``; RLS is the second layer. A caller
that acts for exactly one tenant (the management API, after verifying the token) wraps its
work in :func:`tenant_scope`; each transaction opened inside it then runs
``set_config('tier0.tenant_id', <id>, true)`` (local to the transaction) and PostgreSQL's
policies hide every row of other tenants, even from a query that forgot its filter. Outside
a scope (the CLI, migrations, cross-tenant jobs) the setting stays empty and the policies let
rows through, so the embedded SQLite path and the CLI behave exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_TENANT: ContextVar[str | None] = ContextVar("tier0_tenant_scope", default=None)

SETTING = "tier0.tenant_id"
"""The PostgreSQL run-time parameter the policies read with ``current_setting(..., true)``."""

SCOPED_TABLES = (
    "applications",
    "resource_servers",
    "client_grants",
    "users",
    "roles",
    "jobs",
    "attack_protection_policies",
    "unblock_tickets",
)
"""Tables with a ``tenant_id`` column that carry the isolation policy (the directory tables
from ``0004_tenant_rls``, bulk jobs from ``0005_mgmt_jobs``, attack-protection policies and
unblock tickets from ``0005_protection_policies``)."""


def current_tenant_scope() -> str | None:
    return _TENANT.get()


@contextmanager
def tenant_scope(tenant_id: str) -> Iterator[None]:
    """Scope every transaction opened in this context to ``tenant_id``."""
    token = _TENANT.set(tenant_id)
    try:
        yield
    finally:
        _TENANT.reset(token)

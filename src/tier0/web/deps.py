"""Request-scoped access to the container and the tenant named in the path."""

from __future__ import annotations

from fastapi import Request

from tier0.container import Container
from tier0.domain import Tenant
from tier0.errors import NotFound


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def path_tenant(request: Request, tenant: str) -> Tenant:
    """The tenant of `/t/{tenant}/...`. An unknown tenant is a plain 404."""
    if len(tenant) > 63:
        raise NotFound("no such tenant")
    found = await container_of(request).directory.tenant_by_name(tenant)
    if found is None:
        raise NotFound("no such tenant")
    return found

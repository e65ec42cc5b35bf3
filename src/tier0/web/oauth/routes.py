"""``/t/{tenant}/oauth/token``, ``/oauth/revoke``, ``/oauth/introspect``, ``/userinfo``,
``/.well-known/openid-configuration`` and ``/.well-known/jwks.json``.

Each route only moves bytes: it reads parameters, calls the protocol endpoint and renders
the result; errors are rendered in :mod:`tier0.web.oauth.render`. Every state change the
endpoint makes is committed before the handler returns, so no 2xx leaves before its
commit (AV-06).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from tier0.container import Container
from tier0.domain import Tenant
from tier0.protection.rate_limits import EndpointClass
from tier0.protocol.endpoints.discovery import discovery_document
from tier0.protocol.endpoints.urls import TenantUrls
from tier0.protocol.errors import InvalidToken
from tier0.services.keys import LAZY as LAZY_KEYS
from tier0.web.deps import container_of, path_tenant
from tier0.web.oauth.body import query_params, read_params
from tier0.web.oauth.render import (
    bearer_challenge,
    bearer_error_response,
    json_no_store,
    oauth_json_errors,
)
from tier0.web.rate_limit import client_authorization, client_ip_of, enforce_rate_limit

__all__ = ["TOKEN_PATH", "router", "token"]

router = APIRouter(prefix="/t/{tenant}")
TenantDep = Annotated[Tenant, Depends(path_tenant)]
#: Our own in-process JWKS cache delays a newly published key by this much, so relying
#: parties may cache for that much less than the pre-publication window (JW-04).
_LOCAL_CACHE_SECONDS = 5
TOKEN_PATH = "/t/{tenant}/oauth/token"  # noqa: S105 - a URL path, not a secret


def _urls(container: Container, tenant: Tenant) -> TenantUrls:
    return TenantUrls(container.settings.tenant_base_url(tenant.name))


async def token(request: Request) -> Response:
    """``POST /t/{tenant}/oauth/token`` (:data:`TOKEN_PATH`), the hottest route: a plain
    Starlette endpoint the app registers before any router, so a token request is matched
    first and solves no FastAPI dependencies (it has no parameters to describe in OpenAPI
    either: the route was never in the schema)."""
    container = container_of(request)
    tenant = await path_tenant(request, request.path_params["tenant"])

    async def handle() -> Response:
        raw = await read_params(request)
        result = await container.oauth.token.handle(
            tenant,
            _urls(container, tenant),
            raw,
            client_authorization(request),
            client_ip_of(request),
        )
        return json_no_store(result.to_json())

    return await oauth_json_errors(request, handle)


@router.post("/oauth/revoke", include_in_schema=False)
async def revoke(request: Request, tenant: TenantDep) -> Response:
    container = container_of(request)

    async def handle() -> Response:
        raw = await read_params(request)
        await container.oauth.revocation.handle(
            tenant,
            _urls(container, tenant),
            raw,
            client_authorization(request),
            client_ip_of(request),
        )
        # RFC 7009 §2.2: 200 whether or not the token was known; the body is ignored.
        return Response(status_code=200, headers={"cache-control": "no-store"})

    return await oauth_json_errors(request, handle)


@router.post("/oauth/introspect", include_in_schema=False)
async def introspect(request: Request, tenant: TenantDep) -> Response:
    container = container_of(request)

    async def handle() -> Response:
        raw = await read_params(request)
        body = await container.oauth.introspection.handle(
            tenant,
            _urls(container, tenant),
            raw,
            client_authorization(request),
            client_ip_of(request),
        )
        return json_no_store(body)

    return await oauth_json_errors(request, handle)


@router.api_route("/userinfo", methods=["GET", "POST"], include_in_schema=False)
async def userinfo(request: Request, tenant: TenantDep) -> Response:
    container = container_of(request)

    async def handle() -> Response:
        body = await read_params(request) if request.method == "POST" else None
        endpoint = container.oauth.userinfo
        access = await endpoint.authenticate(
            tenant,
            _urls(container, tenant),
            request.headers.get("authorization"),
            query_params(request),
            body,
        )
        if access is None:
            # RFC 6750 §3.1: no credentials -> a bare challenge without an error code.
            response = json_no_store(InvalidToken("An access token is required.").to_json(), 401)
            response.headers["www-authenticate"] = bearer_challenge(None)
            return response
        # The per-(tenant, user) limit (Auth0 limits /userinfo per user ID), counted only
        # once the token is verified: the edge saw no user, and an unverified one would let
        # anybody spend a real user's budget.
        await enforce_rate_limit(
            request, EndpointClass.USERINFO, tenant=tenant.name, user=access.subject
        )
        return json_no_store(await endpoint.claims(tenant, access))

    return await oauth_json_errors(request, handle, render=bearer_error_response)


@router.get("/.well-known/openid-configuration", include_in_schema=False)
async def openid_configuration(request: Request, tenant: TenantDep) -> JSONResponse:
    container = container_of(request)
    document = discovery_document(_urls(container, tenant), container.oauth.token.grant_types)
    return JSONResponse(document, headers={"cache-control": "public, max-age=300"})


@router.get("/.well-known/jwks.json", include_in_schema=False)
async def jwks(request: Request, tenant: TenantDep) -> JSONResponse:
    container = container_of(request)
    document = await container.oauth.keys.jwks(tenant.id)
    if not document["keys"]:
        # A tenant that never signed anything: create its keys, so clients see them
        # (and the next key) before the first token is issued.
        await container.keys.ensure(tenant.id, by=LAZY_KEYS)
        container.oauth.keys.forget(tenant.id)
        document = await container.oauth.keys.jwks(tenant.id)
    max_age = max(0, container.settings.jwks_cache_ttl - _LOCAL_CACHE_SECONDS)
    return JSONResponse(document, headers={"cache-control": f"public, max-age={max_age}"})

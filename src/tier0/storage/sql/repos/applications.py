"""Applications (OAuth clients)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.domain import Application, AppType, AuthMethod
from tier0.jose.algorithms import RS256
from tier0.storage.sql.models import ApplicationRow
from tier0.storage.sql.types import require_time


def _app(row: ApplicationRow) -> Application:
    return Application(
        tenant_id=row.tenant_id,
        client_id=row.client_id,
        name=row.name,
        app_type=AppType(row.app_type),
        token_endpoint_auth_method=AuthMethod(row.token_endpoint_auth_method),
        grant_types=tuple(row.grant_types),
        callbacks=tuple(row.callbacks),
        allowed_logout_urls=tuple(row.allowed_logout_urls),
        web_origins=tuple(row.web_origins),
        is_first_party=row.is_first_party,
        client_secret_hash=row.client_secret_hash,
        jwks=row.jwks,
        id_token_signed_response_alg=row.id_token_alg or RS256,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _copy_into(row: ApplicationRow, app: Application) -> None:
    row.name = app.name
    row.app_type = app.app_type.value
    row.token_endpoint_auth_method = app.token_endpoint_auth_method.value
    row.grant_types = list(app.grant_types)
    row.callbacks = list(app.callbacks)
    row.allowed_logout_urls = list(app.allowed_logout_urls)
    row.web_origins = list(app.web_origins)
    row.is_first_party = app.is_first_party
    row.client_secret_hash = app.client_secret_hash
    row.jwks = app.jwks
    row.id_token_alg = app.id_token_signed_response_alg
    if app.updated_at is not None:
        row.updated_at = app.updated_at


class SqlApplicationRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, app: Application) -> None:
        created_at = require_time(app.created_at)
        row = ApplicationRow(
            client_id=app.client_id,
            tenant_id=app.tenant_id,
            created_at=created_at,
            updated_at=app.updated_at or created_at,
        )
        _copy_into(row, app)
        self._s.add(row)
        await self._s.flush()

    async def _row(self, tenant_id: str, client_id: str) -> ApplicationRow | None:
        return await self._s.scalar(
            select(ApplicationRow).where(
                ApplicationRow.tenant_id == tenant_id, ApplicationRow.client_id == client_id
            )
        )

    async def get(self, tenant_id: str, client_id: str) -> Application | None:
        row = await self._row(tenant_id, client_id)
        return _app(row) if row else None

    async def get_by_name(self, tenant_id: str, name: str) -> Application | None:
        row = await self._s.scalar(
            select(ApplicationRow).where(
                ApplicationRow.tenant_id == tenant_id, ApplicationRow.name == name
            )
        )
        return _app(row) if row else None

    async def list(
        self, tenant_id: str, *, offset: int = 0, limit: int = 100
    ) -> Sequence[Application]:
        rows = await self._s.scalars(
            select(ApplicationRow)
            .where(ApplicationRow.tenant_id == tenant_id)
            .order_by(ApplicationRow.name, ApplicationRow.client_id)
            .offset(offset)
            .limit(limit)
        )
        return [_app(row) for row in rows]

    async def update(self, app: Application) -> None:
        row = await self._row(app.tenant_id, app.client_id)
        if row is not None:
            _copy_into(row, app)
            await self._s.flush()

    async def delete(self, tenant_id: str, client_id: str) -> bool:
        result = await self._s.execute(
            delete(ApplicationRow).where(
                ApplicationRow.tenant_id == tenant_id, ApplicationRow.client_id == client_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

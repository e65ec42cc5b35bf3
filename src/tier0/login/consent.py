"""Consent of third-party clients (OA-11).

A user's consent to a client is the live :class:`~tier0.domain.grants.Grant` that user
gave it: the grant records the client, the scope and the API, and revoking it (logout of
the family, a detected replay, an admin) withdraws the consent with it. A request is
covered when some live grant to the same client and API includes every scope asked for.
"""

from __future__ import annotations

from tier0.protocol.endpoints.authorize import ValidatedAuthorization
from tier0.storage.ports import Database

__all__ = ["ConsentService"]


class ConsentService:
    """Answers whether a user already approved what a request asks."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def given(
        self, tenant_id: str, user_id: str, authorization: ValidatedAuthorization
    ) -> bool:
        async with self._db.read() as uow:
            grants = await uow.grants.list_for_user(tenant_id, user_id)
        wanted = set(authorization.scope)
        return any(
            grant.client_id == authorization.client_id
            and grant.audience == authorization.audience
            and grant.revoked_at is None
            and wanted <= set(grant.scope)
            for grant in grants
        )

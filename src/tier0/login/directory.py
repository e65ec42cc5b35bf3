"""What the login flow looks up: clients, APIs and the browser's usable session."""

from __future__ import annotations

from tier0.domain import Application, Tenant, User
from tier0.domain.grants import Session
from tier0.errors import NotFound
from tier0.login.sessions import SessionService
from tier0.protocol.endpoints.authorize import ApiPolicy, ClientPolicy
from tier0.services.applications import ApplicationService
from tier0.services.resource_servers import ResourceServerService
from tier0.services.users import UserService
from tier0.storage.ports import DirectoryReads

__all__ = ["LoginDirectory", "client_policy"]


def client_policy(app: Application) -> ClientPolicy:
    """The part of a registered application /authorize decides on."""
    return ClientPolicy(
        client_id=app.client_id,
        name=app.name,
        redirect_uris=app.callbacks,
        grant_types=app.grant_types,
        first_party=app.is_first_party,
    )


class LoginDirectory:
    """Lookups of the login flow, each a small read."""

    def __init__(
        self,
        *,
        applications: ApplicationService,
        apis: ResourceServerService,
        users: UserService,
        sessions: SessionService,
        cache: DirectoryReads | None = None,
    ) -> None:
        self._cache = cache
        self._applications = applications
        self._apis = apis
        self._users = users
        self._sessions = sessions

    async def find_client(self, tenant: Tenant, client_id: str) -> Application | None:
        if self._cache is not None:
            return await self._cache.application(tenant.id, client_id)
        try:
            return await self._applications.get(tenant, client_id)
        except NotFound:
            return None

    async def api_policies(self, tenant: Tenant) -> dict[str, ApiPolicy]:
        """The tenant's APIs by identifier. System APIs (the management API) are not
        offered to end-user sign-ins."""
        apis = (
            await self._cache.resource_servers(tenant.id)
            if self._cache is not None
            else await self._apis.list(tenant)
        )
        return {
            api.identifier: ApiPolicy(api.identifier, api.scope_values, api.allow_offline_access)
            for api in apis
            if not api.is_system
        }

    async def usable_session(self, tenant: Tenant, session_cookie: str | None) -> Session | None:
        """The browser's live session, if its user still exists and is not blocked.

        A blocked or deleted user's session ends here: SSO must not outlive the account.
        """
        session = await self._sessions.current(tenant, session_cookie)
        if session is None:
            return None
        try:
            user = await self._users.get(tenant, session.user_id)
        except NotFound:
            user = None
        if user is None or user.blocked:
            await self._sessions.end(tenant, session_cookie)
            return None
        return session

    async def active_user(self, tenant: Tenant, user_id: str) -> User | None:
        """The user, unless deleted or blocked (a passkey must not outlive the account)."""
        try:
            user = await self._users.get(tenant, user_id)
        except NotFound:
            return None
        return None if user.blocked else user

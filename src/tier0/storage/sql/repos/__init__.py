"""SQL repositories, grouped per transaction by :class:`SqlUnitOfWork`."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from tier0.secrets.fields import FieldCipher
from tier0.storage.sql.repos.applications import SqlApplicationRepo
from tier0.storage.sql.repos.client_grants import SqlClientGrantRepo
from tier0.storage.sql.repos.events import SqlEventRepo
from tier0.storage.sql.repos.log_streams import SqlStreamRepo
from tier0.storage.sql.repos.mfa import SqlMfaRepo
from tier0.storage.sql.repos.mfa_extra import SqlEmailCodeRepo, SqlPasskeyRepo
from tier0.storage.sql.repos.oauth import (
    SqlCodeRepo,
    SqlGrantRepo,
    SqlRefreshTokenRepo,
)
from tier0.storage.sql.repos.resource_servers import SqlResourceServerRepo
from tier0.storage.sql.repos.roles import SqlRoleRepo
from tier0.storage.sql.repos.sessions import SqlReplayRepo, SqlSessionRepo
from tier0.storage.sql.repos.tenants import SqlTenantKeyRepo, SqlTenantRepo
from tier0.storage.sql.repos.user_keys import SqlUserKeyRepo
from tier0.storage.sql.repos.users import SqlUserRepo


class SqlUnitOfWork:
    """The repositories of one SQL transaction. Repositories are created on first use."""

    def __init__(self, session: AsyncSession, cipher: FieldCipher | None = None) -> None:
        self.session = session
        self.cipher = cipher

    @cached_property
    def tenants(self) -> SqlTenantRepo:
        return SqlTenantRepo(self.session)

    @cached_property
    def tenant_keys(self) -> SqlTenantKeyRepo:
        return SqlTenantKeyRepo(self.session)

    @cached_property
    def applications(self) -> SqlApplicationRepo:
        return SqlApplicationRepo(self.session)

    @cached_property
    def resource_servers(self) -> SqlResourceServerRepo:
        return SqlResourceServerRepo(self.session)

    @cached_property
    def client_grants(self) -> SqlClientGrantRepo:
        return SqlClientGrantRepo(self.session)

    @cached_property
    def users(self) -> SqlUserRepo:
        if self.cipher is None:
            # Users hold personal data that is only ever stored sealed (DP-02).
            raise RuntimeError("this database was built without a field cipher")
        return SqlUserRepo(self.session, self.cipher)

    @cached_property
    def user_keys(self) -> SqlUserKeyRepo:
        return SqlUserKeyRepo(self.session)

    @cached_property
    def roles(self) -> SqlRoleRepo:
        return SqlRoleRepo(self.session)

    @cached_property
    def mfa(self) -> SqlMfaRepo:
        return SqlMfaRepo(self.session)

    @cached_property
    def passkeys(self) -> SqlPasskeyRepo:
        return SqlPasskeyRepo(self.session)

    @cached_property
    def email_codes(self) -> SqlEmailCodeRepo:
        return SqlEmailCodeRepo(self.session)

    @cached_property
    def grants(self) -> SqlGrantRepo:
        return SqlGrantRepo(self.session)

    @cached_property
    def codes(self) -> SqlCodeRepo:
        return SqlCodeRepo(self.session)

    @cached_property
    def refresh_tokens(self) -> SqlRefreshTokenRepo:
        return SqlRefreshTokenRepo(self.session)

    @cached_property
    def sessions(self) -> SqlSessionRepo:
        return SqlSessionRepo(self.session)

    @cached_property
    def replay(self) -> SqlReplayRepo:
        return SqlReplayRepo(self.session)

    @cached_property
    def events(self) -> SqlEventRepo:
        return SqlEventRepo(self.session)

    @cached_property
    def streams(self) -> SqlStreamRepo:
        return SqlStreamRepo(self.session)


__all__ = ["SqlUnitOfWork"]

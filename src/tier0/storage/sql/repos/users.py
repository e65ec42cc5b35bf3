"""Users, with personal data sealed at rest (DP-02).

Email, names, nickname, picture and last IP are stored only as AES-256-GCM ciphertext bound
to (tenant, ``users``, column, user id); email lookups and the per-tenant uniqueness rule use
the email's blind index. The repository keeps the plain :class:`UserRepo` port, so callers
never see ciphertext.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.domain import User
from tier0.domain.users import normalize_email
from tier0.secrets.fields import FieldCipher, TenantFields
from tier0.secrets.user_keys import UserKeyring, new_user_key, per_user_keys_enabled
from tier0.storage.ports import UserQuery
from tier0.storage.sql.models import TenantRow, UserKeyRow, UserRow
from tier0.storage.sql.repos.user_keys import SqlUserKeyRepo
from tier0.storage.sql.repos.users_query import condition as _condition
from tier0.storage.sql.types import require_time

if TYPE_CHECKING:
    from tier0.storage.sql.engine import SqlDatabase

TABLE = "users"
_PLAIN = (
    "email_verified",
    "username",
    "blocked",
    "password_hash",
    "last_login",
    "logins_count",
)
# domain field -> ciphertext column
SEALED = {
    "email": "email_ct",
    "name": "name_ct",
    "given_name": "given_name_ct",
    "family_name": "family_name_ct",
    "nickname": "nickname_ct",
    "picture": "picture_ct",
    "last_ip": "last_ip_ct",
}
_LEGACY = {
    "name": "legacy_name",
    "given_name": "legacy_given_name",
    "family_name": "legacy_family_name",
    "nickname": "legacy_nickname",
    "picture": "legacy_picture",
    "last_ip": "legacy_last_ip",
}


def _user(row: UserRow, fields: TenantFields) -> User:
    def opened(name: str) -> str | None:
        column = SEALED[name]
        return fields.open(TABLE, column, row.user_id, getattr(row, column))

    return User(
        tenant_id=row.tenant_id,
        user_id=row.user_id,
        email=opened("email") or "",
        name=opened("name"),
        given_name=opened("given_name"),
        family_name=opened("family_name"),
        nickname=opened("nickname"),
        picture=opened("picture"),
        last_ip=opened("last_ip"),
        user_metadata=dict(row.user_metadata),
        app_metadata=dict(row.app_metadata),
        created_at=row.created_at,
        updated_at=row.updated_at,
        **{name: getattr(row, name) for name in _PLAIN},
    )


def _copy_into(row: UserRow, user: User, fields: TenantFields) -> None:
    for name in _PLAIN:
        setattr(row, name, getattr(user, name))
    for name, column in SEALED.items():
        setattr(row, column, fields.seal(TABLE, column, user.user_id, getattr(user, name)))
    for legacy in _LEGACY.values():
        setattr(row, legacy, None)
    row.legacy_email = ""
    row.email_index = fields.index(normalize_email(user.email))
    row.user_metadata = dict(user.user_metadata)
    row.app_metadata = dict(user.app_metadata)
    if user.updated_at is not None:
        row.updated_at = user.updated_at


def _legacy_user(row: UserRow) -> User:
    """A row written before 0003_users_pii, read from its plaintext columns."""
    return User(
        tenant_id=row.tenant_id,
        user_id=row.user_id,
        email=row.legacy_email,
        user_metadata=dict(row.user_metadata),
        app_metadata=dict(row.app_metadata),
        created_at=row.created_at,
        updated_at=row.updated_at,
        **{name: getattr(row, name) for name in _PLAIN},
        **{name: getattr(row, legacy) for name, legacy in _LEGACY.items()},
    )


class SqlUserRepo:
    def __init__(self, session: AsyncSession, cipher: FieldCipher) -> None:
        self._s = session
        self._cipher = cipher
        self._keys = SqlUserKeyRepo(session)

    async def _fields(
        self, tenant_id: str, user_ids: builtins.list[str] | None
    ) -> tuple[TenantFields, dict[str, TenantFields]]:
        """The tenant's fields and, per user with a data key of their own, that user's."""
        fields = await self._cipher.for_tenant(tenant_id)
        users = self._cipher.users
        if users is None:
            return fields, {}
        keys = await users.load(self._keys, tenant_id, user_ids)
        return fields, {user_id: fields.for_user(key) for user_id, key in keys.items()}

    async def _rows_to_users(self, tenant_id: str, rows: Sequence[UserRow]) -> builtins.list[User]:
        if not rows:
            return []
        fields, own = await self._fields(tenant_id, [row.user_id for row in rows])
        return [_user(row, own.get(row.user_id, fields)) for row in rows]

    async def _user_keyring(self, tenant_id: str) -> UserKeyring | None:
        """The per-user keyring if the tenant asks for per-user keys (and one is wired)."""
        if self._cipher.users is None:
            return None
        settings = await self._s.scalar(select(TenantRow.settings).where(TenantRow.id == tenant_id))
        return self._cipher.users if per_user_keys_enabled(settings or {}) else None

    async def add(self, user: User) -> None:
        created_at = require_time(user.created_at)
        row = UserRow(
            user_id=user.user_id,
            tenant_id=user.tenant_id,
            created_at=created_at,
            updated_at=user.updated_at or created_at,
        )
        fields = await self._cipher.for_tenant(user.tenant_id)
        keyring = await self._user_keyring(user.tenant_id)
        user_key = new_user_key() if keyring else None
        _copy_into(row, user, fields.for_user(user_key) if user_key else fields)
        self._s.add(row)
        await self._s.flush()
        if keyring is not None and user_key is not None:  # after the row: the key refers to it
            await keyring.store(self._keys, user.tenant_id, user.user_id, user_key)

    async def _row(self, tenant_id: str, user_id: str) -> UserRow | None:
        return await self._s.scalar(
            select(UserRow).where(UserRow.tenant_id == tenant_id, UserRow.user_id == user_id)
        )

    async def get(self, tenant_id: str, user_id: str) -> User | None:
        row = await self._row(tenant_id, user_id)
        return (await self._rows_to_users(tenant_id, [row]))[0] if row else None

    async def get_by_email(self, tenant_id: str, email: str) -> User | None:
        fields = await self._cipher.for_tenant(tenant_id)
        row = await self._s.scalar(
            select(UserRow).where(
                UserRow.tenant_id == tenant_id,
                UserRow.email_index == fields.index(normalize_email(email)),
            )
        )
        return (await self._rows_to_users(tenant_id, [row]))[0] if row else None

    async def list(self, tenant_id: str, *, offset: int = 0, limit: int = 100) -> Sequence[User]:
        rows = list(
            await self._s.scalars(
                select(UserRow)
                .where(UserRow.tenant_id == tenant_id)
                .order_by(UserRow.created_at, UserRow.user_id)
                .offset(offset)
                .limit(limit)
            )
        )
        return await self._rows_to_users(tenant_id, rows)

    async def count(self, tenant_id: str) -> int:
        total = await self._s.scalar(
            select(func.count()).select_from(UserRow).where(UserRow.tenant_id == tenant_id)
        )
        return int(total or 0)

    async def list_after(
        self, tenant_id: str, after: tuple[datetime, str] | None, *, limit: int
    ) -> Sequence[User]:
        """Keyset page in (created_at, user_id) order: stable under inserts, no offset scan."""
        stmt = select(UserRow).where(UserRow.tenant_id == tenant_id)
        if after is not None:
            created, user_id = after
            stmt = stmt.where(
                or_(
                    UserRow.created_at > created,
                    and_(UserRow.created_at == created, UserRow.user_id > user_id),
                )
            )
        rows = list(
            await self._s.scalars(stmt.order_by(UserRow.created_at, UserRow.user_id).limit(limit))
        )
        return await self._rows_to_users(tenant_id, rows)

    async def search(
        self, tenant_id: str, query: UserQuery, *, offset: int = 0, limit: int = 100
    ) -> Sequence[User]:
        fields = await self._cipher.for_tenant(tenant_id)
        condition = _condition(query, fields)
        if condition is None:
            return (await self._scan(tenant_id, query, fields))[offset : offset + limit]
        rows = await self._s.scalars(
            select(UserRow)
            .where(UserRow.tenant_id == tenant_id, condition)
            .order_by(UserRow.created_at, UserRow.user_id)
            .offset(offset)
            .limit(limit)
        )
        return await self._rows_to_users(tenant_id, list(rows))

    async def count_matching(self, tenant_id: str, query: UserQuery) -> int:
        fields = await self._cipher.for_tenant(tenant_id)
        condition = _condition(query, fields)
        if condition is None:
            return len(await self._scan(tenant_id, query, fields))
        total = await self._s.scalar(
            select(func.count())
            .select_from(UserRow)
            .where(UserRow.tenant_id == tenant_id, condition)
        )
        return int(total or 0)

    async def _scan(
        self, tenant_id: str, query: UserQuery, fields: TenantFields
    ) -> builtins.list[User]:
        """Search a sealed field: the database cannot compare ciphertexts, so the tenant's
        users are opened and filtered here (linear in the tenant's size; see docs/privacy.md)."""
        rows = await self._s.scalars(
            select(UserRow)
            .where(UserRow.tenant_id == tenant_id)
            .order_by(UserRow.created_at, UserRow.user_id)
        )
        wanted = str(query.value)
        if query.field == "email":
            wanted = normalize_email(wanted)
        found: builtins.list[User] = []
        _, own = await self._fields(tenant_id, None)
        for row in rows:
            user = _user(row, own.get(row.user_id, fields))
            value = getattr(user, query.field)
            if value is None:
                continue
            have = normalize_email(value) if query.field == "email" else value
            if have.startswith(wanted) if query.prefix else have == wanted:
                found.append(user)
        return found

    async def update(self, user: User) -> None:
        row = await self._row(user.tenant_id, user.user_id)
        if row is None:
            return
        fields, own = await self._fields(user.tenant_id, [user.user_id])
        mine = own.get(user.user_id)
        keyring = None if mine else await self._user_keyring(user.tenant_id)
        if keyring is not None:  # per-user keys were turned on since: move this user over
            user_key = new_user_key()
            await keyring.store(self._keys, user.tenant_id, user.user_id, user_key)
            mine = fields.for_user(user_key)
        _copy_into(row, user, mine or fields)
        await self._s.flush()

    async def record_login(
        self,
        tenant_id: str,
        user_id: str,
        *,
        at: datetime,
        ip: str | None,
        previous_ip: str | None = None,
        password_hash: str | None = None,
    ) -> int | None:
        """Count a sign-in: one UPDATE of the login columns (and of the hash when it was
        upgraded); the new ``logins_count``, or None if the user is gone. Unlike
        :meth:`update` it re-reads nothing, re-seals the last IP only when it differs from
        ``previous_ip`` (under whatever key the user's fields use), and never moves a user
        to a key of their own (``rekey_users`` does that)."""
        values: dict[str, object] = {
            "last_login": at,
            "updated_at": at,
            "logins_count": UserRow.logins_count + 1,
        }
        if ip != previous_ip:
            fields, own = await self._fields(tenant_id, [user_id])
            column = SEALED["last_ip"]
            values[column] = own.get(user_id, fields).seal(TABLE, column, user_id, ip)
        if password_hash is not None:
            values["password_hash"] = password_hash
        count = await self._s.scalar(
            update(UserRow)
            .where(UserRow.tenant_id == tenant_id, UserRow.user_id == user_id)
            .values(values)
            .returning(UserRow.logins_count)
            .execution_options(synchronize_session=False)
        )
        return None if count is None else int(count)

    async def rekey(self, tenant_id: str, *, batch: int = 200) -> int:
        """Give up to ``batch`` users still sealed under the tenant key a data key of their
        own and re-seal them under it; return how many moved."""
        keyring = self._cipher.users
        if keyring is None:
            raise RuntimeError("this database was built without per-user keys")
        keyed = select(UserKeyRow.user_id).where(UserKeyRow.tenant_id == tenant_id)
        rows = list(
            await self._s.scalars(
                select(UserRow)
                .where(UserRow.tenant_id == tenant_id, UserRow.user_id.not_in(keyed))
                .limit(batch)
            )
        )
        fields = await self._cipher.for_tenant(tenant_id)
        for row in rows:
            user = _user(row, fields)
            user_key = new_user_key()
            await keyring.store(self._keys, tenant_id, row.user_id, user_key)
            _copy_into(row, user, fields.for_user(user_key))
        await self._s.flush()
        return len(rows)

    async def delete(self, tenant_id: str, user_id: str) -> bool:
        result = await self._s.execute(
            delete(UserRow).where(UserRow.tenant_id == tenant_id, UserRow.user_id == user_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def encrypt_legacy(self, *, batch: int = 500) -> int:
        """Seal rows written before 0003_users_pii and blank their plaintext columns."""
        rows = list(
            await self._s.scalars(select(UserRow).where(UserRow.legacy_email != "").limit(batch))
        )
        for row in rows:
            user = _legacy_user(row)
            _copy_into(row, user, await self._cipher.for_tenant(row.tenant_id))
        await self._s.flush()
        return len(rows)


async def encrypt_legacy_users(db: SqlDatabase) -> int:
    """Seal every user row still holding plaintext (after ``0003_users_pii``); idempotent."""
    total = 0
    while True:
        async with db.transaction() as uow:
            done = await uow.users.encrypt_legacy()
        total += done
        if done == 0:
            return total


async def rekey_users(db: SqlDatabase, tenant_id: str) -> int:
    """Move every user of a tenant still sealed under the tenant key to a key of their own
    (after per-user keys were turned on); idempotent, one transaction per batch."""
    total = 0
    while True:
        async with db.transaction() as uow:
            done = await uow.users.rekey(tenant_id)
        total += done
        if done == 0:
            return total

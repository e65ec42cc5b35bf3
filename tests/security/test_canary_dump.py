"""DP-01, DP-02 (white box): after seeding a unique canary email and names, stored secrets,
a TOTP-style seed, a real TOTP enrollment and a signing key, a dump of the database (the
SQLite file bytes, or `pg_dump` output on PostgreSQL) holds none of them in clear."""

from __future__ import annotations

import asyncio
import base64
import secrets

from tests.conftest import unique
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor
from tier0.container import Container
from tier0.privacy.user_keys import set_per_user_keys
from tier0.services.users import UserSpec

ADMIN = Actor.admin("canary")


async def database_dump(container: Container, backend: str) -> bytes:
    if backend == "sqlite":
        await container.db.engine.dispose()  # checkpoint-free: read the WAL file too
        return b"".join(
            p.read_bytes() for p in sorted(container.settings.data_dir.glob("tier0.db*"))
        )
    url = container.settings.resolved_database_url.replace("postgresql+asyncpg", "postgresql")
    process = await asyncio.create_subprocess_exec(
        "pg_dump", "--no-owner", url, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    return out


async def test_dp01_dp02_canaries_never_reach_the_database_in_clear(
    container: Container, backend: str
) -> None:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    marker = unique("canary")
    email = f"{marker}@example.org"
    totp_seed = base64.b32encode(secrets.token_bytes(20)).decode()
    stored = f"smtp-{secrets.token_urlsafe(24)}"
    user = await container.users.create(
        tenant,
        UserSpec(
            email=email,
            password=f"pw-{secrets.token_hex(8)}-horse",
            name=f"N{marker}",
            given_name=f"G{marker}",
            family_name=f"F{marker}",
            nickname=f"K{marker}",
        ),
        by=ChangedBy.cli(),
    )
    await container.secrets.put(tenant, "mfa/totp-seed", totp_seed.encode(), actor=ADMIN)
    await container.secrets.put(tenant, "smtp/password", stored.encode(), actor=ADMIN)
    await container.keys.ensure(tenant.id, by=ChangedBy.cli())  # a private signing key, sealed
    enrollment = await container.mfa.enroll_totp(tenant, user.user_id, account=email)

    # A user of a tenant with per-user keys: sealed under their own key, still never clear.
    keyed = await container.tenants.create(unique(), by=ChangedBy.cli())
    await set_per_user_keys(
        container.db, container.audit, container.clock, keyed, enabled=True, actor=ADMIN
    )
    own_marker = unique("canary")
    await container.users.create(
        keyed,
        UserSpec(email=f"{own_marker}@example.org", name=f"N{own_marker}"),
        by=ChangedBy.cli(),
    )

    dump = await database_dump(container, backend)
    assert len(dump) > 10_000 and tenant.id.encode() in dump  # the dump is real
    canaries = [marker, email, email.upper(), totp_seed, stored, enrollment.seed, own_marker]
    for canary in canaries:
        for encoding in ("utf-8", "utf-16-le"):
            assert canary.encode(encoding) not in dump, canary
    assert b'"d":' not in dump and b"PRIVATE KEY" not in dump  # no private JWK in clear

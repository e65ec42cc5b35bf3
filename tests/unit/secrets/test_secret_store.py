"""The versioned secret store: every version sealed (bound to its name and version), every
read audited, values only ever through standard input and output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tests.conftest import unique
from tests.unit.secrets.conftest import call
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container
from tier0.crypto.aead import DecryptionError
from tier0.errors import InvalidInput, NotFound

ADMIN = Actor.admin("tester")


async def test_dp01_versions_are_sealed_and_reads_audited(container: Container) -> None:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    first, second = unique("smtp-pass").encode(), unique("smtp-pass").encode()
    assert await container.secrets.put(tenant, "smtp/password", first, actor=ADMIN) == 1
    assert await container.secrets.put(tenant, "smtp/password", second, actor=ADMIN) == 2

    assert await container.secrets.get(tenant, "smtp/password", actor=ADMIN) == (2, second)
    assert await container.secrets.get(tenant, "smtp/password", version=1, actor=ADMIN) == (
        1,
        first,
    )
    async with container.db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM stored_secrets"))).all()
    assert first not in repr(rows).encode() and second not in repr(rows).encode()

    reads = await container.audit.search(
        EventQuery(tenant_id=tenant.id, types=(EventType.SECRET_READ,))
    )
    assert len(reads) == 2
    payloads = json.dumps([dict(r.event.details) for r in reads])
    assert first.decode() not in payloads and second.decode() not in payloads
    [info] = await container.secrets.list(tenant)
    assert (info.name, info.latest_version, info.versions) == ("smtp/password", 2, 2)


async def test_dp01_a_sealed_version_moved_elsewhere_does_not_open(
    container: Container,
) -> None:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    await container.secrets.put(tenant, "a", b"value-a", actor=ADMIN)
    await container.secrets.put(tenant, "b", b"value-b", actor=ADMIN)
    async with container.db.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE stored_secrets SET sealed = (SELECT sealed FROM stored_secrets"
                " WHERE tenant_id = :t AND name = 'a') WHERE tenant_id = :t AND name = 'b'"
            ),
            {"t": tenant.id},
        )
    with pytest.raises(DecryptionError):
        await container.secrets.get(tenant, "b", actor=ADMIN)


async def test_delete_one_version_or_all_and_bad_names(container: Container) -> None:
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    for value in (b"1", b"2", b"3"):
        await container.secrets.put(tenant, "webhook.key", value, actor=ADMIN)
    assert await container.secrets.delete(tenant, "webhook.key", version=3, actor=ADMIN) == 1
    assert await container.secrets.get(tenant, "webhook.key", actor=ADMIN) == (2, b"2")
    assert await container.secrets.delete(tenant, "webhook.key", actor=ADMIN) == 2
    with pytest.raises(NotFound):
        await container.secrets.get(tenant, "webhook.key", actor=ADMIN)
    with pytest.raises(InvalidInput):
        await container.secrets.put(tenant, "../etc", b"x", actor=ADMIN)


def test_secret_cli_put_get_list_delete(cli: CliRunner, tmp_path: Path) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    value = unique("cli-secret")
    code, out, _ = call(cli, "secret", "put", "api-token", "-t", "acme", "--json", stdin=value)
    assert code == 0 and json.loads(out) == {"name": "api-token", "version": 1}
    code, out, _ = call(cli, "secret", "put", "api-token", "-t", "acme", stdin="v2\n")
    assert code == 0 and "version: 2" in out
    code, out, _ = call(cli, "secret", "get", "api-token", "-t", "acme", "--version", "1")
    assert code == 0 and out == value + "\n"
    code, out, _ = call(cli, "secret", "list", "-t", "acme", "--json")
    assert code == 0 and json.loads(out)[0]["latest_version"] == 2 and value not in out
    code, out, _ = call(cli, "secret", "delete", "api-token", "-t", "acme")
    assert code == 0 and "deleted 2 version(s)" in out
    code, _, err = call(cli, "secret", "get", "api-token", "-t", "acme")
    assert code == 2 and "no such secret" in err
    assert value.encode() not in (tmp_path / "data" / "tier0.db").read_bytes()

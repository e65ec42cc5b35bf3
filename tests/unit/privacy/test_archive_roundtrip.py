"""DP-03: a tenant archive restores everything it carries. Export, destroy, import, export
again: the two archives agree on every section (settings, applications, APIs, client grants,
roles and their permissions, who holds which role or permission, users, log streams, stored
secrets with every version), apart from what cannot or should not move (the audit log, which
the target keeps for itself; client secrets, which are issued anew)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.unit.privacy.test_destruction import settings_in, started
from tests.unit.secrets.conftest import call
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor
from tier0.audit.streams.model import StreamKind
from tier0.container import Container
from tier0.domain import Permission, Tenant
from tier0.domain.applications import AppType, AuthMethod
from tier0.domain.resource_servers import ApiScope
from tier0.errors import InvalidInput
from tier0.privacy.archive import ARCHIVE_TYP
from tier0.privacy.archive_secrets import open_section
from tier0.privacy.user_keys import set_per_user_keys
from tier0.services.applications import ApplicationSpec
from tier0.services.resource_servers import ApiSpec
from tier0.services.users import UserSpec

ADMIN = Actor.admin("dpo")
PASSWORD = "a long enough password"
PASSPHRASE = b"correct horse battery staple"
API = "https://api.acme.example"
UNCOMPARED = ("exported_at", "iat", "jti", "audit_log", "sealed_secrets")


async def seed(c: Container) -> dict[str, Any]:
    acme = await c.tenants.create("acme", display_name="Acme Corp", by=ChangedBy.cli())
    await set_per_user_keys(c.db, c.audit, c.clock, acme, enabled=True, actor=ADMIN)
    acme = await c.tenants.get("acme")
    web = await c.applications.create(
        acme,
        ApplicationSpec("web", AppType.REGULAR_WEB, callbacks=("https://acme.example/cb",)),
        by=ChangedBy.cli(),
    )
    m2m = await c.applications.create(
        acme, ApplicationSpec("jobs", AppType.NON_INTERACTIVE), by=ChangedBy.cli()
    )
    spa = await c.applications.create(
        acme,
        ApplicationSpec("spa", AppType.SPA, token_endpoint_auth_method=AuthMethod.NONE),
        by=ChangedBy.cli(),
    )
    await c.apis.create(
        acme,
        ApiSpec("orders", API, scopes=(ApiScope("read:orders", "Read"), ApiScope("write:orders"))),
        by=ChangedBy.cli(),
    )
    await c.client_grants.create(
        acme, m2m.application.client_id, API, ["read:orders"], by=ChangedBy.cli()
    )
    role = await c.roles.create(acme, "clerk", "Handles orders", by=ChangedBy.cli())
    await c.roles.add_permissions(
        acme, role.id, [Permission(API, "read:orders")], by=ChangedBy.cli()
    )
    ada = await c.users.create(
        acme, UserSpec(email="ada@example.com", password=PASSWORD, name="Ada"), by=ChangedBy.cli()
    )
    bob = await c.users.create(
        acme, UserSpec(email="bob@example.com", password=PASSWORD, nickname="b"), by=ChangedBy.cli()
    )
    await c.roles.assign(acme, role.id, [ada.user_id], by=ChangedBy.cli())
    await c.roles.grant_user(
        acme, bob.user_id, [Permission(API, "write:orders")], by=ChangedBy.cli()
    )
    stream, hook_secret = await c.streams.create(
        acme.id, "siem", StreamKind.WEBHOOK, {"url": "https://siem.acme.example/hook"}, actor=ADMIN
    )
    await c.secrets.put(acme, "smtp/password", b"first", actor=ADMIN)
    await c.secrets.put(acme, "smtp/password", b"second", actor=ADMIN)
    return {
        "web": web,
        "m2m": m2m,
        "spa": spa,
        "ada": ada,
        "stream": stream,
        "hook": hook_secret,
    }


def comparable(claims: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in claims.items() if k not in UNCOMPARED}


async def test_dp03_export_destroy_import_export_round_trip(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    c = await started(settings)
    try:
        await c.tenants.ensure(settings.default_tenant, by=ChangedBy.cli())
        seeded = await seed(c)
        first = await c.privacy.archiver.export(
            "acme", include_hashes=True, actor=ADMIN, passphrase=PASSPHRASE
        )
        await c.privacy.destroyer.destroy("acme", by=ChangedBy.cli())
        async with c.db.read() as uow:  # the destroyed tenant's stream went with it
            assert await uow.streams.get(seeded["stream"].tenant_id, seeded["stream"].id) is None
        with pytest.raises(InvalidInput, match="passphrase"):
            await c.privacy.archiver.import_(first)  # the secrets need it
        with pytest.raises(InvalidInput, match="wrong passphrase"):
            await c.privacy.archiver.import_(first, passphrase=b"not the passphrase at all")
        report = await c.privacy.archiver.import_(first, passphrase=PASSPHRASE, actor=ADMIN)
        second = await c.privacy.archiver.export(
            "acme", include_hashes=True, actor=ADMIN, passphrase=PASSPHRASE
        )
        before = await c.privacy.notary.verify(first, typ=ARCHIVE_TYP)
        after = await c.privacy.notary.verify(second, typ=ARCHIVE_TYP)
        assert comparable(after) == comparable(before)
        assert open_section(PASSPHRASE, after["sealed_secrets"]) == open_section(
            PASSPHRASE, before["sealed_secrets"]
        )
        assert {a["name"] for a in before["applications"]} == {"web", "jobs", "spa"}
        assert before["client_grants"] and before["roles"][0]["permissions"]
        assert before["assignments"]["user_roles"] and before["assignments"]["user_permissions"]
        assert [s["name"] for s in before["log_streams"]] == ["siem"]

        tenant = report.tenant
        await _restored_tenant_works(c, tenant, seeded, report.client_secrets)
        assert report.paused_streams == []
    finally:
        await c.close()


async def _restored_tenant_works(
    c: Container, tenant: Tenant, seeded: dict[str, Any], issued: dict[str, str]
) -> None:
    back = await c.users.authenticate(tenant, "ADA@example.com", PASSWORD)
    assert back.user_id == seeded["ada"].user_id and back.name == "Ada"
    async with c.db.read() as uow:  # per-user keys came back with the setting
        assert len(await uow.user_keys.keys(tenant.id, None)) == 2
    m2m = seeded["m2m"].application
    assert set(issued) == {seeded["web"].application.client_id, m2m.client_id}
    restored_app = await c.applications.get(tenant, m2m.client_id)
    assert await c.applications.secret_matches(tenant, restored_app, issued[m2m.client_id])
    assert not await c.applications.secret_matches(
        tenant, restored_app, seeded["m2m"].client_secret
    )
    assert await c.secrets.get(tenant, "smtp/password", actor=ADMIN) == (2, b"second")
    assert await c.secrets.get(tenant, "smtp/password", version=1, actor=ADMIN) == (1, b"first")
    stream = await c.streams.get(tenant.id, "siem")
    assert stream.id == seeded["stream"].id
    name = f"log-streams/{stream.id}"
    assert await c.secrets.get(tenant, name, actor=ADMIN) == (1, seeded["hook"].encode())


async def test_dp03_an_archive_without_secrets_pauses_streams_that_need_one(
    tmp_path: Path,
) -> None:
    settings = settings_in(tmp_path)
    c = await started(settings)
    try:
        await c.tenants.ensure(settings.default_tenant, by=ChangedBy.cli())
        await seed(c)
        token = await c.privacy.archiver.export("acme", include_hashes=False, actor=ADMIN)
        claims = await c.privacy.notary.verify(token, typ=ARCHIVE_TYP)
        assert "sealed_secrets" not in claims
        assert {(s["name"], s["version"]) for s in claims["secrets"]} >= {("smtp/password", 2)}
        assert "first" not in token and "second" not in token
        await c.privacy.destroyer.destroy("acme", by=ChangedBy.cli())
        report = await c.privacy.archiver.import_(token)
        assert report.paused_streams == ["siem"] and report.users == 2
        assert list(await c.secrets.list(report.tenant)) == []
    finally:
        await c.close()


def test_dp03_cli_export_and_import_with_a_passphrase(cli: CliRunner, tmp_path: Path) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    assert call(cli, "secret", "put", "api/key", "--tenant", "acme", stdin="v1\n")[0] == 0
    target = tmp_path / "acme.t0"
    code, _, err = call(
        cli, "tenant", "export", "acme", str(target), "--passphrase-stdin", stdin="a" * 20 + "\n"
    )
    assert code == 0, err
    assert call(cli, "tenant", "destroy", "acme", "--yes")[0] == 0
    code, out, err = call(
        cli, "tenant", "import", str(target), "--passphrase-stdin", stdin="a" * 20 + "\n"
    )
    assert code == 0 and "imported tenant acme" in out, err
    code, out, _ = call(cli, "secret", "get", "api/key", "--tenant", "acme")
    assert code == 0 and out.strip() == "v1"

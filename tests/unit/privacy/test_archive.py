"""DP-03/DP-04: a signed tenant archive carries config, users (hashes only when asked) and the
audit log; importing it after the tenant was destroyed brings the users back, able to sign in;
a tampered archive is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.unit.privacy.test_destruction import settings_in, started
from tests.unit.secrets.conftest import call
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor, SecurityEvent
from tier0.audit.events import EventType
from tier0.jose.errors import InvalidJwt
from tier0.jose.jwt import peek_header
from tier0.privacy.archive import ARCHIVE_TYP
from tier0.services.users import UserSpec

ADMIN = Actor.admin("dpo")
PASSWORD = "a long enough password"


async def test_dp03_archive_survives_destruction_and_imports(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    container = await started(settings)
    try:
        await container.tenants.ensure(settings.default_tenant, by=ChangedBy.cli())
        acme = await container.tenants.create("acme", by=ChangedBy.cli())
        user = await container.users.create(
            acme,
            UserSpec(email="ada@example.com", password=PASSWORD, name="Ada"),
            by=ChangedBy.cli(),
        )
        await container.users.authenticate(acme, "ada@example.com", PASSWORD)
        await container.audit.emit(
            SecurityEvent.create(
                EventType.USER_LOGIN_SUCCEEDED,
                clock=container.clock,
                tenant_id=acme.id,
                actor=Actor.user(user.user_id),
            )
        )
        plain = await container.privacy.archiver.export("acme", include_hashes=False, actor=ADMIN)
        full = await container.privacy.archiver.export("acme", include_hashes=True, actor=ADMIN)
        claims = await container.privacy.notary.verify(plain, typ=ARCHIVE_TYP)
        assert peek_header(plain)["typ"] == ARCHIVE_TYP
        assert [u["email"] for u in claims["users"]] == ["ada@example.com"]
        assert "password_hash" not in json.dumps(claims["users"])
        assert claims["tenant"]["name"] == "acme"
        assert [e["type"] for e in claims["audit_log"]] == [
            "management.tenants.created",
            "management.users.created",
            "user.login.succeeded",
        ]

        await container.privacy.destroyer.destroy("acme", by=ChangedBy.cli())
        report = await container.privacy.archiver.import_(full)
        tenant = report.tenant
        assert report.users == 1 and tenant.id != acme.id
        back = await container.users.authenticate(tenant, "ADA@example.com", PASSWORD)
        assert back.user_id == user.user_id and back.name == "Ada"
    finally:
        await container.close()


async def test_a_tampered_archive_is_refused(tmp_path: Path) -> None:
    container = await started(settings_in(tmp_path))
    try:
        await container.tenants.create("acme", by=ChangedBy.cli())
        token = await container.privacy.archiver.export("acme", include_hashes=False, actor=ADMIN)
        header, payload, signature = token.split(".")
        forged = f"{header}.{payload[:-4]}AAAA.{signature}"
        with pytest.raises(InvalidJwt):
            await container.privacy.archiver.import_(forged)
    finally:
        await container.close()


def test_tenant_export_cli_writes_a_private_file(cli: CliRunner, tmp_path: Path) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    target = tmp_path / "acme.t0"
    code, out, _ = call(cli, "tenant", "export", "acme", str(target))
    assert code == 0 and out == f"wrote {target}\n" and target.stat().st_mode & 0o077 == 0
    code, _, err = call(cli, "tenant", "import", str(target))
    assert code == 2 and "already exists" in err

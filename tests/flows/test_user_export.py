"""`tier0 user export` (issue 4): streamed NDJSON/JSON/CSV, the Auth0 import format so that
export → import round-trips (hashes only on request, audited), CSV cells defused."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import unique
from tests.flows.test_cli import call
from tests.unit.users.test_imported_hashes import VECTORS
from tier0.audit.changes import ChangedBy
from tier0.audit.event import Actor
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container
from tier0.domain import Tenant
from tier0.services.users import UserSpec
from tier0.settings import HashAlgorithm
from tier0.users.bulk_export import BulkExporter, ExportFormat, parse_fields
from tier0.users.passwords import HashPolicy, PasswordHasher

PASSWORD = "correct horse battery staple"
ADMIN = Actor.admin("test")


async def _export(
    container: Container, tenant: Tenant, fmt: ExportFormat, *, hashes: bool, fields: str = ""
) -> str:
    exporter = BulkExporter(container.db, container.audit, container.clock)
    chosen = parse_fields(fields or None, fmt)
    lines = exporter.lines(
        tenant, fmt=fmt, fields=chosen, include_password_hashes=hashes, actor=ADMIN
    )
    return "".join([line async for line in lines])


async def _source(container: Container) -> tuple[Tenant, dict[str, str]]:
    """A tenant with a bcrypt user, an argon2id user and one imported user per legacy
    format; the passwords by email."""
    tenant = await container.tenants.create(unique("exp"), by=ChangedBy.cli())
    passwords: dict[str, str] = {}
    bcrypt_user = f"{unique('bcrypt')}@example.com"
    await container.users.create(
        tenant,
        UserSpec(
            email=bcrypt_user,
            password=PASSWORD,
            email_verified=True,
            name="Ada Lovelace",
            user_metadata={"plan": "gold"},
            app_metadata={"tier": 2},
        ),
        by=ChangedBy.cli(),
    )
    passwords[bcrypt_user] = PASSWORD
    argon = PasswordHasher(HashPolicy(algorithm=HashAlgorithm.ARGON2ID), workers=1)
    argon_user = f"{unique('argon')}@example.com"
    argon_hash = await argon.hash(PASSWORD)
    argon.close()
    await container.users.create(
        tenant, UserSpec(email=argon_user, password_hash=argon_hash), by=ChangedBy.cli()
    )
    passwords[argon_user] = PASSWORD
    legacy = []
    for name, obj, password in VECTORS:
        email = f"{unique(name)}@example.com"
        legacy.append({"email": email, "custom_password_hash": obj, "blocked": name == "md5-hex"})
        passwords[email] = password
    summary = await container.user_import.run(
        tenant, json.dumps(legacy).encode(), by=ChangedBy.cli()
    )
    assert summary.failed == 0
    return tenant, passwords


async def test_export_then_import_round_trips_users_and_hashes(container: Container) -> None:
    source, passwords = await _source(container)
    exported = await _export(container, source, ExportFormat.NDJSON, hashes=True)
    array = await _export(container, source, ExportFormat.JSON, hashes=True)
    records = [json.loads(line) for line in exported.splitlines()]
    assert len(records) == len(passwords) and json.loads(array) == records
    before_all = {email: await container.users.find_by_email(source, email) for email in passwords}
    # A migration: the users leave the old tenant (user ids are unique per installation).
    await container.tenants.delete(source.name, by=ChangedBy.cli())
    target = await container.tenants.create(unique("imp"), by=ChangedBy.cli())
    summary = await container.user_import.run(
        target, exported.encode(), ndjson=True, by=ChangedBy.cli()
    )
    assert (summary.inserted, summary.failed) == (len(passwords), 0), summary.problems[:2]
    for email, password in passwords.items():
        before = before_all[email]
        after = await container.users.find_by_email(target, email)
        assert before is not None and after is not None
        assert (after.user_id, after.email_verified, after.name, after.blocked) == (
            before.user_id, before.email_verified, before.name, before.blocked,
        )  # fmt: skip
        assert after.user_metadata == before.user_metadata
        assert after.app_metadata == before.app_metadata
        if not after.blocked:
            signed_in = await container.users.authenticate(target, email, password)
            assert signed_in.user_id == before.user_id
    # The JSON array form imports the same, and a re-run changes nothing.
    again = await container.user_import.run(target, array.encode(), by=ChangedBy.cli())
    assert (again.inserted, again.existing, again.failed) == (0, len(passwords), 0)


async def test_export_leaves_hashes_out_unless_asked_and_audits_the_ask(
    container: Container,
) -> None:
    source, _ = await _source(container)
    plain = await _export(container, source, ExportFormat.NDJSON, hashes=False)
    assert "password_hash" not in plain and "$2b$" not in plain and "$argon2" not in plain
    await _export(container, source, ExportFormat.NDJSON, hashes=True)
    found = await container.audit.search(EventQuery(tenant_id=source.id, limit=100))
    requested = [e.event for e in found if e.event.type is EventType.EXPORT_REQUESTED]
    assert sorted(bool(e.details["hashes"]) for e in requested) == [False, True]
    assert all(e.actor == ADMIN for e in requested)
    completed = [e.event for e in found if e.event.type is EventType.EXPORT_COMPLETED]
    assert {e.details["users"] for e in completed} == {len(VECTORS) + 2}


async def test_csv_export_selects_fields_and_defuses_formulas(container: Container) -> None:
    tenant = await container.tenants.create(unique("csv"), by=ChangedBy.cli())
    email = f"{unique('csv')}@example.com"
    await container.users.create(
        tenant,
        UserSpec(email=email, name="=HYPERLINK(1)", user_metadata={"plan": "@gold"}),
        by=ChangedBy.cli(),
    )
    text = await _export(
        container, tenant, ExportFormat.CSV, hashes=False,
        fields="email,name,user_metadata.plan,logins_count",
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["email", "name", "user_metadata.plan", "logins_count"],
        [email, "'=HYPERLINK(1)", "'@gold", "0"],
    ]


def test_export_command_formats_and_refusals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIER0_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIER0_BCRYPT_COST", "10")
    cli = CliRunner()
    assert call(cli, "tenant", "create", "acme")[0] == 0
    code, _, err = call(
        cli, "user", "create", "-t", "acme", "--email", "a@example.com", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = call(cli, "user", "export", "-t", "acme")
    assert code == 0 and json.loads(out)["email"] == "a@example.com"
    assert "password_hash" not in out
    file = tmp_path / "users.ndjson"
    code, _, _ = call(
        cli, "user", "export", "-t", "acme", "--include-password-hashes", "-o", str(file)
    )
    assert code == 0 and file.stat().st_mode & 0o777 == 0o600
    assert json.loads(file.read_text())["password_hash"].startswith("$2b$10$")
    code, _, err = call(cli, "user", "export", "-t", "acme", "-o", str(file))
    assert code == 2 and "never overwrites" in err
    code, _, err = call(cli, "user", "export", "-t", "acme", "--format", "csv",
                        "--include-password-hashes")  # fmt: skip
    assert code == 2 and "ndjson or json" in err
    code, _, err = call(cli, "user", "export", "-t", "acme", "--fields", "password")
    assert code == 2 and "unknown field" in err
    code, out, _ = call(cli, "user", "export", "-t", "acme", "--format", "csv")
    assert out.splitlines()[0].startswith("user_id,email,email_verified")

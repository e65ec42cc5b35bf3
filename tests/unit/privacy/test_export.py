"""DP-04: a user's export holds every seeded attribute, consent, session and recent event,
and no hash; the all-users NDJSON export has no hashes either; exports are audited."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.unit.privacy.conftest import seed_user
from tests.unit.secrets.conftest import call
from tier0.audit.event import Actor
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container

ADMIN = Actor.admin("dpo")


async def test_dp04_user_export_holds_profile_sessions_consents_events(
    container: Container,
) -> None:
    seeded = await seed_user(container)
    document = await container.privacy.exporter.user(
        seeded.tenant, seeded.user.user_id, actor=ADMIN
    )
    text = json.dumps(document)
    assert document["format"] == "tier0-user-export/1"
    profile = document["profile"]
    assert profile["email"] == f"{seeded.marker}@example.com"
    assert profile["name"] == f"Name {seeded.marker}" and profile["nickname"].endswith(
        seeded.marker
    )
    assert profile["user_metadata"] == {"favourite": "tea"}
    assert [s["amr"] for s in document["sessions"]] == [["pwd"]]
    assert [c["scope"] for c in document["consents"]] == [["openid", "profile"]]
    assert sorted(e["type"] for e in document["security_events"]) == [
        "management.users.created",
        "user.login.succeeded",
    ]
    assert "password_hash" not in text and "$2b$" not in text
    assert seeded.token_hash not in text
    exports = await container.audit.search(
        EventQuery(tenant_id=seeded.tenant.id, types=(EventType.EXPORT_COMPLETED,))
    )
    assert len(exports) == 1 and exports[0].event.actor == ADMIN


def test_dp04_cli_exports_without_hashes(cli: CliRunner, tmp_path: Path) -> None:
    assert call(cli, "tenant", "create", "acme")[0] == 0
    ids = []
    for n in range(3):
        code, out, _ = call(
            cli, "user", "create", "-t", "acme", "--email", f"u{n}@example.com",
            "--password-stdin", "--json", stdin="a long enough password\n",
        )  # fmt: skip
        assert code == 0
        ids.append(json.loads(out)["user_id"])
    code, out, _ = call(cli, "user", "export", "-t", "acme")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [u["user_id"] for u in lines] == ids
    assert "password_hash" not in out and "$2b$" not in out
    code, out, _ = call(cli, "user", "export-data", ids[1], "-t", "acme")
    assert code == 0 and json.loads(out)["profile"]["email"] == "u1@example.com"

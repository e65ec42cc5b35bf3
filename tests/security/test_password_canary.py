"""No password, imported hash or mailed link ends up in a log, on the console or in an
exception message, and no password in clear in the database (PW-01, PW-05; the issue's
canary test, for the password and mail paths)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from tests.conftest import unique
from tier0.audit.changes import ChangedBy
from tier0.container import Container
from tier0.logs import configure_logging
from tier0.mail import MailKind
from tier0.services.users import InvalidCredentials, UserSpec
from tier0.users.password_policy import PasswordRejected

CANARY = "Canary-7Rq2#vXw9!pLm"
CANARY_LINK = "https://id.example/reset?ticket=CANARY-LINK-TOKEN-2b7e1516"
LEGACY_SALT = "CANARYSALT0042"


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    """tier0's real logging setup at debug level, restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("debug")
    yield
    structlog.reset_defaults()
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


async def test_pw01_canary_password_reaches_no_sink(
    container: Container,
    json_logs: None,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    tenant = await container.tenants.create(unique(), by=ChangedBy.cli())
    errors: list[str] = []
    # A refused password: the rejection says why, never what.
    with pytest.raises(PasswordRejected) as refused:
        await container.users.create(
            tenant, UserSpec(email="c@example.com", password="c" + CANARY[:9]), by=ChangedBy.cli()
        )
    errors.append(str(refused.value))
    user = await container.users.create(
        tenant, UserSpec(email="c@example.com", password=CANARY), by=ChangedBy.cli()
    )
    errors.append(repr(user))
    await container.users.authenticate(tenant, "c@example.com", CANARY)
    with pytest.raises(InvalidCredentials) as wrong:
        await container.users.authenticate(tenant, "c@example.com", CANARY + "x")
    errors.append(str(wrong.value))
    legacy = [
        {
            "email": "legacy@example.com",
            "custom_password_hash": {
                "algorithm": "sha256",
                "hash": {"value": "00" * 32},
                "salt": {"value": LEGACY_SALT},
            },
        }
    ]
    summary = await container.user_import.run(
        tenant, json.dumps(legacy).encode(), by=ChangedBy.cli()
    )
    errors.append(json.dumps(summary.as_dict()))
    message = container.mail_renderer.render(
        MailKind.PASSWORD_RESET,
        to="c@example.com",
        context={"tenant_name": "Acme", "link": CANARY_LINK, "expires_minutes": 60},
    )
    await container.mail.send(message)  # dev outbox: the link goes to the file only

    captured = capsys.readouterr()
    sinks = {
        "stdout": captured.out,
        "stderr": captured.err,
        "logging": "\n".join(r.getMessage() + repr(r.__dict__) for r in caplog.records),
        "errors": "\n".join(errors),
    }
    assert "outbox" in captured.err  # the console line was printed, so it was checked
    for name, text in sinks.items():
        for canary in (CANARY, CANARY[:9], CANARY_LINK, "CANARY-LINK", LEGACY_SALT):
            assert canary not in text, f"{canary!r} leaked to {name}"
    data_dir = container.settings.data_dir
    if container.settings.database_url is None:  # the embedded SQLite file (PostgreSQL's
        # dump is checked by the privacy canary test)
        database = b"".join(p.read_bytes() for p in data_dir.glob("tier0.db*"))  # + WAL
        assert len(database) > 0
        assert CANARY.encode() not in database and CANARY.encode("utf-16-le") not in database
    outbox = list((data_dir / "outbox").iterdir())
    assert len(outbox) == 1 and b"CANARY-LINK" in outbox[0].read_bytes()

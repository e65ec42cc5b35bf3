"""Syslog over TLS (RFC 5425) to a real TLS listener with its own certificate."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
from pathlib import Path

import pytest

from tests.conftest import unique
from tests.unit.audit.receivers import SyslogListener
from tier0.audit import Actor, EventType, SecurityEvent
from tier0.audit.changes import ChangedBy
from tier0.audit.store import EventQuery
from tier0.audit.streams import Relay, StreamKind
from tier0.container import Container

# The certificate is module-scoped: made once, on one worker (tests/xdist_groups.py).
pytestmark = pytest.mark.xdist_group(__name__)

ADMIN = Actor.admin("adm_1")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed P-256 certificate for 127.0.0.1, made with the openssl CLI."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=tier0",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


async def test_syslog_tls_delivers_and_refuses_an_untrusted_server(
    container: Container, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    listener = SyslogListener()
    await listener.start(tls=server_tls)
    tenant = await container.tenants.create(unique("tls"), by=ChangedBy.cli())
    target = {"host": "127.0.0.1", "port": str(listener.port), "tls": "true"}
    await container.streams.create(
        tenant.id, "untrusted", StreamKind.SYSLOG, target, actor=ADMIN, from_start=True
    )
    await container.streams.create(
        tenant.id, "trusted", StreamKind.SYSLOG, {**target, "ca_file": str(cert)}, actor=ADMIN,
        from_start=True,
    )  # fmt: skip
    await container.audit.emit(
        SecurityEvent.create(
            EventType.KEY_ROTATED, clock=container.clock, tenant_id=tenant.id, actor=ADMIN
        )
    )
    relay = Relay(
        container.db, container.streams.sender, container.clock, node_id="n", tenants=[tenant.id]
    )
    try:
        await relay.run_once()
        untrusted = await container.streams.get(tenant.id, "untrusted")
        assert untrusted.failures == 1
        assert untrusted.last_error is not None
        assert "SSL" in untrusted.last_error or "Certificate" in untrusted.last_error
        found = await container.audit.search(EventQuery(tenant_id=tenant.id))
        expected = [item.seq for item in found if item.seq <= 4]  # seq 1: the tenant
        for _ in range(100):
            if len(listener.messages) >= len(expected):
                break
            await asyncio.sleep(0.01)
        assert [r["seq"] for r in listener.records()] == expected
        assert (await container.streams.get(tenant.id, "trusted")).cursor == 4
    finally:
        await listener.stop()

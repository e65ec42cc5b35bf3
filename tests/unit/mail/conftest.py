from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tier0.clock import FrozenClock
from tier0.mail.render import MailKind, MailRenderer


@dataclass
class Collector:
    """aiosmtpd handler that keeps every delivered message."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(BytesParser(policy=default).parsebytes(envelope.content))
        return "250 OK"


@dataclass
class SmtpServer:
    port: int
    collector: Collector


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1, made by the openssl CLI."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _free_port() -> int:
    # aiosmtpd's Controller probes its own port after starting, so it can't take port 0.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _serve(collector: Collector, **kwargs: Any) -> Iterator[SmtpServer]:
    port = _free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer(port=port, collector=collector)
    finally:
        controller.stop()


@pytest.fixture
def plain_smtp() -> Iterator[SmtpServer]:
    """A loopback SMTP server that does not offer STARTTLS."""
    yield from _serve(Collector())


@pytest.fixture
def starttls_smtp(tls_files: tuple[Path, Path]) -> Iterator[SmtpServer]:
    """A loopback SMTP server that offers (and requires) STARTTLS and AUTH."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_files)

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        from aiosmtpd.smtp import AuthResult

        ok = auth_data.login == b"mailer" and auth_data.password == b"s3cret-smtp-pw"
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535

    yield from _serve(
        Collector(),
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
    )


@pytest.fixture
def client_tls(tls_files: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(tls_files[0]))


@pytest.fixture
def renderer() -> MailRenderer:
    return MailRenderer(sender="tier0 <no-reply@example.org>", clock=FrozenClock())


@pytest.fixture
def reset_mail(renderer: MailRenderer) -> EmailMessage:
    return renderer.render(
        MailKind.PASSWORD_RESET,
        to="alice@example.com",
        context={
            "tenant_name": "Acme",
            "link": "https://id.example/reset?t=CANARY",
            "expires_minutes": 60,
        },
    )

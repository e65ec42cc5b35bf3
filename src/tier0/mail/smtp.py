"""SMTP mail transport over aiosmtplib.

With ``require_tls`` (the production setting) the connection is upgraded with STARTTLS and
delivery is refused if the server does not offer it, so a downgrade by a network attacker
(STARTTLS stripping, RFC 3207 §6) fails closed instead of sending reset links in clear text.
``implicit_tls`` connects with TLS from the first byte (port 465, RFC 8314). Credentials are
only ever sent over TLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

import aiosmtplib

from tier0.mail.sender import MailDeliveryError

_CLOSE_GRACE = 1.0


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to deliver mail."""

    host: str
    port: int = 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    password_secret: str | None = None
    require_tls: bool = True
    implicit_tls: bool = False
    timeout: float = 10.0
    tls_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.username and not (self.require_tls or self.implicit_tls):
            raise ValueError("SMTP credentials are only sent over TLS: enable require_tls")
        has_password = self.password is not None or self.password_secret is not None
        if (self.username is None) == has_password:
            raise ValueError("set both SMTP username and password, or neither")
        if self.password is not None and self.password_secret is not None:
            raise ValueError("set the SMTP password or the secret holding it, not both")


PasswordSource = Callable[[str], Awaitable[str]]
"""Reads a named secret (the secret store; every read audited)."""


class SmtpSender:
    """Sends each message on its own connection (mail volume is low; no pool to go stale)."""

    def __init__(self, config: SmtpConfig, *, secrets: PasswordSource | None = None) -> None:
        if config.password_secret is not None and secrets is None:
            raise ValueError("an SMTP password secret needs a secret store to read it from")
        self._config = config
        self._secrets = secrets

    async def _password(self) -> str | None:
        cfg = self._config
        if cfg.password_secret is None or self._secrets is None:
            return cfg.password
        try:
            # Read per send, not cached: a rotated password (a new version) is used at once.
            return await self._secrets(cfg.password_secret)
        except Exception as exc:  # noqa: BLE001 - any failure is a failed delivery
            raise MailDeliveryError(
                f"the SMTP password secret {cfg.password_secret!r} cannot be read "
                f"({type(exc).__name__})"
            ) from None

    async def send(self, message: EmailMessage) -> None:
        cfg = self._config
        password = await self._password()
        start_tls: bool | None
        if cfg.implicit_tls:
            use_tls, start_tls = True, False
        else:
            # True: STARTTLS is mandatory; None: aiosmtplib's opportunistic upgrade (dev only).
            use_tls, start_tls = False, True if cfg.require_tls else None
        client = aiosmtplib.SMTP(
            hostname=cfg.host,
            port=cfg.port,
            username=cfg.username,
            password=password,
            use_tls=use_tls,
            start_tls=start_tls,
            tls_context=cfg.tls_context,
            timeout=cfg.timeout,
        )
        sock: socket.socket | None = None
        try:
            # connect() also runs STARTTLS and AUTH; it refuses a server without STARTTLS
            # when start_tls is True.
            await client.connect()
            sock = client.get_transport_info("socket")
            await client.send_message(message)
            await client.quit()
        except (aiosmtplib.SMTPException, OSError) as exc:
            # The server's reply text can echo addresses but never our body or password.
            raise MailDeliveryError(f"SMTP delivery to {cfg.host}:{cfg.port} failed") from exc
        finally:
            if sock is None and client.is_connected:
                sock = client.get_transport_info("socket")
            client.close()  # also when connect() failed half-way (after STARTTLS, at AUTH)
            await _wait_closed(sock)


async def _wait_closed(sock: socket.socket | None) -> None:
    """Let the TLS close_notify exchange finish so the socket is really closed on return.

    Closing a TLS transport only starts the shutdown; without this short, bounded wait the
    socket can outlive a short-lived event loop (CLI commands, tests).
    """
    if sock is None:
        return
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(_CLOSE_GRACE):
            while sock.fileno() != -1:
                await asyncio.sleep(0.005)

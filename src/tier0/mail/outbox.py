"""Development mail transport: one ``.eml`` file per message in a folder, plus a console line.

The console line names the recipient, the subject and the file, never the body: bodies hold
verification and reset links, which are bearer secrets and must not reach a log.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from tier0.clock import Clock


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


class OutboxSender:
    """Writes each message to ``directory`` (created 0700, files 0600)."""

    def __init__(
        self, directory: Path, clock: Clock, *, console: Callable[[str], None] = _stderr
    ) -> None:
        self._dir = directory
        self._clock = clock
        self._console = console

    async def send(self, message: EmailMessage) -> None:
        path = await asyncio.to_thread(self._write, message.as_bytes(policy=SMTP))
        self._console(f"mail to {message['To']}: {message['Subject']!r} written to {path}")

    def _write(self, data: bytes) -> Path:
        self._dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = self._clock.now().strftime("%Y%m%dT%H%M%S")
        path = self._dir / f"{stamp}-{secrets.token_hex(6)}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return path

"""TL-03: with `ssl=verify-full` tier0 refuses a PostgreSQL server whose certificate it
cannot verify (here a self-signed one), instead of talking to it anyway."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from tier0.crypto.tls import ensure_self_signed, server_context
from tier0.storage.sql.engine import create_engine

SSL_REQUEST = b"\x00\x00\x00\x08\x04\xd2\x16\x2f"  # PostgreSQL protocol: SSLRequest


@pytest.fixture
async def self_signed_pg(tmp_path: Path) -> AsyncIterator[tuple[int, list[str]]]:
    """A server that accepts PostgreSQL's SSLRequest and then TLS with a self-signed
    certificate for localhost; records how far each client got."""
    files = ensure_self_signed(tmp_path / "tls", now=datetime.now(UTC))
    context = server_context(files.cert_file, files.key_file)
    seen: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if await reader.readexactly(8) != SSL_REQUEST:
                seen.append("no-ssl-request")
                return
            writer.write(b"S")
            await writer.drain()
            await writer.start_tls(context)
            seen.append("tls-established")  # never reached when the client verifies
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            seen.append("tls-refused")
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port: int = server.sockets[0].getsockname()[1]
    try:
        yield port, seen
    finally:
        server.close()
        await server.wait_closed()


async def test_tl03_verify_full_refuses_a_self_signed_postgres(
    self_signed_pg: tuple[int, list[str]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    port, seen = self_signed_pg
    # The trusted root is some other certificate: the server's own is signed by nobody we trust.
    trusted = ensure_self_signed(tmp_path / "trusted", now=datetime.now(UTC))
    monkeypatch.setenv("PGSSLROOTCERT", str(trusted.cert_file))
    engine = create_engine(
        f"postgresql+asyncpg://tier0@localhost:{port}/tier0?ssl=verify-full", timeout=5
    )
    try:
        with pytest.raises(Exception) as caught:  # the cause is checked below
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    chain: list[BaseException] = []
    error: BaseException | None = caught.value
    while error is not None and len(chain) < 10:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(e, ssl.SSLCertVerificationError) for e in chain), chain
    assert "tls-established" not in seen

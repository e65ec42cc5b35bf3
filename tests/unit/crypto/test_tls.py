"""The listener's TLS context (TL-01) and the development certificate, checked with real
in-memory handshakes against clients of each protocol version and suite."""

from __future__ import annotations

import ssl
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tier0.crypto.tls import SELF_SIGNED_LIFETIME, ensure_self_signed, server_context

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture
def context(tmp_path: Path) -> ssl.SSLContext:
    files = ensure_self_signed(tmp_path / "tls", now=datetime.now(UTC))
    return server_context(files.cert_file, files.key_file)


def handshake(server: ssl.SSLContext, client: ssl.SSLContext) -> ssl.SSLObject:
    """Run a TLS handshake through memory BIOs; return the client's view, or raise."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    c = client.wrap_bio(c_in, c_out, server_hostname="localhost")
    s = server.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        done = True
        for side, outbox, peer_in in ((c, c_out, s_in), (s, s_out, c_in)):
            try:
                side.do_handshake()
            except ssl.SSLWantReadError:
                done = False
            peer_in.write(outbox.read())
        if done:
            return c
    raise AssertionError("handshake did not finish")


def client(*, version: ssl.TLSVersion, ciphers: str | None = None) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = version
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def test_tl01_context_floor_is_tls12_with_server_preference(context: ssl.SSLContext) -> None:
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2
    assert context.options & ssl.OP_CIPHER_SERVER_PREFERENCE
    assert context.options & ssl.OP_NO_COMPRESSION
    tls12 = [c for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"]
    assert tls12 and all(c["kea"] == "kx-ecdhe" and c["aead"] for c in tls12)


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_tl01_tls12_and_13_negotiate_aead(context: ssl.SSLContext, version: ssl.TLSVersion) -> None:
    view = handshake(context, client(version=version))
    name, protocol, _bits = view.cipher() or ("", "", 0)
    assert (
        protocol == {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]
    )
    assert "GCM" in name or "CHACHA20" in name


@pytest.mark.parametrize(
    "ciphers",
    ["ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256:AES256-SHA"],
    ids=["cbc", "static-rsa-kex"],
)
def test_tl01_tls12_without_ecdhe_aead_is_refused(context: ssl.SSLContext, ciphers: str) -> None:
    with pytest.raises(ssl.SSLError):
        handshake(context, client(version=ssl.TLSVersion.TLSv1_2, ciphers=ciphers))


def test_tl01_server_picks_its_order(context: ssl.SSLContext) -> None:
    ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"
    view = handshake(context, client(version=ssl.TLSVersion.TLSv1_2, ciphers=ciphers))
    assert (view.cipher() or ("",))[0] == "ECDHE-ECDSA-AES256-GCM-SHA384"


def test_self_signed_key_is_owner_only_and_reused(tmp_path: Path) -> None:
    first = ensure_self_signed(tmp_path / "tls", now=NOW)
    assert stat.S_IMODE(first.key_file.stat().st_mode) == 0o600
    pem = first.cert_file.read_bytes()
    again = ensure_self_signed(tmp_path / "tls", now=NOW + timedelta(days=30))
    assert again.cert_file.read_bytes() == pem


def test_self_signed_is_renewed_before_it_expires(tmp_path: Path) -> None:
    first = ensure_self_signed(tmp_path / "tls", now=NOW)
    pem = first.cert_file.read_bytes()
    later = NOW + SELF_SIGNED_LIFETIME - timedelta(days=3)
    renewed = ensure_self_signed(tmp_path / "tls", now=later)
    assert renewed.cert_file.read_bytes() != pem
    assert stat.S_IMODE(renewed.key_file.stat().st_mode) == 0o600

"""The server's TLS configuration (TL-01) and a self-signed certificate for development.

TLS 1.0 and 1.1 are deprecated by RFC 8996 ("MUST NOT be used"); BCP 195 (RFC 9325) and
FAPI 2.0 §5.2.1 allow TLS 1.2 only with forward-secret AEAD suites. So the context accepts
TLS 1.2 and 1.3, and in TLS 1.2 only ECDHE key exchange with AES-GCM or ChaCha20-Poly1305
(every TLS 1.3 suite is already AEAD with ephemeral key exchange). The server's cipher order
wins, so a client offering a weaker suite first still gets the strongest shared one.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = [
    "TLS12_CIPHERS",
    "SelfSignedFiles",
    "ensure_self_signed",
    "server_context",
]

#: OpenSSL cipher string for TLS 1.2: ECDHE (forward secrecy) with an AEAD cipher only.
TLS12_CIPHERS = ":".join(
    (
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
    )
)

SELF_SIGNED_LIFETIME = timedelta(days=90)
RENEW_BEFORE = timedelta(days=7)


def server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """An ``SSLContext`` for the listener: TLS 1.2+, ECDHE-AEAD suites, server preference."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(TLS12_CIPHERS)
    context.options |= (
        ssl.OP_CIPHER_SERVER_PREFERENCE
        | ssl.OP_NO_COMPRESSION  # CRIME
        | ssl.OP_NO_RENEGOTIATION
        | ssl.OP_SINGLE_ECDH_USE
    )
    context.load_cert_chain(cert_file, key_file)
    context.set_alpn_protocols(["http/1.1"])
    return context


@dataclass(frozen=True, slots=True)
class SelfSignedFiles:
    """Where the development certificate and its private key live."""

    cert_file: Path
    key_file: Path


def ensure_self_signed(directory: Path, *, now: datetime) -> SelfSignedFiles:
    """A certificate for ``localhost``, ``127.0.0.1`` and ``::1`` in ``directory``; created,
    or replaced when it expires within a week. For development only: production mode
    refuses it (browsers and clients cannot verify it)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    files = SelfSignedFiles(directory / "localhost.crt", directory / "localhost.key")
    if files.cert_file.exists() and files.key_file.exists():
        current = x509.load_pem_x509_certificate(files.cert_file.read_bytes())
        if current.not_valid_after_utc - RENEW_BEFORE > now:
            return files
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    san = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + SELF_SIGNED_LIFETIME)
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(files.key_file, pem_key)
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return files


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a file only its owner can read, never briefly wider."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)

"""A software WebAuthn authenticator for tests: ES256 keys from `cryptography`, "none"
attestation, and the client data a browser would build. It answers the options tier0
puts on its pages exactly as `navigator.credentials.create()` / `.get()` would, so the
server's checks (challenge, origin, RP ID hash, flags, signature, counter) run for real."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import encode_cbor

_OPTIONS = re.compile(r'data-options="([^"]*)"')
_STATE = re.compile(r'name="webauthn_state" value="([^"]*)"')
UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def page_ceremony(text: str) -> tuple[dict[str, Any], str]:
    """The WebAuthn options and sealed state a page carries."""
    options, state = _OPTIONS.search(text), _STATE.search(text)
    assert options is not None and state is not None, "the page offers no passkey ceremony"
    parsed: dict[str, Any] = json.loads(html.unescape(options.group(1)))
    return parsed, html.unescape(state.group(1))


@dataclass
class SoftAuthenticator:
    origin: str
    rp_id: str
    user_verified: bool = True
    synced: bool = False
    sign_count: int = 0
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()), repr=False
    )
    user_handle: bytes = b""

    def _cose(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return encode_cbor(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _auth_data(self, *, attested: bool, count: int) -> bytes:
        flags = UP | (UV if self.user_verified else 0)
        flags |= (BE | BS) if self.synced else 0
        data = hashlib.sha256(self.rp_id.encode()).digest() + bytes(
            [flags | (AT if attested else 0)]
        )
        data += count.to_bytes(4, "big")
        if attested:
            data += bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id
            data += self._cose()
        return data

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        body = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps(body, separators=(",", ":")).encode()

    def create(self, options: dict[str, Any], *, origin: str | None = None) -> str:
        self.user_handle = base64.urlsafe_b64decode(options["user"]["id"] + "==")
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attestation = encode_cbor(
            {
                "fmt": "none",
                "attStmt": {},
                "authData": self._auth_data(attested=True, count=self.sign_count),
            }
        )
        credential = {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal"],
            },
        }
        return json.dumps(credential)

    def get(
        self, options: dict[str, Any], *, origin: str | None = None, count: int | None = None
    ) -> str:
        """An assertion; the counter goes up by one unless ``count`` is given."""
        if count is None:
            self.sign_count += 1
            count = self.sign_count
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = self._auth_data(attested=False, count=count)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        credential = {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(self.user_handle),
            },
        }
        return json.dumps(credential)

"""A small fake of Vault's Transit engine for tests, served on loopback.

Vault itself is not installable here. This fake implements the part of the Transit HTTP
API that tier0 uses (keys read/create/rotate/config/trim, encrypt, decrypt with
``associated_data``) with real AES-256-GCM, token checks and Vault's error shape.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_ROUTE = re.compile(
    r"^/v1/(?P<mount>[^/]+)/(?P<op>keys|encrypt|decrypt)/(?P<name>[^/]+)(?:/(?P<sub>rotate|config|trim))?$"
)


@dataclass
class TransitKey:
    type: str
    versions: dict[int, bytes] = field(default_factory=dict)
    min_decryption_version: int = 1
    min_available_version: int = 0

    @property
    def latest(self) -> int:
        return max(self.versions)

    def info(self, name: str) -> dict[str, Any]:
        return {
            "name": name,
            "type": self.type,
            "latest_version": self.latest,
            "min_decryption_version": self.min_decryption_version,
            "min_available_version": self.min_available_version,
            "keys": {str(v): 1_700_000_000 for v in self.versions},
        }


@dataclass
class TransitState:
    token: str
    mount: str = "transit"
    keys: dict[str, TransitKey] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_key(self, name: str, key_type: str = "aes256-gcm96") -> None:
        self.keys[name] = TransitKey(type=key_type, versions={1: os.urandom(32)})


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _reply(self, status: int, body: dict[str, Any] | None = None) -> None:
        payload = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _error(self, status: int, message: str) -> None:
        self._reply(status, {"errors": [message]})

    def do_GET(self) -> None:
        self._dispatch("GET", {})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length) if length else b""
        self._dispatch("POST", json.loads(raw) if raw else {})

    def _dispatch(self, method: str, body: dict[str, Any]) -> None:
        state = self.server.state
        if self.headers.get("X-Vault-Token") != state.token:
            self._error(403, "permission denied")
            return
        match = _ROUTE.match(self.path)
        if not match or match["mount"] != state.mount:
            self._error(404, "no handler for route")
            return
        with state.lock:
            self._handle(state, method, match["op"], match["name"], match["sub"], body)

    def _handle(
        self,
        state: TransitState,
        method: str,
        op: str,
        name: str,
        sub: str | None,
        body: dict[str, Any],
    ) -> None:
        key = state.keys.get(name)
        if op == "keys" and sub is None and method == "POST":
            if key is None:
                state.add_key(name, body.get("type", "aes256-gcm96"))
            self._reply(204)
            return
        if key is None:
            self._error(404 if method == "GET" else 400, "encryption key not found")
            return
        if op == "keys":
            self._keys(key, name, sub, body)
        elif op == "encrypt":
            self._encrypt(key, body)
        else:
            self._decrypt(key, body)

    def _keys(self, key: TransitKey, name: str, sub: str | None, body: dict[str, Any]) -> None:
        if sub == "rotate":
            key.versions[key.latest + 1] = os.urandom(32)
        elif sub == "config":
            key.min_decryption_version = int(body["min_decryption_version"])
        elif sub == "trim":
            floor = int(body["min_available_version"])
            if floor > key.min_decryption_version:
                self._error(400, "cannot trim above min_decryption_version")
                return
            key.versions = {v: k for v, k in key.versions.items() if v >= floor}
            key.min_available_version = floor
            self._reply(204)
            return
        self._reply(200, {"data": key.info(name)})

    def _encrypt(self, key: TransitKey, body: dict[str, Any]) -> None:
        version = int(body.get("key_version") or key.latest)
        if version not in key.versions:
            self._error(400, "invalid key version")
            return
        nonce = os.urandom(12)
        aad = base64.b64decode(body.get("associated_data", ""))
        sealed = AESGCM(key.versions[version]).encrypt(
            nonce, base64.b64decode(body["plaintext"]), aad or None
        )
        text = f"vault:v{version}:" + base64.b64encode(nonce + sealed).decode()
        self._reply(200, {"data": {"ciphertext": text, "key_version": version}})

    def _decrypt(self, key: TransitKey, body: dict[str, Any]) -> None:
        parts = str(body.get("ciphertext", "")).split(":")
        if len(parts) != 3 or parts[0] != "vault" or not parts[1][1:].isdigit():
            self._error(400, "invalid ciphertext")
            return
        version = int(parts[1][1:])
        if version < key.min_decryption_version or version not in key.versions:
            self._error(400, "ciphertext version is disallowed by policy (too old)")
            return
        try:
            blob = base64.b64decode(parts[2])
            aad = base64.b64decode(body.get("associated_data", ""))
            plain = AESGCM(key.versions[version]).decrypt(blob[:12], blob[12:], aad or None)
        except (InvalidTag, ValueError):
            self._error(400, "cipher: message authentication failed")
            return
        self._reply(200, {"data": {"plaintext": base64.b64encode(plain).decode()}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: TransitState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class FakeTransit:
    """Start with ``with FakeTransit(token) as fake: fake.url``."""

    def __init__(self, token: str) -> None:
        self.state = TransitState(token=token)
        self._server = _Server(self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeTransit:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

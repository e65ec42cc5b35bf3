"""``VaultTransitKms``: key-encryption keys in HashiCorp Vault's Transit engine.

The KEK is a Transit key (type ``aes256-gcm96`` or ``chacha20-poly1305``) that never
leaves Vault. ``wrap`` calls ``POST /v1/<mount>/encrypt/<key>`` and ``unwrap`` calls
``POST /v1/<mount>/decrypt/<key>``; the canonical context bytes travel as Transit's
``associated_data`` (AEAD key types only), so a wrapped key only opens with the same
context. Key ids are ``<mount>/<key>:v<version>``, and ``wrap`` pins ``key_version`` so
the id always names the version inside Vault's ``vault:v<N>:`` ciphertext.

API reference: https://developer.hashicorp.com/vault/api-docs/secret/transit
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import httpx

from tier0.crypto.kms.base import KmsError, WrappedKey, check_data_key, encode_context

#: Transit key types that accept associated data and have 256-bit keys.
AEAD_KEY_TYPES = frozenset({"aes256-gcm96", "chacha20-poly1305"})


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _data(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise KmsError("Vault Transit returned an unexpected response")
    return data


def _fail(operation: str, response: httpx.Response) -> KmsError:
    # Vault's error strings are not echoed: the status is enough to act on, and
    # nothing request-derived can leak into logs through this message.
    if response.status_code == 403:
        return KmsError(f"Vault denied {operation} (check the token and its policy)")
    return KmsError(f"Vault Transit {operation} failed: HTTP {response.status_code}")


def _latest_version(key_info: Mapping[str, Any], name: str) -> int:
    if key_info.get("type") not in AEAD_KEY_TYPES:
        raise KmsError(
            f"Vault Transit key {name!r} must be one of {sorted(AEAD_KEY_TYPES)} "
            "(associated data binds the context)"
        )
    latest = key_info.get("latest_version")
    if not isinstance(latest, int) or latest < 1:
        raise KmsError(f"Vault Transit key {name!r} has no usable version")
    return latest


def _client_options(url: str, token: str, namespace: str | None, timeout: float) -> dict[str, Any]:
    headers = {"X-Vault-Token": token}
    if namespace:
        headers["X-Vault-Namespace"] = namespace
    return {"base_url": url, "headers": headers, "timeout": timeout}


class VaultTransitKms:
    """A :class:`~tier0.crypto.kms.base.Kms` on Vault Transit, over httpx."""

    def __init__(
        self, client: httpx.AsyncClient, *, mount: str, key_name: str, latest_version: int
    ) -> None:
        self._client = client
        self._mount = mount.strip("/")
        self._name = key_name
        self._latest = latest_version

    @classmethod
    def open(
        cls,
        *,
        url: str,
        token: str,
        mount: str = "transit",
        key_name: str = "tier0-kek",
        namespace: str | None = None,
        create: bool = False,
        timeout: float = 10.0,
    ) -> VaultTransitKms:
        """Check (or with ``create`` make) the Transit key; blocking, call at start-up.

        A missing key without ``create``, a non-AEAD key type, a refused token or an
        unreachable Vault all raise :class:`KmsError` (fail closed).
        """
        if not token:
            raise KmsError("Vault token is empty")
        options = _client_options(url, token, namespace, timeout)
        keys_path = f"/v1/{mount.strip('/')}/keys/{key_name}"
        try:
            with httpx.Client(**options) as sync:
                response = sync.get(keys_path)
                if response.status_code == 404 and create:
                    made = sync.post(keys_path, json={"type": "aes256-gcm96"})
                    if made.status_code not in (200, 204):
                        raise _fail("key creation", made)
                    response = sync.get(keys_path)
        except httpx.HTTPError as exc:
            raise KmsError(f"Vault at {url} is unreachable ({type(exc).__name__})") from None
        if response.status_code == 404:
            raise KmsError(f"Vault Transit key {key_name!r} does not exist (fail closed)")
        if response.status_code != 200:
            raise _fail("key lookup", response)
        latest = _latest_version(_data(response), key_name)
        return cls(
            httpx.AsyncClient(**options), mount=mount, key_name=key_name, latest_version=latest
        )

    def __repr__(self) -> str:
        return f"VaultTransitKms(current_key_id={self.current_key_id!r})"

    def _key_id(self, version: int) -> str:
        return f"{self._mount}/{self._name}:v{version}"

    @property
    def current_key_id(self) -> str:
        return self._key_id(self._latest)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()

    async def _post(self, operation: str, path: str, body: Mapping[str, Any]) -> httpx.Response:
        try:
            return await self._client.post(f"/v1/{self._mount}/{path}", json=dict(body))
        except httpx.HTTPError as exc:
            raise KmsError(f"Vault Transit {operation} failed: {type(exc).__name__}") from None

    async def wrap(self, data_key: bytes, *, context: Mapping[str, str]) -> WrappedKey:
        check_data_key(data_key)
        version = self._latest
        body = {
            "plaintext": _b64(data_key),
            "associated_data": _b64(encode_context(context)),
            "key_version": version,
        }
        response = await self._post("encrypt", f"encrypt/{self._name}", body)
        if response.status_code != 200:
            raise _fail("encrypt", response)
        ciphertext = _data(response).get("ciphertext")
        if not isinstance(ciphertext, str) or not ciphertext.startswith(f"vault:v{version}:"):
            raise KmsError("Vault Transit returned an unexpected ciphertext")
        return WrappedKey(key_id=self._key_id(version), ciphertext=ciphertext.encode("ascii"))

    def _ciphertext_for(self, wrapped: WrappedKey) -> str:
        prefix, _, version = wrapped.key_id.rpartition(":v")
        text = wrapped.ciphertext.decode("ascii", errors="replace")
        if prefix != f"{self._mount}/{self._name}" or not text.startswith(f"vault:v{version}:"):
            raise KmsError(f"wrapped key {wrapped.key_id!r} is not from this Transit key")
        return text

    async def unwrap(self, wrapped: WrappedKey, *, context: Mapping[str, str]) -> bytes:
        body = {
            "ciphertext": self._ciphertext_for(wrapped),
            "associated_data": _b64(encode_context(context)),
        }
        response = await self._post("decrypt", f"decrypt/{self._name}", body)
        if response.status_code == 400:
            raise KmsError(
                f"data key could not be unwrapped with {wrapped.key_id!r} "
                "(wrong context, trimmed key version or tampered data)"
            )
        if response.status_code != 200:
            raise _fail("decrypt", response)
        try:
            return base64.b64decode(str(_data(response).get("plaintext")), validate=True)
        except (binascii.Error, ValueError):
            raise KmsError("Vault Transit returned an unexpected plaintext") from None

    async def reload(self) -> None:
        """Re-read the key's latest version (picks up a rotation made elsewhere)."""
        try:
            response = await self._client.get(f"/v1/{self._mount}/keys/{self._name}")
        except httpx.HTTPError as exc:
            raise KmsError(f"Vault Transit key lookup failed: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise _fail("key lookup", response)
        self._latest = _latest_version(_data(response), self._name)

    async def rotate(self) -> str:
        """Add a new version to the Transit key and make it current."""
        response = await self._post("rotate", f"keys/{self._name}/rotate", {})
        if response.status_code not in (200, 204):
            raise _fail("rotate", response)
        await self.reload()
        return self.current_key_id

    async def destroy(self, key_id: str) -> None:
        """Destroy ``key_id`` and every older version (Transit ``trim``; DP-03).

        Transit can only drop versions below a floor: this raises
        ``min_decryption_version`` past ``key_id`` and trims, so nothing wrapped under
        those versions, in the database or in backups, unwraps again.
        """
        prefix, _, version_text = key_id.rpartition(":v")
        if prefix != f"{self._mount}/{self._name}" or not version_text.isdigit():
            raise KmsError(f"unknown key-encryption key {key_id!r}")
        floor = int(version_text) + 1
        if floor > self._latest:
            raise KmsError(f"{key_id!r} is the current key-encryption key; rotate first")
        for operation, path, body in (
            ("config", f"keys/{self._name}/config", {"min_decryption_version": floor}),
            ("trim", f"keys/{self._name}/trim", {"min_available_version": floor}),
        ):
            response = await self._post(operation, path, body)
            if response.status_code not in (200, 204):
                raise _fail(operation, response)

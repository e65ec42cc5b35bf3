"""``AwsKms``: key-encryption keys in AWS KMS (optional extra ``tier0[aws]``).

The KEK is a symmetric KMS key reached through an alias (``alias/tier0-kek``); its key
material never leaves AWS. ``wrap`` is KMS ``Encrypt`` with the context passed as the
*encryption context*, which KMS binds as associated data: ``Decrypt`` with a different
context fails. The key id of a wrapped key is the KMS key ARN, so a wrapped key always
names the KEK that can open it.

Rotation creates a new KMS key and points the alias at it; earlier keys stay enabled and
keep decrypting until an operator schedules their deletion (:meth:`AwsKms.destroy`) after
a rewrap. (AWS's own automatic rotation also works and is invisible to tier0.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from tier0.crypto.kms.base import KmsError, WrappedKey, check_data_key, encode_context

_DESCRIPTION = "tier0 key-encryption key"


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        if isinstance(code, str):
            return code
    return type(exc).__name__


def _client_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _bytes_field(response: Any, name: str) -> bytes:
    value = response.get(name) if isinstance(response, dict) else None
    if not isinstance(value, bytes):
        raise KmsError(f"AWS KMS response lacks {name}")
    return value


def _str_field(response: Any, *path: str) -> str:
    value = response
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    if not isinstance(value, str):
        raise KmsError(f"AWS KMS response lacks {'.'.join(path)}")
    return value


class AwsKms:
    """A :class:`~tier0.crypto.kms.base.Kms` on AWS KMS, through a boto3 KMS client."""

    def __init__(self, client: Any, *, alias: str, key_arn: str) -> None:
        self._client = client
        self._alias = alias
        self._key_arn = key_arn
        self._errors = _client_errors()

    @classmethod
    def open(cls, client: Any, *, alias: str = "alias/tier0-kek", create: bool = False) -> AwsKms:
        """Resolve ``alias`` to its KMS key (blocking; call at start-up).

        With ``create`` a missing alias gets a new symmetric key; without it a missing
        alias is an error (fail closed).
        """
        if not alias.startswith("alias/"):
            raise KmsError("AWS KMS alias must start with 'alias/'")
        errors = _client_errors()
        try:
            response = client.describe_key(KeyId=alias)
            return cls(client, alias=alias, key_arn=_usable_arn(response, alias))
        except errors as exc:
            if _error_code(exc) != "NotFoundException":
                raise KmsError(f"AWS KMS describe_key failed: {_error_code(exc)}") from None
        if not create:
            raise KmsError(f"AWS KMS alias {alias!r} does not exist (fail closed)")
        try:
            arn = _create_key(client)
            client.create_alias(AliasName=alias, TargetKeyId=arn)
        except errors as exc:
            raise KmsError(f"AWS KMS key creation failed: {_error_code(exc)}") from None
        return cls(client, alias=alias, key_arn=arn)

    def __repr__(self) -> str:
        return f"AwsKms(alias={self._alias!r}, current_key_id={self._key_arn!r})"

    @property
    def current_key_id(self) -> str:
        return self._key_arn

    async def _call(self, operation: str, **kwargs: Any) -> Any:
        method = getattr(self._client, operation)
        try:
            return await asyncio.to_thread(method, **kwargs)
        except self._errors as exc:
            code = _error_code(exc)
            if code in {"InvalidCiphertextException", "IncorrectKeyException"}:
                raise KmsError(
                    "data key could not be unwrapped by AWS KMS "
                    "(wrong context, wrong key or tampered data)"
                ) from None
            raise KmsError(f"AWS KMS {operation} failed: {code}") from None

    async def wrap(self, data_key: bytes, *, context: Mapping[str, str]) -> WrappedKey:
        check_data_key(data_key)
        encode_context(context)  # same validation as every provider
        key_arn = self._key_arn
        response = await self._call(
            "encrypt", KeyId=key_arn, Plaintext=data_key, EncryptionContext=dict(context)
        )
        return WrappedKey(key_id=key_arn, ciphertext=_bytes_field(response, "CiphertextBlob"))

    async def unwrap(self, wrapped: WrappedKey, *, context: Mapping[str, str]) -> bytes:
        encode_context(context)
        # Naming KeyId makes KMS refuse a ciphertext made under any other key.
        response = await self._call(
            "decrypt",
            CiphertextBlob=wrapped.ciphertext,
            KeyId=wrapped.key_id,
            EncryptionContext=dict(context),
        )
        return _bytes_field(response, "Plaintext")

    async def reload(self) -> None:
        """Re-resolve the alias (picks up a rotation made by another node)."""
        response = await self._call("describe_key", KeyId=self._alias)
        self._key_arn = _usable_arn(response, self._alias)

    async def rotate(self) -> str:
        """Create a new KMS key, point the alias at it and return its ARN."""
        try:
            arn = await asyncio.to_thread(_create_key, self._client)
        except self._errors as exc:
            raise KmsError(f"AWS KMS create_key failed: {_error_code(exc)}") from None
        await self._call("update_alias", AliasName=self._alias, TargetKeyId=arn)
        self._key_arn = arn
        return arn

    async def destroy(self, key_id: str, *, pending_days: int = 30) -> None:
        """Schedule deletion of an old KEK (AWS waits 7-30 days before deleting it)."""
        if key_id == self._key_arn:
            raise KmsError(f"{key_id!r} is the current key-encryption key; rotate first")
        if not 7 <= pending_days <= 30:
            raise KmsError("AWS KMS deletion window must be 7..30 days")
        # AWS accepts an ARN or a bare key id here; moto only the bare id, so send that.
        bare_id = key_id.rsplit(":key/", 1)[-1]
        await self._call("schedule_key_deletion", KeyId=bare_id, PendingWindowInDays=pending_days)


def _usable_arn(response: Any, alias: str) -> str:
    """The key ARN from ``DescribeKey``, if the key can wrap data keys at all."""
    state = _str_field(response, "KeyMetadata", "KeyState")
    if state != "Enabled":
        raise KmsError(f"AWS KMS key behind {alias!r} is {state}, not Enabled")
    usage = _str_field(response, "KeyMetadata", "KeyUsage")
    spec = _str_field(response, "KeyMetadata", "KeySpec")
    if (usage, spec) != ("ENCRYPT_DECRYPT", "SYMMETRIC_DEFAULT"):
        raise KmsError(f"AWS KMS key behind {alias!r} must be a symmetric encryption key")
    return _str_field(response, "KeyMetadata", "Arn")


def _create_key(client: Any) -> str:
    response = client.create_key(
        Description=_DESCRIPTION,
        KeyUsage="ENCRYPT_DECRYPT",
        KeySpec="SYMMETRIC_DEFAULT",
        Tags=[{"TagKey": "tier0", "TagValue": "kek"}],
    )
    return _str_field(response, "KeyMetadata", "Arn")


def build_client(*, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """A boto3 KMS client with bounded timeouts; credentials come from the usual chain."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise KmsError("the AWS KMS provider needs boto3: install tier0[aws]") from None
    config = Config(
        connect_timeout=5, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"}
    )
    return boto3.session.Session().client(
        "kms", region_name=region, endpoint_url=endpoint_url, config=config
    )

"""Key management: the ``Kms`` port and its providers.

``build_kms`` is the one place that turns a provider name from settings into a ``Kms``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tier0.crypto.kms.base import Kms, KmsError, WrappedKey
from tier0.crypto.kms.local import LocalKms
from tier0.crypto.kms.vault import VaultTransitKms

KINDS = ("local", "aws", "vault")


def build_kms(kind: str, **options: Any) -> Kms:
    """Build a KMS provider by name.

    ``local``: ``path`` (key file), optional ``create`` (default ``False``: fail closed
    when the file is missing) and ``clock``.

    ``aws``: ``alias`` (default ``alias/tier0-kek``), optional ``region``,
    ``endpoint_url``, ``create`` and ``client`` (a boto3 KMS client). Needs
    ``tier0[aws]``; credentials come from the standard AWS chain.

    ``vault``: ``url``, ``token``, optional ``mount`` (``transit``), ``key_name``
    (``tier0-kek``), ``namespace``, ``create`` and ``timeout``.
    """
    if kind == "local":
        return LocalKms.open(
            Path(options["path"]),
            create=bool(options.get("create", False)),
            clock=options.get("clock"),
        )
    if kind == "aws":
        from tier0.crypto.kms import aws  # boto3 is optional: import only when chosen

        client = options.get("client") or aws.build_client(
            region=options.get("region"), endpoint_url=options.get("endpoint_url")
        )
        return aws.AwsKms.open(
            client,
            alias=options.get("alias", "alias/tier0-kek"),
            create=bool(options.get("create", False)),
        )
    if kind == "vault":
        return VaultTransitKms.open(
            url=str(options["url"]),
            token=str(options["token"]),
            mount=options.get("mount", "transit"),
            key_name=options.get("key_name", "tier0-kek"),
            namespace=options.get("namespace"),
            create=bool(options.get("create", False)),
            timeout=float(options.get("timeout", 10.0)),
        )
    raise KmsError(f"unknown KMS provider {kind!r}; expected one of {', '.join(KINDS)}")


__all__ = ["KINDS", "Kms", "KmsError", "LocalKms", "VaultTransitKms", "WrappedKey", "build_kms"]

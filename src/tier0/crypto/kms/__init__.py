"""Key management: the ``Kms`` port and its providers.

``build_kms`` is the one place that turns a provider name from settings into a ``Kms``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tier0.crypto.kms.base import Kms, KmsError, WrappedKey
from tier0.crypto.kms.local import LocalKms

KINDS = ("local",)


def build_kms(kind: str, **options: Any) -> Kms:
    """Build a KMS provider by name.

    ``local``: ``path`` (key file), optional ``create`` (default ``False``: fail closed
    when the file is missing) and ``clock``.
    """
    if kind == "local":
        return LocalKms.open(
            Path(options["path"]),
            create=bool(options.get("create", False)),
            clock=options.get("clock"),
        )
    raise KmsError(f"unknown KMS provider {kind!r}; expected one of {', '.join(KINDS)}")


__all__ = ["KINDS", "Kms", "KmsError", "LocalKms", "WrappedKey", "build_kms"]

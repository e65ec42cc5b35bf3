"""The opaque checkpoint cursor of ``GET /users?from=&take=``.

It encodes the last (created_at, user_id) seen; the next page is a keyset query after it,
always inside the caller's tenant, so a forged cursor can only move within that tenant.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from tier0.errors import InvalidInput


def encode_cursor(created_at: datetime, user_id: str) -> str:
    raw = f"{created_at.isoformat()}|{user_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, user_id = raw.split("|", 1)
        created = datetime.fromisoformat(moment)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("invalid from cursor") from None
    if created.tzinfo is None or not user_id:
        raise InvalidInput("invalid from cursor")
    return created, user_id

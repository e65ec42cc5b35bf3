"""Personal data of users sealed at rest (DP-02): ciphertext columns beside the old ones.

Only ``ADD COLUMN`` is used: on SQLite any other change rebuilds the table, and dropping the
old ``users`` table would cascade-delete the sessions, grants and role assignments that
reference it. Existing plaintext is encrypted and then blanked by
:func:`tier0.storage.sql.repos.users.encrypt_legacy_users`, which ``tier0 migrate`` runs right
after the schema upgrade (it needs the KMS, which a migration cannot reach). From then on
``email_normalized`` holds the email's blind index, not the email.

Revision ID: 0003_users_pii
Revises: 0001_directory
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_users_pii"
down_revision: str | Sequence[str] | None = "0001_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = (
    "email_ct",
    "name_ct",
    "given_name_ct",
    "family_name_ct",
    "nickname_ct",
    "picture_ct",
    "last_ip_ct",
)


def upgrade() -> None:
    for column in SEALED:
        op.add_column("users", sa.Column(column, sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # Downgrading would need the plaintext back, which only the application can decrypt.
    raise NotImplementedError("0003_users_pii cannot be downgraded")

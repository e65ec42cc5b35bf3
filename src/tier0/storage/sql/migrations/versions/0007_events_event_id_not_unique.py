"""The audit log's ``event_id`` loses its unique index.

No query reads events by id (searches go by tenant and type, time, actor or subject; chain
checks and log streams by ``seq``), and the id is 128 random bits from :mod:`secrets`
(``new_event_id``), chained in the payload like every other field, so the index only
enforced what construction already gives. It was the costliest of the table's B-trees to
keep: its keys are random, so every append dirtied another leaf page, one more WAL frame
per sign-in commit on SQLite (docs/benchmarks.md, "Session 5: sign-in", round 2).

SQLite cannot drop a table constraint in place: the batch operation copies the table once.

Revision ID: 0007_events_event_id_not_unique
Revises: 0002_audit_events
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_events_event_id_not_unique"
down_revision: str | Sequence[str] | None = "0002_audit_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("uq_events_event_id", type_="unique")


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.create_unique_constraint("uq_events_event_id", ["event_id"])

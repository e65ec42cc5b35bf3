"""DP-05: erasure leaves no personal data in any table, ends sessions, grants and refresh
tokens, and the audit log names the erased user only by a pseudonym."""

from __future__ import annotations

from sqlalchemy import select

from tests.unit.privacy.conftest import seed_user
from tier0.audit.event import Actor
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.container import Container
from tier0.storage.sql.models import Base


async def dump_tables(container: Container) -> dict[str, str]:
    """Every table's rows as text: a scan of the whole database."""
    dumped = {}
    async with container.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = (await conn.execute(select(table))).all()
            dumped[table.name] = repr(rows)
    return dumped


async def test_dp05_erasure_removes_every_trace_and_keeps_a_pseudonym(
    container: Container,
) -> None:
    seeded = await seed_user(container)
    user_id = seeded.user.user_id
    report = await container.privacy.eraser.erase(seeded.tenant, user_id, actor=Actor.admin("dpo"))
    assert (report.sessions, report.grants, report.refresh_tokens) == (1, 1, 1)

    tables = await dump_tables(container)
    for name, text in tables.items():
        assert seeded.marker not in text, name
        if name != "events":  # the append-only log keeps the (now meaningless) random id
            assert user_id not in text, name
    async with container.db.read() as uow:
        assert await uow.refresh_tokens.get(seeded.tenant.id, seeded.token_hash) is None
        assert await uow.sessions.list_for_user(seeded.tenant.id, user_id) == []
    [erased] = await container.audit.search(
        EventQuery(tenant_id=seeded.tenant.id, types=(EventType.ERASURE_COMPLETED,))
    )
    assert erased.event.subject is not None
    assert erased.event.subject.id == report.pseudonym and report.pseudonym.startswith("pseu_")
    assert report.pseudonym == await container.privacy.eraser.pseudonym(seeded.tenant.id, user_id)
    assert (await container.audit.verify(seeded.tenant.id)).ok

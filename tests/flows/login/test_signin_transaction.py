"""A password sign-in writes once: login count, events, session and code commit together."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from tests.flows.login.conftest import PASSWORD, World, query_of
from tier0.audit.events import EventType
from tier0.audit.store import EventQuery
from tier0.storage.sql.engine import WRITE_OPTION
from tier0.storage.sql.onehop import READ_OPTION


async def test_sign_in_commits_in_one_write_transaction(world: World) -> None:
    """Login count, user.login.succeeded, the session and the code (with its event) are one
    transaction: a sign-in never leaves a session without its code, nor an event without
    its change, and costs one write instead of four."""
    page = await world.authorize()
    writes: list[str] = []

    def on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(WRITE_OPTION, False):
            writes.append("write")

    def on_one_hop_begin(conn: Any) -> None:
        if not conn.get_execution_options().get(READ_OPTION, False):
            writes.append("write")

    tracing = [True]

    def on_statement(sql: str) -> None:  # the writer thread's plain sqlite3 connection
        if sql.startswith("BEGIN IMMEDIATE") and tracing:
            writes.append("write")

    engine = world.container.db.engine.sync_engine
    one_hop = world.container.one_hop.sync_engine
    plain = world.container.one_hop.sqlite
    if plain:
        await world.container.one_hop.run_sqlite(lambda c: c.set_trace_callback(on_statement))
    event.listen(engine, "begin", on_begin)
    if one_hop is not None:
        event.listen(one_hop, "begin", on_one_hop_begin)
    try:
        signed_in = await world.sign_in(page)
    finally:
        event.remove(engine, "begin", on_begin)
        if one_hop is not None:
            event.remove(one_hop, "begin", on_one_hop_begin)
        if plain:
            tracing.clear()  # not the BEGIN of this clean-up
            await world.container.one_hop.run_sqlite(lambda c: c.set_trace_callback(None))
    assert signed_in.status_code == 303
    assert "code" in query_of(signed_in) and world.session_cookie() is not None
    assert writes == ["write"]
    found = await world.container.audit.search(EventQuery(tenant_id=world.tenant.id, limit=100))
    by_seq = sorted(found, key=lambda logged: logged.seq)
    kinds = [logged.event.type for logged in by_seq]
    at = kinds.index(EventType.USER_LOGIN_SUCCEEDED)
    assert kinds[at + 1] == EventType.AUTHORIZATION_CODE_ISSUED


async def test_each_sign_in_counts_and_keeps_the_last_ip(world: World) -> None:
    """The login count is one UPDATE; the sealed last IP is rewritten only when it changed,
    and still reads back right either way."""
    users = world.container.users
    for ip in ("203.0.113.7", "203.0.113.7", "198.51.100.4"):
        signed_in = await users.authenticate(world.tenant, world.email, PASSWORD, ip=ip)
        assert signed_in.last_ip == ip
    stored = await users.find_by_email(world.tenant, world.email)
    assert stored is not None
    assert stored.logins_count == 3 and stored.last_ip == "198.51.100.4"
    assert stored.last_login == world.clock.now()

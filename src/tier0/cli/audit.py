"""`tier0 audit ...` (verify and checkpoint the tamper-evident log) and `tier0 log search`."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime, timedelta
from typing import Any

import typer

from tier0.audit import Actor, ChainVerdict, Checkpoint, EventType, SecurityEvent, event_to_dict
from tier0.audit.store import MAX_PAGE, EventQuery, LoggedEvent
from tier0.cli.common import JsonOption, TenantOption, emit, emit_list, fail, run
from tier0.container import Container
from tier0.storage.sql.grants import audit_grants

audit_app = typer.Typer(help="Verify the tamper-evident audit log.", no_args_is_help=True)
log_app = typer.Typer(help="Search security events.", no_args_is_help=True)

_RELATIVE = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _verdict_view(tenant: str, verdict: ChainVerdict) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "ok": verdict.ok,
        "checked": verdict.checked,
        "head_seq": verdict.head.seq,
        "problem": None if verdict.ok else str(verdict.problem),
        "seq": verdict.seq,
        "detail": verdict.detail or None,
    }


@audit_app.command("verify")
def verify(
    tenant: str = TenantOption,
    checkpoint: list[str] = typer.Option(
        [], "--checkpoint", help="An exported checkpoint to check against (repeatable)."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Verify a tenant's event chain. Exits 1 naming the first altered, removed or reordered
    event; the outcome is itself recorded as an audit.chain.* event."""
    try:
        extra = [Checkpoint.from_text(text) for text in checkpoint]
    except ValueError as exc:
        fail(str(exc))

    async def work(c: Container) -> ChainVerdict:
        t = await c.tenants.get(tenant)
        verdict = await c.audit.verify(t.id, checkpoints=extra)
        outcome = (
            EventType.AUDIT_CHAIN_VERIFIED
            if verdict.ok
            else EventType.AUDIT_CHAIN_VERIFICATION_FAILED
        )
        details = {"checked": verdict.checked, "problem": verdict.problem, "seq": verdict.seq}
        await c.audit.emit(
            SecurityEvent.create(
                outcome, clock=c.clock, tenant_id=t.id, actor=Actor.system("cli"), details=details
            )
        )
        return verdict

    verdict = run(work)
    emit(_verdict_view(tenant, verdict), as_json=as_json)
    if not verdict.ok:
        raise typer.Exit(code=1)


@audit_app.command("checkpoint")
def checkpoint_(tenant: str = TenantOption) -> None:
    """Sign the chain head, store it, and print it: keep a copy outside the database so a
    truncated log is caught (`tier0 audit verify --checkpoint ...`)."""

    async def work(c: Container) -> Checkpoint:
        t = await c.tenants.get(tenant)
        return await c.audit.checkpoint(t.id)

    typer.echo(run(work).to_text())


@audit_app.command("grants")
def grants(
    role: str = typer.Option(..., "--role", help="The application's database role."),
) -> None:
    """Print the PostgreSQL statements that make the audit tables append-only for ROLE
    (run them as the owner that ran the migrations)."""
    try:
        statements = audit_grants(role)
    except ValueError as exc:
        fail(str(exc))
    for statement in statements:
        typer.echo(f"{statement};")


def _types(patterns: list[str]) -> list[EventType]:
    """Event types from names or prefixes ending in `.*` (`user.login.*`)."""
    found: list[EventType] = []
    for pattern in patterns:
        if pattern.endswith(".*"):
            matches = [t for t in EventType if t.startswith(pattern[:-1])]
        else:
            matches = [t for t in EventType if t == pattern]
        if not matches:
            fail(f"unknown event type {pattern!r} (see docs/events.md)")
        found.extend(matches)
    return found


def _since(text: str | None, now: datetime) -> datetime | None:
    """An ISO 8601 time (UTC if no zone is given) or a span back from now: 30m, 12h, 7d."""
    if text is None:
        return None
    relative = _RELATIVE.fullmatch(text)
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--since wants an ISO 8601 time or a span like 30m, 12h, 7d; got {text!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo)


def _row(item: LoggedEvent) -> dict[str, Any]:
    data = event_to_dict(item.event)
    return {"seq": item.seq, **data}


def _print(items: list[LoggedEvent], *, as_json: bool) -> None:
    if as_json:
        for item in items:
            typer.echo(json.dumps(_row(item), ensure_ascii=False, sort_keys=True))
        return
    rows = [
        {
            "seq": item.seq,
            "time": _row(item)["time"],
            "type": str(item.event.type),
            "outcome": str(item.event.outcome),
            "actor": f"{item.event.actor.kind}:{item.event.actor.id or '-'}",
            "subject": f"{item.event.subject.kind}:{item.event.subject.id}"
            if item.event.subject
            else "",
            "ip": item.event.ip or "",
        }
        for item in items
    ]
    emit_list(
        rows, as_json=False, columns=["seq", "time", "type", "outcome", "actor", "subject", "ip"]
    )


@log_app.command("search")
def search(
    tenant: str = TenantOption,
    type_: list[str] = typer.Option([], "--type", help="Event type or prefix.* (repeatable)."),
    user: str | None = typer.Option(None, "--user", help="User id, as actor or subject."),
    since: str | None = typer.Option(None, "--since", help="ISO 8601 time, or 30m, 12h, 7d."),
    limit: int = typer.Option(50, "--limit", min=1, max=MAX_PAGE),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new events."),
    interval: float = typer.Option(2.0, "--interval", min=0.0, help="Seconds between polls."),
    polls: int = typer.Option(0, "--polls", min=0, hidden=True, help="Stop after N polls."),
    as_json: bool = JsonOption,
) -> None:
    """Search a tenant's security events: the newest first, or oldest first from --since.
    --follow keeps printing new events. --json prints NDJSON: one event per line, in the
    log-stream shape plus its chain `seq`."""
    types = _types(type_)

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        start = _since(since, c.clock.now())
        query = EventQuery(
            tenant_id=t.id, types=types, user_id=user, since=start, limit=limit,
            newest_first=start is None,
        )  # fmt: skip
        items = list(await c.audit.search(query))
        if follow and query.newest_first:
            items.reverse()  # following reads top to bottom, oldest first
        _print(items, as_json=as_json)
        if not follow:
            return
        last = max((item.seq for item in items), default=0)
        if not items and start is None:  # nothing matched yet: follow from the newest event
            newest = await c.audit.search(EventQuery(tenant_id=t.id, limit=1, newest_first=True))
            last = newest[0].seq if newest else 0
        done = 0
        while polls == 0 or done < polls:
            await asyncio.sleep(interval)
            done += 1
            items = list(await c.audit.search(_after(query, last)))
            _print(items, as_json=as_json)
            last = max((item.seq for item in items), default=last)

    run(work)


def _after(query: EventQuery, last: int) -> EventQuery:
    return EventQuery(
        tenant_id=query.tenant_id,
        types=query.types,
        user_id=query.user_id,
        after_seq=last,
        limit=MAX_PAGE,
    )

"""`tier0 stream ...` (log streams) and `tier0 relay run` (deliver them)."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from datetime import timedelta
from typing import Any

import typer

from tier0.audit import Actor, Category
from tier0.audit.streams import LogStream, Relay, RelayPolicy, StreamKind
from tier0.cli.common import (
    JsonOption,
    TenantOption,
    emit,
    emit_list,
    fail,
    read_secret_from_stdin,
    run,
)
from tier0.container import Container

stream_app = typer.Typer(help="Send security events to a SIEM.", no_args_is_help=True)
relay_app = typer.Typer(help="Deliver log streams.", no_args_is_help=True)
CLI_ACTOR = Actor.system("cli")


def _view(stream: LogStream) -> dict[str, Any]:
    return {
        "name": stream.name,
        "id": stream.id,
        "kind": str(stream.kind),
        **{f"config_{k}": v for k, v in sorted(stream.config.items())},
        "categories": [str(c) for c in stream.categories],
        "status": str(stream.status),
        "cursor": stream.cursor,
        "failures": stream.failures,
        "last_error": stream.last_error,
    }


@stream_app.command("add")
def add(
    name: str,
    tenant: str = TenantOption,
    kind: StreamKind = typer.Option(
        ..., "--type", help="webhook, syslog, jsonl, splunk, datadog, email or detect."
    ),
    url: str | None = typer.Option(None, "--url", help="webhook, splunk, datadog: https URL."),
    host: str | None = typer.Option(None, "--host", help="syslog: host."),
    port: int | None = typer.Option(None, "--port", help="syslog: TCP port."),
    tls: bool = typer.Option(True, "--tls/--no-tls", help="syslog: TLS (RFC 5425)."),
    ca_file: str | None = typer.Option(None, "--ca-file", help="syslog: CA bundle for TLS."),
    path: str | None = typer.Option(None, "--path", help="jsonl: file to append to."),
    index: str | None = typer.Option(None, "--index", help="splunk: HEC index."),
    service: str | None = typer.Option(None, "--service", help="datadog: service name."),
    to: str | None = typer.Option(None, "--to", help="email: alert recipients, comma-separated."),
    threshold: list[str] = typer.Option(
        [], "--threshold", help="detect: RULE=COUNT/SECONDS, e.g. failed_login_burst=5/60."
    ),
    category: list[str] = typer.Option([], "--category", help="Only these categories."),
    secret_stdin: bool = typer.Option(
        False, "--secret-stdin", help="webhook secret, or splunk/datadog token, on stdin."
    ),
    from_start: bool = typer.Option(False, "--from-start", help="Backfill every past event."),
    as_json: bool = JsonOption,
) -> None:
    """Add a log stream. A webhook's signing secret is printed once unless given on stdin.
    `--type detect` runs the built-in detection rules, raising alert.* events."""
    try:
        categories = [Category(c) for c in category]
    except ValueError:
        fail(f"unknown category; choose from: {', '.join(map(str, Category))}")
    given = read_secret_from_stdin() if secret_stdin else None
    limits = dict(item.partition("=")[::2] for item in threshold)
    config = limits | {
        key: str(value)
        for key, value in {
            "url": url,
            "host": host,
            "port": port,
            "tls": ("true" if tls else "false") if kind is StreamKind.SYSLOG else None,
            "ca_file": ca_file,
            "path": path,
            "index": index,
            "service": service,
            "to": to,
        }.items()
        if value is not None
    }

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        stream, secret = await c.streams.create(
            t.id, name, kind, config, actor=CLI_ACTOR, categories=categories, secret=given,
            from_start=from_start,
        )  # fmt: skip
        view = _view(stream)
        if secret is not None and given is None:
            view["secret"] = secret  # shown once: only its sealed form is stored
        emit(view, as_json=as_json)

    run(work)


@stream_app.command("list")
def list_(tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """List log streams with their cursor and health."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        views = [_view(s) for s in await c.streams.list(t.id)]
        emit_list(views, as_json=as_json, columns=["name", "kind", "status", "cursor", "failures"])

    run(work)


@stream_app.command("replay")
def replay(
    name: str,
    tenant: str = TenantOption,
    after: int = typer.Option(..., "--after", min=0, help="Re-send events after this seq."),
) -> None:
    """Re-deliver from a sequence number; also revives a dead-lettered stream."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        await c.streams.replay(t.id, name, after_seq=after, actor=CLI_ACTOR)

    run(work)
    typer.echo(f"{name}: delivering again after seq {after}")


@stream_app.command("delete")
def delete(name: str, tenant: str = TenantOption) -> None:
    """Delete a log stream."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        await c.streams.delete(t.id, name, actor=CLI_ACTOR)

    run(work)
    typer.echo(f"deleted {name}")


@relay_app.command("run")
def run_relay(
    once: bool = typer.Option(False, "--once", help="One pass over due streams, then exit."),
    idle: float = typer.Option(1.0, "--idle", min=0.0, help="Seconds to rest when idle."),
    batch: int = typer.Option(100, "--batch", min=1, max=1000, help="Events per delivery."),
    lease: float = typer.Option(
        60.0,
        "--lease",
        min=1.0,
        help="Seconds a stream stays claimed by this node: how long another node waits "
        "before it takes over the streams of a node that died (longer than a delivery).",
    ),
) -> None:
    """Deliver every tenant's log streams until interrupted (run one or more, anywhere)."""
    node = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
    policy = RelayPolicy(batch=batch, lease=timedelta(seconds=lease))

    async def work(c: Container) -> None:
        relay = Relay(
            c.db,
            c.streams.sender,
            c.clock,
            node_id=node,
            policy=policy,
            events=c.audit,
            metrics=c.metrics,
        )
        if once:
            typer.echo(f"relayed {await relay.run_once()} events")
            return
        await relay.run(asyncio.Event(), idle=idle)

    run(work)

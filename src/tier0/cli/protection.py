"""`tier0 protection show|set` and `tier0 ip unblock`: the CLI side of the attack-protection
service the management API uses (`/attack-protection/*`, `/anomaly/blocks/ips/{ip}`).

Policies live in the database, so a change here reaches every running process (at once in
this one, within `TIER0_PROTECTION_POLICY_CACHE_TTL` elsewhere). Blocks and throttles live
in the counters: shared through Redis in scale-out mode, in the server's own memory in
embedded mode, where only the server can lift them (its management API or the unblock link).
"""

from __future__ import annotations

import json
from typing import Any, get_args

import typer

from tier0.cli.audited import CLI
from tier0.cli.common import JsonOption, TenantOption, emit, fail, run
from tier0.container import Container
from tier0.services.protection_policies import SECTIONS, Section

app = typer.Typer(help="Attack-protection policies of a tenant.", no_args_is_help=True)
ip_app = typer.Typer(help="Suspicious-IP throttles.", no_args_is_help=True)

SectionArgument = typer.Argument(
    ...,
    help="brute-force-protection | suspicious-ip-throttling | "
    "breached-password-detection | rate-limits",
)


def _section(text: str) -> Section:
    if text not in get_args(Section):
        fail(f"unknown section {text!r}; one of: {', '.join(SECTIONS)}")
    return text  # type: ignore[return-value]


@app.command("show")
def show(
    section: str | None = typer.Argument(None, help="One section; all when omitted."),
    tenant: str = TenantOption,
    as_json: bool = JsonOption,
) -> None:
    """Show the effective settings (the tenant's own over the defaults)."""
    wanted = [_section(section)] if section else list(SECTIONS)

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        shown: dict[str, dict[str, Any]] = {
            name: await c.protection_policies.show(t, name) for name in wanted
        }
        if as_json:
            emit(shown[wanted[0]] if section else shown, as_json=True)
            return
        for name, document in shown.items():
            typer.echo(f"{name}: {json.dumps(document, sort_keys=True)}")

    run(work)


@app.command("set")
def set_(
    section: str = SectionArgument,
    body: str = typer.Argument(
        ..., help="The change as JSON, as PATCH takes it, e.g. '{\"max_attempts\": 5}'."
    ),
    tenant: str = TenantOption,
    as_json: bool = JsonOption,
) -> None:
    """Change some settings of one section (members sent replace; `null` resets)."""
    name = _section(section)
    try:
        patch = json.loads(body)
    except json.JSONDecodeError as exc:
        fail(f"the change is not JSON: {exc.msg}")
    if not isinstance(patch, dict):
        fail("the change must be a JSON object")

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        service = c.protection_policies
        change = await service.update(t, name, service.parse(name, patch), by=CLI)
        emit(change.after, as_json=as_json)

    run(work)


def require_shared_counters(c: Container) -> None:
    if not c.protection_blocks.shared:
        fail(
            "in embedded mode blocks live in the server's memory: lift them with the "
            "management API (DELETE /anomaly/blocks/ips/{ip}, /user-blocks) or run with Redis"
        )


@ip_app.command("unblock")
def unblock_ip(ip: str, tenant: str = TenantOption) -> None:
    """Lift suspicious-IP throttling of an IP in a tenant."""

    async def work(c: Container) -> None:
        require_shared_counters(c)
        t = await c.tenants.get(tenant)
        if not await c.protection_blocks.unblock_ip(t, ip, by=CLI):
            fail("this IP is not blocked")
        typer.echo(f"unblocked {ip}")

    run(work)

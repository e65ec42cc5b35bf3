"""`tier0 key ...`: list and rotate a tenant's signing keys (JW-04)."""

from __future__ import annotations

from typing import Any

import typer

from tier0.audit.changes import ChangedBy
from tier0.cli.common import JsonOption, TenantOption, emit, emit_list, fail, run
from tier0.container import Container
from tier0.services.keys import KeyInfo
from tier0.views import iso

app = typer.Typer(help="Manage signing keys (JWKS).", no_args_is_help=True)

COLUMNS = ["kid", "alg", "state", "published", "age", "created_at", "not_after"]


def key_view(info: KeyInfo) -> dict[str, Any]:
    """A key as operators see it: lifecycle and ages, never key material."""
    return {
        "kid": info.kid,
        "alg": info.alg,
        "state": info.state.value,
        "published": info.published,
        "age": _age(info.age_seconds),
        "age_seconds": info.age_seconds,
        "created_at": iso(info.created_at),
        "activated_at": iso(info.activated_at),
        "retired_at": iso(info.retired_at),
        "not_after": iso(info.not_after),
    }


def _age(seconds: int) -> str:
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    return f"{days}d{hours}h" if days else f"{hours}h{minutes}m"


@app.command("list")
def list_(tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """List the tenant's signing keys with their state and age."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        emit_list([key_view(k) for k in await c.keys.list(t.id)], as_json=as_json, columns=COLUMNS)

    run(work)


@app.command("rotate")
def rotate(
    tenant: str = TenantOption,
    alg: str | None = typer.Option(None, "--alg", help="RS256 (default), ES256, PS256, EdDSA."),
    emergency: bool = typer.Option(
        False, "--emergency", help="Withdraw the current keys now (a key leaked)."
    ),
    yes: bool = typer.Option(False, "--yes", help="Confirm an emergency rotation."),
    as_json: bool = JsonOption,
) -> None:
    """Rotate the signing key.

    Normal rotation activates the next key once it has been published for the JWKS cache
    TTL (run it again later if it is not ready yet); the old key stays published until its
    tokens expire. --emergency withdraws the current keys at once: every token they signed
    stops verifying.
    """
    if emergency and not yes:
        fail("an emergency rotation invalidates every token signed so far; add --yes")

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        result = await c.keys.rotate(t.id, alg=alg, emergency=emergency, by=ChangedBy.cli())
        plan = result.plan
        summary: dict[str, Any] = {
            "alg": plan.alg,
            "emergency": plan.emergency,
            "activated": list(plan.activate),
            "retired": [r.kid for r in plan.retire],
            "created": len(plan.create),
            "purged": list(plan.purge),
            "ready_at": iso(plan.ready_at),
            "keys": [key_view(k) for k in result.keys],
        }
        if as_json:
            emit(summary, as_json=True)
            return
        emit({k: v for k, v in summary.items() if k != "keys"}, as_json=False)
        emit_list([key_view(k) for k in result.keys], as_json=False, columns=COLUMNS)

    run(work)


@app.command("revoke")
def revoke(
    kid: str,
    tenant: str = TenantOption,
    yes: bool = typer.Option(False, "--yes", help="Confirm: tokens the key signed stop working."),
    as_json: bool = JsonOption,
) -> None:
    """Withdraw one signing key from the JWKS now (it leaked): every token it signed stops
    verifying. Revoking the active key promotes the published next key at once."""
    if not yes:
        fail("revoking a key invalidates every token it signed; add --yes")

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        result = await c.keys.revoke(t.id, kid, by=ChangedBy.cli())
        summary = {"revoked": kid, "alg": result.plan.alg, "activated": list(result.plan.activate)}
        if as_json:
            emit({**summary, "keys": [key_view(k) for k in result.keys]}, as_json=True)
            return
        emit(summary, as_json=False)
        emit_list([key_view(k) for k in result.keys], as_json=False, columns=COLUMNS)

    run(work)

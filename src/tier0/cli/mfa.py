"""`tier0 user mfa ...`: an administrator's view of a user's second factors."""

from __future__ import annotations

import typer

from tier0.cli.common import JsonOption, TenantOption, emit, emit_list, run
from tier0.container import Container
from tier0.views import iso

app = typer.Typer(help="List or reset a user's second factors.", no_args_is_help=True)


@app.command("list")
def list_(user_id: str, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """A user's factors (never a seed) and how many recovery codes are left."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        await c.users.get(t, user_id)
        factors: list[dict[str, object]] = [
            {
                "id": f.id,
                "type": f.kind.value,
                "confirmed": f.confirmed,
                "created_at": iso(f.created_at),
            }
            for f in await c.mfa.factors(t, user_id)
        ]
        factors += [
            {
                "id": p.id,
                "type": "passkey",
                "confirmed": True,
                "created_at": iso(p.created_at),
                "aaguid": p.aaguid,
                "sign_count": p.sign_count,
            }
            for p in await c.passkeys.passkeys(t, user_id)
        ]
        emit_list(factors, as_json=as_json, columns=["id", "type", "confirmed", "created_at"])
        if not as_json:
            left = await c.mfa.recovery_codes_left(t, user_id)
            typer.echo(f"recovery codes left: {left}")

    run(work)


@app.command("reset")
def reset(user_id: str, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """Remove every factor and recovery code: the user signs in with the password alone
    until they enroll again (use when a device is lost)."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        await c.users.get(t, user_id)
        removed = await c.mfa.reset(t, user_id)
        emit({"user_id": user_id, "factors_removed": removed}, as_json=as_json)

    run(work)

"""`tier0 user mfa ...`: an administrator's view of a user's second factors (the same
:class:`~tier0.mfa.admin.FactorAdmin` the management API's authentication-methods use)."""

from __future__ import annotations

import typer

from tier0.audit.changes import ChangedBy
from tier0.cli.common import JsonOption, TenantOption, emit, emit_list, run
from tier0.container import Container
from tier0.views import iso

app = typer.Typer(help="List or reset a user's second factors.", no_args_is_help=True)


@app.command("list")
def list_(user_id: str, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """A user's authentication methods (never a seed, key or code)."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        methods = [
            {
                "id": m.id,
                "type": m.type,
                "confirmed": m.confirmed,
                "created_at": iso(m.created_at),
                "name": m.name,
                "aaguid": m.aaguid,
                "recovery_codes_left": m.recovery_codes_left,
            }
            for m in await c.factor_admin.methods(t, user_id)
        ]
        emit_list(methods, as_json=as_json, columns=["id", "type", "confirmed", "created_at"])

    run(work)


@app.command("remove")
def remove(
    user_id: str, method_id: str, tenant: str = TenantOption, as_json: bool = JsonOption
) -> None:
    """Remove one method (an id from `list`; `recovery-code` removes the recovery codes)."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        kind = await c.factor_admin.remove(t, user_id, method_id, by=ChangedBy.cli())
        emit({"user_id": user_id, "removed": method_id, "type": kind}, as_json=as_json)

    run(work)


@app.command("reset")
def reset(user_id: str, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """Remove every factor and recovery code: the user signs in with the password alone
    until they enroll again (use when a device is lost)."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        removed = await c.factor_admin.remove_all(t, user_id, by=ChangedBy.cli())
        emit({"user_id": user_id, "factors_removed": removed}, as_json=as_json)

    run(work)

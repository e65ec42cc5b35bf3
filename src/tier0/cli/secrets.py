"""`tier0 secret ...`: the versioned secret store. Values come from standard input only
(never the command line, where `ps` shows them); every read is audited."""

from __future__ import annotations

import getpass
import sys

import typer

from tier0.audit.event import Actor
from tier0.cli.common import JsonOption, TenantOption, emit, emit_list, fail, run
from tier0.container import Container
from tier0.views import iso

app = typer.Typer(help="Store and read versioned secrets.", no_args_is_help=True)
VersionOption = typer.Option(None, "--version", min=1, help="A version (default: latest).")


def operator() -> Actor:
    """The person at the terminal, as the audit log names them."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor.admin(f"cli:{who}")


@app.command("put")
def put(name: str, tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """Store the value on standard input as the next version of NAME."""
    value = sys.stdin.buffer.read()
    if value.endswith(b"\n"):
        value = value[:-1]
    if not value:
        fail("nothing on standard input")

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        version = await c.secrets.put(t, name, value, actor=operator())
        emit({"name": name, "version": version}, as_json=as_json)

    run(work)


@app.command("get")
def get(name: str, tenant: str = TenantOption, version: int | None = VersionOption) -> None:
    """Print a secret's value (the latest version unless --version). The read is audited."""

    async def work(c: Container) -> bytes:
        t = await c.tenants.get(tenant)
        _version, value = await c.secrets.get(t, name, version=version, actor=operator())
        return value

    value = run(work)
    sys.stdout.flush()
    sys.stdout.buffer.write(value + b"\n")
    sys.stdout.buffer.flush()


@app.command("list")
def list_(tenant: str = TenantOption, as_json: bool = JsonOption) -> None:
    """List secret names with their latest version (never values)."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        rows = [
            {
                "name": s.name,
                "latest_version": s.latest_version,
                "versions": s.versions,
                "updated_at": iso(s.updated_at),
            }
            for s in await c.secrets.list(t)
        ]
        emit_list(
            rows, as_json=as_json, columns=["name", "latest_version", "versions", "updated_at"]
        )

    run(work)


@app.command("delete")
def delete(name: str, tenant: str = TenantOption, version: int | None = VersionOption) -> None:
    """Delete one version of NAME, or all of them."""

    async def work(c: Container) -> None:
        t = await c.tenants.get(tenant)
        count = await c.secrets.delete(t, name, version=version, actor=operator())
        typer.echo(f"deleted {count} version(s) of {name}")

    run(work)

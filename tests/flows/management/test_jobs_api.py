"""``/jobs``: bulk user import and export run in the background from a database row, so any
node reports them and a job whose node died is resumed; files are sealed at rest, and an
export is fetched from its job-scoped, authenticated ``location``."""

from __future__ import annotations

import csv
import gzip
import io
import json

import httpx
from sqlalchemy import select

from tests.conftest import unique
from tests.flows.management.harness import Caller, later
from tests.unit.users.test_imported_hashes import BCRYPT_2A
from tier0.audit import EventType
from tier0.audit.changes import ChangedBy
from tier0.audit.store import EventQuery
from tier0.container import Container
from tier0.jobs import JobRunner, JobStatus
from tier0.jobs.service import LEASE
from tier0.services.users import UserSpec
from tier0.storage.sql.models.jobs import JobRow
from tier0.storage.sql.repos.jobs import sql_job_repo

CONNECTION = "Username-Password-Authentication"


async def _run_other_tests_jobs(container: Container) -> None:
    """On PostgreSQL every test of a worker shares one database, and a runner claims any
    tenant's job: run what earlier tests left queued (the two-at-once test leaves two), so
    the counts and claims that follow are this test's own."""
    await JobRunner(container.jobs, node_id="earlier-tests").drain()


async def _import(
    client: httpx.AsyncClient, caller: Caller, users: list[dict[str, object]]
) -> httpx.Response:
    headers = await caller.issued_headers(client)
    return await client.post(
        f"{caller.base}/jobs/users-imports",
        headers=headers,
        files={"users": ("users.json", json.dumps(users).encode(), "application/json")},
        data={"connection_id": CONNECTION, "external_id": "batch-1", "upsert": "false"},
    )


async def _sealed_input(container: Container, job_id: str) -> bytes | None:
    async with container.db.read() as uow:
        found: bytes | None = await uow.session.scalar(
            select(JobRow.input_sealed).where(JobRow.id == job_id)
        )
    return found


async def test_users_import_job_runs_in_the_background_and_reports_by_record(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    await container.users.create(
        caller.tenant, UserSpec(email="taken@example.com"), by=ChangedBy.cli()
    )
    users: list[dict[str, object]] = [
        {"email": "new@example.com", "password_hash": BCRYPT_2A, "email_verified": True},
        {"email": "bad@example.com", "password_hash": "plaintext-oops"},
        {"email": "taken@example.com"},
    ]
    created = await _import(client, caller, users)
    assert created.status_code == 201, created.text
    job = created.json()
    assert (job["type"], job["status"], job["external_id"]) == (
        "users_import",
        "pending",
        "batch-1",
    )
    await container.job_runner.idle()
    headers = await caller.issued_headers(client)
    done = (await client.get(f"{caller.base}/jobs/{job['id']}", headers=headers)).json()
    assert done["status"] == "completed"
    assert {k: done["summary"][k] for k in ("total", "inserted", "existing", "failed")} == {
        "total": 3,
        "inserted": 1,
        "existing": 1,
        "failed": 1,
    }
    assert await _sealed_input(container, job["id"]) is None  # the file is not kept
    errors = (await client.get(f"{caller.base}/jobs/{job['id']}/errors", headers=headers)).json()
    assert errors == [
        {"index": 1, "errors": [{"code": "FORMAT", "message": errors[0]["errors"][0]["message"]}]}
    ]
    assert "plaintext-oops" not in json.dumps(errors)
    imported = await container.users.find_by_email(caller.tenant, "new@example.com")
    assert imported is not None and imported.email_verified


async def test_an_import_file_is_sealed_at_rest_and_dropped_once_run(
    container: Container, caller: Caller
) -> None:
    await _run_other_tests_jobs(container)
    raw = json.dumps([{"email": "sealed@example.com", "password_hash": BCRYPT_2A}]).encode()
    job = await container.jobs.create_import(
        caller.tenant, raw, options={"connection_id": CONNECTION}, by=ChangedBy.cli()
    )
    sealed = await _sealed_input(container, job.id)
    assert sealed is not None
    assert b"sealed@example.com" not in sealed and BCRYPT_2A.encode() not in sealed
    assert await JobRunner(container.jobs, node_id="n").drain() == 1
    assert await _sealed_input(container, job.id) is None


async def test_users_import_refuses_unusable_files_and_unsupported_options(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    headers = await caller.issued_headers(client)
    url = f"{caller.base}/jobs/users-imports"
    not_an_array = await client.post(
        url,
        headers=headers,
        files={"users": ("u.json", b'{"email": "x@example.com"}', "application/json")},
        data={"connection_id": CONNECTION},
    )
    assert not_an_array.status_code == 400
    assert not_an_array.headers["content-type"] == "application/problem+json"
    upsert = await client.post(
        url,
        headers=headers,
        files={"users": ("u.json", b"[]", "application/json")},
        data={"connection_id": CONNECTION, "upsert": "true"},
    )
    assert upsert.status_code == 400
    too_big = b"[" + b" " * (500 * 1024) + b"]"
    big = await client.post(
        url,
        headers=headers,
        files={"users": ("u.json", too_big, "application/json")},
        data={"connection_id": CONNECTION},
    )
    assert big.status_code == 400 and "500 KB" in big.json()["message"]


async def test_users_export_job_is_downloaded_from_its_authenticated_location(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    for name in ("Ada", "Grace"):
        await container.users.create(
            caller.tenant,
            UserSpec(email=f"{name.lower()}@example.com", name=name, user_metadata={"plan": name}),
            by=ChangedBy.cli(),
        )
    headers = await caller.issued_headers(client)
    body = {
        "format": "json",
        "fields": [{"name": "email"}, {"name": "user_metadata.plan", "export_as": "plan"}],
    }
    created = await client.post(f"{caller.base}/jobs/users-exports", headers=headers, json=body)
    assert created.status_code == 201, created.text
    await container.job_runner.idle()
    job = (await client.get(f"{caller.base}/jobs/{created.json()['id']}", headers=headers)).json()
    assert job["status"] == "completed" and job["summary"] == {"total": 2}
    assert job["location"] == f"{caller.issuer}/api/v2/jobs/{job['id']}/download"
    path = job["location"].removeprefix(caller.issuer.rsplit("/t/", 1)[0])
    assert (await client.get(path)).status_code == 401  # the link alone is not enough
    download = await client.get(path, headers=headers)
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/gzip"
    assert download.headers["cache-control"] == "no-store"
    lines = gzip.decompress(download.content).decode().splitlines()
    assert sorted(json.loads(line)["plan"] for line in lines) == ["Ada", "Grace"]
    assert all(set(json.loads(line)) == {"email", "plan"} for line in lines)

    as_csv = {"format": "csv", "limit": 1}
    created = await client.post(f"{caller.base}/jobs/users-exports", headers=headers, json=as_csv)
    await container.job_runner.idle()
    download = await client.get(
        f"{caller.base}/jobs/{created.json()['id']}/download", headers=headers
    )
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(download.content).decode())))
    assert len(rows) == 1 and rows[0]["email"] in {"ada@example.com", "grace@example.com"}
    assert not {"password_hash", "user_metadata"} & set(rows[0])
    # The same exporter as `tier0 user export` writes the file, and records each export.
    events = await container.audit.search(
        EventQuery(tenant_id=caller.tenant.id, types=[EventType.EXPORT_COMPLETED])
    )
    assert [(e.event.actor.id, e.event.details["hashes"]) for e in events] == [
        (caller.client_id, False),
        (caller.client_id, False),
    ]
    unknown = {"fields": [{"name": "identities"}]}
    refused = await client.post(f"{caller.base}/jobs/users-exports", headers=headers, json=unknown)
    assert refused.status_code == 400


async def test_a_job_left_by_a_crashed_node_is_resumed_by_another_once_its_lease_ends(
    container: Container, caller: Caller
) -> None:
    await container.users.create(
        caller.tenant, UserSpec(email=f"{unique('u')}@example.com"), by=ChangedBy.cli()
    )
    await _run_other_tests_jobs(container)
    job = await container.jobs.create_export(
        caller.tenant, options={"format": "json", "fields": [], "limit": None}, by=ChangedBy.cli()
    )
    # Node A claims the job and dies before finishing it: the row says processing, leased.
    now = container.clock.now()
    async with container.db.transaction() as uow:
        claimed = await sql_job_repo(uow).claim("node-a", now, now + LEASE)
    assert claimed is not None and claimed.id == job.id
    node_b = JobRunner(container.jobs, node_id="node-b")
    assert await node_b.drain() == 0  # the lease still holds
    assert (await container.jobs.get(caller.tenant, job.id)).status is JobStatus.PROCESSING
    later(container, int(LEASE.total_seconds()) + 1)
    assert await node_b.drain() == 1
    resumed = await container.jobs.get(caller.tenant, job.id)
    assert resumed.status is JobStatus.COMPLETED and resumed.attempts == 2
    assert resumed.summary == {"total": 1}


async def test_jobs_are_limited_to_two_at_once_and_purged_after_a_day(
    client: httpx.AsyncClient, container: Container, caller: Caller
) -> None:
    options: dict[str, object] = {"format": "json", "fields": [], "limit": None}
    first = await container.jobs.create_export(caller.tenant, options=options, by=ChangedBy.cli())
    await container.jobs.create_export(caller.tenant, options=options, by=ChangedBy.cli())
    headers = await caller.issued_headers(client)
    third = await client.post(f"{caller.base}/jobs/users-exports", headers=headers, json={})
    assert third.status_code == 409
    later(container, 24 * 3600 + 1)
    headers = await caller.issued_headers(client)
    gone = await client.get(f"{caller.base}/jobs/{first.id}", headers=headers)
    assert gone.status_code == 404

"""``/jobs``: bulk user import and export (Auth0's ``/jobs/users-imports``,
``/jobs/users-exports``, ``/jobs/{id}`` and ``/jobs/{id}/errors``).

A job is created here and run in the background by :class:`~tier0.jobs.JobRunner` on
whichever node claims it; its state is a database row, so any node answers for it. Bulk
import and export are privileged (AC-05): creating them, and downloading an export, need a
recently issued token. The export file is fetched with the same bearer token from
``GET /jobs/{id}/download``, the job's ``location`` (Auth0 hands out a signed URL instead; an
authenticated, job-scoped endpoint keeps the file behind the token's scope and tenant).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from tier0.errors import InvalidInput
from tier0.jobs import Job, JobStatus, JobType
from tier0.jobs.service import MAX_IMPORT_BYTES
from tier0.management.audit import changed_by
from tier0.management.auth import Principal, require
from tier0.management.responses import documented
from tier0.management.routing import create, id_path, read
from tier0.management.schemas.jobs import JobError, JobOut, UsersExport, UsersImport
from tier0.views import iso
from tier0.web.deps import container_of

router = APIRouter(tags=["jobs"])
JobId = Annotated[str, id_path("job's `id`")]
MULTIPART = "multipart/form-data"
_DOWNLOAD: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The gzipped export file.",
        "content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}},
    },
    **documented(400, 401, 403, 404),
}


def job_view(request: Request, caller: Principal, job: Job) -> dict[str, Any]:
    container = container_of(request)
    options = dict(job.options)
    view: dict[str, Any] = {
        "id": job.id,
        "type": str(job.type),
        "status": str(job.status),
        "created_at": iso(job.created_at),
        "connection_id": options.get("connection_id"),
        "summary": dict(job.summary) if job.summary is not None else None,
    }
    if job.type is JobType.USERS_IMPORT:
        view["external_id"] = options.get("external_id")
    else:
        view |= {k: options.get(k) for k in ("format", "limit", "fields")}
        if job.status is JobStatus.COMPLETED:
            issuer = container.settings.tenant_base_url(caller.tenant.name)
            view["location"] = f"{issuer}/api/v2/jobs/{job.id}/download"
    left = (job.expires_at - container.clock.now()).total_seconds()
    view["time_left_seconds"] = max(int(left), 0)
    return view


async def _queued(request: Request, caller: Principal, job: Job) -> dict[str, Any]:
    """The job and its event are committed (the service's transaction): start it."""
    container_of(request).job_runner.kick()
    return job_view(request, caller, job)


@create(router, "/jobs/users-imports", JobOut, 409)
async def import_users(
    form: Annotated[UsersImport, Form(media_type=MULTIPART)],
    request: Request,
    caller: Annotated[Principal, require("create:users", step_up=True)],
) -> Any:
    """Queue an import of an Auth0 bulk-import file (JSON array of users, hashes included).
    Users whose email exists are left alone and counted as `existing`."""
    raw = await form.users.read(MAX_IMPORT_BYTES + 1)
    if not raw:
        raise InvalidInput("the users file is empty")
    options = {"connection_id": form.connection_id, "external_id": form.external_id}
    job = await container_of(request).jobs.create_import(
        caller.tenant, raw, options=options, by=changed_by(request, caller)
    )
    return await _queued(request, caller, job)


@create(router, "/jobs/users-exports", JobOut, 409)
async def export_users(
    body: UsersExport,
    request: Request,
    caller: Annotated[Principal, require("read:users", step_up=True)],
) -> Any:
    """Queue an export of the tenant's users (NDJSON or CSV, gzipped)."""
    job = await container_of(request).jobs.create_export(
        caller.tenant, options=body.model_dump(mode="json"), by=changed_by(request, caller)
    )
    return await _queued(request, caller, job)


@read(router, "/jobs/{job_id}", JobOut)
async def get_job(
    request: Request, job_id: JobId, caller: Annotated[Principal, require("read:users")]
) -> Any:
    """A job's status and summary."""
    return job_view(request, caller, await container_of(request).jobs.get(caller.tenant, job_id))


@read(router, "/jobs/{job_id}/errors", list[JobError])
async def get_job_errors(
    request: Request, job_id: JobId, caller: Annotated[Principal, require("read:users")]
) -> Any:
    """The records of an import that failed, with Auth0's error codes."""
    problems = await container_of(request).jobs.errors(caller.tenant, job_id)
    return [
        {"index": p["index"], "errors": [{"code": p["code"], "message": p["message"]}]}
        for p in problems
    ]


@router.get(
    "/jobs/{job_id}/download",
    response_class=Response,
    responses=_DOWNLOAD,
)
async def download_export(
    request: Request,
    job_id: JobId,
    caller: Annotated[Principal, require("read:users", step_up=True)],
) -> Response:
    """A completed export's file (its `location`)."""
    job, data = await container_of(request).jobs.result(caller.tenant, job_id)
    name = f"{caller.tenant.name}.{job.options.get('format', 'json')}.gz"
    return Response(
        data,
        media_type="application/gzip",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",
        },
    )

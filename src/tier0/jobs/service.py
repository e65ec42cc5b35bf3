"""Creating bulk user jobs and running them (Auth0's ``/jobs``).

A job is a row: created ``pending`` by the API, claimed by whichever node's runner gets the
lease first, run, and finished ``completed`` or ``failed`` with a summary. Because the state
lives in the row, any node answers ``GET /jobs/{id}``, and a job whose node died is claimed
again once its lease runs out (an import re-run is idempotent: users that exist by then are
counted as ``existing``). The import file, the export result and the error list hold
personal data, so they are sealed under a tenant subkey, bound to their job (DP-02), and the
import file is dropped once run. Jobs and their data are purged after Auth0's 24 hours.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Final, Protocol

from tier0.audit.changes import ChangedBy, ChangeLog
from tier0.audit.event import Actor
from tier0.audit.events import EventType
from tier0.clock import Clock
from tier0.crypto.aead import aad_for, open_, seal
from tier0.crypto.random import random_id
from tier0.domain import Tenant
from tier0.errors import Conflict, InvalidInput, NotFound, Tier0Error
from tier0.jobs.export import export_fields, export_users
from tier0.jobs.model import Job, JobRepo, JobStatus, JobType, Outcome
from tier0.services.user_import import UserImportService
from tier0.storage.ports import Database, UnitOfWork
from tier0.storage.sql.tenant_scope import tenant_scope
from tier0.users.bulk_export import BulkExporter
from tier0.users.bulk_import import ImportFileError, parse_import_file

SUBKEY_PURPOSE: Final = "bulk-jobs"
LEASE: Final = timedelta(minutes=15)
RETENTION: Final = timedelta(hours=24)  # Auth0 purges job data after 24 hours
MAX_IMPORT_BYTES: Final = 500 * 1024  # Auth0's file limit (about 1,000 users)
MAX_ACTIVE: Final = 2  # Auth0: two concurrent jobs per tenant
MAX_ATTEMPTS: Final = 3

RepoFactory = Callable[[UnitOfWork], JobRepo]


class SubkeySource(Protocol):
    async def subkey(self, tenant_id: str, purpose: str) -> bytes: ...


class JobService:
    def __init__(
        self,
        db: Database,
        repo: RepoFactory,
        keys: SubkeySource,
        exporter: BulkExporter,
        importer: UserImportService,
        clock: Clock,
        changes: ChangeLog,
    ) -> None:
        self._db = db
        self._repo = repo
        self._keys = keys
        self._exporter = exporter
        self._importer = importer
        self._clock = clock
        self._changes = changes

    async def _seal(self, job: Job, column: str, data: bytes) -> bytes:
        key = await self._keys.subkey(job.tenant_id, SUBKEY_PURPOSE)
        return seal(key, data, aad=aad_for(job.tenant_id, "jobs", column, job.id))

    async def _open(self, job: Job, column: str) -> bytes | None:
        async with self._db.read() as uow:
            sealed = await self._repo(uow).sealed(job.tenant_id, job.id, column)
        if sealed is None:
            return None
        key = await self._keys.subkey(job.tenant_id, SUBKEY_PURPOSE)
        return open_(key, sealed, aad=aad_for(job.tenant_id, "jobs", column, job.id))

    def _new(self, tenant: Tenant, kind: JobType, options: Mapping[str, Any], by: ChangedBy) -> Job:
        now = self._clock.now()
        return Job(
            id=random_id("job_"),
            tenant_id=tenant.id,
            type=kind,
            status=JobStatus.PENDING,
            options=dict(options),
            created_by=by.client_id or by.actor.id or by.via,
            created_at=now,
            updated_at=now,
            expires_at=now + RETENTION,
        )

    async def _add(self, job: Job, input_sealed: bytes | None, by: ChangedBy) -> Job:
        """Store the job with its ``management.jobs.created`` event, in one transaction."""
        async with self._db.transaction() as uow:
            repo = self._repo(uow)
            if await repo.active_count(job.tenant_id) >= MAX_ACTIVE:
                raise Conflict(f"at most {MAX_ACTIVE} jobs may be pending at once")
            await repo.add(job, input_sealed)
            await self._changes.record(
                uow,
                by,
                EventType.MANAGEMENT_JOBS_CREATED,
                tenant_id=job.tenant_id,
                subject=("job", job.id),
                details={"type": str(job.type)},
            )
        return job

    async def create_import(
        self, tenant: Tenant, raw: bytes, *, options: Mapping[str, Any], by: ChangedBy
    ) -> Job:
        """Queue an import of an Auth0 bulk-import file; an unusable file is a 400 now."""
        if len(raw) > MAX_IMPORT_BYTES:
            raise InvalidInput(f"the users file is limited to {MAX_IMPORT_BYTES // 1024} KB")
        try:
            parse_import_file(raw)
        except ImportFileError as exc:
            raise InvalidInput(str(exc)) from None
        job = self._new(tenant, JobType.USERS_IMPORT, options, by)
        return await self._add(job, await self._seal(job, "input_sealed", raw), by)

    async def create_export(
        self, tenant: Tenant, *, options: Mapping[str, Any], by: ChangedBy
    ) -> Job:
        """Queue an export; ``options`` holds ``format``, ``fields`` and ``limit``. Fields
        the exporter does not know are a 400 now, not a failed job later."""
        export_fields(str(options["format"]), options.get("fields") or [])
        return await self._add(self._new(tenant, JobType.USERS_EXPORT, options, by), None, by)

    async def get(self, tenant: Tenant, job_id: str) -> Job:
        async with self._db.read() as uow:
            job = await self._repo(uow).get(tenant.id, job_id)
        if job is None or job.expires_at <= self._clock.now():
            raise NotFound("no such job")
        return job

    async def errors(self, tenant: Tenant, job_id: str) -> list[dict[str, Any]]:
        """The per-record problems of an import (empty for other jobs or none)."""
        job = await self.get(tenant, job_id)
        raw = await self._open(job, "errors_sealed")
        found: list[dict[str, Any]] = json.loads(raw) if raw else []
        return found

    async def result(self, tenant: Tenant, job_id: str) -> tuple[Job, bytes]:
        """A completed export's gzipped file."""
        job = await self.get(tenant, job_id)
        raw = await self._open(job, "result_sealed")
        if job.type is not JobType.USERS_EXPORT or raw is None:
            raise NotFound("this job has no export file")
        return job, raw

    async def run_next(self, owner: str) -> bool:
        """Claim and run one job; False when there was nothing to run."""
        now = self._clock.now()
        async with self._db.transaction() as uow:
            repo = self._repo(uow)
            await repo.purge_expired(now)
            job = await repo.claim(owner, now, now + LEASE)
        if job is None:
            return False
        with tenant_scope(job.tenant_id):
            outcome = await self._outcome(job)
            async with self._db.transaction() as uow:
                await self._repo(uow).finish(job.id, owner, outcome, self._clock.now())
        return True

    async def _outcome(self, job: Job) -> Outcome:
        if job.attempts > MAX_ATTEMPTS:
            return _failed(f"gave up after {MAX_ATTEMPTS} attempts")
        async with self._db.read() as uow:
            tenant = await uow.tenants.get(job.tenant_id)
        if tenant is None:
            return _failed("the tenant no longer exists")
        try:
            if job.type is JobType.USERS_IMPORT:
                return await self._import(tenant, job)
            return await self._export(tenant, job)
        except Tier0Error as exc:
            return _failed(exc.message)

    async def _import(self, tenant: Tenant, job: Job) -> Outcome:
        raw = await self._open(job, "input_sealed")
        if raw is None:
            return _failed("the import file is gone")
        # Each user is audited in its creating transaction as the job's creator, a
        # management client: the job runs later, in the background, on its behalf.
        by = ChangedBy(Actor.client(job.created_by), "import_job")
        summary = await self._importer.run(tenant, raw, by=by)
        counts = summary.as_dict()
        errors = json.dumps(counts.pop("errors")).encode()
        return Outcome(
            JobStatus.COMPLETED,
            {**counts, "updated": 0},
            errors_sealed=await self._seal(job, "errors_sealed", errors),
        )

    async def _export(self, tenant: Tenant, job: Job) -> Outcome:
        options = job.options
        fmt = str(options["format"])
        data, count = await export_users(
            self._exporter,
            tenant,
            fmt=fmt,
            fields=export_fields(fmt, options.get("fields") or []),
            limit=int(options.get("limit") or 0) or None,
            actor=Actor.client(job.created_by),
        )
        sealed = await self._seal(job, "result_sealed", data)
        return Outcome(JobStatus.COMPLETED, {"total": count}, result_sealed=sealed)


def _failed(reason: str) -> Outcome:
    return Outcome(JobStatus.FAILED, {"error": reason})

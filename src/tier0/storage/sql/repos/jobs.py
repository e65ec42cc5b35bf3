"""Bulk jobs in SQL. A claim is a conditional UPDATE on the lease, so of several nodes
exactly one runs a job until its lease runs out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from tier0.jobs.model import ACTIVE, Job, JobStatus, JobType, Outcome
from tier0.storage.ports import UnitOfWork
from tier0.storage.sql.models.jobs import JobRow
from tier0.storage.sql.repos import SqlUnitOfWork

_SEALED = {
    "input_sealed": JobRow.input_sealed,
    "result_sealed": JobRow.result_sealed,
    "errors_sealed": JobRow.errors_sealed,
}


def _job(row: JobRow) -> Job:
    return Job(
        id=row.id,
        tenant_id=row.tenant_id,
        type=JobType(row.type),
        status=JobStatus(row.status),
        options=dict(row.options),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
        summary=dict(row.summary) if row.summary is not None else None,
        attempts=row.attempts,
    )


def _claimable(now: datetime) -> ColumnElement[bool]:
    lapsed = and_(JobRow.status == str(JobStatus.PROCESSING), JobRow.lease_until < now)
    return and_(JobRow.expires_at > now, or_(JobRow.status == str(JobStatus.PENDING), lapsed))


class SqlJobRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, job: Job, input_sealed: bytes | None) -> None:
        self._s.add(
            JobRow(
                id=job.id,
                tenant_id=job.tenant_id,
                type=str(job.type),
                status=str(job.status),
                options=dict(job.options),
                summary=None,
                input_sealed=input_sealed,
                attempts=0,
                created_by=job.created_by,
                created_at=job.created_at,
                updated_at=job.updated_at,
                expires_at=job.expires_at,
            )
        )
        await self._s.flush()

    async def get(self, tenant_id: str, job_id: str) -> Job | None:
        row = await self._s.scalar(
            select(JobRow)
            .where(JobRow.tenant_id == tenant_id, JobRow.id == job_id)
            .execution_options(populate_existing=True)
        )
        return _job(row) if row else None

    async def active_count(self, tenant_id: str) -> int:
        count = await self._s.scalar(
            select(func.count())
            .select_from(JobRow)
            .where(JobRow.tenant_id == tenant_id, JobRow.status.in_([str(s) for s in ACTIVE]))
        )
        return int(count or 0)

    async def sealed(self, tenant_id: str, job_id: str, column: str) -> bytes | None:
        return await self._s.scalar(
            select(_SEALED[column]).where(JobRow.tenant_id == tenant_id, JobRow.id == job_id)
        )

    async def claim(self, owner: str, now: datetime, until: datetime) -> Job | None:
        candidates = await self._s.scalars(
            select(JobRow.id).where(_claimable(now)).order_by(JobRow.created_at).limit(5)
        )
        for job_id in list(candidates):
            result = await self._s.execute(
                update(JobRow)
                .where(JobRow.id == job_id, _claimable(now))
                .values(
                    status=str(JobStatus.PROCESSING),
                    lease_owner=owner,
                    lease_until=until,
                    attempts=JobRow.attempts + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) == 1:
                row = await self._s.scalar(
                    select(JobRow)
                    .where(JobRow.id == job_id)
                    .execution_options(populate_existing=True)
                )
                return _job(row) if row else None
        return None

    async def finish(self, job_id: str, owner: str, outcome: Outcome, now: datetime) -> bool:
        result = await self._s.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.lease_owner == owner)
            .values(
                status=str(outcome.status),
                summary=dict(outcome.summary),
                result_sealed=outcome.result_sealed,
                errors_sealed=outcome.errors_sealed,
                input_sealed=None,  # the import file is not kept once it has been run
                lease_owner=None,
                lease_until=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def purge_expired(self, now: datetime) -> int:
        result = await self._s.execute(delete(JobRow).where(JobRow.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)


def sql_job_repo(uow: UnitOfWork) -> SqlJobRepo:
    """The job repository on the session of an SQL unit of work."""
    if not isinstance(uow, SqlUnitOfWork):
        raise TypeError("SqlJobRepo needs an SQL unit of work")
    return SqlJobRepo(uow.session)

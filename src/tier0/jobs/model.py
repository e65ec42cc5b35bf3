"""What a bulk job is, and the port its store implements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class JobType(StrEnum):
    USERS_IMPORT = "users_import"
    USERS_EXPORT = "users_export"


class JobStatus(StrEnum):
    """Auth0's job states. ``processing`` carries a lease: a node that dies mid-job leaves it
    to be claimed again when the lease runs out."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


ACTIVE = (JobStatus.PENDING, JobStatus.PROCESSING)


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    tenant_id: str
    type: JobType
    status: JobStatus
    options: Mapping[str, Any]
    created_by: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    summary: Mapping[str, Any] | None = None
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a run ended: the summary to show and the sealed result and errors to keep."""

    status: JobStatus
    summary: Mapping[str, Any]
    result_sealed: bytes | None = None
    errors_sealed: bytes | None = None


class JobRepo(Protocol):
    async def add(self, job: Job, input_sealed: bytes | None) -> None: ...
    async def get(self, tenant_id: str, job_id: str) -> Job | None: ...
    async def active_count(self, tenant_id: str) -> int: ...
    async def sealed(self, tenant_id: str, job_id: str, column: str) -> bytes | None:
        """``input_sealed``, ``result_sealed`` or ``errors_sealed`` of one job."""
        ...

    async def claim(self, owner: str, now: datetime, until: datetime) -> Job | None:
        """Take the oldest pending job, or a processing one whose lease ran out, that has
        not expired; None when there is none (or another node won every race)."""
        ...

    async def finish(self, job_id: str, owner: str, outcome: Outcome, now: datetime) -> bool:
        """Store the outcome if ``owner`` still holds the lease."""
        ...

    async def purge_expired(self, now: datetime) -> int: ...

"""Bulk user jobs (Auth0's ``/jobs/users-imports`` and ``/jobs/users-exports``): persisted,
run in the background of whichever node claims them, resumable after a crash."""

from tier0.jobs.model import Job, JobStatus, JobType
from tier0.jobs.runner import JobRunner
from tier0.jobs.service import JobService

__all__ = ["Job", "JobRunner", "JobService", "JobStatus", "JobType"]

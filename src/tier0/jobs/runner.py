"""Runs bulk jobs in the background of this process.

Creating a job kicks the runner, which drains every claimable job and stops; `tier0 serve`
also runs :meth:`JobRunner.run`, which looks again every few seconds, so a job left behind
by a node that died is taken up once its lease runs out. The drain runs in an empty context:
it must not inherit the tenant scope (or an open transaction) of the request that kicked it,
and it sets each job's own tenant scope itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging

from tier0.jobs.service import JobService

LOG = logging.getLogger(__name__)


class JobRunner:
    def __init__(self, jobs: JobService, node_id: str) -> None:
        self._jobs = jobs
        self._node = node_id
        self._task: asyncio.Task[int] | None = None

    def kick(self) -> None:
        """Start draining now, unless a drain is already running."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain_logged(), context=contextvars.Context())

    async def drain(self) -> int:
        """Run jobs until none is claimable; returns how many ran."""
        ran = 0
        while await self._jobs.run_next(self._node):
            ran += 1
        return ran

    async def _drain_logged(self) -> int:
        try:
            return await self.drain()
        except Exception:  # the job keeps its lease and is retried when it runs out
            LOG.exception("bulk job runner pass failed")
            return 0

    async def idle(self) -> None:
        """Wait for a kicked drain to finish (shutdown, tests)."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self, stop: asyncio.Event, *, every: float = 5.0) -> None:
        """Drain, then look again every ``every`` seconds until ``stop`` is set."""
        while not stop.is_set():
            try:
                await self.drain()
            except Exception:  # a broken job or a database outage must not end the loop
                LOG.exception("bulk job runner pass failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every)

"""Group commit for the ingress.

Requests that arrive while a batch is being written wait for the next batch,
so under load one INSERT and one commit acknowledge hundreds of updates, and a
lone request still goes out at once. A request is answered only after the
transaction holding its job has committed. Messaging updates go into the
inbox (:mod:`core.jobs.inbox`), everything else becomes a job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
import structlog

from core.jobs import inbox
from core.jobs.queues import JobRequest
from core.platform.config import DEFAULT_SHARDS
from core.platform.database import connection, retryable_failures
from core.platform.errors import DatabaseUnavailable

log = structlog.get_logger(__name__)


class JobRecorder:
    def __init__(
        self, pool: asyncpg.Pool, *, shards: int = DEFAULT_SHARDS, max_batch: int = 500,
        max_inflight: int = 4,
    ) -> None:
        self._pool = pool
        self._shards = shards
        self._max_batch = max_batch
        self._max_inflight = max_inflight
        self._pending: list[tuple[JobRequest, asyncio.Future[None]]] = []
        self._inflight: set[asyncio.Task[None]] = set()

    async def record(self, job: JobRequest) -> None:
        """Return once ``job`` is committed; raise DatabaseUnavailable otherwise."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((job, future))
        self._flush_some()
        # Shielded: a client that hangs up must not cancel its neighbours' batch.
        await asyncio.shield(future)

    def _flush_some(self) -> None:
        while self._pending and len(self._inflight) < self._max_inflight:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            task = asyncio.create_task(self._write(batch))
            self._inflight.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._flush_some()

    async def _write(self, batch: Sequence[tuple[JobRequest, asyncio.Future[None]]]) -> None:
        error: BaseException | None = None
        try:
            async with retryable_failures(), connection(self._pool) as conn:
                # One transaction: the whole batch commits or none of it does.
                await inbox.record(conn, [job for job, _ in batch], self._shards)
        except DatabaseUnavailable as exc:
            error = exc
        except Exception as exc:
            if len(batch) > 1:
                # One job Postgres refuses must not fail its neighbours: each is
                # written alone, so only the bad one is answered with an error.
                log.warning("recording a batch failed: recording its jobs one by one", size=len(batch))
                for one in batch:
                    await self._write([one])
                return
            log.exception("recording a job failed", task=batch[0][0].task.value)
            error = exc
        for _, future in batch:
            if future.done():
                continue
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)

    async def close(self) -> None:
        while self._inflight or self._pending:
            self._flush_some()
            if self._inflight:
                await asyncio.wait(set(self._inflight))

"""Recovering the work of a worker process that died without finishing it.

A worker killed with SIGKILL (a dyno manager's stop timeout, the OOM killer)
leaves its jobs ``doing`` and the outbox rows it had claimed ``sending``.
procrastinate keeps a heartbeat per worker but recovers nothing by itself;
every worker process calls :func:`recover` every few seconds (see
``workers.wiring``), so the work of a dead worker is back in the queue within
about ``stalled_after`` seconds plus one recovery interval, whichever
processes are left. The rules live in one SQL function
(sql/migrations/0015_stall_recovery.sql) so that concurrent recoverers never
take the same job twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg

from core.jobs import queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.sql import q


class Kind(StrEnum):
    JOB_RETRIED = "job_retried"
    #: A job with the same queueing lock was waiting and does the same work.
    JOB_ABORTED = "job_aborted"
    #: The job could not be recovered (the reason is in ``detail``); the others were.
    JOB_ERROR = "job_error"
    #: A send that may have gone out before the kill: sent again (at least once).
    SEND_RETURNED = "send_returned"


@dataclass(frozen=True)
class Recovered:
    kind: Kind
    job_id: int | None
    task_name: str | None
    outbox_id: int | None
    detail: str | None


@dataclass(frozen=True)
class StallStatus:
    stalled_jobs: int
    live_workers: int
    jobs_recovered_last_hour: int
    sends_returned_last_hour: int
    recovery_errors_last_hour: int
    last_recovery_at: datetime | None


async def recover(conn: asyncpg.Connection, stalled_after: float) -> list[Recovered]:
    """Put the work of dead workers back; one transaction, safe to run anywhere at once.

    The returned sends are delivered by a job queued in the same transaction.
    """
    async with conn.transaction():
        rows = await conn.fetch(q("stalls_recover"), stalled_after)
        found = [Recovered(Kind(r["kind"]), r["job_id"], r["task_name"], r["outbox_id"], r["detail"])
                 for r in rows]
        returned = [r.outbox_id for r in found if r.kind is Kind.SEND_RETURNED and r.outbox_id]
        if returned:
            await queues.defer(conn, [JobRequest(Queue.MESSAGING, Task.DELIVER_OUTBOX, None,
                                               {"outbox_ids": returned})])
    return found


async def status(conn: asyncpg.Connection, stalled_after: float) -> StallStatus:
    row = await conn.fetchrow(q("stalls_status"), stalled_after)
    assert row is not None
    return StallStatus(**dict(row))


async def prune(conn: asyncpg.Connection, days: int) -> None:
    await conn.execute(q("stalls_prune"), days)

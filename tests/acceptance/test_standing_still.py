"""Workers that cost nothing when nobody writes, and still start work at once.

Real worker processes (``python -m workers messaging``): idle, one makes a
query or two a second (heartbeat, the stall watch), not one every 20 ms; a
job waiting behind a lock runs as soon as the lock frees, and a scheduled job
when it is due, without waiting for a poll (every 5 s as a safety net).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.harness import System, running_system
from tests.processes import WorkerProcesses, wait_until, worker_env

GROUP = -1001000000001
TIMEOUT = 90.0


@pytest.fixture
async def system(database_url: str) -> AsyncIterator[System]:
    async with running_system(database_url, with_workers=False) as running:
        yield running


@pytest.fixture
def workers(system: System, database_url: str, tmp_path: Path) -> Iterator[WorkerProcesses]:
    procs = WorkerProcesses(worker_env(database_url, system.settings.port, {}), tmp_path)
    yield procs
    procs.stop_all()


async def _started(system: System, workers: WorkerProcesses, queue: str = "messaging",
                   settle: float = 3.0) -> int:
    proc = workers.start(queue)
    await wait_until(system.pool, "SELECT count(*) > 0 FROM procrastinate_workers", timeout=TIMEOUT)
    # Connections opened, the first heartbeat and stall watch done: what follows is idling.
    await asyncio.sleep(settle)
    return proc.pid


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _transactions(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval(
        "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"))


async def test_an_idle_worker_makes_a_query_or_two_a_second(system: System, workers: WorkerProcesses) -> None:
    # A backend idle after a burst reports its counts up to 10 s later: the start-up's
    # transactions must be in before the window opens.
    pid = await _started(system, workers, settle=12)
    cpu, queries, started = _cpu_seconds(pid), await _transactions(system.pool), time.monotonic()
    await asyncio.sleep(10)
    seconds = time.monotonic() - started
    per_second = (await _transactions(system.pool) - queries) / seconds
    cpu_share = (_cpu_seconds(pid) - cpu) / seconds
    print(f"\nidle worker: {per_second:.1f} transactions/s on the database, {cpu_share:.2%} of a core")
    # Polling every 20 ms made it 50 queries a second and 5-7 % of a core.
    assert per_second < 5
    assert cpu_share < 0.025
    workers.check_alive()


async def _finished(pool: asyncpg.Pool, job_ids: list[int]) -> bool:
    return not await pool.fetchval("SELECT count(*) FROM procrastinate_jobs WHERE id = ANY($1::bigint[])"
                                   " AND status IN ('todo', 'doing')", job_ids)


async def _defer_group_jobs(pool: asyncpg.Pool, count: int, delay: float | None = None) -> list[int]:
    """Deliveries of the admin group's rows (there are none: each job is quick), sharing a lock.

    Inserted as the outbox schedules them, in SQL (procrastinate's insert trigger wakes the workers).
    """
    return [int(await pool.fetchval(
        "INSERT INTO procrastinate_jobs (queue_name, task_name, lock, args, scheduled_at)"
        " VALUES ('messaging', 'messaging.deliver_group', $1, jsonb_build_object('chat_id', $2::bigint),"
        " CASE WHEN $3::float8 IS NULL THEN NULL ELSE now() + make_interval(secs => $3) END) RETURNING id",
        f"deliver:{GROUP}", GROUP, delay)) for _ in range(count)]


async def test_jobs_behind_a_lock_run_as_the_lock_frees(system: System, workers: WorkerProcesses) -> None:
    await _started(system, workers)
    started = time.monotonic()
    jobs = await _defer_group_jobs(system.pool, 4)
    await wait_until(system.pool, "SELECT NOT EXISTS (SELECT 1 FROM procrastinate_jobs"
                     " WHERE id = ANY($1::bigint[]) AND status IN ('todo', 'doing'))", jobs, timeout=TIMEOUT)
    took = time.monotonic() - started
    print(f"\n4 jobs sharing a lock, one after the other: {took:.2f} s")
    # Each would otherwise wait for the next poll, 5 s apart.
    assert took < 4.0
    workers.check_alive()


async def test_a_scheduled_job_runs_when_it_is_due(system: System, workers: WorkerProcesses) -> None:
    await _started(system, workers)
    started = time.monotonic()
    jobs = await _defer_group_jobs(system.pool, 1, delay=1.5)
    await wait_until(system.pool, "SELECT NOT EXISTS (SELECT 1 FROM procrastinate_jobs"
                     " WHERE id = ANY($1::bigint[]) AND status IN ('todo', 'doing'))", jobs, timeout=TIMEOUT)
    took = time.monotonic() - started
    print(f"\na job scheduled 1.5 s ahead ran after {took:.2f} s")
    assert 1.4 < took < 4.5  # not at the next 5 s poll
    workers.check_alive()

"""Who the ingress tells about a new update: the waiting drain, a queued job, or nobody.

sql/migrations/0030_inbox_listeners.sql, statement by statement against a
real Postgres: a waiting drain is rung (a notification) and no job is queued;
a busy one (it took updates and has not looked again) is neither rung nor
sent a job, since it takes again before it waits; a drain that stopped
listening, or whose row ran out (its worker died), gets a job queued again.
With 0031's ``ring_below``, a drain that took a small batch stays waiting while
it handles it (the next update rings it), and one that took a larger batch is
busy as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from core.jobs import inbox
from core.jobs.inbox_bell import CHANNEL
from core.jobs.queues import JobRequest, Queue, Task

SHARDS = 16
ACTOR = "user:42"
SHARD = inbox.shard_of(ACTOR, SHARDS)


def _update(update_id: int) -> JobRequest:
    return JobRequest(Queue.MESSAGING, Task.MESSAGING_UPDATE, ACTOR,
                      {"update": {"update_id": update_id, "message": {"text": f"m{update_id}"}}})


async def _drains_queued(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'messaging.drain'"))


async def _record(pool: asyncpg.Pool, update_id: int) -> None:
    async with pool.acquire() as conn:
        await inbox.record(conn, [_update(update_id)], SHARDS)


async def _take(pool: asyncpg.Pool, listen: float, ring_below: int = 0) -> list[int]:
    async with pool.acquire() as conn:
        return [p.update_id for p in await inbox.take(conn, SHARD, 100, listen=listen, ring_below=ring_below)]


@asynccontextmanager
async def _rung(database_url: str) -> AsyncIterator[asyncio.Queue[str]]:
    """The shards named by notifications on the bell's channel while the block runs."""
    rung: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(database_url)
    try:
        await listener.add_listener(CHANNEL, lambda _c, _p, _ch, payload: rung.put_nowait(payload))
        yield rung
    finally:
        await listener.close()


async def test_the_ingress_rings_a_waiting_drain_and_leaves_a_busy_one_alone(
    db_pool: asyncpg.Pool, database_url: str
) -> None:
    async with _rung(database_url) as rung:

        # Nobody listens: the first update queues the shard's drain.
        await _record(db_pool, 1)
        assert await _drains_queued(db_pool) == 1
        await db_pool.execute("DELETE FROM procrastinate_jobs")  # as if it ran and is about to wait
        assert await _take(db_pool, 5.0) == [1]
        await db_pool.execute("DELETE FROM inbox")

        # The drain finds its shard empty and waits: the next update rings it, no job.
        assert await _take(db_pool, 5.0) == []
        await _record(db_pool, 2)
        assert await asyncio.wait_for(rung.get(), 5.0) == str(SHARD)
        assert await _drains_queued(db_pool) == 0

        # It took the update and is busy: the next one neither rings it nor queues a job.
        assert await _take(db_pool, 5.0) == [2]
        await db_pool.execute("DELETE FROM inbox")
        await _record(db_pool, 3)
        await asyncio.sleep(0.2)
        assert rung.empty()
        assert await _drains_queued(db_pool) == 0
        # ...it finds it when it looks again, before waiting.
        assert await _take(db_pool, 5.0) == [3]
        await db_pool.execute("DELETE FROM inbox")

        # It stops listening: the next update queues a job again.
        assert await _take(db_pool, 0.0) == []
        assert await db_pool.fetchval("SELECT count(*) FROM inbox_listeners") == 0
        await _record(db_pool, 4)
        assert await _drains_queued(db_pool) == 1
        assert rung.empty()


async def test_a_drain_that_took_a_small_batch_is_rung_while_it_handles_it(
    db_pool: asyncpg.Pool, database_url: str
) -> None:
    async with _rung(database_url) as rung:
        await _record(db_pool, 1)
        await db_pool.execute("DELETE FROM procrastinate_jobs")  # as if its job ran and took it

        # One update, below ring_below: it stays waiting while it handles it...
        assert await _take(db_pool, 5.0, ring_below=4) == [1]
        assert await db_pool.fetchval("SELECT waiting FROM inbox_listeners WHERE shard = $1", SHARD)
        await db_pool.execute("DELETE FROM inbox")
        # ...so the next update rings it (it need not look before waiting), and queues no job.
        await _record(db_pool, 2)
        assert await asyncio.wait_for(rung.get(), 5.0) == str(SHARD)
        assert await _drains_queued(db_pool) == 0

        # Four at once (not below 4): a busy shard; the next update neither rings nor queues.
        for update_id in (3, 4, 5):
            await _record(db_pool, update_id)
        while not rung.empty():
            rung.get_nowait()
        assert await _take(db_pool, 5.0, ring_below=4) == [2, 3, 4, 5]
        await db_pool.execute("DELETE FROM inbox")
        await _record(db_pool, 6)
        await asyncio.sleep(0.2)
        assert rung.empty()
        assert await _drains_queued(db_pool) == 0

        # Without a listen (the bell is down), a small batch does not write it down as waiting.
        assert await _take(db_pool, 0.0, ring_below=4) == [6]
        assert not await db_pool.fetchval("SELECT waiting FROM inbox_listeners WHERE shard = $1", SHARD)


async def test_a_waiting_drain_whose_row_ran_out_gets_a_job_again(db_pool: asyncpg.Pool) -> None:
    # A drain whose worker died cannot remove its row; past its time, recorders queue jobs.
    assert await _take(db_pool, 5.0) == []
    await db_pool.execute("UPDATE inbox_listeners SET until = now() - interval '1 second'")
    await _record(db_pool, 5)
    assert await _drains_queued(db_pool) == 1

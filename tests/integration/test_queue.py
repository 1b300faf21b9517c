"""The queue with a real procrastinate worker: batched defers, retries, failures."""

from __future__ import annotations

import asyncio

import asyncpg
from procrastinate import App, PsycopgConnector

from core.jobs import inbox, queues
from core.jobs.queues import JobRequest, Queue, Task
from core.platform.errors import PermanentError, TelegramUnavailable
from webhooks.recorder import JobRecorder
from workers.runtime import BACKOFF


async def test_recorder_commits_concurrent_requests_in_few_batches(db_pool: asyncpg.Pool) -> None:
    recorder = JobRecorder(db_pool, shards=16, max_batch=50, max_inflight=2)
    requests = [
        JobRequest(Queue.MESSAGING, Task.MESSAGING_UPDATE, f"user:{i % 7}",
                   {"update": {"update_id": i, "message": {"text": f"m{i}"}}})
        for i in range(300)
    ]
    await asyncio.gather(*(recorder.record(r) for r in requests))
    rows = await db_pool.fetch("SELECT shard, update_id, payload FROM inbox ORDER BY id")
    # Batches in flight together may commit in either order; none is lost or doubled.
    assert sorted(r["update_id"] for r in rows) == list(range(300))
    assert all(r["payload"]["message"]["text"] == f"m{r['update_id']}" for r in rows)
    # An actor's updates keep one shard, and each shard has one drain job waiting, not one per update.
    shards = {inbox.shard_of(f"user:{u}", 16) for u in range(7)}
    assert {r["shard"] for r in rows} == shards
    jobs = await db_pool.fetch("SELECT task_name, lock, queueing_lock, args FROM procrastinate_jobs")
    assert sorted((j["lock"], j["queueing_lock"], j["args"]["shard"]) for j in jobs) == sorted(
        (f"drain:{s}", f"drain:{s}", s) for s in shards)
    assert {j["task_name"] for j in jobs} == {"messaging.drain"}
    # One transaction per batch: far fewer commits than requests.
    batches = await db_pool.fetchval("SELECT count(DISTINCT xmin::text) FROM inbox")
    assert batches < 30


async def test_a_drain_finding_its_shard_empty_waits_for_recorders_still_committing(
    db_pool: asyncpg.Pool,
) -> None:
    update = JobRequest(Queue.MESSAGING, Task.MESSAGING_UPDATE, "user:1", {"update": {"update_id": 1}})
    shard = inbox.shard_of("user:1", 4)
    async with db_pool.acquire() as recorder, db_pool.acquire() as drainer:
        tx = recorder.transaction()
        await tx.start()
        await inbox.record(recorder, [update], 4)  # recorded, not yet committed
        check = asyncio.create_task(inbox.take(drainer, shard, 10))
        await asyncio.sleep(0.3)
        assert not check.done(), "the drain concluded while a recorder was still committing"
        await tx.commit()
        [taken] = await asyncio.wait_for(check, 5)
        assert taken.update_id == 1


async def test_defer_joins_the_callers_transaction(db_pool: asyncpg.Pool) -> None:
    job = JobRequest(Queue.BILLING, Task.BILLING_STRIPE_EVENT, None, {"event": {"id": "e"}})
    async with db_pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        await queues.defer(conn, [job])
        await tx.rollback()
    assert await db_pool.fetchval("SELECT count(*) FROM procrastinate_jobs") == 0


async def test_retryable_failures_are_rescheduled_and_permanent_ones_fail_visibly(
    db_pool: asyncpg.Pool, database_url: str
) -> None:
    app = App(connector=PsycopgConnector(conninfo=database_url))
    calls: list[str] = []

    @app.task(name="t.flaky", queue="messaging", retry=BACKOFF)
    async def flaky() -> None:
        calls.append("flaky")
        raise TelegramUnavailable("telegram is down")

    @app.task(name="t.broken", queue="messaging", retry=BACKOFF)
    async def broken() -> None:
        calls.append("broken")
        raise PermanentError("cannot work")

    async with app.open_async():
        await flaky.defer_async()
        await broken.defer_async()
        await app.run_worker_async(queues=["messaging"], wait=False, install_signal_handlers=False)

    assert sorted(calls) == ["broken", "flaky"]
    rows = {r["task_name"]: r for r in await db_pool.fetch("SELECT * FROM procrastinate_jobs")}
    assert rows["t.flaky"]["status"] == "todo"
    assert rows["t.flaky"]["attempts"] == 1
    assert await db_pool.fetchval(
        "SELECT scheduled_at > now() FROM procrastinate_jobs WHERE task_name = 't.flaky'"
    )
    assert rows["t.broken"]["status"] == "failed"
    async with db_pool.acquire() as conn:
        depths = {d.queue: d for d in await queues.queue_depths(conn)}
    assert depths["messaging"].failed == 1
    assert depths["messaging"].todo == 1

"""Crash and restart under load, the short version of bench/chaos.py.

Users write, Stripe and Stars payments arrive and an operator answers while a
random worker process is killed with SIGKILL every second or two and started
again, and Postgres is stopped and started once in the middle. Afterwards:
every acknowledged update handled exactly once, every message relayed and
charged once, every payment granted once, every balance the sum of its
ledger, nothing left in the queues, the inbox or the outbox; a send
duplicated by a kill only where a returned send was counted.
"""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import asyncpg
import pytest

from core.jobs import queues
from core.platform.database import retryable_failures
from core.platform.errors import DatabaseUnavailable
from tests.chaos_check import verdict
from tests.chaos_kit import PgControl, Plan, Rig
from tests.conftest import PgServer
from tests.db_proxy import DroppingProxy
from tests.processes import WorkerProcesses, wait_until, worker_env

PLAN = Plan(users=20, rate=25.0, seconds=24.0, kill_every=1.5, restart_postgres_at=10.0,
            stripe_payments=3, stars_payments=3, replies_per_second=1.0)


async def test_kills_and_a_postgres_restart_under_load_lose_and_double_nothing(
    database_url: str, pg_server: PgServer, tmp_path: Path
) -> None:
    if pg_server.data_dir is None:
        pytest.skip("Postgres can only be restarted when the tests run their own (no TEST_DATABASE_URL)")
    rig = Rig(database_url, tmp_path, PLAN, PgControl(pg_server.data_dir, pg_server.env))
    async with rig.open():
        await rig.onboard()
        log = await rig.run()
        # A liveness bound: a send whose job failed after claiming it while its worker
        # lives on (Postgres refusing connections) waits for its claim to go stale (300 s).
        await rig.settle(timeout=420)
        result = await verdict(rig.pool, log)
        async with rig.http.get(f"{rig.base}/health") as r:
            health = await r.json()
        print("\n" + json.dumps(result.figures, default=str), result.broken)
        assert not result.broken, (result.broken, rig.workers.log_tail())
        assert log.kills >= 10
        assert log.died_alone == []
        assert result.figures["answers_503_meanwhile"]
        assert r.status == 200
        assert health["stalled"]["jobs"] == 0
        assert health["stalled"]["jobs_recovered_last_hour"] >= 1


async def test_a_connection_the_server_dropped_mid_statement_is_the_database_unavailable() -> None:
    # Seen under a Postgres restart: the shutdown message arrives while a COMMIT is being
    # sent and asyncpg refuses the next step; the ingress answered 500 instead of 503.
    with pytest.raises(DatabaseUnavailable):
        async with retryable_failures():
            raise asyncpg.InternalClientError("cannot switch to state 15; another operation is in progress")


async def test_a_worker_started_while_the_database_is_down_waits_for_it(tmp_path: Path) -> None:
    # It used to exit at once (seen when a kill landed during the Postgres restart):
    # process managers restart a process that keeps crashing later and later.
    nowhere = f"postgresql://postgres@/paid_desk?host={tmp_path}"
    workers = WorkerProcesses(worker_env(nowhere, 9, {}), tmp_path)
    proc = workers.start("messaging")
    try:
        await workers.wait_for_line(proc, "waiting for the database")
        workers.check_alive()
        assert "waiting for the database" in workers.log_tail()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
        workers.stop_all()


async def test_a_worker_that_loses_the_database_while_starting_starts_again(
    database_url: str, db_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    # Seen in the chaos test: a billing worker restarted just before Postgres stopped
    # reached it once, then its pool's first connection was refused, and it exited 1.
    async with DroppingProxy(database_url, drop=range(2, 5)) as url:
        workers = WorkerProcesses(worker_env(url, 9, {"LOG_LEVEL": "info"}), tmp_path)
        proc = workers.start("billing")
        try:
            await workers.wait_for_line(proc, "worker started")
            workers.check_alive()
            tail = workers.log_tail()
            assert "database lost: starting again" in tail
            assert tail.count("worker started") == 1
            # The outage that made it start again is recorded, for the operators' alert.
            await wait_until(db_pool, "SELECT count(*) = 1 FROM db_outages WHERE noticed_by = $1",
                             f"billing-{proc.pid}", timeout=60, poll=0.1)
        finally:
            # In a thread: the proxy runs on this loop, and the worker's goodbyes go through it.
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(proc.wait, 15) == 0
            workers.stop_all()


async def test_a_running_worker_outlives_a_database_restart(
    database_url: str, db_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    proxy = DroppingProxy(database_url)
    async with proxy as url:
        workers = WorkerProcesses(worker_env(url, 9, {"LOG_LEVEL": "info"}), tmp_path)
        proc = workers.start("billing")
        try:
            await workers.wait_for_line(proc, "worker started")
            workers.check_alive()
            proxy.cut(seconds=3)
            await asyncio.sleep(4)
            async with db_pool.acquire() as conn:
                [job] = await queues.defer(conn, [queues.JobRequest(
                    queues.Queue.BILLING, queues.Task.BILLING_UPDATE, "user:1",
                    {"update": {"update_id": 1}})])
            # Done jobs are deleted (delete_jobs="successful").
            await wait_until(db_pool, "SELECT NOT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE id = $1)",
                             job, timeout=60, poll=0.1)
            await wait_until(db_pool, "SELECT count(*) = 1 FROM db_outages WHERE noticed_by = $1",
                             f"billing-{proc.pid}", timeout=60, poll=0.1)
            workers.check_alive()
        finally:
            proc.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(proc.wait, 15) == 0
            workers.stop_all()

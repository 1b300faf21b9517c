"""A drain that emptied its shard listens a moment for the shard's next update.

At moderate load each message used to cost a procrastinate job of its own
(queued, fetched, started, finished, deleted). A drain now waits
``MESSAGING_LINGER_SECONDS`` after its shard runs dry, and the ingress rings
it instead of queueing a job (sql/migrations/0030_inbox_listeners.sql). These
tests count the drain jobs queued (a spy trigger on procrastinate_jobs) with
real worker processes, and check that nothing is lost when the listening
drain's worker is stopped, killed, or loses its listening connection.
"""

from __future__ import annotations

import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from tests import builders
from tests.acceptance.conftest import assert_ledger_invariant
from tests.builders import Person
from tests.harness import System, running_system
from tests.processes import WorkerProcesses, wait_until, worker_env

GROUP = -1001000000001
ADA = Person(700_100_001, "Ada", None, "ada", "en")
TIMEOUT = 90.0
SPY = """
CREATE TABLE test_drains_queued (id bigserial PRIMARY KEY, shard integer NOT NULL);
CREATE FUNCTION test_drain_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO test_drains_queued (shard) VALUES ((NEW.args ->> 'shard')::integer);
    RETURN NULL;
END $$;
CREATE TRIGGER test_drain_queued AFTER INSERT ON procrastinate_jobs
    FOR EACH ROW WHEN (NEW.task_name = 'messaging.drain') EXECUTE FUNCTION test_drain_queued();
"""
LISTENING = "SELECT count(*) = 1 FROM inbox_listeners WHERE until > now() AND waiting"
DRAIN_RUNNING = ("SELECT count(*) FROM procrastinate_jobs"
                 " WHERE task_name = 'messaging.drain' AND status = 'doing'")
DRAIN_ENDED = ("SELECT NOT EXISTS (SELECT 1 FROM inbox_listeners)"
               " AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs"
               " WHERE task_name = 'messaging.drain' AND status = 'doing')")
BELL = "FROM pg_stat_activity WHERE query LIKE 'LISTEN \"paid_desk_inbox\"%'"


def _env(linger: float) -> dict[str, str]:
    return {"ADMIN_GROUP_IDS": str(GROUP), "MESSAGING_LINGER_SECONDS": str(linger),
            "WORKER_STALLED_AFTER_SECONDS": "3", "WORKER_SHUTDOWN_GRACE_SECONDS": "60"}


@pytest.fixture
def linger() -> float:
    return 30.0


@pytest.fixture
async def system(database_url: str, linger: float) -> AsyncIterator[System]:
    async with running_system(database_url, with_workers=False, env=_env(linger)) as running:
        await running.pool.execute(SPY)
        yield running


@pytest.fixture
def workers(system: System, database_url: str, tmp_path: Path, linger: float) -> Iterator[WorkerProcesses]:
    procs = WorkerProcesses(worker_env(database_url, system.settings.port, _env(linger)), tmp_path)
    yield procs
    procs.stop_all()


async def _queued(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM test_drains_queued"))


async def _write(system: System, text: str) -> None:
    status, body = await system.post_update(builders.private_text(ADA, text))
    assert status == 200, body


async def _relayed(system: System, text: str) -> None:
    await wait_until(system.pool, "SELECT count(*) > 0 FROM messages WHERE text = $1 AND status = 'relayed'",
                     text, timeout=TIMEOUT)


async def _relayed_once(pool: asyncpg.Pool, *texts: str) -> None:
    rows = await pool.fetch(
        "SELECT text, status FROM messages WHERE direction = 'in' AND text = ANY ($1::text[])", list(texts))
    assert sorted((r["text"], r["status"]) for r in rows) == sorted((t, "relayed") for t in texts)


async def _started_and_listening(system: System, workers: WorkerProcesses) -> None:
    workers.start("messaging")
    await _write(system, "/start")
    await _write(system, "hello")
    await _relayed(system, "hello")
    await wait_until(system.pool, LISTENING, timeout=TIMEOUT)


async def test_a_listening_drain_takes_the_next_messages_without_a_job(
    system: System, workers: WorkerProcesses
) -> None:
    await _started_and_listening(system, workers)
    queued = await _queued(system.pool)
    assert queued >= 1  # the first message's drain came as a job
    for text in ("second", "third"):
        await _write(system, text)
        await _relayed(system, text)
    # Both were rung to the drain still waiting: no job queued for them.
    assert await _queued(system.pool) == queued
    assert await system.pool.fetchval(DRAIN_RUNNING) == 1
    await _relayed_once(system.pool, "hello", "second", "third")
    assert await system.pool.fetchval("SELECT credits FROM users WHERE telegram_id = $1", ADA.id) == 0
    await assert_ledger_invariant(system.pool)
    workers.check_alive()


@pytest.mark.parametrize("linger", [0.3])
async def test_a_drain_that_waited_in_vain_ends_and_the_next_message_queues_one(
    system: System, workers: WorkerProcesses
) -> None:
    workers.start("messaging")
    await _write(system, "/start")
    await _write(system, "hello")
    await _relayed(system, "hello")
    await wait_until(system.pool, DRAIN_ENDED, timeout=TIMEOUT)
    queued = await _queued(system.pool)
    await _write(system, "later")
    await _relayed(system, "later")
    assert await _queued(system.pool) == queued + 1
    await _relayed_once(system.pool, "hello", "later")


async def test_sigterm_ends_a_listening_drain_at_once(system: System, workers: WorkerProcesses) -> None:
    await _started_and_listening(system, workers)
    proc = workers.running.pop("messaging")
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(TIMEOUT)
    # Without the bell closing, the drain would wait out its 30 s, then the 60 s grace.
    assert time.monotonic() - started < 25
    assert proc.returncode == 0
    assert await system.pool.fetchval("SELECT count(*) FROM inbox_listeners") == 0
    assert await system.pool.fetchval("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'") == 0
    queued = await _queued(system.pool)
    await _write(system, "while stopped")
    assert await _queued(system.pool) == queued + 1  # nobody listens: a job waits for the next worker
    workers.start("messaging")
    await _relayed(system, "while stopped")
    await _relayed_once(system.pool, "hello", "while stopped")


async def test_a_message_rung_to_a_killed_drain_comes_back_with_its_job(
    system: System, workers: WorkerProcesses
) -> None:
    await _started_and_listening(system, workers)
    workers.kill("messaging")
    queued = await _queued(system.pool)
    await _write(system, "rung to the dead")
    # The dead drain's row still counts: the update waits in the inbox, no job queued.
    assert await _queued(system.pool) == queued
    assert await system.pool.fetchval("SELECT count(*) FROM inbox") == 1
    workers.start("messaging")
    # The stall recovery gives the dead worker's drain job back; it finds the update.
    await _relayed(system, "rung to the dead")
    await _relayed_once(system.pool, "hello", "rung to the dead")
    await assert_ledger_invariant(system.pool)


async def test_a_lost_listening_connection_wakes_the_drain_and_loses_nothing(
    system: System, workers: WorkerProcesses
) -> None:
    await _started_and_listening(system, workers)
    cut = await system.pool.fetchval(f"SELECT count(pg_terminate_backend(pid)) {BELL}")
    assert cut == 1
    # The drain stops listening (its row goes) instead of waiting for a ring that cannot come.
    await wait_until(system.pool, "SELECT NOT EXISTS (SELECT 1 FROM inbox_listeners)", timeout=TIMEOUT)
    await _write(system, "after the cut")
    await _relayed(system, "after the cut")
    # The bell listens again, and a drain after it listens too.
    await wait_until(system.pool, f"SELECT count(*) = 1 {BELL}", timeout=TIMEOUT)
    await _write(system, "after the reconnect")
    await _relayed(system, "after the reconnect")
    await _relayed_once(system.pool, "hello", "after the cut", "after the reconnect")
    workers.check_alive()
